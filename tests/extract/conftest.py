"""Fixtures for extractor tests: a run context on the test's own lake."""

from __future__ import annotations

import pytest
from extract_helpers import DAY

from coretelecoms.extract.engine import RunContext
from coretelecoms.lake.filesystem import locate
from coretelecoms.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, with the quarantine-share limit lifted.

    The hand-made files here are mostly mess by design (three rows, two of them bad); the limit
    itself is tested with its default in the contract suite (test_source_contract.py).
    """
    return settings.model_copy(update={"max_quarantine_share": 1.0})


@pytest.fixture
def ctx(settings: Settings) -> RunContext:
    return RunContext(lake=locate(settings.lake_url), day=DAY, run_id="test-run")
