"""Customers CSV: multi-line quoted addresses, and line numbers that stay exact after them."""

from __future__ import annotations

import datetime as dt

from extract_helpers import quarantined, read_partition, write_source

from coretelecoms.extract.sources import extract

HEADER = "customer_id,name,Gender,DATE of biRTH,signup_date,email,address"


def test_multiline_addresses_and_exact_lines(settings, ctx):
    text = "\n".join(
        [
            HEADER,
            'a1,Ann Lee,F,1990-01-02,2024-05-06,ann@gmial.com,"123 Oak St\nSpringfield, IL 62704"',  # lines 2-3
            'a2,Bo Ray,M,1985-13-40,2024-05-06,bo@x.om,"9 Elm St\nDover, DE 19901"',  # lines 4-5: bad dob
            'a3,Cy Dee,F,,2024-05-06,cy@hotmai.com,"1 Pine Rd\nApt 2\nAustin, TX 73301"',  # lines 6-8
            "a4,too,few",  # line 9
            ',No Id,F,1970-01-01,2024-01-01,n@x.com,"1 A St\nB, CA 90001"',  # lines 10-11: empty id
        ]
    )
    write_source(settings, "customers/customers_dataset.csv", text + "\n")
    summary = extract("customers", settings, ctx)
    assert (summary.rows_read, summary.rows_written, summary.rows_quarantined) == (5, 2, 3)
    rows = read_partition(settings, "raw", "customers").to_pylist()
    assert rows[0]["address"] == "123 Oak St\nSpringfield, IL 62704"
    assert rows[0]["email"] == "ann@gmial.com"  # cleaning is dbt's job; the lake keeps what was delivered
    assert rows[0]["date_of_birth"] == dt.date(1990, 1, 2)
    assert rows[1]["customer_id"] == "a3" and rows[1]["date_of_birth"] is None
    assert quarantined(settings, "customers") == {
        "line 4": "date_of_birth '1985-13-40' is not a date YYYY-MM-DD",
        "line 9": "expected 7 fields, found 3",
        "line 10": "empty customer_id",
    }
