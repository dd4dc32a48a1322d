"""Complaint records of one channel's day, a chunk at a time: the rows behind call logs, social media and web forms.

A chunk holds base records `lo..hi` of a day. Its record kinds and duplicate counts are drawn up front
(cheap); each column is built only when asked for, so the column-oriented JSON writer can rebuild one
column at a time without ever materialising a whole day.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coretelecoms.simulator import kinds, text, vocab
from coretelecoms.simulator.config import MessRates
from coretelecoms.simulator.draws import Stream, serial_days, serials
from coretelecoms.simulator.kinds import Kind
from coretelecoms.simulator.people import Population
from coretelecoms.simulator.plan import FilePlan

SECONDS_PER_DAY = 86_400
MEAN_AGE_DAYS = 15  # complaints are mostly recent, with a tail reaching months before the file date
MAX_AGE_DAYS = 365
# Multipliers of the re-delivery permutation: primes, so one of them is coprime with any day's size.
_PERMUTATION_PRIMES = (7919, 104_729)
# Timing styles: calls always have both ends; requests have a resolution only once resolved.
CALL_TIMES = "call"
REQUEST_TIMES = "request"
TIME_STYLE = {"call-logs": CALL_TIMES, "social-media": REQUEST_TIMES, "web-forms": REQUEST_TIMES}
# Extra column each daily entity gains when its schema drifts, with the values it carries.
DRIFT_COLUMNS = {
    "call-logs": ("satisfaction_score", ("1", "2", "3", "4", "5", "")),
    "social-media": ("sentiment", ("positive", "neutral", "negative")),
    "web-forms": ("browser", ("Chrome", "Safari", "Firefox", "Edge")),
}
_BAD_TIMESTAMPS = pa.array(vocab.BAD_TIMESTAMPS)
_EMPTY_IDS = pa.array(vocab.EMPTY_IDS)


class ComplaintChunk:
    """Base records `lo..hi` of one entity's day, with everything the manifest needs to count them."""

    def __init__(
        self, seed: int, rates: MessRates, population: Population, plan: FilePlan, lo: int, hi: int
    ) -> None:
        self.entity = plan.entity
        self.plan = plan
        self.population = population
        self._seed = seed
        index = np.arange(lo, hi, dtype=np.int64)
        self.serial = serials(plan.day, index)  # this delivery
        self._bands = kinds.bands(self.entity, rates)
        kind = kinds.assign(self._stream("kind").uniform(self.serial), self._bands)
        self.source = self._redeliveries(kind, index, self._bands)  # the complaint each record is about
        self.kind = kind
        self.valid = ~kinds.quarantined(kind)
        self.copies = 1 + (self._stream("duplicate").uniform(self.serial) < rates.duplicate).astype(np.int64)
        # Properties of the complaint itself, so a re-delivery keeps them.
        self.orphan_customer = self._stream("orphan-customer").uniform(self.source) < rates.orphan_customer
        self.orphan_agent = self._stream("orphan-agent").uniform(self.source) < rates.orphan_agent
        # Spelling belongs to the delivery: category, status, or both.
        messy = self._stream("whitespace").uniform(self.serial) < rates.stray_whitespace_case
        target = self._stream("whitespace-target").below(self.serial, 3)
        self.messy_category = messy & (target != 1)
        self.messy_status = messy & (target != 0)

    def _stream(self, *labels: str) -> Stream:
        return _stream(self._seed, self.entity, *labels)

    def _redeliveries(self, kind: np.ndarray, index: np.ndarray, entity_bands: kinds.Bands) -> np.ndarray:
        """Point REDELIVERED records at distinct clean records of the previous delivered day.

        The target is `(a * i + b) mod n_prev`, a permutation of the previous day's records, so two
        re-deliveries never share an id; a target that was not clean (or no previous day) turns the
        record into a plain clean one. Only the target's kind *draw* is checked (clean band), never
        its resolved kind, so there is no chain back through earlier days.
        """
        source = self.serial.copy()
        wanted = kind == Kind.REDELIVERED
        if not wanted.any():
            return source
        plan = self.plan
        ok = wanted & (index < plan.previous_rows)
        if plan.previous is not None and ok.any():
            n_prev = plan.previous_rows
            a = next((p for p in _PERMUTATION_PRIMES if n_prev % p), 1)
            b = int(self._stream("redelivery-shift").scalar(plan.day.toordinal()) * n_prev)
            target = serials(plan.previous, (a * index + b) % n_prev)
            ok &= self._stream("kind").uniform(target) >= kinds.clean_from(entity_bands)
            source = np.where(ok, target, source)
        else:
            ok[:] = False
        kind[wanted & ~ok] = Kind.CLEAN
        return source

    def __len__(self) -> int:
        return len(self.serial)

    @property
    def records(self) -> int:
        """Records delivered, duplicates included."""
        return int(self.copies.sum())

    @functools.cached_property
    def _repeat(self) -> pa.Array | None:
        if (self.copies == 1).all():
            return None
        return pa.array(np.repeat(np.arange(len(self), dtype=np.int64), self.copies))

    def expand(self, values: pa.Array) -> pa.Array:
        """A base-record column as delivered: each duplicated record twice, next to itself."""
        return values if self._repeat is None else values.take(self._repeat)

    # --- columns, all as delivered base records (call `expand` for the file) ---------------------

    def ids(self) -> pa.StringArray:
        """The source id; empty or blank for EMPTY_ID records."""
        ids = text.opaque_ids(
            self._stream("id").bits(self.source),
            self._stream("id-noise").bits(self.source),
            serial_days(self.source),
        )
        empty = self.kind == Kind.EMPTY_ID
        blanks = text.pick(_EMPTY_IDS, self._stream("empty-form").below(self.serial, len(_EMPTY_IDS)))
        return text.where(empty, blanks, ids)

    def customer_ids(self) -> pa.StringArray:
        """A clean customer's UUID, or an orphan UUID."""
        picked = self.population.pick_customers(self.source, self.entity)
        known = self.population.customer_ids(picked)
        return text.where(self.orphan_customer, self.population.orphan_customer_ids(self.source), known)

    def categories(self) -> pa.StringArray:
        """Complaint category, canonical or with stray case/whitespace."""
        value = self._stream("category").weighted(self.source, vocab.CATEGORY_WEIGHTS)
        form = np.where(self.messy_category, 1 + self._stream("category-form").below(self.serial, 5), 0)
        return text.pick(vocab.CATEGORY_TABLE, value * vocab.N_FORMS + form)

    @functools.cached_property
    def agent_numbers(self) -> np.ndarray:
        """Integer agent ids: a clean agent's, or an orphan past the sheet's last id."""
        known = self.population.agent_ids(self.population.pick_agents(self.source, self.entity))
        orphans = self.population.orphan_agent_ids(self.source, self.entity)
        return np.where(self.orphan_agent, orphans, known)

    @property
    def agent_is_text(self) -> np.ndarray:
        """Records whose agent id is not an integer (JSON writes them as strings)."""
        return self.kind == Kind.BAD_AGENT_ID

    def agent_ids(self) -> pa.StringArray:
        """Agent id as text (`1023.0` in a float-ids file); `A1023`, `N/A` or `1023x` for BAD_AGENT_ID records."""
        plain = text.integers(self.agent_numbers)
        if self.plan.float_ids:  # pandas writes an integer column holding a NaN as floats
            plain = text.join([plain, ".0"])
        bad = self.agent_is_text
        if not bad.any():
            return plain
        form = self._stream("bad-agent-form").below(self.serial, 3)
        number = text.integers(self.agent_numbers)
        broken = text.where(
            form == 0, text.join(["A", number]), text.where(form == 1, "N/A", text.join([number, "x"]))
        )
        return text.where(bad, broken, plain)

    @functools.cached_property
    def status_index(self) -> np.ndarray:
        """Index into RESOLUTION_STATUSES; a re-delivery always changes the status."""
        original = self._stream("status").weighted(self.source, vocab.STATUS_WEIGHTS)
        shift = 1 + self._stream("new-status").below(self.serial, 3)
        status = np.where(self.kind == Kind.REDELIVERED, (original + shift) % 4, original)
        if TIME_STYLE[self.entity] == REQUEST_TIMES:
            # A resolution before its request needs a resolution, so the record is resolved.
            status = np.where(self.kind == Kind.END_BEFORE_START, vocab.RESOLVED, status)
        return status

    def statuses(self) -> pa.StringArray:
        """Resolution status, canonical or with stray case/whitespace."""
        form = np.where(self.messy_status, 1 + self._stream("status-form").below(self.serial, 5), 0)
        return text.pick(vocab.STATUS_TABLE, self.status_index * vocab.N_FORMS + form)

    @functools.cached_property
    def _times(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start or request, end or resolution, whether the second exists), in epoch seconds."""
        source_day = serial_days(self.source)
        age = np.minimum(
            (-np.log1p(-self._stream("age").uniform(self.source)) * MEAN_AGE_DAYS).astype(np.int64),
            MAX_AGE_DAYS,
        )
        first = (source_day - age) * SECONDS_PER_DAY + self._stream("time-of-day").below(
            self.source, SECONDS_PER_DAY
        )
        backwards = self.kind == Kind.END_BEFORE_START
        if TIME_STYLE[self.entity] == CALL_TIMES:
            duration = 30 + self._stream("duration").below(self.source, 2700)
            return (
                first,
                np.where(backwards, first - duration, first + duration),
                np.ones(len(self), dtype=bool),
            )
        # Resolved some time between the request and the end of the delivery day.
        day_end = (serial_days(self.serial) + 1) * SECONDS_PER_DAY
        span = np.maximum(day_end - first - 60, 0)
        later = first + 60 + (self._stream("resolution").uniform(self.serial) * span).astype(np.int64)
        earlier = first - 60 - self._stream("resolution").below(self.serial, SECONDS_PER_DAY)
        return first, np.where(backwards, earlier, later), self.status_index == vocab.RESOLVED

    def _bad_timestamps(self) -> tuple[np.ndarray, pa.StringArray]:
        bad = self.kind == Kind.BAD_TIMESTAMP
        values = text.pick(
            _BAD_TIMESTAMPS, self._stream("bad-ts-form").below(self.serial, len(_BAD_TIMESTAMPS))
        )
        return bad, values

    def first_times(self) -> pa.StringArray:
        """call_start_time or request_date; unparseable for (some) BAD_TIMESTAMP records."""
        bad, values = self._bad_timestamps()
        if TIME_STYLE[self.entity] == CALL_TIMES:
            bad = bad & (self._stream("bad-ts-column").below(self.serial, 2) == 0)
        return text.where(bad, values, text.timestamps(self._times[0]))

    def second_times(self) -> pa.StringArray:
        """call_end_time, or resolution_date (empty while unresolved)."""
        bad, values = self._bad_timestamps()
        _first, second, present = self._times
        plain = text.where(~present, "", text.timestamps(second))
        if TIME_STYLE[self.entity] != CALL_TIMES:
            return plain
        return text.where(bad & (self._stream("bad-ts-column").below(self.serial, 2) == 1), values, plain)

    def fractions(self, column: str) -> pa.StringArray:
        """`.123456`: the fractional seconds a real `timestamp` column carries (drawn per column)."""
        micros = self._stream("fraction", column).below(self.serial, 1_000_000)
        return text.join([".", pc.utf8_lpad(text.integers(micros), width=6, padding="0")])

    def generation_dates(self) -> pa.StringArray:
        """The file's date."""
        return text.constant(self.plan.day.isoformat(), len(self))

    def media_channels(self) -> pa.StringArray:
        """Instagram, Twitter, Facebook or LinkedIn, brand-cased."""
        return text.pick(
            vocab.MEDIA_CHANNEL_TABLE, self._stream("channel").below(self.source, len(vocab.MEDIA_CHANNELS))
        )

    def drift_values(self) -> pa.StringArray:
        """Values of the column the schema drifts to."""
        _, values = DRIFT_COLUMNS[self.entity]
        return text.pick(pa.array(values), self._stream("drift").below(self.serial, len(values)))

    # --- truth ------------------------------------------------------------------------------------

    def tally(self) -> dict[str, int]:
        """What this chunk delivers, in the manifest's terms (see `tally.py`)."""
        valid = self.valid
        fresh = valid & (self.kind != Kind.REDELIVERED)
        counts = {
            "rows": self.records,
            "expected_quarantined": int(self.copies[~valid].sum()),
            "distinct_ids": int(valid.sum()),
            "new_ids": int(fresh.sum()),
            "new_ids_orphan_customer": int((fresh & self.orphan_customer).sum()),
            "new_ids_orphan_agent": int((fresh & self.orphan_agent).sum()),
        }
        mess = {kinds.name(self.entity, k): int((self.kind == k).sum()) for k, _ in self._bands}
        mess["duplicate"] = int((self.copies - 1).sum())
        mess["stray_whitespace_case"] = int((valid & (self.messy_category | self.messy_status)).sum())
        mess["orphan_customer"] = int((valid & self.orphan_customer).sum())
        mess["orphan_agent"] = int((valid & self.orphan_agent).sum())
        return counts | {f"mess.{k}": v for k, v in mess.items()}


@functools.cache
def _stream(seed: int, entity: str, *labels: str) -> Stream:
    return Stream(seed, entity, *labels)
