"""A vectorised, streaming scanner for column-oriented JSON: `{"col": {"key": scalar, ...}, ...}`.

Per-value Python (even ijson's C parser yields one Python tuple per event) caps out near 100 k rows/s;
this finds JSON's structure with numpy over whole blocks instead: real (unescaped) quotes give the
string mask, braces outside strings give the depth, and the `:`/`,` at depth 2 delimit every entry.
Keys and values are then cut out of the block in bulk into Arrow arrays. Only the rare values that
carry escape sequences go through `json.loads`. Memory is one block plus its carry-over.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BLOCK_SIZE = 4 << 20
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_STRUCTURAL = np.zeros(256, dtype=bool)
_STRUCTURAL[[ord(c) for c in "{}[],:"]] = True
_NUMBER_OR_LITERAL = r"^(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false|null)$"


class ScanError(ValueError):
    """The input is not valid column-oriented JSON; the message says where."""


@dataclass
class Column:
    """The start of a new column."""

    name: str


@dataclass
class Entries:
    """A slice of the current column: its row keys and values (JSON scalars as text, null as null)."""

    keys: pa.StringArray
    values: pa.StringArray


def _gather(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> pa.StringArray:
    """Cut many [start, end) spans out of `buf` into one Arrow string array, without a Python loop."""
    lengths = (ends - starts).astype(np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    index = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)
    data = buf[index]
    # A block is a few MB, so 32-bit offsets always suffice.
    return pa.StringArray.from_buffers(
        len(lengths), pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)
    )


def _decode_strings(tokens: pa.StringArray, what: str) -> pa.StringArray:
    """JSON string tokens (quotes included) to their text; escapes decoded by json.loads, rarely."""
    tokens = pc.utf8_trim_whitespace(tokens)
    quoted = pc.and_(pc.starts_with(tokens, '"'), pc.ends_with(tokens, '"'))
    if not pc.all(quoted).as_py() or pc.any(pc.less(pc.binary_length(tokens), 2)).as_py():
        bad = tokens.filter(pc.invert(quoted))[0].as_py() if not pc.all(quoted).as_py() else '"'
        raise ScanError(f"expected a string {what}, found {bad[:40]!r}")
    text = pc.utf8_slice_codeunits(tokens, 1, -1)
    escaped = pc.match_substring(text, "\\")
    if pc.any(escaped).as_py():
        decoded = [
            json.loads(t) if e else None for t, e in zip(tokens.to_pylist(), escaped.to_pylist(), strict=True)
        ]
        text = pc.if_else(escaped, pa.array(decoded, pa.string()), text)
    return text


def _decode_values(tokens: pa.StringArray) -> pa.StringArray:
    """Scalars as the text a CSV would carry: strings unquoted, numbers as written, null as null."""
    tokens = pc.utf8_trim_whitespace(tokens)
    is_string = pc.starts_with(tokens, '"')
    if pc.all(is_string).as_py():
        return _decode_strings(tokens, "value")
    others = tokens.filter(pc.invert(is_string))
    valid = pc.match_substring_regex(others, _NUMBER_OR_LITERAL)
    if not pc.all(valid).as_py():
        bad = others.filter(pc.invert(valid))[0].as_py()
        raise ScanError(f"expected a JSON scalar, found {bad[:40]!r}")
    strings = pc.if_else(is_string, tokens, pa.scalar('""'))
    text = pc.if_else(is_string, _decode_strings(strings, "value"), tokens)
    return pc.if_else(pc.equal(tokens, "null"), pa.scalar(None, pa.string()), text)


class ColumnScanner:
    """Iterate Column / Entries events from a binary stream of column-oriented JSON."""

    def __init__(self, stream, block_size: int | None = None):
        self._stream = stream
        self._block_size = block_size or BLOCK_SIZE
        self._consumed = 0  # bytes of the file before the carry, for error positions

    def __iter__(self) -> Iterator[Column | Entries]:
        carry = b""
        depth = 0  # depth before the first byte of the carry
        in_column = False
        seen_top = False
        eof = False
        while not eof:
            block = self._stream.read(self._block_size)
            eof = not block
            data = carry + bytes(block)
            if not data:
                if depth != 0:
                    raise ScanError("the file ends before the JSON does (truncated?)")
                break
            buf = np.frombuffer(data, dtype=np.uint8)
            positions, chars, in_string_at_end = self._structure(buf)
            delta = np.select(
                [np.isin(chars, (ord("{"), ord("["))), np.isin(chars, (ord("}"), ord("]")))], [1, -1], 0
            )
            before = depth + np.cumsum(delta) - delta
            if np.any((before >= 2) & np.isin(chars, (ord("{"), ord("[")))):
                raise ScanError(
                    f"nested value near byte {self._consumed + int(positions[np.argmax(before >= 2)])}"
                )
            if np.any(chars == ord("[")):
                raise ScanError("unexpected array; expected an object of columns")
            done = 0  # bytes of `data` fully handled
            i = 0
            n = len(positions)
            outside_columns = np.flatnonzero(before != 2)  # where each run of depth-2 tokens ends
            while i < n:
                if before[i] == 0:
                    if chars[i] != ord("{") or seen_top:
                        raise ScanError(f"expected one top-level object, found {chr(chars[i])!r}")
                    seen_top, done, i = True, int(positions[i]) + 1, i + 1
                    continue
                if before[i] == 1:
                    if chars[i] == ord(":"):  # a column name ends here
                        name = _decode_strings(
                            pa.array([data[done : positions[i]].decode("utf-8")]), "column name"
                        )
                        if i + 1 >= n:
                            break  # its `{` is in the next block
                        if chars[i + 1] != ord("{"):
                            raise ScanError(f"column {name[0].as_py()!r} is not an object")
                        yield Column(name[0].as_py())
                        in_column, done, i = True, int(positions[i + 1]) + 1, i + 2
                        continue
                    if chars[i] in (ord(","), ord("}")):
                        done, i = int(positions[i]) + 1, i + 1
                        continue
                    raise ScanError(f"unexpected {chr(chars[i])!r} between columns")
                # depth 2: inside a column; take every complete `key : value ,|}` run at once
                k = np.searchsorted(outside_columns, i)
                j = int(outside_columns[k]) if k < len(outside_columns) else n
                run_pos, run_chars = positions[i:j], chars[i:j]
                if run_chars[0] == ord("}") and not data[done : run_pos[0]].strip():  # an empty column
                    done, i, in_column = int(run_pos[0]) + 1, i + 1, False
                    continue
                complete = np.flatnonzero(np.isin(run_chars, (ord(","), ord("}"))))
                if len(complete) == 0:
                    break
                last = complete[-1]
                seps, ends = run_pos[0 : last + 1 : 2], run_pos[1 : last + 1 : 2]
                if not (np.all(run_chars[0 : last + 1 : 2] == ord(":")) and len(seps) == len(ends)):
                    raise ScanError(f"malformed entry near byte {self._consumed + int(run_pos[0])}")
                key_starts = np.concatenate([[done], ends[:-1] + 1])
                entries = Entries(
                    keys=_decode_strings(_gather(buf, key_starts, seps), "row key"),
                    values=_decode_values(_gather(buf, seps + 1, ends)),
                )
                if len(entries.keys):
                    yield entries
                done, i = int(ends[-1]) + 1, i + last + 1
                if run_chars[last] == ord("}"):
                    in_column = False
            depth = int(depth + delta[:i].sum())
            if eof:
                if in_string_at_end or depth != 0 or not seen_top or data[done:].strip():
                    raise ScanError("the file ends before the JSON does (truncated?)")
                break
            self._consumed += done
            carry = data[done:]
        if not seen_top:
            raise ScanError("empty file, expected a JSON object")
        _ = in_column

    @staticmethod
    def _structure(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """Positions and characters of the structural bytes outside strings (buf starts outside one)."""
        n = len(buf)
        quotes = np.flatnonzero(buf == _QUOTE)
        if len(quotes) and np.any(buf == _BACKSLASH):  # escapes are rare: skip the run analysis without them
            not_backslash = np.where(buf != _BACKSLASH, np.arange(n), -1)
            last_plain = np.maximum.accumulate(not_backslash)
            before_quote = quotes - 1
            run = np.where(before_quote >= 0, before_quote - last_plain[np.maximum(before_quote, 0)], 0)
            quotes = quotes[run % 2 == 0]  # a quote after an odd run of backslashes is escaped
        structural = np.flatnonzero(_STRUCTURAL[buf])
        inside = np.searchsorted(quotes, structural) % 2 == 1
        positions = structural[~inside]
        return positions, buf[positions], len(quotes) % 2 == 1
