"""Append-only column buffers: the simulation adds array chunks month by month."""

from __future__ import annotations

import numpy as np


class Records:
    """Columns of one output table, collected as chunks and concatenated once at the end."""

    def __init__(self, *columns: str):
        self.columns = columns
        self._chunks: dict[str, list[np.ndarray]] = {c: [] for c in columns}

    def add(self, **cols) -> None:
        n = None
        for c in self.columns:
            v = np.asarray(cols[c])
            if v.ndim == 0:
                continue
            n = len(v)
            break
        if n is None or n == 0:
            return
        for c in self.columns:
            v = np.asarray(cols[c])
            if v.ndim == 0:
                v = np.full(n, v)
            if len(v) != n:
                raise ValueError(f"column {c} has {len(v)} values, expected {n}")
            self._chunks[c].append(v)

    def arrays(self, dtypes: dict[str, object]) -> dict[str, np.ndarray]:
        return {
            c: (np.concatenate(self._chunks[c]).astype(dtypes[c], copy=False) if self._chunks[c]
                else np.empty(0, dtype=dtypes[c]))
            for c in self.columns
        }
