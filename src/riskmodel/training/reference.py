"""The training reference sample: what the weekly drift report compares each week against.

Built at the end of ``fit_recipe(..., reference_rows=N)``, after calibration, from feature
snapshots of the training window: **daily** as-of dates over the year ending at the last
calibration date (the fit and calibration dates are among them; when the fit window is
shorter than a year, the year is completed with earlier dates as far as the data reach), so
every season *and every place in the month* has reference rows. The place in the month
matters as much as the season: incomes, claims and assistance are reported with lags
relative to month ends, so the share of households with a reported last quarter swings
from about 50 % on the 1st to under 20 % by the 29th (synthetic data), every month.
``riskmodel.monitoring.drift.same_season`` picks reference dates near this week in both.

Each row carries its ``as_of`` date (same-season selection, per-year income normalisation),
the features (float32, as in training), the model's ``score`` and calibrated ``probability``.
Sampling is deterministic, no RNG: a candidate set of households with the smallest hash of
their id (keyed by the training seed; enough for several times the rows needed per date),
then on each date the rows with the smallest hash of (household id, as-of date) — the same
rows on every rerun with the same data and seed. At most ``reference_rows`` rows in all.
**No identifier is kept**: household ids and region codes are dropped; rows are numbered
``reference_row`` (0…n−1, by as-of date) instead. Features are per-household maps, so a
household's features computed on the candidate subset equal those of the training tables.

The sample is logged as ``reference.parquet`` inside the registered pyfunc model, and the
loaded ``Scorer`` exposes it as ``scorer.reference`` (a ``LazyReference``: read on first
use, once per process, so the API server never pays for it).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.progress import Progress, no_progress

#: Default cap on the logged reference rows (about 15 MB of float32 features in memory).
REFERENCE_ROWS = 50_000
#: File name of the sample inside the model's artifacts (``artifacts["reference"]``).
REFERENCE_FILE = "reference.parquet"
#: Synthetic row number (the sample carries no household id).
ROW_COLUMN = "reference_row"
#: As-of dates over one year, this many days apart.
STEP_DAYS = 1
YEAR_DAYS = 364
#: Candidate households: this many times the rows needed per date (variety across dates).
OVERSAMPLE = 16


def _hash_key(seed: int) -> str:
    return f"riskmodel-ref{int(seed) & 0xFFF:03x}"[:16].ljust(16, "0")


def sample_hash(household_id, as_of=None, seed: int = 0) -> np.ndarray:
    """uint64 hash of household id (and as-of date) keyed by ``seed``: the sampling order."""
    ids = pd.Series(np.asarray(household_id, dtype=object)).astype(str).to_numpy()
    frame = pd.DataFrame({"household_id": ids})
    if as_of is not None:
        days = np.asarray(as_of, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
        frame["as_of_day"] = np.broadcast_to(days, len(ids))
    return pd.util.hash_pandas_object(frame, index=False, hash_key=_hash_key(seed)).to_numpy()


def _smallest(h: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` smallest hashes, in position order."""
    if len(h) <= n:
        return np.arange(len(h))
    return np.sort(np.argpartition(h, n - 1)[:n])


def reference_dates(calibration_last, earliest=None) -> list[pd.Timestamp]:
    """As-of dates every ``STEP_DAYS`` day(s) over the year ending at ``calibration_last`` (not before ``earliest``)."""
    last = pd.Timestamp(calibration_last).normalize()
    dates = [last - pd.Timedelta(days=k * STEP_DAYS) for k in range(YEAR_DAYS // STEP_DAYS)]
    if earliest is not None:
        dates = [t for t in dates if t >= pd.Timestamp(earliest)]
    return sorted(dates)


def build_reference(panel, calibration_last, model, *, rows: int = REFERENCE_ROWS, seed: int = 0,
                    earliest=None, features=None, progress: Progress = no_progress) -> pd.DataFrame | None:
    """The reference sample for a model calibrated up to ``calibration_last`` (see module docstring).

    ``panel`` should be the training data (``panel.as_of(cutoff)``); ``features`` the feature
    builder (default ``riskmodel.features.build_features``); ``progress(stage, done, total)``.
    """
    from riskmodel.features import feature_names

    if features is None:
        from riskmodel.features import build_features as features
    if earliest is None:
        earliest = panel.data_start()
    dates = reference_dates(calibration_last, None if earliest is None or pd.isna(earliest) else earliest)
    if rows <= 0 or not dates or not len(panel.households):
        return None
    names = feature_names()
    per_date = max(1, rows // len(dates))
    ids = panel.households["household_id"].to_numpy()
    candidates = ids[_smallest(sample_hash(ids, None, seed), OVERSAMPLE * per_date)]
    sub = panel.subset(candidates) if len(candidates) < len(ids) else panel
    parts = []
    for i, t in enumerate(dates, start=1):
        f = features(sub, t)
        keep = _smallest(sample_hash(f["household_id"].to_numpy(), t.to_datetime64(), seed), per_date)
        part = f.iloc[keep][names].astype(np.float32).reset_index(drop=True)
        part.insert(0, "as_of", np.full(len(part), t.to_datetime64()))
        parts.append(part)
        progress("reference sample", i, len(dates))
    out = pd.concat(parts, ignore_index=True)
    if len(out) > rows:  # fewer rows than dates asked for: one row a date, cut at the cap
        out = out.iloc[:rows]
    if not len(out):
        return None
    out.insert(0, ROW_COLUMN, np.arange(len(out), dtype=np.int64))
    s = model.score(out)
    out["score"] = np.asarray(s, dtype=float)
    out["probability"] = np.asarray(model.calibrate_scores(s), dtype=float)
    return out


def describe(reference: pd.DataFrame | None) -> dict | None:
    """What the model card, the meta and the drift note say about a sample (no row values)."""
    if reference is None or not len(reference):
        return None
    dates = pd.DatetimeIndex(reference["as_of"].unique()).sort_values()
    return {"rows": int(len(reference)), "as_of_dates": int(len(dates)),
            "as_of_first": str(dates[0].date()), "as_of_last": str(dates[-1].date()),
            "file": REFERENCE_FILE, "columns": "reference_row, as_of, features, score, probability (no identifiers)"}


def write_reference(reference: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    forbidden = {"household_id", "member_id", "region_code"} & set(reference.columns)
    if forbidden:
        raise ValueError(f"the reference sample must carry no identifiers: {sorted(forbidden)}")
    reference.to_parquet(path, index=False)
    return path


class LazyReference:
    """``scorer.reference``: call it for the sample (read from Parquet on first call, then cached).

    Pickles without the loaded frame (the Dask scatter of a scorer stays small).
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._frame: pd.DataFrame | None = None
        self._lock = threading.Lock()

    def __call__(self) -> pd.DataFrame:
        with self._lock:
            if self._frame is None:
                self._frame = pd.read_parquet(self.path)
            return self._frame

    @property
    def loaded(self) -> bool:
        return self._frame is not None

    def __getstate__(self) -> dict:
        return {"path": self.path}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["path"])

    def __repr__(self) -> str:
        return f"LazyReference({self.path!r}, loaded={self.loaded})"
