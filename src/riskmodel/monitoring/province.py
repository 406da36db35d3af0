"""A province's scored households, held on disk rather than in the weekly run's memory.

The run needs every eligible household's row for two things only: ``scores.parquet`` (rank
order) and the store's scores (household order). The lists need a township's top rows, which
its own partition gives. So each partition's rows go to an Arrow file as they arrive, and the
run keeps two compact arrays per household (score, household id) to rank the province; rows
are read back a chunk at a time, each file memory-mapped and unmapped again for every chunk,
so the process never holds the province's rows at once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskmodel.contract.columns import arrow_text
from riskmodel.features.counties import check_unique_ids
from riskmodel.listing import ListPolicy, bands
from riskmodel.listing.policy import rank_order

#: Columns kept of each scored row (rank and band follow from the province's ranking).
KEPT = ("household_id", "region_code", "score", "probability", "band", "category")
#: A chunk's columns in ``scores.parquet``'s order.
ORDER = ("household_id", "region_code", "score", "probability", "rank", "band", "category")
#: Rows per chunk read back (a chunk's rows are what the process holds at once).
CHUNK_ROWS = 131_072


def _plain_text(table: pa.Table) -> pa.Table:
    """Large strings as strings, no pandas metadata: what ``scores.parquet`` has always held."""
    schema = pa.schema([pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f
                        for f in table.schema])
    return table.cast(schema).replace_schema_metadata(None)


class ProvinceScores:
    """Every partition's scored rows (``Scorer.score`` frames, any order), ranked over the province.

    ``add`` each partition's frame, ``finish`` once, then read rows with ``rank_chunks`` or
    ``household_chunks``; ``ranks`` gives the rank of rows ``add`` numbered. ``share``: the list
    policy's capacity share for bands over the province (None: the frames' own bands are kept).
    Close it (or use it as a context manager) to delete the files.
    """

    def __init__(self, share: float | None, folder: str | Path | None = None, prefix: str = ".scores-"):
        self.share = share
        self.folder = folder
        self.prefix = prefix
        self._dir = tempfile.TemporaryDirectory(prefix=prefix, dir=folder)
        self._files: list[Path] = []
        self._offsets: list[int] = [0]
        self._scores: list[np.ndarray] = []
        self._ids: list[pa.ChunkedArray] = []
        self._columns: tuple[str, ...] | None = None
        self.order_: np.ndarray | None = None
        self.by_id_: np.ndarray | None = None
        self.rank_of_: np.ndarray | None = None

    def __enter__(self) -> ProvinceScores:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._dir.cleanup()

    def __len__(self) -> int:
        return self._offsets[-1]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of a chunk: the kept ones the frames had, with ``rank`` before ``band``."""
        have = {*(self._columns or ()), "rank"}
        return tuple(c for c in ORDER if c in have)

    def add(self, frame: pd.DataFrame) -> np.ndarray:
        """Keep one partition's rows; returns their numbers (``ranks`` takes them)."""
        if self.order_ is not None:
            raise RuntimeError("rows added after the province was ranked")
        cols = tuple(c for c in KEPT if c in frame)
        if self._columns is None:
            self._columns = cols
        elif cols != self._columns:
            raise ValueError(f"partition scores have columns {cols}, the first had {self._columns}")
        table = _plain_text(pa.Table.from_pandas(frame[list(cols)], preserve_index=False))
        path = Path(self._dir.name) / f"part-{len(self._files):05d}.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        self._files.append(path)
        self._scores.append(frame["score"].to_numpy(dtype=float))
        ids = arrow_text(frame["household_id"])
        self._ids.append(pa.chunked_array(ids.chunks if isinstance(ids, pa.ChunkedArray) else [ids]).cast(pa.string()))
        start = self._offsets[-1]
        self._offsets.append(start + len(frame))
        return np.arange(start, start + len(frame), dtype=np.int64)

    def finish(self) -> ProvinceScores:
        """Rank the province: score descending, ties by household id (the list policy's order).

        A household in two partitions is the contract error ``check_unique_ids`` names.
        """
        # one array: Arrow's sort and take concatenate a chunked one on every call
        ids = pa.concat_arrays([c for a in self._ids for c in a.chunks]) if self._ids else pa.array([], pa.string())
        self._ids = []
        scores = np.concatenate(self._scores) if self._scores else np.zeros(0)
        self._scores = []  # ranked: the ids' order and the ranks are all that is read from here on
        # positions and ranks of a province kept as 32-bit integers while they fit (three per household)
        kind = np.int32 if len(ids) < 2 ** 31 - 1 else np.int64
        self.by_id_ = pc.sort_indices(ids).to_numpy().astype(kind)
        check_unique_ids(ids, self.by_id_)
        self.order_ = rank_order(scores, ids).astype(kind)
        del scores, ids
        self.rank_of_ = np.empty(len(self.order_), dtype=kind)
        self.rank_of_[self.order_] = np.arange(1, len(self.order_) + 1, dtype=kind)
        return self

    def ranks(self, numbers) -> np.ndarray:
        """The province rank (1-based) of rows by the numbers ``add`` gave them."""
        return self.rank_of_[np.asarray(numbers, dtype=np.int64)]

    def bands(self, ranks) -> np.ndarray | None:
        """Bands of province ranks by the list policy (None when the frames' own bands stand)."""
        if self.share is None:
            return None
        return bands(np.asarray(ranks), len(self), ListPolicy(capacity_share=self.share))

    def rank_chunks(self, rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
        """Every row with its rank and band, in rank order (Arrow tables of at most ``rows`` rows)."""
        for i in range(0, len(self), rows):
            yield self._rows(self.order_[i:i + rows])

    def household_chunks(self, rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
        """``rank_chunks`` in household id order (code points), the order a store's index wants."""
        for i in range(0, len(self.by_id_), rows):
            yield self._rows(self.by_id_[i:i + rows])

    def _rows(self, numbers: np.ndarray) -> pa.Table:
        """The rows ``numbers`` (in that order) with rank and band; each file mapped only meanwhile."""
        part = np.searchsorted(np.asarray(self._offsets), numbers, side="right") - 1
        by_part = np.argsort(part, kind="stable")
        pieces = []
        for k in np.unique(part):
            wanted = numbers[by_part[part[by_part] == k]] - self._offsets[k]
            with pa.memory_map(str(self._files[k])) as source:
                table = pa.ipc.open_file(source).read_all()
                pieces.append(table.take(pa.array(wanted)))
                del table
        joined = pa.concat_tables(pieces)
        back = np.empty(len(numbers), dtype=np.int64)
        back[by_part] = np.arange(len(numbers), dtype=np.int64)
        out = joined.take(pa.array(back)).combine_chunks()
        rank = self.rank_of_[numbers]
        out = out.append_column("rank", pa.array(rank, pa.int64()))
        band = self.bands(rank)
        if band is not None and "band" in out.column_names:
            out = out.set_column(out.column_names.index("band"), "band", pa.array(band, pa.string()))
        return out.select(list(self.columns))
