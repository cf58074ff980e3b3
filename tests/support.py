"""The `fclaude` runners against an emulator on 127.0.0.1.

`fclaude` runs the CLI in process (`foundry_cli.cli.app.main(argv)` with the call's environment,
stdin and captured stdout/stderr): it is what most CLI tests use, and it is fast. `fclaude_proc`
runs the real CLI in a subprocess, for tests that need a process: a pty, signals, concurrency,
kill/crash, or import cost. Both have the same interface and the same secret-leak check.

Fixtures built on them are registered in tests/conftest.py."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from foundry_cli.emulator import Emulator

#: a canary key: no output of any test may ever contain it
CANARY_KEY = "canary-KEY-9f8e7d6c5b4a-never-print-me"


@dataclass
class RunResult:
    exit_code: int
    stdout: str
    stderr: str

    def print(self) -> None:
        print(f"exit {self.exit_code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}")


@pytest.fixture(scope="module")
def module_emu() -> Iterator[Emulator]:
    """One data-plane emulator for a whole test module (starting one per test is wasted time)."""
    with Emulator(api_key=CANARY_KEY) as e:
        yield e


@pytest.fixture
def emu(module_emu: Emulator) -> Emulator:
    """The module's emulator, as good as new for this test: healthy, no recorded requests or errors,
    no prompt cache, no added latency. A test that needs other constructor arguments, or stops the
    emulator, starts its own `Emulator(...)`."""
    e = module_emu
    e.set_scenario("healthy")  # also resets the per-scenario request counters
    e.requests.clear()
    e.arm_requests.clear()
    e.errors.clear()
    e.latency = e.delta_delay = 0.0
    e.deployment_models.clear()
    e.request_log = None
    e._service._cache.clear()  # the emulated prompt cache: usage numbers must not depend on test order
    return e


#: the signals whose handlers a CLI run may change; restored after every in-process run
_SIGNALS = tuple(
    getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGPIPE", "SIGWINCH", "SIGHUP") if hasattr(signal, n)
)


def _universal(data: bytes) -> str:
    """Decode like `subprocess.run(text=True)`: UTF-8 with universal newlines."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace").read()


@dataclass
class Fclaude:
    """Runs the CLI in this process: `foundry_cli.cli.app.main(argv)`, as `python -m foundry_cli` would.

    For the call, `os.environ` holds exactly `env` plus the call's `**env`; stdin reads `input`;
    stdout and stderr are text wrappers over `io.BytesIO` (so `.buffer` works and `isatty()` is
    False). The exit code comes from `SystemExit`. Environment, argv, streams, cwd, signal
    handlers and `sys.excepthook` are restored afterwards. A call that outlives `timeout` gets a
    SIGINT and raises `subprocess.TimeoutExpired`, like the subprocess runner.
    """

    env: dict[str, str]
    outputs: list[str]

    def __call__(self, *args: str, input: str | None = None, timeout: float = 60, **env: str) -> RunResult:
        from foundry_cli import redact
        from foundry_cli.cli.app import main
        from foundry_cli.config import fileio

        # process-global state a fresh process starts without: registered secrets, warnings said once
        redact.clear()
        fileio._said.clear()
        fileio.set_warning_sink(None)
        saved_env = dict(os.environ)
        saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr, sys.excepthook, os.getcwd())
        saved_handlers = {s: signal.getsignal(s) for s in _SIGNALS}
        out, err = io.BytesIO(), io.BytesIO()
        # the wrappers stay referenced here: a collected wrapper would close its BytesIO
        streams = (
            io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8"),
            io.TextIOWrapper(out, encoding="utf-8", write_through=True),
            io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True),
        )
        sys.stdin, sys.stdout, sys.stderr = streams
        sys.argv = ["fclaude", *args]
        os.environ.clear()
        os.environ.update({**self.env, **env})
        timed_out = threading.Event()
        main_thread = threading.main_thread().ident
        assert main_thread is not None

        def interrupt() -> None:
            timed_out.set()
            signal.pthread_kill(main_thread, signal.SIGINT)

        timer = threading.Timer(timeout, interrupt)
        timer.daemon = True
        timer.start()
        code: int | str | None = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code
        except Exception:  # escaped main() (only with --debug): Python prints it and exits 1
            traceback.print_exc()
            code = 1
        finally:
            timer.cancel()
            for stream in streams[1:]:
                if not stream.closed:
                    stream.flush()
            redact.clear()
            sys.argv, sys.stdin, sys.stdout, sys.stderr, sys.excepthook, cwd = saved
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(saved_env)
            for sig, handler in saved_handlers.items():
                if handler is not None:
                    signal.signal(sig, handler)
        stdout, stderr = _universal(out.getvalue()), _universal(err.getvalue())
        if isinstance(code, str):  # `raise SystemExit("message")` prints the message and exits 1
            stderr, code = f"{stderr}{code}\n", 1
        self.outputs += [stdout, stderr]
        if timed_out.is_set():
            raise subprocess.TimeoutExpired(["fclaude", *args], timeout, stdout, stderr)
        return RunResult(code or 0, stdout, stderr)


class FclaudeProcess(Fclaude):
    """Runs the real CLI in a subprocess: `python -m foundry_cli ARGS` with the environment `env`.

    For what only a process has: a pty, signals, concurrency, kill/crash, import cost."""

    def __call__(self, *args: str, input: str | None = None, timeout: float = 60, **env: str) -> RunResult:
        done = subprocess.run(
            [sys.executable, "-m", "foundry_cli", *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env={**self.env, **env},
            timeout=timeout,
        )
        self.outputs += [done.stdout, done.stderr]
        return RunResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def base_env(hermetic_env: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def emulator_env(emu: Emulator, base_env: dict[str, str]) -> dict[str, str]:
    """The environment that configures the CLI for ``emu`` with the canary API key."""
    return {
        **base_env,
        "FCLAUDE_ENDPOINT": emu.base_url,
        "FCLAUDE_API_KEY": CANARY_KEY,
        "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
        "FCLAUDE_PROJECT": "demo",
    }


def check_no_leaks(runner: Fclaude) -> None:
    """The secret-leak check that runs after every CLI test."""
    for text in runner.outputs:
        assert CANARY_KEY not in text, "the API key leaked into output"
        assert SP_SECRET not in text, "the client secret leaked into output"


@pytest.fixture
def fclaude(emu: Emulator, base_env: dict[str, str]) -> Iterator[Fclaude]:
    """`fclaude(...)` runs the CLI in process, configured from the environment for the emulator."""
    runner = Fclaude(emulator_env(emu, base_env), [])
    yield runner
    check_no_leaks(runner)


@pytest.fixture
def fclaude_proc(emu: Emulator, base_env: dict[str, str]) -> Iterator[FclaudeProcess]:
    """`fclaude_proc(...)` runs the real CLI in a subprocess: for pty, signal, concurrency, crash and
    import-cost tests. `fclaude_proc.env` is the environment to spawn other processes with."""
    runner = FclaudeProcess(emulator_env(emu, base_env), [])
    yield runner
    check_no_leaks(runner)


#: a client-secret canary for service-principal tests: no output may ever contain it
SP_SECRET = "canary-SP-SECRET-5e6f7a8b-never-print-me"
SP_CLIENT = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
def idp() -> Iterator[Emulator]:
    """An emulator with its Entra ID side and one registered service principal."""
    with Emulator(identity=True) as e:
        e.add_app(SP_CLIENT, secret=SP_SECRET)
        yield e
    assert e.errors == []


def service_principal_env(idp: Emulator, *, control_plane: bool = False) -> dict[str, str]:
    """Environment for service-principal auth against ``idp`` (real msal over TLS)."""
    env = {
        "FCLAUDE_ENDPOINT": idp.base_url,
        "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
        "FCLAUDE_PROJECT": "demo",
        "FCLAUDE_AUTH": "service-principal",
        "FCLAUDE_API_KEY": "",
        "AZURE_TENANT_ID": idp.tenant_id,
        "AZURE_CLIENT_ID": SP_CLIENT,
        "AZURE_CLIENT_SECRET": SP_SECRET,
        "AZURE_AUTHORITY_HOST": idp.authority_host,
        "REQUESTS_CA_BUNDLE": idp.ca_bundle,
    }
    if control_plane:
        env |= {"FCLAUDE_SUBSCRIPTION_ID": idp.subscription_id, "FCLAUDE_MANAGEMENT_ENDPOINT": idp.base_url}
    return env


@pytest.fixture
def sp_env(idp: Emulator) -> dict[str, str]:
    return service_principal_env(idp)


def row_named(stderr: str, row: str) -> bool:
    """Whether an error block on ``stderr`` names error-table row ``row`` (its ``row:`` line)."""
    import re

    return re.search(rf"^\s+row:\s+{re.escape(row)}(?:\s|$)", stderr, re.MULTILINE) is not None
