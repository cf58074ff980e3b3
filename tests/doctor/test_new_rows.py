"""Recognisers of the rows issue 11 added, and the ranking rules that make them generalise.

Every wording of a new row in the real-error corpus (tests/data/real_errors/corpus.toml) must name
that row first; then each rule of doctor/classify.py is tested on its own: statuses read wherever
tools print them, wrapped pastes, credential-chain links ranked by specificity, reason phrases,
other clouds answered with "no match", and explain_text's scores and evidence.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from foundry_cli.doctor.classify import classify_http, classify_text, explain_text
from foundry_cli.doctor.rows import ROW_BY_ID, row

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NEW_ROWS = (
    "network-restricted",
    "credential-missing",
    "prompt-too-long",
    "max-tokens-range",
    "managed-identity-unavailable",
    "tenant-mismatch",
    "federation-mismatch",
    "service-error",
    "deployment-provisioning",
)
CORPUS = Path(__file__).resolve().parents[1] / "data" / "real_errors" / "corpus.toml"


def _entries() -> list[dict[str, Any]]:
    with CORPUS.open("rb") as f:
        return [e for e in tomllib.load(f)["entry"] if e["row"] in NEW_ROWS]


REAL = _entries()


def first(text: str) -> str | None:
    found = classify_text(text)
    return found[0].id if found else None


def test_every_new_row_exists_with_cause_fix_and_exit_code() -> None:
    for rid in NEW_ROWS:
        r = row(rid)
        assert r.cause and r.fix and r.symptom
        assert r.exit_code in (1, 3, 4)
    assert row("credential-missing").exit_code == 3  # nothing configured: a configuration error
    assert row("tenant-mismatch").exit_code == row("federation-mismatch").exit_code == 4
    assert row("credential-missing").fix_command == "fclaude login"
    assert row("tenant-mismatch").fix_command == "az login --tenant TENANT"
    assert "cognitiveservices.azure.com" in row("network-restricted").fix


@pytest.mark.parametrize("rid", NEW_ROWS)
def test_the_corpus_has_several_real_wordings_of_each_new_row(rid: str) -> None:
    assert sum(1 for e in REAL if e["row"] == rid) >= 3


@pytest.mark.parametrize("entry", REAL, ids=[f"{e['row']}-{i}" for i, e in enumerate(REAL)])
def test_real_wordings_name_their_row(entry: dict[str, Any]) -> None:
    assert first(entry["text"]) == entry["row"], entry["source"]


# ---- the same families in wordings the corpus does not have (the recognisers must generalise) ---
@pytest.mark.parametrize(
    ("text", "rid"),
    [
        (
            '{"error":{"code":"403","message":"Access denied due to Virtual Network/Firewall rules."}}',
            "network-restricted",
        ),
        ("HttpResponseError: (403) Public network access is disabled.", "network-restricted"),
        (
            "TypeError: Could not resolve authentication method. Expected either apiKey or authToken to be set.",
            "credential-missing",
        ),
        (
            "AzureException APIError - Missing credentials. Please pass one of `api_key`, `azure_ad_token`",
            "credential-missing",
        ),
        ("FCLAUDE_API_KEY is not set", "credential-missing"),
        ("auth is api-key but no key is set: export FCLAUDE_API_KEY", "credential-missing"),
        (
            '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 1000001 tokens > 1000000 maximum"}}',
            "prompt-too-long",
        ),
        ("input length and `max_tokens` exceed context limit: 199000 + 64000 > 200000", "prompt-too-long"),
        ("code: context_length_exceeded", "prompt-too-long"),
        ("prompt is too long: 300000 tokens › 200000 maximum", "prompt-too-long"),  # a tool's '›'
        ("This model's maximum context length is 8192  tokens.", "prompt-too-long"),
        (
            "max_tokens: 200000 > 128000, which is the maximum allowed number of output tokens for claude-opus-5-5",
            "max-tokens-range",
        ),
        ("`max_tokens` must be greater than `thinking.budget_tokens`", "max-tokens-range"),
        (
            "CredentialUnavailableError: ManagedIdentityCredential authentication unavailable. No identity has been assigned to this resource.",
            "managed-identity-unavailable",
        ),
        (
            "ManagedIdentityCredential: no response from the managed identity endpoint.",
            "managed-identity-unavailable",
        ),
        ("(InvalidAuthenticationTokenTenant) The access token is from the wrong issuer", "tenant-mismatch"),
        ("Token tenant 0000 does not match resource tenant.", "tenant-mismatch"),
        (
            "AADSTS7002138: No matching federated identity record found for presented assertion subject 'repo:o/r:ref:refs/heads/main'.",
            "federation-mismatch",
        ),
        ("no matching federated identity record found", "federation-mismatch"),
        ('{"error":{"code":"InternalServerError","message":"Backend returned an error"}}', "service-error"),
        ("HTTP/1.1 503 Service Unavailable", "service-error"),
        ("<html><body><h1>502 Bad Gateway</h1></body></html>", "service-error"),
        ("Deployment failed: Error code = AnthropicOrganizationCreationFailed", "deployment-provisioning"),
        (
            "InsufficientQuota: This operation require 50 new capacity in quota Tokens Per Minute (thousands) - claude-opus-5",
            "deployment-provisioning",
        ),
        ("error 715-123420: quota for the subscription", "deployment-provisioning"),
    ],
)
def test_new_rows_in_other_wordings(text: str, rid: str) -> None:
    assert first(text) == rid


# ---- statuses wherever tools print them ----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "rid"),
    [
        ("API Error: 529 Overloaded", "overloaded"),  # Claude Code
        ("API Error (529 {})", "overloaded"),
        ("Error code: 429", "rate-limit"),  # openai SDK
        ("AuthenticationError: 401 status code (no body)", "key-invalid"),  # ambiguous 401, key first
        ("Status Code: 404", "endpoint-shape"),
        ("(404) Not here", "endpoint-shape"),  # azure-core
        ("Error Message: 403: nope", "role-missing"),
        ("Error: 503 {}", "service-error"),
        ('400{"type":"error"} 504', None),  # a 400 with nothing named: no row
    ],
)
def test_a_status_is_read_wherever_tools_print_it(text: str, rid: str | None) -> None:
    assert first(text) == rid


def test_401_without_words_stays_ambiguous_and_403_names_the_role() -> None:
    assert [r.id for r in classify_text("API Error: 401")] == ["key-invalid", "audience", "role-missing"]
    assert classify_http(401, None, "") is None
    assert first("API Error: 403") == "role-missing"


# ---- wrapped pastes ------------------------------------------------------------------------------
def test_a_word_broken_by_a_newline_is_still_read() -> None:
    assert (
        first("messages.1.content.0.type: Exp\nected `thinking` or `redacted_thinking`") == "thinking-tools"
    )
    assert first("Model ProviderData is\nrequired") is None  # a missing word is not invented
    assert (
        first("ModelProviderData is\nrequired for Anthropic model deployments") == "deployment-provisioning"
    )
    assert first("max_tokens: 21333 > 4096, which is the maximum allowed\n    number of output tokens") == (
        "max-tokens-range"
    )
    assert first("Access denied due to Virtual\n   Network/Firewall rules.") == "network-restricted"


# ---- credential chains ---------------------------------------------------------------------------
ENV_LINK = "EnvironmentCredential: EnvironmentCredential authentication unavailable. Environment variables are not fully configured."
MI_LINK = "ManagedIdentityCredential: ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint."


def chain(*links: str) -> str:
    return (
        "DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials:\n"
        + "".join(f"\t{link}\n" for link in links)
    )


def test_the_failing_link_beats_links_that_are_only_not_set_up() -> None:
    cli = "AzureCliCredential: Please run 'az login' to set up an account"
    ids = [r.id for r in classify_text(chain(ENV_LINK, MI_LINK, cli))]
    assert ids[0] == "not-logged-in"
    assert set(ids[1:]) == {"sp-env-missing", "managed-identity-unavailable"}
    aad = "AzureCliCredential: AADSTS70043: The refresh token has expired due to inactivity."
    assert first(chain(ENV_LINK, MI_LINK, aad)) == "user-interaction"
    # links without the chain's header (a cut paste) are still a chain
    assert first(f"\t{MI_LINK}\n\tAzureCliCredential: Failed to invoke the Azure CLI\n") == "not-logged-in"


def test_on_an_azure_host_the_managed_identity_link_is_the_failing_one() -> None:
    """An identity endpoint answered but has no identity for us: that link failed; a missing az is normal."""
    text = chain(
        ENV_LINK,
        "ManagedIdentityCredential: The managed identity endpoint is indicating there's no available identity.",
        "AzureCliCredential: Azure CLI could not be found. Please install it and run 'az login'.",
    )
    assert [r.id for r in classify_text(text)][:2] == ["managed-identity-unavailable", "not-logged-in"]
    off_azure = chain(ENV_LINK, MI_LINK, "AzureCliCredential: Azure CLI could not be found.")
    assert first(off_azure) == "not-logged-in"


def test_a_chain_of_only_unset_links_keeps_them() -> None:
    assert first(chain(ENV_LINK)) == "sp-env-missing"
    assert first(MI_LINK) == "managed-identity-unavailable"  # one credential, not a chain


def test_demoted_links_score_lower_and_say_why() -> None:
    cands = explain_text(chain(ENV_LINK, "AzureCliCredential: Please run 'az login' to set up an account"))
    assert cands[0].row is row("not-logged-in") and cands[0].score == 0.8
    env = cands[-1]
    assert env.row is row("sp-env-missing") and env.score < 0.5
    assert any("credential-chain link" in e for e in env.evidence)


# ---- a code seen only as an HTTP reason phrase ------------------------------------------------------
def test_a_reason_phrase_is_not_the_services_code() -> None:
    key = (
        "Access denied due to invalid subscription key or wrong API endpoint.\n"
        "Response status code does not indicate success: 401 (PermissionDenied)."
    )
    assert first(key) == "key-invalid"
    assert first("Status: 401 (PermissionDenied)") == "role-missing"  # nothing else: the phrase still counts
    # a real code next to the phrase keeps its rank
    both = "Status: 401 (PermissionDenied)\nErrorCode: PermissionDenied\ninvalid subscription key"
    assert first(both) == "role-missing"
    assert classify_http(401, "PermissionDenied", "invalid subscription key") is row("role-missing")


# ---- other clouds ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "API Error: 403 You don't have access to the model with the specified model ID.",
        "botocore.errorfactory.AccessDeniedException: An error occurred (AccessDeniedException) when calling the InvokeModel operation: 403",
        "404 Publisher Model `publishers/google/models/claude-3-sonnet` is not found.",
        "vertex error: 404 model not found",
        "Incorrect API key provided: sk-abc***. You can find your API key at https://platform.openai.com/account/api-keys.",
        "HTTP 429 from https://api.openai.com/v1/chat/completions",
    ],
)
def test_another_clouds_verdicts_are_no_match(text: str) -> None:
    assert classify_text(text) == []


@pytest.mark.parametrize(
    ("text", "rid"),
    [
        ("request to https://api.openai.com/v1/chat/completions failed, reason: read ECONNRESET", "network"),
        ("Vertex: `max_tokens` must be greater than `thinking.budget_tokens`", "max-tokens-range"),
        ("BedrockException: prompt is too long: 210000 tokens > 200000 maximum", "prompt-too-long"),
        # Azure in the text: the Azure reading stands
        ("Azure OpenAI (not api.openai.com): 401 invalid subscription key", "key-invalid"),
    ],
)
def test_wordings_that_mean_the_same_everywhere_survive_another_cloud(text: str, rid: str) -> None:
    assert first(text) == rid


# ---- explain_text: scores and evidence ------------------------------------------------------------
def test_candidates_carry_scores_and_the_evidence_that_matched() -> None:
    body = '{"error":{"code":"PermissionDenied","message":"The principal `x` lacks the required data action `y`."}}'
    (cand,) = explain_text(body)
    assert cand.row is row("role-missing") and cand.score == 0.95
    assert cand.evidence == ("code permissiondenied", 'text "lacks the required data action"')
    assert explain_text("AADSTS700213")[0].evidence == ("AADSTS700213",)
    status_only = explain_text("HTTP 404")
    assert status_only[0].score == 0.35 and status_only[0].evidence == ("HTTP 404",)
    assert explain_text("service-error")[0].score == 1.0
    assert explain_text("hello") == []
    long = explain_text("The server had an error processing your request. " + "x" * 200)
    assert long[0].row is ROW_BY_ID["service-error"] and all(len(e) <= 90 for e in long[0].evidence)
