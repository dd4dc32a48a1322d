"""The one error type a step raises for bad input or configuration: the CLI prints it as one line."""

from __future__ import annotations


class PipelineError(Exception):
    """A failure the user can act on; its message is the one line the CLI prints before exiting non-zero."""


class SourceMissingError(PipelineError):
    """The source file or table for the requested date does not exist."""
