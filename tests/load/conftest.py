"""The loader suites' fixtures: one fakesnow server per session, a database of its own per test."""

from __future__ import annotations

import sys
import uuid

import pytest
from snowflake_reader import FAKESNOW_WITH_STAGE_PATHS

from coretelecoms.settings import SnowflakeSettings
from local_servers import serve


@pytest.fixture(scope="session")
def fakesnow_port():
    with serve([sys.executable, "-c", FAKESNOW_WITH_STAGE_PATHS, "-s", "-p"]) as port:
        yield port


@pytest.fixture
def sf(fakesnow_port) -> SnowflakeSettings:
    """Connection settings for a database of this test's own (fakesnow creates it on first connect)."""
    return SnowflakeSettings(
        account="fakesnow",
        user="loader",
        password="pw",
        host="127.0.0.1",
        port=fakesnow_port,
        protocol="http",
        database=f"T_{uuid.uuid4().hex[:10].upper()}",
        stage_mode="put",
        login_timeout=5,
        network_timeout=5,
    )
