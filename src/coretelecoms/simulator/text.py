"""Vectorised text building: ids, UUIDs, timestamps and delimited lines as Arrow string arrays.

Everything here works on whole chunks through numpy and pyarrow compute; no per-row Python.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
_UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
_LOWER = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_MONTHS = np.frombuffer(b"JanFebMarAprMayJunJulAugSepOctNovDec", dtype=np.uint8).reshape(12, 3)
# Byte positions of the 32 hex digits inside the 36-character UUID text (dashes at 8, 13, 18, 23).
_UUID_POSITIONS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


def fixed_width(chars: np.ndarray) -> pa.StringArray:
    """An (n, width) uint8 matrix of ASCII codes as n strings, without a per-row copy."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def uuids(hi: np.ndarray, lo: np.ndarray) -> pa.StringArray:
    """Version-4 UUID text from two uint64 draws per row."""
    raw = np.stack([hi, lo], axis=1).astype(">u8").view(np.uint8).reshape(len(hi), 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    nibbles = np.empty((len(hi), 32), dtype=np.uint8)
    nibbles[:, 0::2] = raw >> 4
    nibbles[:, 1::2] = raw & 0x0F
    chars = np.full((len(hi), 36), ord("-"), dtype=np.uint8)
    chars[:, _UUID_POSITIONS] = _HEX[nibbles]
    return fixed_width(chars)


def opaque_ids(bits: np.ndarray, noise: np.ndarray, days: np.ndarray) -> pa.StringArray:
    """Ids shaped like the real call ids (`Mar0979K65d79202...Kak`): month, 4 digits, 11 base-62, 3 letters.

    `bits` must be distinct per record (a bijective draw of its serial): the 11 base-62 characters encode
    all 64 of them, so the ids are unique; `noise` only decorates.
    """
    n = len(bits)
    chars = np.empty((n, 21), dtype=np.uint8)
    months = np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    chars[:, 0:3] = _MONTHS[months]
    rest = noise.copy()
    for position in range(3, 7):
        chars[:, position] = _DIGITS[rest % np.uint64(10)]
        rest //= np.uint64(10)
    value = bits.copy()
    for position in range(17, 6, -1):
        chars[:, position] = _BASE62[value % np.uint64(62)]
        value //= np.uint64(62)
    chars[:, 18] = _UPPER[rest % np.uint64(26)]
    rest //= np.uint64(26)
    chars[:, 19] = _LOWER[rest % np.uint64(26)]
    rest //= np.uint64(26)
    chars[:, 20] = _LOWER[rest % np.uint64(26)]
    return fixed_width(chars)


def timestamps(seconds: np.ndarray) -> pa.StringArray:
    """`YYYY-MM-DD HH:MM:SS` from seconds since the epoch."""
    return pc.cast(pa.array(seconds.astype("datetime64[s]")), pa.string())


def dates(days: np.ndarray) -> pa.StringArray:
    """`YYYY-MM-DD` from days since the epoch."""
    return pc.cast(pa.array(days.astype("datetime64[D]")), pa.string())


def integers(values: np.ndarray) -> pa.StringArray:
    """Plain decimal text."""
    return pc.cast(pa.array(values), pa.string())


def constant(value: str, n: int) -> pa.StringArray:
    """The same string n times."""
    return pa.array([value]).take(pa.array(np.zeros(n, dtype=np.int32)))


def pick(vocabulary: pa.Array, index: np.ndarray) -> pa.StringArray:
    """Vocabulary entries by index."""
    return vocabulary.take(pa.array(index))


def where(mask: np.ndarray, if_true: pa.Array | str, if_false: pa.Array | str) -> pa.StringArray:
    """`if_true` where mask, else `if_false` (a string scalar is broadcast; returned as is when no mask)."""
    if not mask.any():
        return if_false
    return pc.if_else(pa.array(mask), if_true, if_false)


def patch(values: pa.Array, mask: np.ndarray, replacements: pa.Array) -> pa.StringArray:
    """`values` with the masked rows replaced, in order, by `replacements` (one per masked row)."""
    return pc.replace_with_mask(values, pa.array(mask), replacements)


def join(parts: list[pa.Array | str], separator: str = "") -> pa.StringArray:
    """Element-wise concatenation of arrays and broadcast strings."""
    return pc.binary_join_element_wise(*parts, separator)


def body(lines: pa.Array) -> pa.Buffer:
    """The concatenated bytes of all strings in the array, sliced from its data buffer (no copy)."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    if len(lines) == 0:
        return pa.py_buffer(b"")
    offset_type = np.int64 if lines.type == pa.large_string() else np.int32
    offsets = np.frombuffer(lines.buffers()[1], dtype=offset_type)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    return lines.buffers()[2][int(offsets[0]) : int(offsets[-1])]


def hex_digits(bits: np.ndarray, lengths: np.ndarray) -> pa.StringArray:
    """Lower-case hex strings of the given lengths (at most 16), from the low nibbles of `bits`."""
    lengths = np.asarray(lengths, dtype=np.int64)
    width = int(lengths.max()) if len(lengths) else 0
    nibbles = (bits[:, None] >> (np.uint64(4) * np.arange(width, dtype=np.uint64))) & np.uint64(0xF)
    keep = np.arange(width) < lengths[:, None]
    data = np.ascontiguousarray(_HEX[nibbles.astype(np.int64)][keep], dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    return pa.StringArray.from_buffers(len(lengths), pa.py_buffer(offsets), pa.py_buffer(data))
