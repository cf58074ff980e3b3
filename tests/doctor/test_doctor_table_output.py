"""The table drawn by cli/doctor.py through the output layer: symbols, colour, the row and fix under a
failure, words instead of symbols when piped, wrapping to the width, scrubbing before wrapping."""

from __future__ import annotations

import io

from foundry_cli.cli.doctor import table
from foundry_cli.doctor.runner import CheckResult, Report
from foundry_cli.render.output import Output

RESULTS = [
    CheckResult("profile", "Profile", "pass", "ok"),
    CheckResult("region", "Region", "warn", "unknown"),
    CheckResult("probe", "Probe", "fail", "HTTP 404", "deployment-not-found", "use the right name"),
    CheckResult("role", "Role", "skip", "api-key auth"),
]


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def out_for(*, tty: bool, env: dict[str, str], width: int | None = None) -> Output:
    stream = FakeTTY() if tty else io.StringIO()
    return Output(stdout=stream, stderr=io.StringIO(), env=env, width=width)


def test_tty_symbols_and_colour() -> None:
    text = table(Report("work", RESULTS), out_for(tty=True, env={"TERM": "xterm"}))
    for symbol in ("✓", "!", "✗"):
        assert symbol in text
    assert "\x1b[31m✗\x1b[0m fail probe" in text and "\x1b[32m✓\x1b[0m pass profile" in text
    assert "row deployment-not-found:" in text and "fix: use the right name" in text
    assert text.splitlines()[-1] == "\x1b[31mFAILED\x1b[0m: 1 pass, 1 warn, 1 fail, 1 skip"


def test_no_color_and_pipe() -> None:
    text = table(Report("work", RESULTS), out_for(tty=True, env={"TERM": "xterm", "NO_COLOR": "1"}))
    assert "\x1b[" not in text and "✓ pass profile" in text
    assert text.splitlines()[-1] == "FAILED: 1 pass, 1 warn, 1 fail, 1 skip"
    piped = table(Report("work", RESULTS), out_for(tty=False, env={"TERM": "xterm"}))
    assert "\x1b[" not in piped and "✓" not in piped
    assert [line.split()[0] for line in piped.splitlines()[1:7]] == [
        "PASS",
        "WARN",
        "FAIL",
        "row",
        "fix:",
        "SKIP",
    ]
    dumb = table(Report("work", RESULTS), out_for(tty=True, env={"TERM": "dumb"}))
    assert dumb == piped, "TERM=dumb: the piped layout"


def test_long_details_wrap_at_words_under_the_detail_column() -> None:
    long = CheckResult(
        "role",
        "Role",
        "fail",
        "the principal lacks the data action Microsoft.CognitiveServices/accounts/OpenAI/read on it",
        "role-missing",
        "grant Cognitive Services User on the resource to the principal, then wait five minutes",
    )
    for width in (60, 80):
        text = table(
            Report("work", [long]), out_for(tty=True, env={"TERM": "xterm", "NO_COLOR": "1"}, width=width)
        )
        lines = text.splitlines()
        # a line is within the width, or holds one word too long for any line (kept whole: copyable)
        assert all(len(line) <= width or len(line.split()) == 1 for line in lines), lines
        assert any(len(line) > width for line in lines) == (width == 60), "only the long name overflows at 60"
        assert lines[1].startswith("✗ fail role  the principal")
        detail_col = lines[1].index("the principal")
        assert lines[2].startswith(" " * detail_col) and lines[2].strip(), "a hanging indent"
        words = " ".join(text.split())
        assert "Microsoft.CognitiveServices/accounts/OpenAI/read" in words, "no word is split"
        assert "fix: grant Cognitive Services User" in words


def test_secrets_are_scrubbed_before_wrapping_and_server_text_is_made_safe() -> None:
    secret = "s3cr3t-" + "x" * 40
    r = CheckResult(
        "probe", "Probe", "fail", f"HTTP 401 echoed \x1b]52;c;aGk=\x07 {secret} back", "key-invalid"
    )
    text = table(Report("work", [r]), out_for(tty=True, env={"TERM": "xterm"}, width=40), [secret])
    assert secret[:12] not in text and "\x1b]52" not in text and "\x07" not in text
