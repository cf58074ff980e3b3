"""`fclaude doctor explain --json` through the real CLI: every candidate with a score and evidence."""

from __future__ import annotations

import json

from tests.support import Fclaude

CHAIN = (
    "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
    "Attempted credentials:\n"
    "\tEnvironmentCredential: EnvironmentCredential authentication unavailable. "
    "Environment variables are not fully configured.\n"
    "\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable, "
    "no response from the IMDS endpoint.\n"
    "\tAzureCliCredential: Please run 'az login' to set up an account\n"
)


def test_explain_json_lists_every_candidate_with_score_and_evidence(fclaude: Fclaude) -> None:
    r = fclaude("doctor", "explain", "--json", input=CHAIN)
    assert r.exit_code == 0, r.stderr
    matches = json.loads(r.stdout)["matches"]
    assert [m["id"] for m in matches] == ["not-logged-in", "managed-identity-unavailable", "sp-env-missing"]
    for m in matches:
        assert set(m) == {"id", "title", "cause", "fix", "fix_command", "score", "evidence"}
        assert m["evidence"] and all(isinstance(e, str) for e in m["evidence"])
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    assert matches[0]["evidence"] == ['text "Please run \'az login"']
    assert "credential-chain link" in matches[-1]["evidence"][-1]


def test_explain_json_names_codes_and_statuses(fclaude: Fclaude) -> None:
    r = fclaude("doctor", "explain", "--json", "API Error: 401")
    matches = json.loads(r.stdout)["matches"]
    assert [m["id"] for m in matches] == ["key-invalid", "audience", "role-missing"]
    assert all(m["evidence"] == ["HTTP 401"] and m["score"] == 0.35 for m in matches)
    r = fclaude("doctor", "explain", "--json", "AADSTS7002138")
    (m,) = json.loads(r.stdout)["matches"]
    assert m["id"] == "federation-mismatch" and m["evidence"] == ["AADSTS7002138"] and m["score"] == 0.9


def test_explain_another_clouds_403_is_no_match(fclaude: Fclaude) -> None:
    r = fclaude(
        "doctor", "explain", "API Error: 403 You don't have access to the model with the specified model ID."
    )
    assert r.exit_code == 1 and r.stdout == "" and "no row" in r.stderr
    r = fclaude(
        "doctor", "explain", "--json", input="404 Publisher Model `publishers/google/models/x` is not found."
    )
    assert r.exit_code == 1 and json.loads(r.stdout) == {"matches": []}


def test_explain_a_wrapped_paste(fclaude: Fclaude) -> None:
    paste = 'API Error: 400 {"message":"max_tokens: 128001 > 64000, which is the maximum allowed number of\n    output tokens"}'
    r = fclaude("doctor", "explain", input=paste)
    assert r.exit_code == 0 and r.stdout.startswith("max-tokens-range: ")
