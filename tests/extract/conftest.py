"""Fixtures for extractor tests: a run context on the test's own lake."""

from __future__ import annotations

import pytest
from extract_helpers import DAY

from coretelecoms.extract.engine import RunContext
from coretelecoms.lake.filesystem import locate
from coretelecoms.settings import Settings


@pytest.fixture
def ctx(settings: Settings) -> RunContext:
    return RunContext(lake=locate(settings.lake_url), day=DAY, run_id="test-run")
