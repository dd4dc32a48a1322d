"""The reference population: customer and agent records, and the valid references complaints draw from."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from coretelecoms.simulator import kinds, text
from coretelecoms.simulator.config import MessRates
from coretelecoms.simulator.draws import Stream
from coretelecoms.simulator.plan import static_rows

FIRST_AGENT_ID = 1000
# Redraws of a reference that landed on a quarantined customer/agent; after these the fallback is used.
_REDRAWS = 8


class Population:
    """Customers `k = 0..n_customers-1` and agents `k = 0..n_agents-1`, each a pure function of (seed, k).

    Quarantined customer and agent records (bad date, empty id, ...) never land in the warehouse, so a
    complaint that pointed at one would be an orphan nobody injected; complaints therefore only reference
    clean records, and orphans come solely from the explicit orphan overlay.
    """

    def __init__(self, seed: int, scale: float, rates: MessRates) -> None:
        self.seed = seed
        self.n_customers = static_rows("customers", scale)
        self.n_agents = static_rows("agents", scale)
        self.customer_bands = kinds.bands("customers", rates)
        self.agent_bands = kinds.bands("agents", rates)
        self._customer_kind = Stream(seed, "customers", "kind")
        self._agent_kind = Stream(seed, "agents", "kind")
        self._uuid = (Stream(seed, "customers", "uuid-hi"), Stream(seed, "customers", "uuid-lo"))
        self._orphan_uuid = (Stream(seed, "orphans", "uuid-hi"), Stream(seed, "orphans", "uuid-lo"))
        self._fallback_customer = self._first_valid(self.customer_kinds, self.n_customers)
        self._fallback_agent = self._first_valid(self.agent_kinds, self.n_agents)

    @staticmethod
    def _first_valid(kinds_of, n: int) -> int:
        for low in range(0, n, 4096):
            index = np.arange(low, min(n, low + 4096), dtype=np.uint64)
            valid = np.flatnonzero(~kinds.quarantined(kinds_of(index)))
            if len(valid):
                return int(index[valid[0]])
        return 0  # every record quarantined (absurd rates): references become orphans of a kind

    def customer_kinds(self, k: np.ndarray) -> np.ndarray:
        """The kind of customer records `k`."""
        return kinds.assign(self._customer_kind.uniform(k.astype(np.uint64)), self.customer_bands)

    def agent_kinds(self, k: np.ndarray) -> np.ndarray:
        """The kind of agent records `k`."""
        return kinds.assign(self._agent_kind.uniform(k.astype(np.uint64)), self.agent_bands)

    def customer_ids(self, k: np.ndarray) -> pa.StringArray:
        """Customer UUIDs of records `k`."""
        k = k.astype(np.uint64)
        return text.uuids(self._uuid[0].bits(k), self._uuid[1].bits(k))

    def orphan_customer_ids(self, serial: np.ndarray) -> pa.StringArray:
        """UUIDs that are no customer's (drawn from their own stream; a clash has odds of ~2^-120)."""
        return text.uuids(self._orphan_uuid[0].bits(serial), self._orphan_uuid[1].bits(serial))

    @staticmethod
    def agent_ids(k: np.ndarray) -> np.ndarray:
        """The sheet's integer ids of agent records `k`."""
        return FIRST_AGENT_ID + k.astype(np.int64)

    def orphan_agent_ids(self, serial: np.ndarray, label: str) -> np.ndarray:
        """Integer agent ids just past the sheet's last one."""
        spread = max(10, self.n_agents // 10)
        return FIRST_AGENT_ID + self.n_agents + Stream(self.seed, label, "orphan-agent").below(serial, spread)

    def pick_customers(self, serial: np.ndarray, label: str) -> np.ndarray:
        """A clean customer record index for each serial."""
        return self._pick(
            serial, label, "customer", self.n_customers, self.customer_kinds, self._fallback_customer
        )

    def pick_agents(self, serial: np.ndarray, label: str) -> np.ndarray:
        """A clean agent record index for each serial."""
        return self._pick(serial, label, "agent", self.n_agents, self.agent_kinds, self._fallback_agent)

    def _pick(self, serial, label, what, n, kinds_of, fallback) -> np.ndarray:
        picked = Stream(self.seed, label, what, "0").below(serial, n)
        for attempt in range(1, _REDRAWS + 1):
            bad = np.flatnonzero(kinds.quarantined(kinds_of(picked)))
            if not len(bad):
                return picked
            if attempt == _REDRAWS:
                picked[bad] = fallback
            else:
                picked[bad] = Stream(self.seed, label, what, str(attempt)).below(serial[bad], n)
        return picked
