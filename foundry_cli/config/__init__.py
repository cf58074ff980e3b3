"""Profiles, settings resolution, files on disk. No UI imports."""
