"""Every record of a large CSV reaches the extract: the streams in front of Arrow's reader give full reads.

Arrow's streaming CSV reader stops early, silently, on a stream that answers reads short: a real-volume
customers file (2,550,026 records, 368 MB) gave 1,504,078 rows, every record after 207 MiB lost, and
the day still reconciled (the records the reader never saw were never counted).
"""

from __future__ import annotations

import io

import pyarrow as pa
from extract_helpers import write_source

from coretelecoms.extract.csv_guard import RecordGuard
from coretelecoms.extract.csv_stream import _Prefixed
from coretelecoms.extract.sources import extract

HEADER = "\ufeffcustomer_id,name,Gender,DATE of biRTH,signup_date,email,address\r\n"


def _customers_csv(records: int) -> bytes:
    """A customers file as the source writes it: BOM, CRLF records, newlines inside quoted addresses."""
    lines = [HEADER]
    for i in range(records):
        suite = f"\nSuite {i % 997}" if i % 3 == 0 else ""
        lines.append(f'{i:08x}-1c2d-4e5f-8a9b-{i:012x},Name {i},M,1980-01-01,2020-01-01,n{i}@example.com,'
                     f'"{i % 9999} Main St{suite}\nCity, TX {i % 100000:05d}"\r\n')  # fmt: skip
    return "".join(lines).encode()


class _Trickle(io.RawIOBase):
    """A source that answers every read with a few bytes (as a socket or a COPY pipe may)."""

    def __init__(self, data: bytes, size: int = 7):
        self._data, self._at, self._size = memoryview(data), 0, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self._size, len(self._data) - self._at)
        buffer[:n] = self._data[self._at : self._at + n]
        self._at += n
        return n


def _read_sizes(stream, size: int = 1 << 20) -> list[int]:
    sizes = []
    while chunk := stream.read(size):
        sizes.append(len(chunk))
    return sizes


def test_the_guard_answers_every_read_in_full_until_the_end():
    data = _customers_csv(30_000)  # ~3.7 MB: several reads
    sizes = _read_sizes(RecordGuard(_Trickle(data, size=4096)))
    assert sum(sizes) == len(data)
    assert all(size == 1 << 20 for size in sizes[:-1])


def test_the_header_peek_is_served_again_within_full_reads():
    data = _customers_csv(30_000)
    stream = _Prefixed(data[:1000], pa.PythonFile(_Trickle(data[1000:], size=4096), mode="r"))
    sizes = _read_sizes(stream)
    assert sum(sizes) == len(data)
    assert all(size == 1 << 20 for size in sizes[:-1])


def test_a_large_customers_file_reaches_the_lake_whole(settings, ctx, tmp_path):
    records = 600_000  # 76 MB: before the fix every record after the ~356,000th was lost
    write_source(settings, "customers/customers_dataset.csv", _customers_csv(records))
    summary = extract("customers", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (records, records, 0)
