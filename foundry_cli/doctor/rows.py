"""The documented error table (DESIGN §5) as data: one :class:`Row` per failure, in table order.

Every part of fclaude that explains a failure reads these rows: ``doctor`` (check results),
``doctor explain`` (pasted text), the error paragraph of ``ask``/``chat`` (``cli/_errors.py``),
the README's "when it does not work" section (:func:`render_markdown_table`) and the tests.
How a failure is matched to a row (evidence, tiers, precedence) is in :mod:`.classify`.
Exact bodies behind the rows are in ``reference/foundry-wire.md`` §2-3.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["ROWS", "ROW_BY_ID", "Row", "render_markdown_table", "row"]


@dataclass(frozen=True)
class Row:
    """One row of the error table: how to recognise a failure, its cause and its fix."""

    id: str
    """Stable kebab-case id, exactly as in DESIGN §5 (used in doctor JSON, JUnit and docs)."""
    title: str
    """Short name, e.g. "Deployment not found"."""
    symptom: str
    """What the user sees."""
    cause: str
    fix: str
    """One or two concrete sentences naming the settings / environment variables to change."""
    fix_command: str | None
    """A command that fixes or checks it, where one exists."""
    exit_code: int
    """DESIGN §6: 1 request failed, 3 configuration, 4 authentication/authorization."""
    statuses: tuple[int, ...] = ()
    """HTTP statuses that can carry this error (documentation; see ``_STATUS_ONLY`` for the fallback)."""
    codes: tuple[str, ...] = ()
    """Error codes in response bodies, compared case-insensitively."""
    aadsts: tuple[str, ...] = ()
    """Entra ID ``AADSTS`` numbers, without the prefix."""
    patterns: tuple[str, ...] = ()
    """Case-insensitive regexes over message text, whole bodies or log lines."""


_Q = r"[`'\"]"  # the quote styles services and SDKs put around names
_NAME = rf"(?:{_Q}[^`'\"\n]{{1,120}}{_Q} )"  # a quoted name followed by a space

ROWS: tuple[Row, ...] = (
    Row(
        id="endpoint-missing",
        title="No endpoint configured",
        symptom='"Missing API base" / no endpoint',
        cause="No endpoint is configured: neither the profile nor the environment names a Foundry resource.",
        fix=(
            "Set `endpoint` in the profile (`fclaude login`), or set `FCLAUDE_ENDPOINT` "
            "(also read: `ANTHROPIC_FOUNDRY_RESOURCE`, `ANTHROPIC_FOUNDRY_BASE_URL`, `AZURE_API_BASE`), "
            "e.g. `https://RES.services.ai.azure.com`."
        ),
        fix_command="fclaude login",
        exit_code=3,
        patterns=(
            r"\bmissing api[ _]?base\b",
            r"\bno endpoint (?:is )?(?:configured|set|given)\b",
            r"\bthe endpoint is empty\b",
            r"\bendpoint is (?:missing|not (?:configured|set))\b",
            r"\bFCLAUDE_ENDPOINT\b[^.\n]{0,40}?\b(?:is not set|missing|is empty)\b",
            # the openai SDK and the Vercel AI SDK with no Azure endpoint or resource name
            r"\bmust provide one of the `?base_url`? or `?azure_endpoint`? arguments\b",
            r"\bresource name setting is missing\b",
        ),
    ),
    Row(
        id="endpoint-shape",
        title="Wrong endpoint shape",
        symptom='404 `api_not_supported` "Requested API is currently not supported", or 404 on every path',
        cause=(
            "The URL is not a Foundry resource or project endpoint, a path was doubled "
            "(`.../v1/messages/v1/messages`), or the API format does not fit the URL."
        ),
        fix=(
            'For `api = "messages"` use `https://RES.services.ai.azure.com/anthropic`; for '
            '`api = "responses"` use `https://RES.services.ai.azure.com/api/projects/PROJ/openai`. '
            "Give the base URL only, without `/v1/messages` or `/responses`."
        ),
        fix_command="fclaude login",
        exit_code=1,
        statuses=(404,),
        codes=("api_not_supported",),
        patterns=(
            r"\brequested api is currently not supported\b",
            r"\bresource not found\b",  # the classic Azure 404 body for a path that does not exist
            r"/v1/messages/v1/messages\b",
        ),
    ),
    Row(
        id="project-not-found",
        title="Project not found",
        symptom='404 "The project does not exist."',
        cause="The project name in the endpoint (or `project` setting) is wrong.",
        fix=(
            "Copy the project endpoint from the Foundry portal (`https://RES.services.ai.azure.com/"
            "api/projects/PROJ`) and set `project` / `FCLAUDE_PROJECT` to its last segment."
        ),
        fix_command="fclaude login",
        exit_code=1,
        statuses=(404,),
        patterns=(
            r"\bthe project does not exist\b",
            rf"\bproject {_NAME}?(?:was )?not found\b",
        ),
    ),
    Row(
        id="sp-env-missing",
        title="Service-principal settings missing",
        symptom='"Failed to obtain Azure AD token", "EnvironmentCredential authentication unavailable"',
        cause=(
            "Service-principal auth without all of `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and "
            "`AZURE_TENANT_ID`."
        ),
        fix=(
            "Set all three of `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and `AZURE_TENANT_ID` "
            "(or `AZURE_CLIENT_CERTIFICATE_PATH` instead of the secret); `fclaude doctor` names the "
            "missing ones."
        ),
        fix_command="fclaude doctor",
        exit_code=4,
        patterns=(
            r"\bEnvironmentCredential (?:authentication unavailable|is unavailable)\b",
            r"\bfailed to obtain azure ad token\b",
            r"\benvironment variables are not fully configured\b",
            r"\bincomplete environment configuration\b",
            r"\bAZURE_(?:CLIENT_ID|CLIENT_SECRET|TENANT_ID)\b[^.\n]{0,80}?"
            r"\b(?:is not set|are not set|missing|is required|are required|is empty)\b",
        ),
    ),
    Row(
        id="secret-invalid",
        title="Invalid client secret",
        symptom="`AADSTS7000215` Invalid client secret provided",
        cause="The client secret value is wrong (often the secret's ID was pasted instead of its value).",
        fix=(
            "Create a new client secret for the app registration, copy its Value (not its Secret ID) "
            "and update `AZURE_CLIENT_SECRET` (or the profile's stored secret)."
        ),
        fix_command='az ad app credential reset --id "$AZURE_CLIENT_ID" --append',
        exit_code=4,
        statuses=(401,),
        aadsts=("7000215",),
        patterns=(r"\binvalid client secret\b",),
    ),
    Row(
        id="secret-expired",
        title="Client secret expired",
        symptom="`AADSTS7000222` The provided client secret keys are expired",
        cause="The client secret has expired.",
        fix=(
            "Create a new client secret, update `AZURE_CLIENT_SECRET` (or the profile's stored secret), "
            "and rotate it every 6-12 months."
        ),
        fix_command='az ad app credential reset --id "$AZURE_CLIENT_ID" --append',
        exit_code=4,
        statuses=(401,),
        aadsts=("7000222",),
        patterns=(
            r"\bclient secret keys? for app\b[^\n]{0,160}?\bexpired\b",
            r"\bclient secret (?:has )?expired\b",
            r"\bInvalidClientSecretExpiredKeysProvided\b",
        ),
    ),
    Row(
        id="app-not-found",
        title="App registration not found",
        symptom="`AADSTS700016` Application with identifier ... was not found in the directory",
        cause="The client id is not registered in that tenant.",
        fix=(
            "Check `AZURE_CLIENT_ID` (the app registration's Application (client) ID) and "
            "`AZURE_TENANT_ID` (the tenant the app is registered in)."
        ),
        fix_command='az ad sp show --id "$AZURE_CLIENT_ID"',
        exit_code=4,
        statuses=(400,),
        aadsts=("700016",),
        patterns=(
            r"\bapplication with identifier\b[^\n]{0,160}?\bwas not found in the directory\b",
            r"\bUnauthorizedClient_DoesNotMatchRequest\b",
        ),
    ),
    Row(
        id="tenant-not-found",
        title="Tenant not found",
        symptom="`AADSTS90002` Tenant ... not found",
        cause="The tenant id or domain is wrong (or belongs to another cloud).",
        fix=(
            "Check `AZURE_TENANT_ID` (or the profile's `tenant_id`): use the tenant's GUID or a verified "
            "domain, and for a sovereign cloud set `AZURE_AUTHORITY_HOST`."
        ),
        fix_command="az account show --query tenantId",
        exit_code=4,
        statuses=(400,),
        aadsts=("90002",),
        patterns=(
            rf"\btenant {_NAME}?not found\b",
            r"\bInvalidTenantName\b",
        ),
    ),
    Row(
        id="assertion-invalid",
        title="Federated assertion invalid",
        symptom="`AADSTS700024` Client assertion is not within its valid time range",
        cause="The federated (workload identity) assertion has expired, or the clock is skewed.",
        fix=(
            "Refresh the federated token file (`AZURE_FEDERATED_TOKEN_FILE`; CI tokens often live only "
            "minutes) and check the machine's clock."
        ),
        fix_command=None,
        exit_code=4,
        statuses=(400,),
        aadsts=("700024",),
        patterns=(
            r"\bclient assertion is not within its valid time range\b",
            r"\bclient assertion (?:has )?expired\b",
        ),
    ),
    Row(
        id="user-interaction",
        title="Sign-in needs a person",
        symptom="`AADSTS50076`, `AADSTS50079`, `AADSTS53003`, `AADSTS65001`, `AADSTS700082`",
        cause="MFA, conditional access, consent, or an expired refresh token needs a person to sign in.",
        fix=(
            "Sign in again interactively with `fclaude login` (device code); for AADSTS65001 an admin must "
            "grant consent, for AADSTS53003 the conditional-access policy must allow this client."
        ),
        fix_command="fclaude login",
        exit_code=4,
        statuses=(400,),
        codes=("interaction_required", "consent_required"),
        # The DESIGN numbers, plus siblings with the same cure (a person signs in again):
        # 70008 expired grant, 70043 sign-in frequency, 50173 fresh token needed.
        aadsts=("50076", "50079", "53003", "65001", "700082", "70008", "70043", "50173"),
        patterns=(
            r"\bmust (?:use|enroll in) multi-factor authentication\b",
            r"\bblocked by conditional access\b",
            r"\bhas not consented\b",
            r"\brefresh token has expired\b",
        ),
    ),
    Row(
        id="not-logged-in",
        title="Azure CLI not signed in",
        symptom='Azure CLI: "Please run \'az login\'" / "Azure CLI not found on path"',
        cause="There is no Azure CLI session, or `az` is not installed.",
        fix=(
            "Run `az login` (install the Azure CLI if `az` is missing), or choose another `auth` mode "
            "with `fclaude login`."
        ),
        fix_command="az login",
        exit_code=4,
        patterns=(
            rf"\bplease run:? *{_Q}?az login\b",
            rf"\brun {_Q}?az (?:login|account set)\b",
            r"\bazure cli not found on path\b",
            r"\bazure cli could not be found\b",
            r"\baz: (?:command )?not found\b",
            r"'az' is not recognized as an internal or external command",
            r"\bfailed to invoke the azure cli\b",
        ),
    ),
    Row(
        id="audience",
        title="Token audience wrong",
        symptom=(
            '401 "Unauthorized. Access token is missing, invalid, audience is incorrect '
            '(https://ai.azure.com), or have expired."'
        ),
        cause=(
            "The token was requested for the wrong scope (project endpoints accept only "
            "`https://ai.azure.com`), or an API key was sent as a Bearer token."
        ),
        fix=(
            "Request a token for `https://ai.azure.com/.default` (`FCLAUDE_SCOPE`); with a key use "
            '`auth = "api-key"`. `fclaude doctor` decodes the token\'s `aud` and says which audience '
            "the endpoint wants."
        ),
        fix_command="fclaude doctor",
        exit_code=4,
        statuses=(401,),
        codes=("invalid_scope",),
        # 500011: "resource principal ... not found" and 70011: invalid scope are both a wrong scope.
        aadsts=("500011", "70011"),
        patterns=(
            r"\baudience is incorrect\b",
            r"\binvalid audience\b",
            r"\baudience\b[^.\n]{0,80}?\bis not a supported\b",
            r"\bresource principal named\b[^\n]{0,200}?\bwas not found\b",
        ),
    ),
    Row(
        id="role-missing",
        title="Data-plane role missing",
        symptom='401/403 `PermissionDenied` "The principal ... lacks the required data action ..."',
        cause=(
            "The principal has no data-plane role on the resource or project; Owner/Contributor do not "
            "grant it; new assignments take up to 5 minutes."
        ),
        fix=(
            'Grant "Cognitive Services User" or "Azure AI User" to the principal on the Foundry resource '
            "(Owner and Contributor do not grant data access), then allow up to 5 minutes to apply; "
            '"Cognitive Services OpenAI User" may cover only OpenAI models.'
        ),
        fix_command=(
            'az role assignment create --assignee PRINCIPAL_ID --role "Cognitive Services User" '
            "--scope RESOURCE_ID"
        ),
        exit_code=4,
        statuses=(401, 403),
        codes=("PermissionDenied", "permission_error"),
        patterns=(
            r"\blacks the required data action\b",
            r"\bprincipal does not have access to api/operation\b",
            r"\baka\.ms/FoundryPermissions\b",
        ),
    ),
    Row(
        id="key-invalid",
        title="API key invalid",
        symptom=(
            '401 "Access denied due to invalid subscription key or wrong API endpoint" / '
            "Anthropic `authentication_error`"
        ),
        cause="The API key is wrong, or belongs to another resource.",
        fix=(
            "Copy Key 1 from the resource's Keys and Endpoint page and store it again (`fclaude login`, "
            "or `FCLAUDE_API_KEY` / `ANTHROPIC_FOUNDRY_API_KEY`); the key must belong to the endpoint's "
            "resource."
        ),
        fix_command="az cognitiveservices account keys list --name RES --resource-group RG",
        exit_code=4,
        statuses=(401,),
        codes=("authentication_error",),
        patterns=(
            r"\binvalid subscription key\b",
            r"\binvalid x-api-key\b",
            r"\b(?:invalid|incorrect) api[ -]?key\b",
        ),
    ),
    Row(
        id="key-auth-disabled",
        title="Key authentication disabled",
        symptom='403 `AuthenticationTypeDisabled` "Key based authentication is disabled for this resource."',
        cause="The resource accepts only Entra ID tokens (`disableLocalAuth` is set).",
        fix=(
            'Switch the profile to an Entra ID auth mode (`auth = "azure-cli"`, `"service-principal"`, '
            '`"managed-identity"`, ...) with `fclaude login` or `FCLAUDE_AUTH`.'
        ),
        fix_command="fclaude login",
        exit_code=4,
        statuses=(403,),
        codes=("AuthenticationTypeDisabled",),
        patterns=(r"\bkey based authentication is disabled\b",),
    ),
    Row(
        id="deployment-not-found",
        title="Deployment not found",
        symptom='404 `DeploymentNotFound` / `not_found_error` / "model not found"',
        cause=(
            "The deployment name differs from the request's model (the model field is the deployment "
            "name), or the deployment was created less than 5 minutes ago."
        ),
        fix=(
            "Use the exact deployment name (`-m`, `deployment`, `FCLAUDE_DEPLOYMENT`); `fclaude models` "
            "lists the deployments on the resource. A new deployment can take 5 minutes to answer."
        ),
        fix_command="fclaude models",
        exit_code=1,
        statuses=(404,),
        codes=("DeploymentNotFound", "model_not_found", "not_found_error"),
        patterns=(
            r"\bapi deployment for this resource does not exist\b",
            rf"\bdeployment {_NAME}?(?:was )?not found\b",
            rf"\bdeployment {_NAME}does not exist\b",
            rf"\bmodel {_NAME}?(?:was )?not found\b",
            rf"\bthe model {_Q}?[\w./:-]+{_Q}? does not exist\b",
            r"\bunknown (?:model|deployment)\b",
        ),
    ),
    Row(
        id="region",
        title="Region does not offer the model",
        symptom="model cannot be deployed / not found in this region",
        cause=(
            "The resource is outside the regions that offer Claude (East US 2 and Sweden Central for "
            "Global Standard)."
        ),
        fix=(
            "Create the Foundry resource in a region that offers Claude (East US 2 or Sweden Central for "
            "Global Standard), deploy the model there and point `endpoint` at it."
        ),
        fix_command="az cognitiveservices account show --name RES --resource-group RG --query location",
        exit_code=1,
        statuses=(400, 404),
        patterns=(
            r"\bnot (?:supported|available|offered) in (?:this|the|your) region\b",
            r"\bnot found in (?:this|the|your) region\b",
            r"\bcannot be deployed\b[^\n]{0,160}?\bregions?\b",
            r"\bregion (?:is )?not (?:available|supported)\b",
        ),
    ),
    Row(
        id="api-version",
        title="Wrong api-version",
        symptom=(
            '"Missing required query parameter: api-version", "API version not supported", '
            '"api-version query parameter is not allowed when using /v1 path"'
        ),
        cause="The api-version is wrong or missing for the route.",
        fix=(
            'Project Responses route: `api_version = "2025-11-15-preview"` (`FCLAUDE_API_VERSION`); '
            '`/openai/v1/...` routes: `api_version = "v1"`, which sends no api-version; the Messages '
            "route (`/anthropic`) takes none."
        ),
        fix_command=None,
        exit_code=1,
        statuses=(400, 404),
        patterns=(
            rf"\bmissing required query parameter:? *{_Q}?api-version\b",
            r"\bapi version not supported\b",
            r"\bapi-version query parameter is not allowed\b",
            r"\b(?:unsupported|invalid) api[- ]version\b",
            r"\bapi[- ]version\b[^.\n]{0,60}?\bis (?:not supported|not valid|invalid|required|not allowed)\b",
            r"\benabled only for api versions?\b",
            r"\bmust provide either the `?api_version`? argument\b",
        ),
    ),
    Row(
        id="max-tokens",
        title="max_tokens missing",
        symptom='400 "max_tokens: Field required"',
        cause="The Messages API requires `max_tokens` in every request.",
        fix=(
            "Send `max_tokens` with every Messages request; fclaude always does (`--max-tokens`, "
            "`max_tokens`, default 4096), so this comes from another client or a proxy that drops it."
        ),
        fix_command=None,
        exit_code=1,
        statuses=(400,),
        patterns=(
            r"\bmax_tokens:? *field required\b",
            r"\bmax_tokens\b[^.\n]{0,30}?\bis required\b",
            rf"\bmissing required (?:parameter|field):? *{_Q}?max_tokens\b",
            # a proxy's own validation (pydantic): {"loc":["body","max_tokens"],"msg":"Field required"}
            r"\"loc\"\s*:\s*\[\s*\"body\"\s*,\s*\"max_tokens\"\s*\]\s*,\s*\"msg\"\s*:\s*\"field required\"",
        ),
    ),
    Row(
        id="thinking-tools",
        title="Thinking with tools",
        symptom=(
            "thinking silently off in multi-turn tool use on the Messages API; "
            '400 "expected thinking or redacted_thinking"'
        ),
        cause="A limitation of the Messages format: thinking blocks were not sent back in a tool-use turn.",
        fix='Send thinking blocks back verbatim in multi-turn tool use, or use `api = "responses"`.',
        fix_command=None,
        exit_code=1,
        statuses=(400,),
        patterns=(
            rf"\bexpected {_Q}?thinking{_Q}? or {_Q}?redacted_thinking\b",
            r"\bmust start with a thinking block\b",
        ),
    ),
    Row(
        id="rate-limit",
        title="Rate limited",
        symptom="429, `retry-after` / `retry-after-ms`",
        cause="The quota or the deployment's tokens-per-minute limit is used up.",
        fix=(
            "Wait for the `retry-after` time (fclaude retries and shows the countdown), or raise the "
            "deployment's capacity (tokens per minute) in the Foundry portal."
        ),
        fix_command=None,
        exit_code=1,
        statuses=(429,),
        codes=("rate_limit_error",),
        patterns=(
            r"\brate limit (?:is |has been )?exceeded\b",
            r"\bexceeded (?:the )?(?:token |call |request )?rate limit\b",
            r"\btoo many requests\b",
            r"\bplease retry after \d+ seconds?\b",
        ),
    ),
    Row(
        id="overloaded",
        title="Service overloaded",
        symptom="529 / `overloaded_error`, also mid-stream",
        cause="The service is busy.",
        fix=(
            "Retry later; fclaude retries before output starts, and an answer cut mid-stream keeps its "
            "partial text."
        ),
        fix_command=None,
        exit_code=1,
        statuses=(529,),
        codes=("overloaded_error",),
        patterns=(
            r"\b(?:service|server|model|api) (?:is |was )?(?:currently |temporarily )?overloaded\b",
            r"\"message\"\s*:\s*\"overloaded\"",
            r"^\W*(?:error:?\s*)?overloaded\W*$",
        ),
    ),
    Row(
        id="network",
        title="Network, TLS or proxy failure",
        symptom="DNS / TLS / proxy failure",
        cause="No route to the host, a TLS-inspecting proxy, or a missing CA certificate.",
        fix=(
            "Check DNS and the route to the host; behind a proxy set `HTTPS_PROXY` (and `NO_PROXY`); behind "
            "a TLS-inspecting proxy set `SSL_CERT_FILE` to the corporate CA bundle (the system trust store "
            "is used)."
        ),
        fix_command="fclaude doctor",
        exit_code=1,
        statuses=(407,),
        # exception class names as NetworkError.code carries them (httpx2 / ssl)
        codes=(
            "ConnectError",
            "ConnectTimeout",
            "ProxyError",
            "ReadTimeout",
            "WriteTimeout",
            "RemoteProtocolError",
            "SSLError",
            "SSLCertVerificationError",
        ),
        patterns=(
            r"\bname or service not known\b",
            r"\bnodename nor servname\b",
            r"\bgetaddrinfo failed\b",
            r"\btemporary failure in name resolution\b",
            r"\bno address associated with hostname\b",
            r"\bcould not resolve (?:host|proxy)\b",
            r"\bcertificate[_ ]verify[_ ]failed\b",
            r"\bself[- ]signed certificate\b",
            r"\bunable to get local issuer certificate\b",
            r"\[SSL: [A-Z_]+\]",
            r"\bproxy authentication required\b",
            r"\b(?:unable|cannot|failed) to connect to (?:the )?proxy\b",
            r"\btunnel connection failed\b",
            r"\bconnection refused\b",
            r"\bconnection reset by peer\b",
            r"\bnetwork is unreachable\b",
            r"\bno route to host\b",
            r"\bfailed to establish a new connection\b",
            r"\bconnect(?:ion|ing)? timed out\b",
            r"\bserver disconnected without sending a response\b",
            r"\b(?:dns|tls|ssl|proxy)(?: */ *(?:dns|tls|ssl|proxy))* (?:failure|failed|error)\b",
            # Node's error codes (DNS, reset, refused, timeout, TLS chain) as tools print them
            r"\b(?:getaddrinfo )?(?:ENOTFOUND|EAI_AGAIN|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH)\b",
            r"\b(?:SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?)\b",
            r"\bunable to get (?:local )?issuer certificate\b",
            r"\bself-signed certificate detected\b",
            # the openai SDK's APIConnectionError and the tools that print only its message
            r"\bAPIConnectionError\b(?![^\n]{0,40}\b(?:Bedrock|Vertex)\w*Exception)",
            r"(?:^|[:.\]] |\()connection error\.?\)?\s*$",
            # Go's resolver and .NET's socket wording
            r"\bdial tcp\b[^\n]{0,120}?\b(?:i/o timeout|no such host|connection refused)\b",
            r"\bno such host\b",
            r"\bA socket operation was attempted to an unreachable network\b",
            r"\bthe connected party did not properly respond after a period of time\b",
        ),
    ),
    # ---- rows added for the failure families of reference/foundry-wire.md §11 -------------------
    Row(
        id="network-restricted",
        title="Network access restricted",
        symptom=(
            '403 "Access denied due to Virtual Network/Firewall rules"; 401 "invalid subscription key or '
            'wrong API endpoint" from a private-endpoint-only resource on its public host'
        ),
        cause=(
            "The resource accepts only selected networks or a private endpoint, and this machine is "
            "outside them (or resolves the public address)."
        ),
        fix=(
            "Run from an allowed network (VPN, the virtual network, an allowed IP), or use the private "
            "endpoint's host, e.g. `https://RES.cognitiveservices.azure.com/anthropic`; `fclaude doctor` "
            "shows whether DNS gives a private address or a privatelink name."
        ),
        fix_command="fclaude doctor",
        exit_code=1,
        statuses=(401, 403),
        codes=("ThrowExceptionDueToTrafficDenied",),
        patterns=(
            r"\baccess denied due to virtual network/firewall rules\b",
            r"\ba virtual network is configured for this resource\b",
            r"\bpublic (?:network )?access is disabled\b",
            r"\baka\.ms/cogsvc-vnet\b",
            r"\bprivate endpoint\b[^.\n]{0,60}?\b(?:required|only)\b",
        ),
    ),
    Row(
        id="credential-missing",
        title="No credential configured",
        symptom=(
            'no key and no token configured (SDK: "Missing credentials", "Could not resolve authentication '
            'method")'
        ),
        cause="Nothing to authenticate with: no API key is set and no Entra ID auth mode is chosen.",
        fix=(
            "Run `fclaude login`, or set `FCLAUDE_API_KEY` (also read: `ANTHROPIC_FOUNDRY_API_KEY`), or "
            "choose an Entra ID auth mode with `auth` / `FCLAUDE_AUTH`."
        ),
        fix_command="fclaude login",
        exit_code=3,
        statuses=(401,),
        patterns=(
            # the Anthropic SDKs (JS and Python) and Claude Code
            r"\bcould not resolve authentication method\.?\s+expected (?:either|one of) "
            r"(?:api_?key|apikey)\b[ ,]+(?:or )?(?:auth_?token|authtoken)\b",
            # the openai SDK (AzureOpenAI) and LiteLLM's AzureException wrapping it
            r"\bmissing credentials\b",
            r"\bthe api_key client option must be set\b",
            r"\baccess denied due to missing subscription key\b",
            r"\bno (?:api )?key is set\b",
            r"\bno (?:api key|credentials?|key (?:and|or) no token)\b[^.\n]{0,20}?\b(?:is |are )?"
            r"(?:configured|set|given|found)\b",
            r"\b(?:FCLAUDE_API_KEY|ANTHROPIC_FOUNDRY_API_KEY|AZURE_OPENAI_API_KEY)\b[^.\n]{0,40}?"
            r"\b(?:is not set|missing|is empty)\b",
        ),
    ),
    Row(
        id="prompt-too-long",
        title="Prompt too long",
        symptom=(
            '400 "prompt is too long: N tokens > M maximum", "input length and max_tokens exceed context '
            'limit"'
        ),
        cause="The conversation and attachments exceed the model's context window.",
        fix=(
            "Shorten the prompt or the attached files, start afresh (`/clear` in chat), or use a model "
            "with a 1M-token context; `fclaude count` measures a prompt before sending it."
        ),
        fix_command=None,
        exit_code=1,
        statuses=(400, 413),
        codes=("context_length_exceeded", "model_max_prompt_tokens_exceeded"),
        patterns=(
            r"\bprompt is too long:\s*\d[\d,]*\s*tokens?\s*[>\u203a]\s*\d",  # some tools print '›'
            r"\bprompt token count of \d[\d,]* exceeds the limit\b",
            r"\binput length and `?max_tokens`? exceed context limit\b",
            r"\bmaximum context length is \d[\d,]*\s+tokens\b",
            r"\bexceeds? the (?:model'?s? )?(?:maximum )?context (?:window|length|limit)\b",
        ),
    ),
    Row(
        id="max-tokens-range",
        title="max_tokens out of range",
        symptom=(
            '400 "max_tokens: N > M, which is the maximum allowed number of output tokens", '
            '"`max_tokens` must be greater than `thinking.budget_tokens`"'
        ),
        cause=(
            "`max_tokens` is above the model's output limit, or not above the thinking budget "
            "(`budget_tokens`)."
        ),
        fix=(
            "Lower `--max-tokens` / `max_tokens` to the model's output limit (`fclaude models --all` "
            "lists it), or raise it above the thinking budget (`--thinking`)."
        ),
        fix_command="fclaude models --all",
        exit_code=1,
        statuses=(400,),
        patterns=(
            r"\bmax_tokens:?\s*\d[\d,]*\s*>\s*\d[\d,]*",
            r"\bmaximum allowed number of output tokens\b",
            r"`?max_tokens`? must be greater than `?thinking\.budget_tokens\b",
        ),
    ),
    Row(
        id="managed-identity-unavailable",
        title="Managed identity unavailable",
        symptom=(
            '"ManagedIdentityCredential authentication unavailable", no response from IMDS, identity '
            "not assigned"
        ),
        cause=(
            "Managed-identity auth on a machine that is not an Azure host, or a host with no identity "
            "(or not the requested one) assigned."
        ),
        fix=(
            "On Azure, assign a system or user-assigned identity to the host (and set `AZURE_CLIENT_ID` "
            'for a user-assigned one); off Azure, choose another `auth` mode (`"azure-cli"`, '
            '`"service-principal"`) with `fclaude login`.'
        ),
        fix_command="fclaude login",
        exit_code=4,
        patterns=(
            r"\bManagedIdentityCredential authentication (?:unavailable|failed)\b",
            r"\bno response (?:received )?from the (?:IMDS|managed identity) endpoint\b",
            r"\ball managed identity sources are unavailable\b",
            r"\bIMDS\)? (?:that runs on VMs )?(?:was not detected|is (?:not available|unavailable))\b",
            r"\bfailed to retrieve IMDS token\b",
            r"\bno managed identity endpoint found\b",
            r"\bmanaged identity endpoint is indicating there(?:'s| is) no available identity\b",
            r"\bthe requested identity has(?:n[\u2019']t| not) been assigned to this resource\b",
        ),
    ),
    Row(
        id="tenant-mismatch",
        title="Token from another tenant",
        symptom='"Tenant provided in token does not match resource token"',
        cause="The token was issued by another tenant than the one the resource belongs to.",
        fix=(
            "Sign in to the resource's tenant (`az login --tenant TENANT`) or set `tenant_id` / "
            "`AZURE_TENANT_ID` to it; `fclaude doctor` shows the token's tenant."
        ),
        fix_command="az login --tenant TENANT",
        exit_code=4,
        statuses=(400, 401),
        codes=("InvalidAuthenticationTokenTenant",),
        patterns=(
            r"\btenant provided in token does not match resource token\b",
            r"\bdoes not match resource tenant\b",
        ),
    ),
    Row(
        id="federation-mismatch",
        title="Federated credential does not match",
        symptom="`AADSTS700213`, `AADSTS7002138` (no matching federated identity record)",
        cause=(
            "The app's federated credential (issuer, subject, audience) does not match the CI token: "
            "subject case, environment vs branch, or numeric-id subjects."
        ),
        fix=(
            "Make the federated credential's Subject match the token's exactly (case-sensitive; "
            "`repo:ORG/REPO:environment:NAME` when the job uses an environment), with audience "
            "`api://AzureADTokenExchange`."
        ),
        fix_command='az ad app federated-credential list --id "$AZURE_CLIENT_ID"',
        exit_code=4,
        statuses=(400, 401),
        # 700213 and its case-sensitivity sibling 7002138; 7002137 (managed identity as a federated
        # credential) and the older 70021 have the same cure
        aadsts=("700213", "7002138", "7002137", "700211", "700212", "70021"),
        patterns=(r"\bno matching federated identity record found\b",),
    ),
    Row(
        id="service-error",
        title="Service-side failure",
        symptom="5xx bodies, backend failures, an HTML page from a gateway instead of JSON",
        cause="The service, or a gateway in front of it, failed; nothing in the request or setup is wrong.",
        fix=(
            "Retry in a moment (fclaude retries before output starts); if it persists, report the request "
            "id (`apim-request-id` / `x-request-id`) to Azure support."
        ),
        fix_command=None,
        exit_code=1,
        statuses=(500, 502, 503, 504),
        codes=("server_error", "api_error", "InternalServerError", "ServiceUnavailable"),
        patterns=(
            r"\bthe server had an error (?:while )?processing your request\b",
            r"\byou can retry your request, or contact us through an azure support request\b",
            r"\binternal server error\b",
            r"\b(?:502|503|504):? (?:bad gateway|service unavailable|gateway time-?out)\b",
            r"'<' is an invalid start of a value\b",
            r"\b5xx\b",  # "a 5xx from the gateway"
        ),
    ),
    Row(
        id="deployment-provisioning",
        title="Claude deployment not provisioned",
        symptom=(
            "`InvalidModelProviderData`, `AnthropicOrganizationCreationException`, `715-123420`, "
            "`InsufficientQuota` when creating a deployment"
        ),
        cause=(
            "Creating the deployment failed: Claude deployments need provider data (organization name, "
            "country, industry) and quota for the model and SKU."
        ),
        fix=(
            "Create the deployment again with the provider data filled in (portal, or `modelProviderData` "
            "in ARM/Bicep), delete a deployment left in the Failed state first, and request quota for the "
            "model if `InsufficientQuota`."
        ),
        fix_command="az cognitiveservices usage list --location LOCATION",
        exit_code=1,
        statuses=(400,),
        codes=(
            "InvalidModelProviderData",
            "AnthropicOrganizationCreationException",
            "AnthropicOrganizationCreationFailed",
            "InsufficientQuota",
        ),
        patterns=(
            r"\bModelProviderData is required\b",
            r"\b715-123420\b",
            r"\bis bigger than (?:the current )?available capacity\b",
            rf"\bdeployment {_NAME}?is in {_Q}?failed{_Q}? state\b",
            r"\bmarketplace purchase eligibility check failed\b",
        ),
    ),
    # The 2026 models' request rules (reference §10). fclaude checks them before sending for the
    # models its catalog knows (a refusal there is a usage error, exit 2, naming the same row); these
    # rows explain the service's 400 for a model it does not know, and pasted text.
    Row(
        id="thinking-mode",
        title="Thinking mode or effort rejected",
        symptom=(
            '400 `"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" '
            'and "output_config.effort"`, a rejected `thinking.type` adaptive/disabled, an effort level '
            "the model does not accept"
        ),
        cause=(
            "The model accepts only adaptive thinking (no budget), or only a budget (no adaptive), cannot "
            "turn thinking off (always on, or not at this effort), or does not accept this effort level."
        ),
        fix=(
            "On adaptive-only models use `--thinking adaptive --effort LEVEL` instead of a budget "
            "(`thinking`, `effort` in the profile; `FCLAUDE_THINKING`, `FCLAUDE_EFFORT`); on older models "
            "a budget `--thinking N`; drop `--thinking off` where thinking is always on, and pick an effort "
            "the model lists (`fclaude models --all`)."
        ),
        fix_command="fclaude models --all",
        exit_code=1,
        statuses=(400,),
        patterns=(
            # "thinking.type.enabled" is not supported for this model (also JSON-escaped, or unquoted)
            r"\bthinking\.type\.(?:enabled|adaptive|disabled|between_tools)\W{0,3}\s*"
            r"is (?:not|only) supported\b",
            r"\boutput_config\.effort\W{0,3}\s*(?:value\s*\W{0,2}[a-z]+\W{0,2}\s*)?is not supported\b",
            r"\boutput_config\.effort:? *input should be\b",
            # a service or proxy that does not know the mode: "thinking: Input tag 'adaptive' ... does
            # not match any of the expected tags"
            rf"\bthinking(?:\.type)?:? *input tag (?:{_Q}?\w+{_Q}? )?(?:found using {_Q}?type{_Q}? )?"
            r"does not match\b",
            r"\b(?:thinking\.)?budget_tokens\b[^.\n]{0,40}?\bno longer supported\b",
            r"\badaptive thinking is not supported (?:for|on|by) this model\b",
        ),
    ),
    Row(
        id="sampling-unsupported",
        title="Sampling parameter or prefill rejected",
        symptom=(
            '400 "`temperature` is deprecated for this model", a rejected `top_p`/`top_k` (or one '
            "not allowed while thinking), assistant prefill"
        ),
        cause=(
            "The model removed the sampling parameters (`temperature`, `top_p`, `top_k`) or assistant "
            "prefill, or restricts them while thinking is on (temperature 1 only, top_p 0.95-1, no top_k)."
        ),
        fix=(
            "Drop `--temperature` / `temperature` (and `FCLAUDE_TEMPERATURE`) for that model, or turn "
            "thinking off (`--thinking off`) where the model keeps them; end the conversation with a user "
            "turn instead of prefilling the answer."
        ),
        fix_command=None,
        exit_code=1,
        statuses=(400,),
        patterns=(
            r"`?\b(?:temperature|top_p|top_k)`? is (?:deprecated|not supported) for this model\b",
            r"`?\btemperature`? and `?top_p`? cannot both be specified\b",
            r"`?\btemperature`? may only be set to 1 when thinking is enabled\b",
            r"`?\btop_k`? must be unset when thinking is enabled\b",
            r"`?\btop_p`? must be greater than or equal to [\d.]+ or unset when thinking\b",
            r"\b(?:temperature|top_p|top_k): *input should be (?:less|greater) than\b",
            r"\bdoes not support assistant message prefill\b",
            r"\bprefill(?:ing)?(?: assistant messages?)?(?: is)? not supported\b",
            r"\bassistant (?:message )?prefill(?:ing)?\b[^.\n]{0,30}?\bnot supported\b",
        ),
    ),
    Row(
        id="feature-unsupported",
        title="Feature not offered on this deployment",
        symptom='400 "structured_outputs not supported in your workspace" (or another feature)',
        cause=(
            "The feature is not offered on the deployment's hosting option (some Azure-hosted Claude "
            "deployments lack features the Anthropic-hosted ones have)."
        ),
        fix=(
            "Use a deployment whose hosting option offers the feature (`fclaude models --all` lists each "
            "model's hosting options), or send the request without it."
        ),
        fix_command="fclaude models --all",
        exit_code=1,
        statuses=(400,),
        patterns=(
            r"\bnot supported in (?:your|this) workspace\b",
            r"\b(?:structured[ _]outputs?|output_config\.format)\b[^.\n]{0,40}?"
            r"\bis not (?:supported|available)\b",
        ),
    ),
)

ROW_BY_ID: Mapping[str, Row] = types.MappingProxyType({r.id: r for r in ROWS})


def row(id: str) -> Row:
    """The row with this id; raises ``KeyError`` for an unknown id."""
    return ROW_BY_ID[id]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown_table(rows: Iterable[Row] = ROWS) -> str:
    """The error table as GitHub markdown (id | what you see | cause | fix), one line per row.

    The README's "when it does not work" section is generated from this and checked in CI.
    """
    lines = ["| id | what you see | cause | fix |", "|---|---|---|---|"]
    for r in rows:
        fix = r.fix
        if r.fix_command and r.fix_command not in fix:
            fix += f" Run: `{r.fix_command}`."
        lines.append(f"| `{_cell(r.id)}` | {_cell(r.symptom)} | {_cell(r.cause)} | {_cell(fix)} |")
    return "\n".join(lines) + "\n"
