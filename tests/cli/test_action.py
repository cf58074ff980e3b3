"""The GitHub Action (action.yml): its script run offline with the environment a runner gives.

``scripts/action_doctor.sh`` runs as the composite step does (bash, the inputs as ``INPUT_*``,
``GITHUB_ACTIONS``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_OUTPUT``, ``RUNNER_TEMP``) against the
emulator; ``FCLAUDE_BIN`` replaces the pipx install with this checkout's fclaude, and a fake
``pipx`` checks the install command itself.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundry_cli import __version__
from foundry_cli.emulator import Emulator
from foundry_cli.emulator.identity import GITHUB_ISSUER
from tests.support import CANARY_KEY

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "action_doctor.sh"
ACTION = ROOT / "action.yml"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the action's script is bash")


class Runner:
    """A fake GitHub runner: its files in a temporary folder, the step's environment."""

    def __init__(self, tmp: Path, emu: Emulator, base_env: dict[str, str]) -> None:
        self.temp = tmp / "runner_temp"
        self.temp.mkdir()
        self.summary = tmp / "step_summary"
        self.output = tmp / "output"
        self.summary.touch()
        self.output.touch()
        self.env = {
            **base_env,
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_OUTPUT": str(self.output),
            "RUNNER_TEMP": str(self.temp),
            "FCLAUDE_BIN": f"{sys.executable} -m foundry_cli",
            # the inputs as action.yml maps them; the job's env gives the endpoint and the key
            "INPUT_VERSION": __version__,
            "INPUT_DEPLOYMENT": "claude-haiku-4-5",  # no retirement date: no warning whatever the day
            "INPUT_PROJECT": "demo",
            "INPUT_AUTH": "api-key",
            "INPUT_ARGS": "",
            "FCLAUDE_ENDPOINT": emu.base_url,
            "FCLAUDE_API_KEY": CANARY_KEY,
        }

    def run(self, **env: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["bash", str(SCRIPT)],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert CANARY_KEY not in done.stdout + done.stderr
        return done

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text().splitlines()
        return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def runner(tmp_path: Path, emu: Emulator, base_env: dict[str, str]) -> Runner:
    return Runner(tmp_path, emu, base_env)


def test_failing_doctor_annotates_summarises_and_outputs_the_bundle(runner: Runner, emu: Emulator) -> None:
    emu.set_scenario("key-invalid")
    done = runner.run()
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1 and errors[0].startswith("::error title=fclaude doctor%3A probe (key-invalid)::")
    assert "### fclaude doctor: FAILED" in runner.summary.read_text()
    outputs = runner.outputs()
    assert outputs["exit-code"] == "1"
    bundle = Path(outputs["bundle"])
    assert bundle.parent == runner.temp
    text = bundle.read_text()
    doc = json.loads(text)
    assert doc["kind"] == "fclaude-doctor-bundle" and doc["ok"] is False
    assert CANARY_KEY not in text
    # the inputs reached fclaude's settings
    settings = doc["settings"]
    assert settings["deployment"]["value"] == "claude-haiku-4-5" and settings["auth"]["value"] == "api-key"


def test_passing_doctor_sets_no_bundle_output(runner: Runner) -> None:
    done = runner.run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert runner.outputs() == {"exit-code": "0"}
    assert "### fclaude doctor: OK" in runner.summary.read_text()


def test_args_input_reaches_doctor(runner: Runner) -> None:
    # a warning (thinking on the Messages API) fails under --strict
    done = runner.run(INPUT_ARGS="--strict  --check settings", FCLAUDE_THINKING_BUDGET="2048")
    assert done.returncode == 1
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert [e.split("::")[1] for e in errors] == ["error title=fclaude doctor%3A settings (thinking-tools)"]
    assert runner.outputs()["exit-code"] == "1"


def test_without_fclaude_bin_it_installs_the_pinned_version_with_pipx(runner: Runner, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "pipx_calls"
    (bin_dir / "pipx").write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\n')
    # what pipx would have put on PATH: this checkout's fclaude
    (bin_dir / "fclaude").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m foundry_cli "$@"\n')
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = {**runner.env, "PATH": f"{bin_dir}:{runner.env['PATH']}", "INPUT_VERSION": "9.8.7"}
    del env["FCLAUDE_BIN"]
    runner.env = env
    done = runner.run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls.read_text().split() == ["install", "--force", "fclaude==9.8.7"]
    assert "::group::pipx install fclaude==9.8.7" in done.stdout
    # an empty version is refused before anything is installed
    calls.unlink()
    done = runner.run(INPUT_VERSION="")
    assert done.returncode == 2 and "::error title=fclaude action::" in done.stdout and not calls.exists()


def test_action_yml_pins_this_version_and_maps_every_input() -> None:
    text = ACTION.read_text()
    version = re.search(r"  version:\n(?:    .*\n)*?    default: \"([^\"]+)\"", text)
    assert version is not None and version.group(1) == __version__, "bump action.yml with the version"
    inputs = re.findall(r"^  ([a-z-]+):\n    description:", text.split("\noutputs:")[0], re.MULTILINE)
    mapped = set(re.findall(r"INPUT_([A-Z_]+): \$\{\{ inputs\.([a-z-]+) \}\}", text))
    assert {name for _, name in mapped} == set(inputs) - {"artifact-name"}
    assert all(env == name.upper().replace("-", "_") for env, name in mapped)
    script = SCRIPT.read_text()
    assert all(f"INPUT_{env}" in script for env, _ in mapped), "the script reads every mapped input"
    assert "actions/upload-artifact@v4" in text and "steps.doctor.outputs.bundle" in text
    assert "auth:" in text and "default: github-oidc" in text
    # no input is spliced into a shell command (script injection)
    run_lines = [line for line in text.splitlines() if line.strip().startswith("run:")]
    assert run_lines and not any("${{" in line for line in run_lines)


# --- keyless: the action's default auth (github-oidc) against the emulator's runner OIDC endpoint --

APP = "11111111-2222-4333-8444-999999999999"
SUBJECT = "repo:octo-org/octo-repo:ref:refs/heads/main"


@pytest.fixture(scope="module")
def oidc_emu() -> Iterator[Emulator]:
    with Emulator(identity=True) as emu:
        yield emu


@pytest.fixture
def oidc_runner(oidc_emu: Emulator, tmp_path: Path, base_env: dict[str, str]) -> Runner:
    """A runner in a job with `permissions: id-token: write`: the runner's OIDC variables, the app's
    ids as the action's inputs, the action's default auth, and no key anywhere."""
    oidc_emu.set_scenario("healthy")
    oidc_emu.add_app(APP)  # a fresh registration: no federated credential yet
    job = oidc_emu.github_job
    job.repository, job.ref, job.environment = "octo-org/octo-repo", "refs/heads/main", None
    r = Runner(tmp_path, oidc_emu, base_env)
    del r.env["FCLAUDE_API_KEY"]
    r.env.update(
        {
            "INPUT_AUTH": "github-oidc",
            "INPUT_TENANT_ID": oidc_emu.tenant_id,
            "INPUT_CLIENT_ID": APP,
            "AZURE_AUTHORITY_HOST": oidc_emu.authority_host,
            "REQUESTS_CA_BUNDLE": oidc_emu.ca_bundle,
            "SSL_CERT_FILE": oidc_emu.ca_bundle,
            **oidc_emu.github_actions_env(),
        }
    )
    return r


def no_tokens(r: Runner, done: subprocess.CompletedProcess[str]) -> None:
    """Neither the runner's request token nor any JWT reaches the log, the summary or the bundle."""
    request_token = r.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    texts = [done.stdout, done.stderr, r.summary.read_text()]
    texts += [p.read_text() for p in r.temp.iterdir()]
    for text in texts:
        assert request_token not in text and "eyJ" not in text


def test_keyless_doctor_passes_with_a_matching_federated_credential(
    oidc_runner: Runner, oidc_emu: Emulator
) -> None:
    oidc_emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    done = oidc_runner.run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert oidc_runner.outputs() == {"exit-code": "0"}
    assert "### fclaude doctor: OK" in oidc_runner.summary.read_text()
    assert any(p.endswith("/idtoken") for p in (q.path for q in oidc_emu.identity_requests))
    no_tokens(oidc_runner, done)


def test_keyless_doctor_subject_mismatch_is_annotated_and_bundled(
    oidc_runner: Runner, oidc_emu: Emulator
) -> None:
    oidc_emu.add_federated_credential(APP, GITHUB_ISSUER, "repo:octo-org/octo-repo:environment:production")
    done = oidc_runner.run()
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    titles = [e.split("::")[1] for e in errors]
    assert "error title=fclaude doctor%3A federation (federation-mismatch)" in titles, errors
    # the subject Entra ID looked for is in the annotation (a property-free message: ':' stays)
    assert any(SUBJECT in e for e in errors)
    summary = oidc_runner.summary.read_text()
    assert "### fclaude doctor: FAILED" in summary and "federation\\-mismatch" not in summary
    assert "| federation-mismatch |" in summary
    bundle = json.loads(Path(oidc_runner.outputs()["bundle"]).read_text())
    assert bundle["ok"] is False and bundle["settings"]["auth"]["value"] == "github-oidc"
    no_tokens(oidc_runner, done)
