"""The two ways a command ends early, by exit code."""

from __future__ import annotations


class ConfigurationError(Exception):
    """Bad usage or configuration (exit 2); the message is one sentence saying what to fix."""


class LeftUndoneError(Exception):
    """A check failed or something was left undone (exit 1); the message says what."""
