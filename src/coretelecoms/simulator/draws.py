"""Counter-based random draws: each value is a pure function of (seed, stream labels, serial).

A row can therefore be regenerated on its own, in any chunk and in any order, which is what lets the
simulator write column-oriented JSON one column at a time, point a re-delivery at an earlier day's
record, and stay byte-for-byte reproducible without ever holding a whole day in memory.
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # odd, so multiplying by it is a bijection on uint64
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _mix(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijection on uint64 with good avalanche."""
    z = z ^ (z >> np.uint64(30))
    z = z * _M1
    z = z ^ (z >> np.uint64(27))
    z = z * _M2
    return z ^ (z >> np.uint64(31))


def serials(day: date | None, index: np.ndarray) -> np.ndarray:
    """Serial numbers for rows `index` of one day (or of a static entity when `day` is None).

    The day ordinal lives in the high 32 bits, so serials of different days never collide.
    """
    high = np.uint64(day.toordinal() if day else 0) << np.uint64(32)
    return high | index.astype(np.uint64)


def serial_days(serial: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of each serial's day (inverse of the high half of `serials`)."""
    return (serial >> np.uint64(32)).astype(np.int64) - _EPOCH_ORDINAL


class Stream:
    """One named source of randomness; the same (seed, labels, serial) always gives the same draw."""

    def __init__(self, seed: int, *labels: str) -> None:
        digest = hashlib.blake2b(repr((seed, *labels)).encode(), digest_size=8).digest()
        self._key = np.uint64(int.from_bytes(digest, "little"))

    def bits(self, serial: np.ndarray) -> np.ndarray:
        """64 random bits per serial; a bijection of the serial, so distinct serials give distinct bits."""
        return _mix(serial * _GOLDEN + self._key)

    def uniform(self, serial: np.ndarray) -> np.ndarray:
        """Floats in [0, 1)."""
        return (self.bits(serial) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))

    def below(self, serial: np.ndarray, n: int | np.ndarray) -> np.ndarray:
        """Integers in [0, n)."""
        return np.minimum((self.uniform(serial) * n).astype(np.int64), np.asarray(n, dtype=np.int64) - 1)

    def weighted(self, serial: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
        """Indices into `weights`, drawn with those relative weights."""
        cumulative = np.cumsum(weights, dtype=np.float64)
        return np.searchsorted(cumulative / cumulative[-1], self.uniform(serial), side="right")

    def scalar(self, value: int) -> float:
        """One uniform draw for a single serial (a file-level decision)."""
        return float(self.uniform(np.array([value], dtype=np.uint64))[0])
