"""Source simulator: the five Core Telecoms sources in their real layouts, mess included, plus a truth manifest."""

from __future__ import annotations

from coretelecoms.simulator.generate import *  # noqa: F403 - the package's API is generate's __all__
from coretelecoms.simulator.generate import __all__  # noqa: F401
