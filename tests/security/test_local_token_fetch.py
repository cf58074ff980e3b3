"""Issue 9 (low): concurrent cold-cache processes single-flight the token fetch.

24 parallel ``ask``s with an empty cache used to start 24 ``az`` processes. Now the first process
takes the key's fetch lock and runs ``az``; the others wait for the lock, read the cache again and
use the token it stored. A fake ``az`` on PATH counts its runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.auth.conftest import CHILD

FAKE_AZ = """#!{python}
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "runs.log"), "a") as log:
    log.write("run\\n")
time.sleep(1.0)  # a real az takes about a second: long enough for every cold process to miss
print(json.dumps({{"accessToken": "single-flight-token", "expires_on": int(time.time()) + 3600}}))
"""

PROCESSES = 6


@pytest.mark.skipif(os.name != "posix", reason="a shebang script as the fake az")
def test_concurrent_cold_processes_run_az_once(hermetic_env: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "az-bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text(FAKE_AZ.format(python=sys.executable))
    az.chmod(0o755)
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FCLAUDE_AUTH": "azure-cli",
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(PROCESSES)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r.get("token") for r in results] == ["single-flight-token"] * PROCESSES, results
    runs = (bin_dir / "runs.log").read_text().splitlines()
    assert len(runs) == 1, f"{len(runs)} az processes for {PROCESSES} cold processes"
