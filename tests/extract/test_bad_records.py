"""One bad record quarantines one row (issue 11.5): a byte that is not UTF-8, a field over about 1 MB."""

from __future__ import annotations

import pyarrow as pa
import pytest
from extract_helpers import CALL_HEADER, read_partition, write_source

from coretelecoms.extract.csv_guard import MAX_RECORD_BYTES, RecordGuard
from coretelecoms.extract.sources import extract

CALLS = "call logs/call_logs_day_2025-11-20.csv"
CUSTOMERS = "customers/customers_dataset.csv"
CUSTOMER_HEADER = "customer_id,name,Gender,DATE of biRTH,signup_date,email,address"


def _call(i: int, name: bytes = b"Payments") -> bytes:
    return b"%d,C%d,u%d,%s,1001,2025-11-19 10:00:00,2025-11-19 10:05:00,Resolved,2025-11-20" % (i, i, i, name)


def _customer(i: int, address: bytes = b"1 Oak St\nDover, DE 19901") -> bytes:
    return b'c%d,N %d,F,1990-01-02,2015-03-04,n%d@x.com,"%s"' % (i, i, i, address)


def _guarded(data: bytes) -> bytes:
    guard = RecordGuard(pa.BufferReader(data))
    return b"".join(iter(lambda: guard.read(1 << 16), b""))


def test_one_byte_that_is_not_utf8_quarantines_its_row_only(settings, ctx):
    rows = [_call(i) for i in range(5)]
    rows[2] = _call(2, b"Paym\xe9nts")  # Latin-1 e-acute in a UTF-8 file
    write_source(settings, CALLS, b"\n".join([CALL_HEADER.encode(), *rows]) + b"\n")
    summary = extract("call-logs", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (5, 4, 1)
    assert summary.quarantine_reasons == {"not valid UTF-8": 1}
    [q] = read_partition(settings, "quarantine", "call-logs").to_pylist()
    assert q["location"] == "line 4"
    assert q["reason"] == "not valid UTF-8 (byte 0xe9 at offset 12 of the record)"
    assert "Paym\\xe9nts" in q["raw_record"]  # the raw record kept, its bad byte visible
    assert [r["call_id"] for r in read_partition(settings, "raw", "call-logs").to_pylist()] == [
        "C0",
        "C1",
        "C3",
        "C4",
    ]


def test_a_field_over_a_megabyte_quarantines_its_row_and_line_numbers_stay_exact(settings, ctx):
    huge = b"x" * (MAX_RECORD_BYTES + 200_000) + b"\nDover, DE 19901"
    large = b"y" * (MAX_RECORD_BYTES - 1_000)  # just under the limit: an ordinary row
    rows = [_customer(0), _customer(1, huge), _customer(2, large), _customer(3), b"c4,too,few"]
    write_source(
        settings, CUSTOMERS, b"\r\n".join([b"\xef\xbb\xbf" + CUSTOMER_HEADER.encode(), *rows]) + b"\r\n"
    )
    summary = extract("customers", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (5, 3, 2)
    kept = read_partition(settings, "raw", "customers").to_pylist()
    assert [r["customer_id"] for r in kept] == ["c0", "c2", "c3"]
    assert len(kept[1]["address"]) == len(large)
    quarantine = {q["location"]: q for q in read_partition(settings, "quarantine", "customers").to_pylist()}
    assert set(quarantine) == {"line 4", "line 9"}  # c1 starts on line 4; "c4,too,few" is line 9
    assert quarantine["line 4"]["reason"].startswith("record of 1,200,0")
    assert "over the 1,000,000-byte limit (first 4,096 kept)" in quarantine["line 4"]["reason"]
    assert (
        quarantine["line 4"]["raw_record"].startswith("c1,N 1,F,")
        and len(quarantine["line 4"]["raw_record"]) == 4096
    )
    assert quarantine["line 9"]["reason"] == "expected 7 fields, found 3"
    assert summary.quarantine_reasons == {"record over the size limit": 1, "expected 7 fields": 1}


def test_an_oversized_last_record_without_a_newline(settings, ctx):
    rows = [_customer(0), _customer(1, b"z" * (3 * MAX_RECORD_BYTES))]
    write_source(settings, CUSTOMERS, b"\n".join([CUSTOMER_HEADER.encode(), *rows]))
    summary = extract("customers", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (2, 1, 1)


def test_clean_bytes_pass_through_unchanged_across_blocks():
    addresses = [b"%d Elm\nApt %d\nTown, TX 7%04d" % (i, i, i) for i in range(40_000)]
    data = b"\n".join([CUSTOMER_HEADER.encode(), *(_customer(i, a) for i, a in enumerate(addresses))]) + b"\n"
    assert len(data) > 3 << 20  # several of the guard's blocks
    assert _guarded(data) == data
    quoted = b'a,"say ""hi""\nthere",b\n' * 50_000  # escaped quotes inside quoted newlines
    assert _guarded(quoted) == quoted


@pytest.mark.parametrize("bad", [b"\xff", b"\xc3", b"\xed\xa0\x80"])  # stray, truncated, surrogate
def test_every_kind_of_invalid_utf8_is_caught(bad):
    out = _guarded(b"h1,h2\nok,1\nb" + bad + b"d,2\nok,3\n").split(b"\n")
    assert out[0] == b"h1,h2" and out[1] == b"ok,1" and out[3] == b"ok,3"
    assert out[2].startswith(b'"\x1ecoretelecoms-rejected-')
