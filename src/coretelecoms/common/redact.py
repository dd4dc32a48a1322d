"""One redaction helper: no DSN password, key, token or passphrase in any message, log line or error."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

MASK = "***"

# Variables whose whole value is a secret (their names are documented in README.md and docs/workflows.md).
SECRET_VARIABLES = (
    "CORETELECOMS_POSTGRES_DSN",
    "CORETELECOMS_SLACK_WEBHOOK_URL",
    "SNOWFLAKE_PASSWORD",
    "SNOWFLAKE_PRIVATE_KEY",
    "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
    "SNOWFLAKE_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)
# Shorter values would mask ordinary words and digits all over a message; a real secret is longer.
MIN_SECRET_LENGTH = 3

# scheme://user:password@host - the password runs to the last "@" (a malformed one may hold "@" or "/").
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^:/@\s\"']*:)(?P<secret>[^\s\"']*)@")
# key=value and key: value forms (libpq, Snowflake, JSON, env dumps); the value quoted or up to a space.
_KEY_VALUE = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd|passphrase|private_key_passphrase|secret(?:_access_key)?|"
    r"session_token|token|api_key)[\"']?\s*[=:]\s*)(?P<secret>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s,;&]+)",
    re.IGNORECASE,
)


def dsn_secrets(dsn: str) -> list[str]:
    """The password of a PostgreSQL DSN, URL or key=value form, found leniently (the DSN may be malformed)."""
    found: list[str] = []
    url = re.match(r"^[a-zA-Z][\w+.-]*://(?P<userinfo>.*)@", dsn)
    if url and ":" in url["userinfo"]:
        found.append(url["userinfo"].split(":", 1)[1])
    # key=value: the value after password= up to the next ` key=` (an unquoted value with a space is malformed
    # but still the user's password).
    kv = re.search(r"\bpassword\s*=\s*(?P<value>'(?:[^'\\]|\\.)*'|.*?)(?=\s+\w+\s*=|$)", dsn)
    if kv:
        found.append(kv["value"].strip("'"))
    return found + [unquote(s) for s in found if unquote(s) != s]


def known_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Every secret value configured in the environment, longest first (so a longer one masks whole)."""
    environ = os.environ if environ is None else environ
    values: list[str] = []
    for name in SECRET_VARIABLES:
        value = environ.get(name)
        if not value:
            continue
        values.append(value)
        if name == "CORETELECOMS_POSTGRES_DSN":
            values += dsn_secrets(value)
    return sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


def redact(text: object, secrets: Iterable[str] | None = None) -> str:
    """`text` with every known secret value and every password-shaped field masked."""
    out = str(text)
    for secret in known_secrets() if secrets is None else secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            out = out.replace(secret, MASK)
    out = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", out)
    return _KEY_VALUE.sub(lambda m: f"{m['head']}{MASK}", out)
