"""Customers: the static CSV `customers/customers_dataset.csv`, with multi-line quoted addresses and e-mail typos."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coretelecoms.common.entities import CUSTOMERS_KEY
from coretelecoms.simulator import geography, kinds, tally, text, vocab
from coretelecoms.simulator.bucket import header_bytes, line_ending, open_object
from coretelecoms.simulator.config import MessRates
from coretelecoms.simulator.context import GenerationContext
from coretelecoms.simulator.draws import Stream
from coretelecoms.simulator.kinds import Kind
from coretelecoms.simulator.people import Population
from coretelecoms.simulator.plan import FilePlan, static_plan

ENTITY = "customers"
HEADER = ["customer_id", "name", "Gender", "DATE of biRTH", "signup_date", "email", "address"]
_EPOCH = date(1970, 1, 1)
# SOURCES.md: births back to 1930, sign-ups from 2010 on.
BIRTH_RANGE = ((date(1930, 1, 1) - _EPOCH).days, (date(2006, 12, 31) - _EPOCH).days)
SIGNUP_RANGE = ((date(2010, 1, 1) - _EPOCH).days, (date(2025, 11, 19) - _EPOCH).days)
UNIT_SHARE = 0.25  # addresses with an apartment/suite line, so some span three lines

_FIRST = pa.array(vocab.FIRST_NAMES)
_LAST = pa.array(vocab.LAST_NAMES)
_FIRST_LOWER = pa.array([n.lower() for n in vocab.FIRST_NAMES])
_LAST_LOWER = pa.array([n.lower() for n in vocab.LAST_NAMES])
_TABLES = {
    name: pa.array(values)
    for name, values in {
        "gender": vocab.GENDERS,
        "domain": vocab.EMAIL_DOMAINS,
        "separator": vocab.EMAIL_SEPARATORS,
        "typo-before": [t[0] for t in vocab.EMAIL_TYPOS],
        "typo-domain": [t[1] for t in vocab.EMAIL_TYPOS],
        "typo-after": [t[2] for t in vocab.EMAIL_TYPOS],
        "street": vocab.STREET_NAMES,
        "suffix": vocab.STREET_SUFFIXES,
        "unit": vocab.UNIT_PREFIXES,
        "city": vocab.CITIES,
        "state": geography.STATE_CODES,
        "territory": geography.TERRITORY_CODES,
        "military": geography.MILITARY_CODES,
        "ship": geography.SHIP_PREFIXES,
        "bad-date": vocab.BAD_DATES,
        "empty-id": vocab.EMPTY_IDS,
    }.items()
}
_TYPO_WEIGHTS = tuple(t[3] for t in vocab.EMAIL_TYPOS)
_STRAY_FIELD = "N/A"


class CustomerChunk:
    """Customer records `lo..hi`, as CSV lines plus their counts."""

    def __init__(self, seed: int, rates: MessRates, population: Population, lo: int, hi: int) -> None:
        self._seed = seed
        self.k = np.arange(lo, hi, dtype=np.uint64)
        self.population = population
        self.kind = population.customer_kinds(self.k)
        self.valid = ~kinds.quarantined(self.kind)
        self.copies = 1 + (self._stream("duplicate").uniform(self.k) < rates.duplicate).astype(np.int64)
        email_draw = self._stream("email-mess").uniform(self.k)
        self.typo = email_draw < rates.email_typo
        self.invalid_email = ~self.typo & (email_draw < rates.email_typo + rates.invalid_email)
        place = self._stream("address-kind").uniform(self.k)
        self.military = place < rates.military_address
        self.territory = ~self.military & (place < rates.military_address + rates.territory_address)

    def _stream(self, label: str) -> Stream:
        return Stream(self._seed, ENTITY, label)

    def _pick(self, label: str, table: str | None = None, k: np.ndarray | None = None) -> pa.Array:
        values = _TABLES[table or label]
        return text.pick(values, self._stream(label).below(self.k if k is None else k, len(values)))

    def _dates(self, label: str, bounds: tuple[int, int]) -> pa.Array:
        return text.dates(bounds[0] + self._stream(label).below(self.k, bounds[1] - bounds[0] + 1))

    def _hex(self, label: str, shortest: int, longest: int) -> pa.Array:
        lengths = shortest + self._stream(f"{label}-length").below(self.k, longest - shortest + 1)
        return text.hex_digits(self._stream(label).bits(self.k), lengths)

    def _email(self, first: np.ndarray, last: np.ndarray) -> pa.Array:
        # `<hex><first>[._-]<last><hex>@domain`, as the real rows: `2772brianna_schultz525@GmaiL.om`.
        local = text.join(
            [
                self._hex("email-prefix", 2, 4),
                _FIRST_LOWER.take(pa.array(first)),
                self._pick("separator"),
                _LAST_LOWER.take(pa.array(last)),
                self._hex("email-suffix", 1, 3),
            ]
        )
        domain = self._pick("domain")
        before: pa.Array | str = ""
        after: pa.Array | str = ""
        if self.typo.any():  # the typo's pieces replace the clean ones, so the e-mail is joined once
            typo = self._stream("typo").weighted(self.k, _TYPO_WEIGHTS)
            before = text.where(self.typo, text.pick(_TABLES["typo-before"], typo), "")
            domain = text.where(self.typo, text.pick(_TABLES["typo-domain"], typo), domain)
            after = text.where(self.typo, text.pick(_TABLES["typo-after"], typo), "")
        email = text.join([before, local, "@", domain, after])
        if not self.invalid_email.any():
            return email
        # Built for the few broken ones only.
        mask = self.invalid_email
        form = self._stream("invalid-form").below(self.k[mask], len(vocab.INVALID_EMAIL_FORMS))
        local, domain = local.filter(pa.array(mask)), domain.filter(pa.array(mask))
        broken = text.where(
            form == 0,
            text.join([local, ".", domain]),
            text.where(form == 1, text.join([local, "@"]), text.join([local, " at ", domain])),
        )
        return text.patch(email, mask, broken)

    def _address(self) -> pa.Array:
        house = text.integers(1 + self._stream("house").below(self.k, 9999))
        has_unit = self._stream("has-unit").uniform(self.k) < UNIT_SHARE
        unit = text.join(
            [self._pick("unit"), " ", text.integers(1 + self._stream("unit-number").below(self.k, 999)), "\n"]
        )
        zip_code = pc.utf8_lpad(
            text.integers(501 + self._stream("zip").below(self.k, 99_000)), width=5, padding="0"
        )
        code = text.where(self.territory, self._pick("territory"), self._pick("state"))
        civil = text.join(  # one join for the whole address: each nested join would copy it again
            [
                house,
                " ",
                self._pick("street"),
                " ",
                self._pick("suffix"),
                "\n",
                text.where(has_unit, unit, ""),
                self._pick("city"),
                ", ",
                code,
                " ",
                zip_code,
            ]
        )
        if not self.military.any():
            return civil
        return text.patch(civil, self.military, self._military(zip_code.filter(pa.array(self.military))))

    def _military(self, zip_code: pa.Array) -> pa.Array:
        """`PSC 2383, Box 3666\nAPO AA 12094`, `Unit 4213 Box 0917\nDPO AE 09522`, `USNS Ortiz\nFPO AP 96638`."""
        k = self.k[self.military]  # built for the military addresses only

        def four_digits(label: str) -> pa.Array:
            return pc.utf8_lpad(text.integers(self._stream(label).below(k, 10_000)), width=4, padding="0")

        form = self._stream("military-form").below(k, 3)
        psc = text.join(["PSC ", four_digits("psc"), ", Box ", four_digits("box")])
        unit = text.join(["Unit ", four_digits("psc"), " Box ", four_digits("box")])
        ship_name = _LAST.take(pa.array(self._stream("ship-name").below(k, len(_LAST))))
        ship = text.join([self._pick("ship", k=k), " ", ship_name])
        # A PSC box is an Army/Air Force (APO) or Navy (FPO) address; units DPO, ships FPO.
        fpo = text.constant("FPO", len(k))
        psc_post = text.where(self._stream("psc-post").below(k, 2) == 0, "APO", fpo)
        first_line = text.where(form == 0, psc, text.where(form == 1, unit, ship))
        post = text.where(form == 0, psc_post, text.where(form == 1, "DPO", fpo))
        return text.join([first_line, "\n", post, " ", self._pick("military", k=k), " ", zip_code])

    def lines(self, eol: str = "") -> pa.Array:
        """One CSV record per base record (not yet duplicated), ending in `eol`; addresses quoted, the only field that needs it."""
        first = self._stream("first").below(self.k, len(_FIRST))
        last = self._stream("last").below(self.k, len(_LAST))
        ids = text.where(
            self.kind == Kind.EMPTY_ID, self._pick("empty-id"), self.population.customer_ids(self.k)
        )
        birth = self._dates("birth", BIRTH_RANGE)
        signup = self._dates("signup", SIGNUP_RANGE)
        bad = self.kind == Kind.BAD_TIMESTAMP
        if bad.any():
            bad_birth = bad & (self._stream("bad-date-column").below(self.k, 2) == 0)
            bad_values = self._pick("bad-date")
            birth = text.where(bad_birth, bad_values, birth)
            signup = text.where(bad & ~bad_birth, bad_values, signup)
        fields = [
            ids,
            text.join([_FIRST.take(pa.array(first)), _LAST.take(pa.array(last))], " "),
            # vocab.FIRST_NAMES alternates male and female names, so the gender (M/F) follows the name.
            text.pick(_TABLES["gender"], first % 2),
            birth,
            signup,
            self._email(first, last),
            text.join(['"', self._address(), '"']),
        ]
        lines = text.join([*_separated(fields), eol])
        extra = self.kind == Kind.EXTRA_FIELDS
        if extra.any():  # one field too many: a stray one before the line ends
            kept = _rows(fields, extra)
            lines = text.patch(lines, extra, text.join([*_separated(kept), ",", _STRAY_FIELD, eol]))
        missing = self.kind == Kind.MISSING_FIELDS
        if missing.any():  # a record that lost its Gender field: one field short
            kept = _rows(fields, missing)
            lines = text.patch(lines, missing, text.join([*_separated(kept[:2] + kept[3:]), eol]))
        return lines

    def tally(self) -> dict[str, int]:
        """What this chunk delivers, in the manifest's terms."""
        valid = self.valid
        counts = {
            "rows": int(self.copies.sum()),
            "expected_quarantined": int(self.copies[~valid].sum()),
            "distinct_ids": int(valid.sum()),
            "mess.duplicate": int((self.copies - 1).sum()),
            "mess.email_typo": int((valid & self.typo).sum()),
            "mess.invalid_email": int((valid & self.invalid_email).sum()),
            "mess.military_address": int((valid & self.military).sum()),
            "mess.territory_address": int((valid & self.territory).sum()),
        }
        for kind, _ in self.population.customer_bands:
            counts[f"mess.{kinds.name(ENTITY, kind)}"] = int((self.kind == kind).sum())
        return counts


def _separated(fields: list[pa.Array]) -> list[pa.Array | str]:
    """The fields with commas between them, for one flat join."""
    return [part for field in fields for part in (",", field)][1:]


def _rows(fields: list[pa.Array], mask: np.ndarray) -> list[pa.Array]:
    """The masked rows of every field."""
    selection = pa.array(mask)
    return [field.filter(selection) for field in fields]


def write(ctx: GenerationContext) -> dict:
    """Write the customers file; returns its truth."""
    plan: FilePlan = static_plan(ctx.config, ENTITY)
    counts: Counter = Counter()
    eol = line_ending(plan.crlf)
    with open_object(ctx.root, CUSTOMERS_KEY) as out:
        out.write(header_bytes(HEADER, plan.bom, plan.crlf))
        for lo, hi in ctx.ranges(ctx.population.n_customers):
            chunk = CustomerChunk(ctx.config.seed, ctx.config.rates, ctx.population, lo, hi)
            lines = chunk.lines(eol)
            if not (chunk.copies == 1).all():
                lines = lines.take(pa.array(np.repeat(np.arange(len(lines)), chunk.copies)))
            out.write(text.body(lines))
            tally.add(counts, chunk.tally())
            ctx.report(ENTITY, len(lines))
    return tally.file_truth(plan, CUSTOMERS_KEY, HEADER, counts, kinds.mess_names(ENTITY))
