"""The settings registry and the one resolution function.

Precedence: command-line flags > environment > profile > derived > defaults. Every value
records where it came from (``Value.source``), which ``profile show`` and ``doctor`` print.
Every setting's environment variables are read here, through the registry (``Setting.env``); other
modules read only variables that are not fclaude settings (``NO_COLOR``, ``EDITOR``, the CI runners'
and azure-identity's own), and take the environment as a parameter where tests need to inject it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from foundry_cli.config.ci import ci_auth
from foundry_cli.config.endpoint import Endpoint, normalise_endpoint
from foundry_cli.config.paths import Paths, get_paths
from foundry_cli.config.toml_io import read_toml
from foundry_cli.errors import ConfigError, UsageError

ApiFormat = Literal["messages", "responses"]
API_FORMATS: tuple[ApiFormat, ...] = ("messages", "responses")
AUTH_MODES = (
    "api-key",
    "azure-cli",
    "service-principal",
    "device-code",
    "managed-identity",
    "workload-identity",
    "default",
    "github-oidc",
    "azure-pipelines",
)
DEFAULT_API_VERSION = "2025-11-15-preview"
EFFORTS = ("low", "medium", "high", "xhigh", "max")
CACHE_MODES = ("auto", "5m", "1h", "off")
DEFAULT_SCOPE = "https://ai.azure.com/.default"


def _choice(name: str, allowed: tuple[str, ...]) -> Callable[[Any], str]:
    def coerce(raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
        return value

    return coerce


def _int(lo: int, hi: int) -> Callable[[Any], int]:
    def coerce(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError(f"expected a whole number, not {raw!r}")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a whole number, not {raw!r}") from None
        if not lo <= value <= hi:
            raise ValueError(f"must be between {lo} and {hi}, not {value}")
        return value

    return coerce


def _float(lo: float, hi: float) -> Callable[[Any], float]:
    def coerce(raw: Any) -> float:
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a number, not {raw!r}") from None
        if not lo <= value <= hi:
            raise ValueError(f"must be between {lo} and {hi}, not {value}")
        return value

    return coerce


def _thinking(raw: Any) -> str | int:
    """``adaptive``, ``off`` or a budget (a whole number of tokens; 0 is off)."""
    text = str(raw).strip().lower()
    if text in ("adaptive", "auto"):
        return "adaptive"
    if text in ("off", "none", "disabled", "0", "false", "no"):
        return "off"
    try:
        budget = int(text)
    except ValueError:
        raise ValueError(f"expected adaptive, off or a number of tokens, not {raw!r}") from None
    if not 0 < budget <= 1_000_000:
        raise ValueError(f"a thinking budget must be between 1024 and max_tokens, not {budget}")
    return budget


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, not {raw!r}")


def _text(raw: Any) -> str:
    value = str(raw).strip()
    if not value:
        raise ValueError("must not be empty")
    return value


@dataclass(frozen=True)
class Setting:
    name: str
    help: str
    env: tuple[str, ...] = ()
    default: Any = None
    coerce: Callable[[Any], Any] = _text
    secret: bool = False


def _resource_name(raw: Any) -> str:
    return _text(raw)  # ANTHROPIC_FOUNDRY_RESOURCE holds a bare name; normalised like any endpoint


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "endpoint",
        "Foundry resource or project endpoint, in any accepted form",
        env=(
            "FCLAUDE_ENDPOINT",
            "ANTHROPIC_FOUNDRY_BASE_URL",
            "ANTHROPIC_FOUNDRY_RESOURCE",
            "AZURE_API_BASE",
        ),
        coerce=_resource_name,
    ),
    Setting("project", "Foundry project name (Responses API)", env=("FCLAUDE_PROJECT",)),
    Setting(
        "api",
        "wire format: messages or responses",
        env=("FCLAUDE_API",),
        default="messages",
        coerce=_choice("api", API_FORMATS),
    ),
    Setting(
        "auth",
        "authentication mode",
        env=("FCLAUDE_AUTH",),
        default="api-key",
        coerce=_choice("auth", AUTH_MODES),
    ),
    Setting(
        "deployment", "deployment name (the request's model)", env=("FCLAUDE_DEPLOYMENT", "FCLAUDE_MODEL")
    ),
    Setting(
        "api_version",
        "Responses api-version; 'v1' selects /openai/v1/responses",
        env=("FCLAUDE_API_VERSION",),
        default=DEFAULT_API_VERSION,
    ),
    Setting(
        "max_tokens",
        "max output tokens (always sent)",
        env=("FCLAUDE_MAX_TOKENS",),
        default=4096,
        coerce=_int(1, 1_000_000),
    ),
    Setting(
        "thinking",
        "thinking: adaptive, off, or a budget in tokens (for models that accept a budget)",
        env=("FCLAUDE_THINKING", "FCLAUDE_THINKING_BUDGET"),
        coerce=_thinking,
    ),
    Setting(
        "effort",
        "effort: low, medium, high, xhigh or max (for models that accept it)",
        env=("FCLAUDE_EFFORT",),
        coerce=_choice("effort", EFFORTS),
    ),
    Setting(
        "cache",
        "prompt caching: auto (where it pays off), 5m, 1h or off",
        env=("FCLAUDE_CACHE",),
        default="auto",
        coerce=_choice("cache", CACHE_MODES),
    ),
    Setting("temperature", "sampling temperature", env=("FCLAUDE_TEMPERATURE",), coerce=_float(0.0, 2.0)),
    Setting("scope", "Entra ID token scope", env=("FCLAUDE_SCOPE",), default=DEFAULT_SCOPE),
    Setting("tenant_id", "Entra ID tenant", env=("FCLAUDE_TENANT_ID", "AZURE_TENANT_ID")),
    Setting("client_id", "Entra ID application (client) id", env=("FCLAUDE_CLIENT_ID", "AZURE_CLIENT_ID")),
    Setting("subscription_id", "Azure subscription (control-plane checks)", env=("FCLAUDE_SUBSCRIPTION_ID",)),
    Setting(
        "authority_host",
        "Entra ID authority host (sovereign clouds)",
        env=("FCLAUDE_AUTHORITY_HOST", "AZURE_AUTHORITY_HOST"),
        default="https://login.microsoftonline.com",
    ),
    Setting(
        "management_endpoint",
        "Azure Resource Manager endpoint (sovereign clouds)",
        env=("FCLAUDE_MANAGEMENT_ENDPOINT",),
        default="https://management.azure.com",
    ),
    Setting(
        "connect_timeout",
        "seconds to connect",
        env=("FCLAUDE_CONNECT_TIMEOUT",),
        default=10.0,
        coerce=_float(0.05, 600),
    ),
    Setting(
        "read_timeout",
        "seconds without a byte before a request or stream is declared stalled",
        env=("FCLAUDE_READ_TIMEOUT",),
        default=120.0,
        coerce=_float(0.05, 3600),
    ),
    Setting(
        "timeout",
        "total seconds for one request, retries and the whole answer included (0 = no limit)",
        env=("FCLAUDE_TIMEOUT",),
        default=600.0,
        coerce=_float(0, 86400),
    ),
    Setting(
        "max_retries",
        "retries on 408/429/5xx/529",
        env=("FCLAUDE_MAX_RETRIES",),
        default=2,
        coerce=_int(0, 10),
    ),
    Setting(
        "history", "store conversations in history.db", env=("FCLAUDE_HISTORY",), default=True, coerce=_bool
    ),
    Setting(
        "client_certificate_path",
        "PEM file with the service principal's certificate and private key",
        env=("FCLAUDE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH"),
    ),
    Setting(
        "federated_token_file",
        "workload identity: file holding the federated token",
        env=("FCLAUDE_FEDERATED_TOKEN_FILE", "AZURE_FEDERATED_TOKEN_FILE"),
    ),
    Setting(
        "oidc_audience",
        "github-oidc: audience of the GitHub ID token (the federated credential's audience)",
        env=("FCLAUDE_OIDC_AUDIENCE",),
        default="api://AzureADTokenExchange",
    ),
    Setting(
        "service_connection_id",
        "azure-pipelines: id of the service connection whose federated credential is used",
        env=("FCLAUDE_SERVICE_CONNECTION_ID", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
    ),
    Setting(
        "key_command", "command whose stdout is the API key (e.g. a vault CLI)", env=("FCLAUDE_KEY_COMMAND",)
    ),
    Setting(
        "api_key",
        "API key (secrets.toml or environment only)",
        env=("FCLAUDE_API_KEY", "ANTHROPIC_FOUNDRY_API_KEY", "AZURE_API_KEY"),
        secret=True,
    ),
    Setting(
        "client_secret",
        "service principal client secret (secrets.toml or environment only)",
        env=("FCLAUDE_CLIENT_SECRET", "AZURE_CLIENT_SECRET"),
        secret=True,
    ),
    Setting(
        "ad_token",
        "a ready Entra ID bearer token (environment only)",
        env=("FCLAUDE_AD_TOKEN", "AZURE_AD_TOKEN"),
        secret=True,
    ),
)
SETTING_BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Value:
    value: Any
    #: "flag --model", "env FCLAUDE_DEPLOYMENT", "profile work", "secrets.toml", "derived ...", "default"
    source: str


@dataclass(frozen=True)
class Settings:
    """The outcome of :func:`resolve`: every setting as a typed attribute, and where it came from.

    One attribute per entry of :data:`SETTINGS` (a test keeps the two in step), so a misspelt setting
    is a type error. ``endpoint`` is the normalised :class:`Endpoint` (the raw text and its source are
    in ``values["endpoint"]``); :meth:`require_endpoint` is the non-optional view once one is needed.
    """

    profile: str | None
    endpoint: Endpoint | None
    #: each setting's value and source, for ``profile show`` and doctor
    values: Mapping[str, Value]
    #: env vars whose value shadows a different value saved in the profile
    shadowed: tuple[tuple[str, str], ...]

    project: str | None
    api: ApiFormat
    auth: str
    deployment: str | None
    api_version: str
    max_tokens: int
    thinking: str | int | None
    effort: str | None
    cache: str
    temperature: float | None
    scope: str
    tenant_id: str | None
    client_id: str | None
    subscription_id: str | None
    authority_host: str
    management_endpoint: str
    connect_timeout: float
    read_timeout: float
    timeout: float
    max_retries: int
    history: bool
    client_certificate_path: str | None
    federated_token_file: str | None
    oidc_audience: str
    service_connection_id: str | None
    key_command: str | None
    api_key: str | None = field(repr=False)
    client_secret: str | None = field(repr=False)
    ad_token: str | None = field(repr=False)
    #: (setting, the env var that won, an env var it overrode) where two set different values
    conflicts: tuple[tuple[str, str, str], ...] = ()

    def source(self, name: str) -> str:
        return self.values[name].source

    def value_of(self, name: str) -> Any:
        """A setting's value by name, for code that walks the registry (the typed attributes are
        for everything else)."""
        return self.values[name].value

    def require_endpoint(self) -> Endpoint:
        """The endpoint, or the ``endpoint-missing`` configuration error.

        Raises:
            ConfigError: no endpoint is configured.
        """
        if self.endpoint is None:
            raise ConfigError(
                "No endpoint configured: set `endpoint` in a profile (fclaude login), or FCLAUDE_ENDPOINT "
                "/ AZURE_API_BASE / ANTHROPIC_FOUNDRY_RESOURCE. Try it without Azure: fclaude --emulator "
                "ask ...",
                row="endpoint-missing",
            )
        return self.endpoint

    def replace(self, **changes: Value) -> Settings:
        """A copy with some settings replaced (value and source), e.g. a control-plane scope."""
        built = _build(self.profile, {**self.values, **changes}, self.endpoint, self.shadowed)
        return dataclasses.replace(built, conflicts=self.conflicts)


#: the settings that are attributes of :class:`Settings` under their own name
TYPED_NAMES = tuple(s.name for s in SETTINGS if s.name != "endpoint")


def _build(
    profile: str | None,
    values: Mapping[str, Value],
    endpoint: Endpoint | None,
    shadowed: tuple[tuple[str, str], ...],
) -> Settings:
    from foundry_cli.redact import register_secret

    for s in SETTINGS:  # every secret is known to the scrubber the moment it is resolved
        if s.secret and isinstance(values[s.name].value, str):
            register_secret(values[s.name].value)
    typed: dict[str, Any] = {name: values[name].value for name in TYPED_NAMES}
    return Settings(profile=profile, endpoint=endpoint, values=dict(values), shadowed=shadowed, **typed)


def _coerce(setting: Setting, raw: Any, where: str) -> Any:
    try:
        return setting.coerce(raw)
    except ValueError as exc:
        if where == "the command line":  # a bad flag is a usage error (exit 2), not configuration
            raise UsageError(f"Invalid {setting.name}: {exc}.") from None
        raise ConfigError(f"Invalid {setting.name} from {where}: {exc}.") from None


def _pick(
    s: Setting, flags: Mapping[str, Any], overrides: Mapping[str, Value], env: Mapping[str, str]
) -> Value | None:
    """The value from the layers above the profile: flag, then override, then environment."""
    if flags.get(s.name) is not None:
        return Value(_coerce(s, flags[s.name], "the command line"), "flag")
    if s.name in overrides:
        return overrides[s.name]
    for var in s.env:
        if env.get(var, "").strip():
            return Value(_coerce(s, env[var], f"${var}"), f"env {var}")
    return None


def load_config(paths: Paths) -> dict[str, Any]:
    doc = read_toml(paths.config_file)
    profiles = doc.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{paths.config_file}: 'profiles' must be a table of [profiles.NAME] sections.")
    for pname, section in profiles.items():
        if not isinstance(section, dict):
            raise ConfigError(
                f"{paths.config_file}: profile {pname!r} must be a [profiles.{pname}] table, "
                f"not a {type(section).__name__}."
            )
    return doc


def select_profile(
    flag: str | None, env: Mapping[str, str], doc: Mapping[str, Any]
) -> tuple[str | None, str]:
    """Which profile applies: --profile > FCLAUDE_PROFILE > default_profile > none (zero-config)."""
    if flag:
        return flag, "flag --profile"
    if env.get("FCLAUDE_PROFILE"):
        return env["FCLAUDE_PROFILE"], "env FCLAUDE_PROFILE"
    default = doc.get("default_profile")
    if isinstance(default, str) and default:
        return default, "config default_profile"
    return None, "none"


def _saved_profile(
    flag: str | None, env: Mapping[str, str], paths: Paths
) -> tuple[str | None, Mapping[str, Any]]:
    """The selected profile's name and saved settings (none for zero-config use).

    Raises:
        ConfigError: the named profile does not exist.
    """
    doc = load_config(paths)
    name, name_source = select_profile(flag, env, doc)
    if name is None:
        return None, {}
    profiles = doc.get("profiles", {})
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none yet"
        raise ConfigError(
            f"Profile {name!r} (from {name_source}) does not exist in {paths.config_file} "
            f"(profiles: {known}). Create it with `fclaude login --profile {name}`."
        )
    return name, profiles[name]


def _layer(
    name: str | None,
    saved: Mapping[str, Any],
    flags: Mapping[str, Any],
    overrides: Mapping[str, Value],
    env: Mapping[str, str],
    secrets: Mapping[str, str],
) -> tuple[dict[str, Value], list[tuple[str, str]]]:
    """Every setting's value from the first layer that has one, and the env vars shadowing the profile."""
    values: dict[str, Value] = {}
    shadowed: list[tuple[str, str]] = []
    for s in SETTINGS:
        v = _pick(s, flags, overrides, env)
        if s.name in saved:
            if v is None:
                v = Value(_coerce(s, saved[s.name], f"profile {name}"), f"profile {name}")
            elif v.source.startswith("env ") and str(saved[s.name]) != str(v.value):
                shadowed.append((s.name, v.source[4:]))
        if v is None and s.secret and s.name in secrets:
            v = Value(secrets[s.name], "secrets.toml")
        values[s.name] = v if v is not None else Value(s.default, "default")
    return values, shadowed


def _derive_from_endpoint(values: dict[str, Value]) -> Endpoint | None:
    """Normalise the endpoint; a project or API format the pasted form names fills unset settings."""
    if values["endpoint"].value is None:
        return None
    try:
        endpoint = normalise_endpoint(values["endpoint"].value)
    except ConfigError as exc:
        raise ConfigError(f"{exc.message} (endpoint from {values['endpoint'].source})", row=exc.row) from None
    if endpoint.project and values["project"].value is None:
        values["project"] = Value(endpoint.project, f"derived from endpoint ({values['endpoint'].source})")
    if endpoint.hinted_api and values["api"].source == "default":
        values["api"] = Value(endpoint.hinted_api, "derived from endpoint form")
    return endpoint


def resolve(
    flags: Mapping[str, Any] | None = None,
    *,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    paths: Paths | None = None,
    secrets: Mapping[str, str] | None = None,
    overrides: Mapping[str, Value] | None = None,
) -> Settings:
    """Resolve every setting: flags > env > profile (+ its secrets) > derived > defaults.

    ``flags`` maps setting names to values given on the command line (None = not given).
    ``overrides`` (the emulator try-it path) sit between flags and environment.

    Raises:
        ConfigError: a named profile does not exist, or a value does not validate.
    """
    env = os.environ if env is None else env
    paths = paths or get_paths(env)
    name, saved = _saved_profile(profile, env, paths)
    if secrets is None and name is not None:
        from foundry_cli.config.secrets import read_profile_secrets

        secrets = read_profile_secrets(paths, name, env)
    values, shadowed = _layer(name, saved, flags or {}, overrides or {}, env, secrets or {})
    picked = ci_auth(lambda n: values[n].value, lambda n: values[n].source, env)
    if picked is not None:  # GitHub Actions with nothing else configured: the job's OIDC token
        values["auth"] = Value("github-oidc", picked)
    endpoint = _derive_from_endpoint(values)
    settings = _build(name, values, endpoint, tuple(shadowed))
    conflicts = tuple(c for c in env_conflicts(env) if values[c[0]].source == f"env {c[1]}")
    return dataclasses.replace(settings, conflicts=conflicts) if conflicts else settings


def env_conflicts(env: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Settings that two environment variables set to different values: (setting, the variable
    that wins by the registry's order, a variable it overrides). Endpoints are compared by the
    resource they name (``myres`` and ``https://myres.services.ai.azure.com`` agree)."""
    found = []
    for s in SETTINGS:
        given = [(var, env[var].strip()) for var in s.env if env.get(var, "").strip()]
        for var, raw in given[1:]:
            if not _same(s, given[0][1], raw):
                found.append((s.name, given[0][0], var))
    return found


def _same(s: Setting, a: str, b: str) -> bool:
    try:
        if s.name == "endpoint":
            return normalise_endpoint(a).root == normalise_endpoint(b).root
        return bool(s.coerce(a) == s.coerce(b))
    except (ValueError, ConfigError):
        return a == b
