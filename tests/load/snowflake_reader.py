"""fakesnow as the loader tests run it, and a reader session of its own on the warehouse under test."""

from __future__ import annotations

from coretelecoms.settings import SnowflakeSettings

# Stock fakesnow 0.11.18 reads `@stage/sub/path/` as one stage name; this six-line patch resolves the
# sub-path below the stage URL (a folder: FILES=(…) names are appended to it), as Snowflake does. Everything else is stock fakesnow.
FAKESNOW_WITH_STAGE_PATHS = """
import sys
import fakesnow.copy_into as copy_into
from fakesnow.cli import main
_stage_url = copy_into.stage_url_from_var
def stage_url_from_var(var, duck_conn, current_database, current_schema):
    name, _, path = var.partition("/")
    url = _stage_url(name, duck_conn, current_database, current_schema)
    return url.rstrip("/") + "/" + path.strip("/") + "/" if path.strip("/") else url
copy_into.stage_url_from_var = stage_url_from_var
sys.exit(main(sys.argv[1:]))
"""


def snowflake_query(sf: SnowflakeSettings, sql: str, params=None) -> list[tuple]:
    """A separate session: what any other reader of the warehouse sees."""
    import snowflake.connector

    with (
        snowflake.connector.connect(
            account="fakesnow", user="reader", password="pw", host="127.0.0.1", port=sf.port,
            protocol="http", database=sf.database, login_timeout=5, network_timeout=5,
        ) as con,
        con.cursor() as cur,
    ):  # fmt: skip
        cur.execute(sql, params)
        return cur.fetchall()
