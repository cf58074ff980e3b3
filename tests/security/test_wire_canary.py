"""Issue 9, findings 3 and 9 end to end: a canary key never leaves the process.

Through a gateway that echoes the request's headers into its 400 body and reflects them as response
headers, and through a key that cannot be sent (a multi-line ``key_command``, a ``\\r`` in the
environment, a non-ASCII character), the canary appears nowhere: not on stdout, not on stderr, not in
the ``--debug`` trace, not in any file under FCLAUDE_HOME (history.db and its WAL included).
These run the real CLI in a subprocess, so the scrubber's registry starts empty as it does for users.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from tests.hostile import HostileServer, Reply
from tests.support import CANARY_KEY, Fclaude

PY = shlex.quote(sys.executable)


def files_under(home: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in home.rglob("*") if p.is_file()}


def assert_nowhere(home: Path, *texts: str, values: tuple[str, ...] = (CANARY_KEY,)) -> None:
    for value in values:
        for text in texts:
            assert value not in text
        for name, data in files_under(home).items():
            assert value.encode() not in data, f"{value!r} stored in {name}"


@pytest.mark.parametrize("json_flag", [(), ("--json",)])
def test_a_header_echoing_gateway_never_gets_the_key_to_any_output(
    fclaude_proc: Fclaude, hostile: HostileServer, hermetic_env: Path, json_flag: tuple[str, ...]
) -> None:
    hostile.script(Reply(status=400, echo_headers=True, reflect_headers=True))
    r = fclaude_proc(
        "--debug", "ask", *json_flag, "hi", FCLAUDE_ENDPOINT=hostile.base_url, FCLAUDE_MAX_RETRIES="0"
    )
    # the key really went out, and really came back in the body and in the headers
    assert hostile.requests[0].header("x-api-key") == CANARY_KEY
    assert r.exit_code == 1, r.print()
    assert "Received headers" in r.stderr and "x-api-key: ***" in r.stderr  # the echo, scrubbed
    assert "[debug] < x-echo-x-api-key: ***" in r.stderr  # the reflected header in the trace, scrubbed
    if json_flag:
        assert "***" in json.loads(r.stdout)["error"]["message"]
    assert (hermetic_env / "history.db").exists()
    assert_nowhere(hermetic_env, r.stdout, r.stderr)


def test_a_multi_line_key_command_is_refused_naming_key_command_and_never_shown(
    fclaude_proc: Fclaude, hostile: HostileServer, hermetic_env: Path
) -> None:
    # what `pass show` prints: the password, then more lines
    command = f"{PY} -c \"print({CANARY_KEY!r}); print('login: someone-private-123')\""
    r = fclaude_proc(
        "--debug",
        "ask",
        "hi",
        FCLAUDE_ENDPOINT=hostile.base_url,
        FCLAUDE_API_KEY="",
        FCLAUDE_KEY_COMMAND=command,
    )
    assert r.exit_code == 3, r.print()
    assert "key_command" in r.stderr and "2 lines" in r.stderr
    assert r.stderr.count("fclaude:") == 1  # said once, not once per retry
    assert hostile.requests == []  # nothing was sent
    assert_nowhere(hermetic_env, r.stdout, r.stderr, values=(CANARY_KEY, "someone-private-123"))


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (f"{CANARY_KEY[:19]}\r{CANARY_KEY[19:]}", "a line break"),
        (f"{CANARY_KEY[:19]}\n{CANARY_KEY[19:]}", "a line break"),
        (f"{CANARY_KEY[:19]} {CANARY_KEY[19:]}", "whitespace"),
        (f"{CANARY_KEY[:19]}\x01{CANARY_KEY[19:]}", "a control character"),
        (f"{CANARY_KEY[:19]}é{CANARY_KEY[19:]}", "a non-ASCII character"),
    ],
)
def test_a_key_that_cannot_travel_in_a_header_is_refused_by_source_once(
    fclaude_proc: Fclaude, hostile: HostileServer, hermetic_env: Path, key: str, problem: str
) -> None:
    r = fclaude_proc("ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url, FCLAUDE_API_KEY=key)
    assert r.exit_code == 3, r.print()
    assert f"The key from FCLAUDE_API_KEY contains {problem}" in r.stderr
    assert "Illegal header" not in r.stderr and "retrying" not in r.stderr
    assert r.stderr.count("fclaude:") == 1
    assert hostile.requests == []
    halves = (CANARY_KEY[:19], CANARY_KEY[19:])
    assert_nowhere(hermetic_env, r.stdout, r.stderr, values=halves)


def test_a_ready_token_with_a_line_break_is_refused_naming_its_variable(
    fclaude_proc: Fclaude, hostile: HostileServer, hermetic_env: Path
) -> None:
    token = "eyJhbGciOi.canary-TOKEN-part-one\neyJzZWNvbmQ.canary-TOKEN-part-two"
    r = fclaude_proc("ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url, FCLAUDE_API_KEY="", AZURE_AD_TOKEN=token)
    assert r.exit_code == 3, r.print()
    assert "AZURE_AD_TOKEN contains a line break" in r.stderr
    assert hostile.requests == []
    assert_nowhere(
        hermetic_env, r.stdout, r.stderr, values=("canary-TOKEN-part-one", "canary-TOKEN-part-two")
    )
