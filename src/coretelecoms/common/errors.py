"""The one error type a step raises for bad input or configuration: the CLI prints it as one line."""

from __future__ import annotations


class PipelineError(Exception):
    """A failure the user can act on; its message is the one line the CLI prints before exiting non-zero."""


class SourceMissingError(PipelineError):
    """The source file or table for the requested date does not exist."""


def first_line(error: object, limit: int = 240) -> str:
    """The first non-empty line of an error (or any text), at most `limit` characters; never raises.

    An exception with an empty message gives its type name, so a one-line error always says something.
    """
    text = str(error or "")
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    if not line and isinstance(error, BaseException):
        line = type(error).__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"
