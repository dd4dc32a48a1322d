"""Read the agents roster through the Google Sheets API v4 with a service-account credential.

google-auth signs the service account's JWT and exchanges it for an OAuth token at the credential
file's `token_uri`; requests carries the calls, with urllib3's Retry retrying rate limits (429) and
server errors (5xx) with exponential backoff, honouring Retry-After. The sheet may be named by its id,
by its docs.google.com link, or by a Sheets API URL (`http://host:port/v4/spreadsheets/<id>`), which is
how tests and any Sheets-compatible stand-in point the client at another endpoint.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

from coretelecoms.common.entities import AGENTS_SHEET_TITLE
from coretelecoms.common.errors import PipelineError

log = logging.getLogger(__name__)

SHEETS_API = "https://sheets.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets.readonly",)
TIMEOUT = (10, 60)  # seconds: connect, read
RETRY_TOTAL = 6
BACKOFF_FACTOR = 0.5  # 0.5, 1, 2, 4, 8 s between attempts, unless the server says otherwise
BACKOFF_MAX = 60
RETRY_STATUSES = (429, 500, 502, 503, 504)

_SHEET_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_DOCS_LINK = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_API_PATH = re.compile(r"^(?P<prefix>.*?)/v4/spreadsheets/(?P<id>[A-Za-z0-9_-]+)/?$")


def parse_sheet(sheet: str, api_url: str | None = None) -> tuple[str, str]:
    """Split CORETELECOMS_AGENTS_SHEET into (API base URL, spreadsheet id).

    Args:
        sheet: a spreadsheet id, a docs.google.com link, or a Sheets API URL ending in `/v4/spreadsheets/<id>`.
        api_url: the API base for an id or a link; Google's when not given.
    """
    text = sheet.strip()
    parsed = urlparse(text)
    if parsed.scheme in ("http", "https") and parsed.netloc:
        if parsed.netloc == "docs.google.com" and (link := _DOCS_LINK.search(parsed.path)):
            return (api_url or SHEETS_API).rstrip("/"), link.group(1)
        if api := _API_PATH.match(parsed.path):
            return f"{parsed.scheme}://{parsed.netloc}{api.group('prefix')}", api.group("id")
        raise PipelineError(
            f"agents sheet {text!r}: expected a docs.google.com/spreadsheets/d/<id> link or a "
            ".../v4/spreadsheets/<id> API URL"
        )
    if not _SHEET_ID.match(text):
        raise PipelineError(
            f"agents sheet {text!r} is neither a .xlsx/.csv path nor a Google spreadsheet id; "
            "check CORETELECOMS_AGENTS_SHEET"
        )
    return (api_url or SHEETS_API).rstrip("/"), text


def _credentials(path: Path | None):
    """The service account from the given file, else Application Default Credentials."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.oauth2 import service_account

    if path is None:
        try:
            credentials, _ = google.auth.default(scopes=SCOPES)
        except DefaultCredentialsError as exc:
            raise PipelineError(
                "no Google credentials for the agents sheet: set CORETELECOMS_GOOGLE_CREDENTIALS (or "
                "GOOGLE_APPLICATION_CREDENTIALS) to the service account's JSON key file"
            ) from exc
        return credentials
    try:
        return service_account.Credentials.from_service_account_file(str(path), scopes=SCOPES)
    except OSError as exc:
        raise PipelineError(
            f"cannot read the Google service-account file {path}: {exc.strerror}; is the secret mounted?"
        ) from exc
    except (ValueError, KeyError) as exc:
        raise PipelineError(
            f"{path} is not a Google service-account key file ({exc}); download a JSON key for the account"
        ) from exc


def _retrying_session():
    """A requests session whose every call (token exchange included) retries 429/5xx with backoff."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=RETRY_TOTAL,
        backoff_factor=BACKOFF_FACTOR,
        backoff_max=BACKOFF_MAX,
        status_forcelist=RETRY_STATUSES,
        # The token POST is safe to repeat: a second exchange just yields another token.
        allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer is turned into a clear message below
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _authorized_session(credentials):
    from google.auth.transport.requests import AuthorizedSession, Request

    session = AuthorizedSession(credentials, auth_request=Request(session=_retrying_session()))
    retrying = _retrying_session()
    for prefix, adapter in retrying.adapters.items():
        session.mount(prefix, adapter)
    return session


def _api_message(response) -> str:
    try:
        error = response.json().get("error", {})
        message = error.get("message") or error.get("status") or ""
    except ValueError:
        message = response.text[:200]
    return " ".join(f"HTTP {response.status_code} {message}".split())


class _SheetsClient:
    """The two read calls the extract needs, each turned into one clear line when it fails."""

    def __init__(self, base: str, spreadsheet_id: str, credentials):
        self.base = base
        self.spreadsheet_id = spreadsheet_id
        self.account = getattr(credentials, "service_account_email", None) or "the configured account"
        self.session = _authorized_session(credentials)

    def get(self, path: str, params: dict[str, str]) -> dict:
        import requests
        from google.auth.exceptions import RefreshError, TransportError

        url = f"{self.base}/v4/spreadsheets/{self.spreadsheet_id}{path}"
        try:
            response = self.session.get(url, params=params, timeout=TIMEOUT)
        except RefreshError as exc:
            reason = " ".join(str(exc.args[0] if exc.args else exc).split())  # args[1] is the raw response
            raise PipelineError(
                f"Google refused a token for {self.account}: {reason}; check the service-account key file "
                "(not revoked, the right project)"
            ) from exc
        except (requests.RequestException, TransportError) as exc:
            raise PipelineError(
                f"cannot reach the Google Sheets API at {self.base}: {' '.join(str(exc).split())[:300]}; "
                "check the network path (or the API URL in CORETELECOMS_AGENTS_SHEET)"
            ) from exc
        if response.status_code == 200:
            return response.json()
        what = f"agents sheet {self.spreadsheet_id}: {_api_message(response)}"
        if response.status_code in (401, 403):
            raise PipelineError(f"{what}; share the sheet with {self.account} (Viewer is enough)")
        if response.status_code == 404:
            raise PipelineError(f"{what}; check the spreadsheet id in CORETELECOMS_AGENTS_SHEET")
        if response.status_code == 429:
            raise PipelineError(
                f"{what}; still rate-limited after {RETRY_TOTAL} retries, run the step again later"
            )
        raise PipelineError(f"{what}; the Sheets API failed after {RETRY_TOTAL} retries")


def fetch_sheet_rows(
    sheet_id: str, credentials: Path | None, *, api_url: str | None = None
) -> tuple[list[str], Iterator[tuple], str]:
    """Return (headers, rows, source) of the spreadsheet's first worksheet, cell text as the sheet shows it.

    Args:
        sheet_id: CORETELECOMS_AGENTS_SHEET: an id, a docs.google.com link or a Sheets API URL.
        credentials: the service account's JSON key file; Application Default Credentials when None.
        api_url: the API base for an id or a link (Google's when None).

    Raises:
        PipelineError: one line naming what failed (credentials, sharing, the id, the network).
    """
    base, spreadsheet_id = parse_sheet(sheet_id, api_url)
    try:
        import google.auth  # noqa: F401 - only to say what is missing
        import requests  # noqa: F401
    except ImportError as exc:  # an image built without the extra
        raise PipelineError(
            f"agents sheet {spreadsheet_id}: the Google Sheets reader is not installed "
            "(pip install 'coretelecoms[sheets]'), or point CORETELECOMS_AGENTS_SHEET at a .xlsx/.csv export"
        ) from exc
    client = _SheetsClient(base, spreadsheet_id, _credentials(credentials))
    meta = client.get("", {"fields": "properties.title,sheets.properties(sheetId,title,index)"})
    sheets = [s.get("properties", {}) for s in meta.get("sheets", [])]
    if not sheets:
        raise PipelineError(f"agents sheet {spreadsheet_id} has no worksheet")
    first = min(sheets, key=lambda p: p.get("index", 0))
    title = first.get("title", "")
    spreadsheet_title = meta.get("properties", {}).get("title", "")
    if spreadsheet_title != AGENTS_SHEET_TITLE:
        log.warning(
            "agents spreadsheet %s is titled %r, not %r",
            spreadsheet_id,
            spreadsheet_title,
            AGENTS_SHEET_TITLE,
        )

    # A range that is only a (quoted) sheet title means every cell of that worksheet.
    sheet_range = "'" + title.replace("'", "''") + "'"
    values = client.get(
        f"/values/{quote(sheet_range, safe='')}",
        {"majorDimension": "ROWS", "valueRenderOption": "FORMATTED_VALUE"},
    ).get("values", [])
    if not values or not any(values[0]):
        raise PipelineError(
            f"agents sheet {spreadsheet_id}: worksheet {title!r} is empty, expected the agents header"
        )
    headers = [str(h) for h in values[0]]
    while headers and headers[-1] == "":
        headers.pop()  # trailing empty header cells are formatting, not columns
    source = f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}#{title}"
    log.info("agents sheet %s (%s): %d rows", spreadsheet_id, title, len(values) - 1)
    return headers, (tuple(row) for row in values[1:]), source
