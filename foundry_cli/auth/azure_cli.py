"""``auth = "azure-cli"``: the token of the signed-in Azure CLI account.

Runs ``az account get-access-token`` directly, the way azure-identity's AzureCliCredential does
(argv list, stdin closed, 10 s timeout, ``AZURE_CORE_NO_COLOR``), without importing
azure-identity (~200 ms). The persistent cache in front of it (``auth/cache.py``) means a valid
token starts no ``az`` process at all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from foundry_cli.auth.aadsts import auth_error, codes_in, scrub
from foundry_cli.auth.base import AccessToken
from foundry_cli.errors import AuthError

TIMEOUT = 10.0
NOT_FOUND = (
    "Azure CLI not found on PATH: install it (https://aka.ms/azure-cli) and run `az login`, "
    "or choose another auth mode."
)


def resource_of(scope: str) -> str:
    """``https://ai.azure.com/.default`` -> ``https://ai.azure.com`` (what ``--resource`` wants)."""
    return scope[: -len("/.default")] if scope.endswith("/.default") else scope


def _safe_cwd(env: Mapping[str, str]) -> str | None:
    # As azure-identity does: a fixed working directory, so az never picks up files from the
    # directory fclaude happens to run in.
    if sys.platform.startswith("win"):
        return env.get("SYSTEMROOT") or None
    return "/bin" if Path("/bin").is_dir() else None


def _find_az(env: Mapping[str, str]) -> str | None:
    path = env.get("PATH")
    if sys.platform.startswith("win"):
        return shutil.which("az.cmd", path=path) or shutil.which("az", path=path)
    return shutil.which("az", path=path)


def signed_in_account(env: Mapping[str, str]) -> str:
    """``user@tenant`` of the Azure CLI's default subscription, read from azureProfile.json.

    Part of the cache key, so ``az login`` as someone else (or ``az account set``) does not
    reuse the previous account's token. Cheap: one small file, no process. ``-`` if unknown.
    """
    base = env.get("AZURE_CONFIG_DIR")
    if not base:
        home = env.get("HOME") or env.get("USERPROFILE")
        if not home:
            return "-"
        base = str(Path(home) / ".azure")
    try:
        doc = json.loads((Path(base) / "azureProfile.json").read_text(encoding="utf-8-sig"))
        for sub in doc.get("subscriptions", []):
            if isinstance(sub, dict) and sub.get("isDefault"):
                user = sub.get("user", {}).get("name", "?")
                return f"{user}@{sub.get('tenantId', '?')}/{sub.get('id', '?')}"
    except (OSError, ValueError, AttributeError):
        pass
    return "-"


def parse_output(stdout: str) -> AccessToken:
    """``accessToken`` + ``expires_on`` (epoch, preferred) or ``expiresOn`` (local time)."""
    try:
        doc: Any = json.loads(stdout)
        token = doc["accessToken"]
        if not isinstance(token, str) or not token:
            raise ValueError
        if doc.get("expires_on") is not None:
            expires = float(doc["expires_on"])
        else:
            # "2023-12-07 10:24:28.000000" in the local time zone (older az versions)
            expires = datetime.strptime(str(doc["expiresOn"]), "%Y-%m-%d %H:%M:%S.%f").timestamp()
    except (ValueError, KeyError, TypeError):
        # never quote stdout: it may hold a token
        raise AuthError(
            "The Azure CLI returned output fclaude could not read (expected JSON with accessToken and "
            "expires_on); update the Azure CLI (`az upgrade`).",
            row=None,
        ) from None
    return AccessToken(token, expires)


class AzureCliProvider:
    def __init__(
        self, *, tenant_id: str | None = None, env: Mapping[str, str], timeout: float = TIMEOUT
    ) -> None:
        self.tenant_id = tenant_id
        self._env = env
        self._timeout = timeout
        self.description = "azure-cli (az account get-access-token" + (
            f", tenant {tenant_id})" if tenant_id else ")"
        )

    def get_token(self, scope: str) -> AccessToken:
        az = _find_az(self._env)
        if az is None:
            raise AuthError(NOT_FOUND, row="not-logged-in")
        argv = [az, "account", "get-access-token", "--output", "json", "--resource", resource_of(scope)]
        if self.tenant_id:
            argv += ["--tenant", self.tenant_id]
        try:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self._timeout,
                env={**self._env, "AZURE_CORE_NO_COLOR": "true"},
                cwd=_safe_cwd(self._env),
                check=False,
            )
        except FileNotFoundError:
            raise AuthError(NOT_FOUND, row="not-logged-in") from None
        except subprocess.TimeoutExpired:
            raise AuthError(
                f"`az account get-access-token` did not answer within {self._timeout:g} s; run it yourself "
                "to see whether it waits for input, or choose another auth mode."
            ) from None
        except OSError as exc:
            raise AuthError(f"Could not run the Azure CLI ({az}): {exc.strerror or exc}.") from None
        if done.returncode != 0:
            raise self._failure(done.returncode, done.stderr or "")
        return parse_output(done.stdout)

    def _failure(self, returncode: int, stderr: str) -> AuthError:
        text = stderr.strip()
        if codes_in(text):
            return auth_error("The Azure CLI could not get a token", _first_error(text), row=None)
        if "az login" in text or "az account set" in text:
            return AuthError(
                f"The Azure CLI is not signed in (az: {scrub(_first_error(text))}). Run `az login"
                + (f" --tenant {self.tenant_id}" if self.tenant_id else "")
                + "`, or choose another auth mode.",
                row="not-logged-in",
            )
        detail = scrub(_first_error(text)) or f"exit code {returncode}"
        return AuthError(f"`az account get-access-token` failed (exit code {returncode}): {detail}")


def _first_error(stderr: str) -> str:
    """The line az puts its error on (``ERROR: ...``), else the first non-empty line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if line.startswith("ERROR:"):
            return " ".join([line[len("ERROR:") :].strip(), *lines[i + 1 : i + 3]])
    return " ".join(lines[:3])
