"""Shared fixtures: an isolated CORETELECOMS_HOME per test and one real embedded PostgreSQL per session."""

from __future__ import annotations

import pytest

from coretelecoms.common.postgres import postgres_dsn
from coretelecoms.settings import Settings


@pytest.fixture(scope="session")
def pg_dsn(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL 16 (pgserver) for the whole session."""
    with postgres_dsn(None, tmp_path_factory.mktemp("pg")) as dsn:
        yield dsn


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty CORETELECOMS_HOME; no CORETELECOMS_* variable leaks in from the environment."""
    import os

    for name in list(os.environ):
        if name.startswith("CORETELECOMS_"):
            monkeypatch.delenv(name)
    root = tmp_path / "ct"
    monkeypatch.setenv("CORETELECOMS_HOME", str(root))
    return root


@pytest.fixture
def settings(home, pg_dsn, monkeypatch) -> Settings:
    monkeypatch.setenv("CORETELECOMS_POSTGRES_DSN", pg_dsn)
    return Settings()
