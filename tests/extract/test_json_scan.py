"""The vectorised column-JSON scanner agrees with json.loads on awkward but valid input, at any block size."""

from __future__ import annotations

import io
import json

import pytest

from coretelecoms.extract.json_scan import Column, ColumnScanner, ScanError

AWKWARD = {
    "plain": {"0": "a", "1": "b", "2": ""},
    'quo"te': {"0": 'say "hi"', "1": "back\\slash\\", "2": '\\\\"'},
    "structural": {"0": '{"nested": [1, 2]}', "1": "a,b:c}", "2": "\u00e9\u4e2d\U0001f600"},
    "numbers": {"0": 1001, "1": -2.5e3, "2": None},
    "literals": {"0": True, "1": False, "2": None},
    "empty": {},
}


def _scan(text: str, block_size: int) -> dict:
    out: dict[str, dict] = {}
    current = None
    for event in ColumnScanner(io.BytesIO(text.encode()), block_size=block_size):
        if isinstance(event, Column):
            current = out.setdefault(event.name, {})
        else:
            current.update(zip(event.keys.to_pylist(), event.values.to_pylist(), strict=True))
    return out


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("block_size", [1, 2, 3, 7, 64, 1 << 20])
def test_matches_json_loads(indent, block_size):
    text = json.dumps(AWKWARD, indent=indent, ensure_ascii=block_size % 2 == 0)
    expected = {col: {k: _as_text(v) for k, v in values.items()} for col, values in AWKWARD.items()}
    expected["numbers"]["1"] = "-2500.0"
    assert _scan(text, block_size) == expected


@pytest.mark.parametrize("cut", [1, 10, 37, 45, -2, -1])
def test_truncation_is_an_error_wherever_it_cuts(cut):
    text = json.dumps({"a": {"0": "x", "1": "y"}, "b": {"0": 1, "1": 2}})
    with pytest.raises(ScanError):
        _scan(text[:cut], 5)


@pytest.mark.parametrize(
    "text",
    [
        '[{"a": 1}]',
        '{"a": {"0": {"deep": 1}}}',
        '{"a": {"0": tru}}',
        '{"a": 1}',
        "",
        '{"a": {"0": 1}} {"b": {}}',
    ],
)
def test_not_column_oriented_is_an_error(text):
    with pytest.raises(ScanError):
        _scan(text, 4)


def _rows(text: str, block_size: int = 7) -> tuple[list[str], list[dict], list]:
    import pyarrow as pa

    from coretelecoms.extract import json_columns

    chunks = json_columns.ColumnJsonChunks(pa.BufferReader(text.encode()), "social.json")
    rows, labels = [], []
    for chunk in chunks:
        rows += chunk.batch.to_pylist()
        labels += [chunk.location(i) for i in range(chunk.batch.num_rows)]
    return chunks.headers, rows, labels


def test_values_of_mixed_types_arrive_as_the_text_written():
    text = '{"agent ID": {"0": 1000, "1": 1035.0, "2": "A12", "3": null, "4": true, "5": -1e3}}'
    headers, rows, _ = _rows(text)
    assert headers == ["agent ID"]
    assert [r["agent ID"] for r in rows] == ["1000", "1035.0", "A12", None, "true", "-1e3"]


def test_odd_row_keys_are_kept_in_order_and_located_by_position():
    text = '{"a": {"r-1": "x", "\\u00e9": "y", "10": "z"}, "b": {"r-1": 1, "\\u00e9": 2, "10": 3}}'
    headers, rows, labels = _rows(text)
    assert headers == ["a", "b"] and [r["a"] for r in rows] == ["x", "y", "z"]
    assert labels == ["index 0", "index 1", "index 2"]  # not numeric labels: the row's position


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"a": {"0": 1}, "a": {"0": 2}}', "column 'a' appears twice"),
        ('{"a": {"0": 1, "1": 2}, "b": {"0": 1, "2": 2}}', "column 'b' does not list the same row keys"),
        ('{"a": {"0": 1, "1": 2}, "b": {"0": 1}}', "column 'b' does not list the same row keys"),
    ],
)
def test_columns_that_disagree_are_one_line_errors_naming_the_file(text, problem):
    from coretelecoms.common.errors import PipelineError

    with pytest.raises(PipelineError) as err:
        _rows(text)
    assert problem in str(err.value) and "social.json" in str(err.value) and "\n" not in str(err.value)
