"""Fixtures for the hostile-input tests. ``hostile`` is the scripted server of tests/hostile.py
(other folders can use it with the same import in their conftest)."""

from tests.hostile import hostile  # noqa: F401
