"""``auth = "api-key"``: the resource key from secrets.toml or the environment."""

from __future__ import annotations


class ApiKeyCredential:
    def __init__(self, key: str, source: str) -> None:
        self._key = key
        self.description = f"api-key from {source}"

    def headers(self, api: str) -> dict[str, str]:
        if api == "messages":
            # x-api-key is the documented header; api-key is also sent, as the official SDK does
            return {"x-api-key": self._key, "api-key": self._key}
        return {"api-key": self._key}

    def invalidate(self) -> bool:
        return False  # a key does not refresh: a 401 is final

    def __repr__(self) -> str:
        return f"ApiKeyCredential({self.description!r})"
