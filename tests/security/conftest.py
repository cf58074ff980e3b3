"""Fixtures for the hostile-input tests. ``hostile`` is the scripted server of tests/hostile.py
(other folders can use it with the same import in their conftest)."""

from collections.abc import Iterator

import pytest

from foundry_cli import redact
from tests.hostile import hostile  # noqa: F401


@pytest.fixture(autouse=True)
def no_registered_secrets() -> Iterator[None]:
    """The scrubber's registry is process-global: each test starts without secrets registered by an
    earlier in-process run, so a test proves that *its* run registered what it reads."""
    redact.clear()
    yield
    redact.clear()
