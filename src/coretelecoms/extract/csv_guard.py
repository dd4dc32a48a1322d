"""Guard a CSV byte stream record by record, so one bad record is quarantined instead of refusing the day.

pyarrow's CSV reader fails the whole stream on a single invalid UTF-8 byte, and on any record longer
than its block (`straddling object straddles two block boundaries`). This stream sits in front of it:
it cuts the bytes into whole records (newlines outside quotes, found with numpy per block) and passes
them through, except that a record which is not valid UTF-8 or is over MAX_RECORD_BYTES is replaced
by a one-field placeholder spanning the same number of lines. The reader then rejects the placeholder
for its field count; `take()` turns it back into the record's real reason and raw text. Memory stays
at one block plus one record, and an oversized record is never held whole.
"""

from __future__ import annotations

import io
import uuid

import numpy as np

READ_SIZE = 1 << 20
MAX_RECORD_BYTES = 1_000_000  # below the reader's 1 MiB block, so every record that passes fits one block
SAMPLE_BYTES = 4096  # what the quarantine keeps of an oversized record
_QUOTE, _NEWLINE = ord('"'), ord("\n")
NOT_UTF8, TOO_LONG = "not valid UTF-8", "record over the size limit"  # reason kinds for the manifest


def _raw_text(data: bytes) -> str:
    """The record as text for the quarantine: undecodable bytes shown as \\xNN escapes."""
    return data.decode("utf-8", errors="backslashreplace")


class RecordGuard(io.RawIOBase):
    """A readable byte stream: `source`'s records, bad ones swapped for placeholders (see the module doc)."""

    def __init__(self, source, *, limit: int = MAX_RECORD_BYTES):
        self._source = source
        self._limit = limit
        self.marker = f"\x1ecoretelecoms-rejected-{uuid.uuid4().hex}:"
        self._rejected: dict[int, tuple[str, str, str]] = {}
        self._count = 0
        self._pending = b""  # the start of a record whose end has not been read yet
        self._out = bytearray()
        self._eof = False
        self._oversized: dict | None = None  # state while skipping through an oversized record

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # Full reads until the end: Arrow's streaming CSV reader takes a short read for the end of the
        # stream (a real-volume customers file lost every record after 207 MiB, silently).
        while len(self._out) < len(buffer) and not self._eof:
            self._fill()
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        del self._out[:n]
        return n

    def take(self, text: str) -> tuple[str, str, str] | None:
        """(reason, kind, raw record) if `text` is one of our placeholders, else None."""
        if not text.startswith('"' + self.marker):
            return None
        number = int(text[len(self.marker) + 1 :].split("\n", 1)[0].rstrip('"'))
        return self._rejected.pop(number)

    def _fill(self) -> None:
        block = self._source.read(READ_SIZE)
        if not block:
            self._eof = True
            if self._oversized is not None:
                self._end_oversized(b"")
            elif self._pending:
                self._emit_records(self._pending, [len(self._pending) - 1])
                self._pending = b""
            return
        if self._oversized is not None:
            block = self._skip_oversized(block)
            if block is None:
                return
        data = self._pending + block
        if self._plain(data):
            return
        ends = self._record_ends(np.frombuffer(data, dtype=np.uint8), in_quote=False)
        last = int(ends[-1]) + 1 if len(ends) else 0
        if last:
            self._emit_records(data[:last], ends)
        self._pending = data[last:]
        if len(self._pending) > self._limit:
            self._start_oversized()

    def _plain(self, data: bytes) -> bool:
        """The common case at C speed: no long record, valid UTF-8. False: take the careful (numpy) path.

        A record over the limit would wholly contain an aligned window of half the limit, so one
        record-ending newline (an even number of quotes before it) found in every such window rules
        it out; bytes.find and bytes.count do the scanning. Giving up after a few quoted newlines
        in one window only sends the block down the careful path.
        """
        half = self._limit // 2
        position, quotes = 0, 0  # quotes counted in data[:position]

        def record_end_in(start: int, stop: int) -> int:
            nonlocal position, quotes
            found = data.find(b"\n", start, stop)
            for _ in range(32):
                if found < 0:
                    return -1
                quotes += data.count(b'"', position, found)
                position = found
                if quotes % 2 == 0:
                    return found
                found = data.find(b"\n", found + 1, stop)
            return -1

        for k in range(0, len(data) - half + 1, half):
            if record_end_in(k, k + half) < 0:
                return False
        last, total = -1, data.count(b'"')
        end = data.rfind(b"\n")
        for _ in range(32):  # the last record end: the last newline with an even number of quotes before it
            if end < 0 or (total - data.count(b'"', end)) % 2 == 0:
                last = end
                break
            end = data.rfind(b"\n", 0, end)
        if last < 0 and end >= 0:
            return False  # many quoted newlines at the end: let the careful path sort them out
        last += 1
        complete = memoryview(data)[:last]
        try:
            str(complete, "utf-8")
        except UnicodeDecodeError:
            return False
        self._out += complete
        self._pending = data[last:]
        return True

    @staticmethod
    def _record_ends(buf: np.ndarray, *, in_quote: bool) -> np.ndarray:
        """Positions of the newlines that end a record: an even number of quotes before them ("" included)."""
        newlines = np.flatnonzero(buf == _NEWLINE)
        quotes = np.flatnonzero(buf == _QUOTE)
        before = np.searchsorted(quotes, newlines) + int(in_quote)
        return newlines[before % 2 == 0]

    def _emit_records(self, data: bytes, ends) -> None:
        """Pass complete records through; swap the rare bad one (too long, not UTF-8) for a placeholder."""
        starts = np.concatenate([[0], np.asarray(ends[:-1]) + 1])
        lengths = np.asarray(ends) + 1 - starts
        try:
            if lengths.max(initial=0) <= self._limit:
                data.decode("utf-8")
                self._out += data
                return
        except UnicodeDecodeError:
            pass
        for start, end in zip(starts.tolist(), (np.asarray(ends) + 1).tolist(), strict=True):
            record = data[start:end]
            inner = record.count(b"\n") - int(record.endswith(b"\n"))
            if len(record) > self._limit:
                reason = f"record of {len(record):,} bytes is over the {self._limit:,}-byte limit"
                self._placeholder(
                    record[:SAMPLE_BYTES], reason + f" (first {SAMPLE_BYTES:,} kept)", TOO_LONG, inner
                )
                continue
            try:
                record.decode("utf-8")
            except UnicodeDecodeError as exc:
                reason = (
                    f"not valid UTF-8 (byte 0x{record[exc.start]:02x} at offset {exc.start} of the record)"
                )
                self._placeholder(record, reason, NOT_UTF8, inner)
                continue
            self._out += record

    def _placeholder(self, raw: bytes, reason: str, kind: str, inner_newlines: int) -> None:
        self._count += 1
        self._rejected[self._count] = (reason, kind, _raw_text(raw))
        self._out += f'"{self.marker}{self._count}'.encode() + b"\n" * inner_newlines + b'"\n'

    def _start_oversized(self) -> None:
        data = self._pending
        quotes = int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == _QUOTE))
        self._oversized = {"sample": data[:SAMPLE_BYTES], "size": len(data), "lines": data.count(b"\n"),
                           "in_quote": quotes % 2 == 1}  # fmt: skip
        self._pending = b""

    def _skip_oversized(self, block: bytes) -> bytes | None:
        """Read past the oversized record; returns what follows its end, or None while it goes on."""
        state = self._oversized
        buf = np.frombuffer(block, dtype=np.uint8)
        ends = self._record_ends(buf, in_quote=state["in_quote"])
        if not len(ends):
            state["size"] += len(block)
            state["lines"] += block.count(b"\n")
            state["in_quote"] ^= bool(np.count_nonzero(buf == _QUOTE) % 2)
            return None
        end = int(ends[0]) + 1
        self._end_oversized(block[:end])
        return block[end:]

    def _end_oversized(self, tail: bytes) -> None:
        state, self._oversized = self._oversized, None
        size, lines = state["size"] + len(tail), state["lines"] + tail.count(b"\n")
        reason = (
            f"record of {size:,} bytes is over the {self._limit:,}-byte limit (first {SAMPLE_BYTES:,} kept)"
        )
        self._placeholder(state["sample"], reason, TOO_LONG, lines - int(tail.endswith(b"\n")))
