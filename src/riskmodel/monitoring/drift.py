"""Has this week's population moved away from what the model was trained on?

Designed against false alarms, because an alert that fires every week gets ignored:

- **Effect sizes, not p-values.** With a million rows every difference is "significant";
  the population stability index (PSI) measures how much a distribution moved. A feature is
  drifted at PSI ≥ 0.2 (the usual "significant shift" line; 0.1–0.2 is "watch").
- **Robust bins.** Bins are reference deciles, with the exact reference values as edges, so
  the many zeros of event counts get a bin of their own and one outlier cannot squash the
  rest (equal-width bins do that); missing values are a bin too.
- **Incomes grow every year.** Money features are divided by the monitoring line of their
  as-of year (the line grows with rural incomes), so an ordinary year's growth is not drift.
- **Seasons repeat, and so do months.** When the reference carries as-of dates (the model's
  training reference sample does), only reference weeks from the same season (±
  ``season_weeks`` around this week of the year) and at the same place in the month (±
  ``month_days`` days since the last month end), nearest first, are compared: reporting lags
  and complete-month windows run from month ends, so the last day of a month and the day
  before look different every month.
- **Clock features** (time since exit, registration) move by construction; they are reported
  but never count towards the alert.

- **Shocks are local and recent.** A flood or a factory closure hits a few percent of the
  households in the last weeks; twelve-month features barely move. Shock indicators count
  the households hit recently (disaster, job loss, hospital stay …) against the same weeks a
  year earlier, and need a large ratio, a real excess and a z statistic beyond noise.

- **Shocks are regional too.** A flood in one county moves few features province-wide; the
  same indicators per county and per township (``monitoring.shocks.regional_shocks``), each against its own
  region a year earlier, name the region that was hit.

The alert fires when the share of drifted features, the drift of the score distribution, or
a shock indicator (province-wide or regional) crosses its threshold (``DriftThresholds``). Pure numpy/pandas here; Evidently renders the
report (``evidently_report``) and MLflow/store adapters live in the weekly run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict

from riskmodel.contract.columns import id_text

#: Name prefixes of features measured in yuan (normalised by the monitoring line). Ratios and
#: shares (``income_line_ratio_*``, ``income_share_*``, ``oop_income_ratio_*``) are unitless already.
MONEY_PREFIXES = ("income_pc_", "income_yoy_change_", "income_volatility_", "oop_3m", "oop_12m",
                  "inpatient_oop_", "chronic_outpatient_oop_", "assistance_monthly_", "event_loss_")
#: Name prefixes of features that grow with the calendar for every household (days since …).
CLOCK_PREFIXES = ("days_since_", "days_registered", "years_since_")


class DriftThresholds(BaseModel):
    """Configurable alert thresholds (defaults are the usual PSI conventions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feature_psi: float = 0.2
    """A feature is drifted when its PSI reaches this."""
    share_drifted: float = 0.2
    """Alert when at least this share of the monitored features drifted."""
    score_psi: float = 0.2
    """Alert when the score distribution's PSI reaches this."""
    bins: int = 10
    season_weeks: int = 6
    month_days: int = 3
    """Within the season, the reference dates nearest in the year whose days since the last
    month end are within this many days of this week's (reporting lags and complete-month
    windows run from month ends; see ``same_season``)."""
    min_reference_rows: int = 500
    """Below this many same-season reference rows, the whole reference is used."""
    reference_rows: int = 200_000
    """Reference rows compared (deterministic sample by household id and date): plenty for
    percentiles, and it keeps a million-row week within a minute."""
    evidently_rows: int = 5_000
    """Rows per side drawn in the Evidently report (deterministic sample by household id); the
    verdicts it shows are the alert's, computed on all rows."""
    evidently_columns: int = 12
    """Columns in the Evidently report: every drifted feature, then the highest PSI up to this."""
    shock_window_days: int = 56
    """Shock indicators count households hit in the last this-many days."""
    shock_ratio: float = 1.5
    shock_excess: float = 0.01
    """A shock indicator fires when the share of households hit is ≥ ``shock_ratio`` × and
    ≥ ``shock_excess`` (absolute) above the same window a year earlier …"""
    shock_z: float = 4.0
    """… and the two-proportion z statistic reaches this (a guard against small counts only)."""
    regional_excess: float = 0.05
    regional_z: float = 6.0
    """A region's shock indicator fires when its share hit is ≥ ``shock_ratio`` × and ≥
    ``regional_excess`` above the same region's share a year earlier, with z ≥ ``regional_z``
    (stricter than province-wide: dozens of regions × indicators are tested every week)."""
    min_county_households: int = 200
    min_township_households: int = 100
    """Regions with fewer registered households are not judged on their own (too few to tell)."""


@dataclass
class DriftResult:
    """Per-feature table and the summary written to ``drift/summary.json``.

    ``reference``/``current`` are the compared rows as given (money not yet divided by the
    line: ``normalised(frame)`` does that for a sample, e.g. for the Evidently report).
    """

    per_feature: pd.DataFrame
    summary: dict
    reference: pd.DataFrame = field(repr=False)
    current: pd.DataFrame = field(repr=False)
    money: tuple[str, ...] = ()
    line: object = None
    reference_as_of: object = None
    as_of: object = None

    def normalised(self, frame: pd.DataFrame, side: str) -> pd.DataFrame:
        if side == "reference":
            when = "as_of" if "as_of" in frame else (self.reference_as_of or self.as_of)
        else:
            when = self.as_of
        return normalise_money(frame, list(self.money), when, self.line)


def _shares(counts: np.ndarray, total: int) -> np.ndarray:
    return np.maximum(counts / total, 1e-4)


@dataclass(frozen=True)
class FeatureBins:
    """Fixed bins of one feature, decided by the reference: its percentile ``grid`` (Wasserstein),
    the deciles among it (PSI) and its spread. Every partition counts its rows into these."""

    grid: np.ndarray
    deciles: np.ndarray
    spread: float

    @classmethod
    def of(cls, reference: np.ndarray, bins: int = 10, points: int = 101) -> FeatureBins:
        ref = np.asarray(reference, dtype=float)
        ok = ref[np.isfinite(ref)]
        if len(ok) == 0:
            return cls(np.array([]), np.array([]), 1.0)
        grid = np.quantile(ok, np.linspace(0, 1, points))
        deciles = np.unique(grid[np.linspace(0, points - 1, bins + 1).round().astype(int)[1:-1]])
        return cls(grid, deciles, float(np.std(ok)) or float(np.mean(np.abs(ok))) or 1.0)


def exact_sum(x: np.ndarray) -> Fraction:
    """The exact sum of float64 values (NaN left out): mergeable in any order with the same result.

    Each value is mantissa × 2**exponent; the 53-bit integer mantissas are split in 26-bit halves
    and summed per exponent in float64, exactly (below 2**53 for up to 2**26 values per call).
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return Fraction(0)
    if not np.isfinite(x).all():
        with np.errstate(invalid="ignore"):
            return float(np.sum(x))  # ±inf (or NaN for both signs): nothing exact to keep
    if np.abs(x).sum() < 2.0 ** 52 and (x == np.trunc(x)).all():
        # whole numbers (most features are counts): every partial sum is a whole number below
        # 2**53, exact in float64
        return Fraction(int(x.sum()))
    mant, exp = np.frexp(x)
    m = (mant * 2.0 ** 53).astype(np.int64)
    hi = m >> 26
    lo = m - (hi << 26)
    e = exp - exp.min()
    hs = np.bincount(e, weights=hi.astype(float))
    ls = np.bincount(e, weights=lo.astype(float))
    base = int(exp.min()) - 53
    units = 0  # the sum in units of 2**base: integer shifts, one Fraction at the end
    for k in np.flatnonzero((hs != 0) | (ls != 0)):
        units += ((int(hs[k]) << 26) + int(ls[k])) << int(k)
    return Fraction(units) * Fraction(2) ** base


@dataclass
class Histogram:
    """Counts of one feature's values in its ``FeatureBins``, plus the exact sum: addable."""

    psi_counts: np.ndarray
    """Per decile bin, then one for missing/non-finite values."""
    grid_counts: np.ndarray
    total: int
    finite: int
    known: int
    """Values that are not NaN (the mean's denominator)."""
    total_sum: object

    @classmethod
    def of(cls, values: np.ndarray, b: FeatureBins) -> Histogram:
        x = np.asarray(values, dtype=float)
        finite = np.isfinite(x)
        ok = x[finite]

        def counts(edges: np.ndarray) -> np.ndarray:
            # bin i holds the values above i edges (edges ascend): each value's bin is how many
            # edges lie below it, found by bisecting the ~100 edges rather than sorting the values
            return np.bincount(np.searchsorted(edges, ok, side="left"), minlength=len(edges) + 1).astype(np.int64)

        psi_counts = np.append(counts(b.deciles), np.int64((~finite).sum()))
        return cls(psi_counts, counts(b.grid), len(x), int(finite.sum()), int((~np.isnan(x)).sum()), exact_sum(x))

    def __add__(self, other: Histogram) -> Histogram:
        return Histogram(self.psi_counts + other.psi_counts, self.grid_counts + other.grid_counts,
                         self.total + other.total, self.finite + other.finite, self.known + other.known,
                         self.total_sum + other.total_sum)

    def mean(self) -> float:
        if not self.finite:
            return float("nan")
        s = self.total_sum
        return float(s) if isinstance(s, float) else float(s / self.known)


def compare_histograms(ref: Histogram, cur: Histogram, b: FeatureBins) -> tuple[float, float]:
    """(PSI, normalised Wasserstein) from the two sides' counts in the reference's bins."""
    if ref.total == 0 or cur.total == 0:
        return float("nan"), float("nan")
    p, q = _shares(ref.psi_counts, ref.total), _shares(cur.psi_counts, cur.total)
    value = float(np.sum((q - p) * np.log(q / p)))
    if len(b.grid) == 0 or cur.finite == 0:
        return value, float("nan")
    points = len(b.grid)
    f_ref = ref.grid_counts[:points].cumsum() / ref.finite
    f_cur = cur.grid_counts[:points].cumsum() / cur.finite
    d = np.abs(f_ref - f_cur)
    return value, float(np.sum(0.5 * (d[:-1] + d[1:]) * np.diff(b.grid))) / b.spread


def compare(reference: np.ndarray, current: np.ndarray, bins: int = 10, points: int = 101) -> tuple[float, float]:
    """(PSI, normalised Wasserstein) of one feature.

    PSI over reference-decile bins (NaN its own bin, empty bins floored at 1e-4). The
    Wasserstein distance is integrated over the reference's percentile grid (values outside
    the reference's range count at its edge) and divided by the reference's spread. Both come
    from bin counts (``Histogram``), so partitions' counts can be added first.
    """
    b = FeatureBins.of(reference, bins, points)
    return compare_histograms(Histogram.of(reference, b), Histogram.of(current, b), b)


def psi(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """Population stability index over reference-quantile bins (NaN is its own bin)."""
    return compare(reference, current, bins)[0]


def wasserstein_norm(reference: np.ndarray, current: np.ndarray, points: int = 101) -> float:
    """Earth mover's distance (over the reference's percentile grid) in units of the reference's spread."""
    return compare(reference, current, points=points)[1]


def money_features(names, prefixes=MONEY_PREFIXES) -> list[str]:
    return [n for n in names if n.startswith(tuple(prefixes))]


def clock_features(names, prefixes=CLOCK_PREFIXES) -> list[str]:
    return [n for n in names if n.startswith(tuple(prefixes))]


def _lines(frame: pd.DataFrame, as_of, line) -> np.ndarray | float:
    """The monitoring line of each row's as-of year (a column name) or of one date."""
    if isinstance(as_of, str) and as_of in frame:
        years = pd.to_datetime(frame[as_of]).dt.year
        table = {int(y): float(line(int(y))) for y in years.unique()}
        return years.map(table).to_numpy(dtype=float)
    return float(line(pd.Timestamp(as_of).year))


def normalise_money(frame: pd.DataFrame, columns, as_of, line) -> pd.DataFrame:
    """Money columns divided by the monitoring line of each row's as-of year.

    ``as_of``: a date for all rows, or the name of a date column; ``line``: year → yuan.
    """
    if not columns:
        return frame
    lines = _lines(frame, as_of, line)
    return frame.assign(**{c: frame[c].to_numpy(dtype=float) / lines for c in columns})


def days_since_month_end(dates) -> np.ndarray:
    """Days since the last month end on or before each date (0 on a month's last day, else the day)."""
    d = pd.DatetimeIndex(pd.to_datetime(dates))
    return np.where(d.is_month_end, 0, d.day)


def same_season(reference: pd.DataFrame, as_of, weeks: int, min_rows: int,
                month_days: int | None = None) -> tuple[pd.DataFrame, str]:
    """Reference rows from as-of dates in the same season and, if given ``month_days``, the same
    place in the month.

    Season: within ``weeks`` of this week of the year. Place in the month: within
    ``month_days`` of this date's days since the last month end (``days_since_month_end``);
    among those dates, the nearest in the year first, until ``min_rows`` rows. The place in
    the month matters because monthly records (income, claims, assistance) are reported with
    lags from month ends and windows count complete months: the same features on the last day
    of a month and on the day before differ every month (e.g. how many households have a
    reported last quarter). Falls back to the season, then to all rows, when too few match.
    """
    if "as_of" not in reference:
        return reference, "all reference rows (no as-of dates in the reference)"
    t = pd.Timestamp(as_of)
    when = pd.to_datetime(reference["as_of"])
    # work on the distinct dates: a reference holds a year of dates, and rows by the thousand or million
    counts = when.value_counts(sort=False)
    dates = pd.DatetimeIndex(counts.index)
    gap = np.abs(dates.dayofyear.to_numpy() - t.dayofyear)
    gap = np.minimum(gap, 365 - gap)
    in_season = gap <= weeks * 7
    if counts.to_numpy()[in_season].sum() < min_rows:
        return reference, (f"all reference rows (only {int(counts.to_numpy()[in_season].sum())} within ±{weeks} "
                           "weeks of the season)")
    chosen = dates[in_season]
    note = f"reference rows within ±{weeks} weeks of the same week of the year"
    if month_days is not None:
        match = in_season & (np.abs(days_since_month_end(dates) - days_since_month_end([t])[0]) <= month_days)
        order = np.flatnonzero(match)[np.lexsort((dates[match].asi8, gap[match]))]
        enough = np.cumsum(counts.to_numpy()[order]) >= min_rows
        if enough.any():
            chosen = dates[order[:int(np.argmax(enough)) + 1]]
            span = int(gap[order[:len(chosen)]].max())
            note = (f"reference rows from the {len(chosen)} nearest as-of date(s) of the year (within {span} days) "
                    f"at the same place in the month (±{month_days} days since a month end)")
        else:
            note += f" (too few also at the same place in the month, ±{month_days} days)"
    return reference.loc[when.isin(chosen).to_numpy()], note


#: Row keys for deterministic samples: the household id, else the training reference's row number.
SAMPLE_KEYS = ("household_id", "reference_row")


def deterministic_sample(frame: pd.DataFrame, n: int, key: str | None = None) -> pd.DataFrame:
    """At most ``n`` rows: those with the smallest hash of ``key`` (the same rows every week).

    ``key`` defaults to ``household_id``, or ``reference_row`` for the training reference
    sample (which carries no identifier).
    """
    if len(frame) <= n:
        return frame
    return frame.iloc[_smallest(sample_hashes(frame, key), n)]


def sample_hashes(frame: pd.DataFrame, key: str | None = None) -> np.ndarray:
    """The hash of each row's ``key`` that ``deterministic_sample`` keeps the smallest of."""
    if key is None:
        key = next((k for k in SAMPLE_KEYS if k in frame), None)
        if key is None:
            raise ValueError(f"deterministic_sample: the frame has none of the key columns {SAMPLE_KEYS}")
    h = pd.util.hash_pandas_object(frame[key].astype(str), index=False).to_numpy()
    if "as_of" in frame:  # a reference spans weeks: the same household can appear more than once
        h = h ^ pd.util.hash_pandas_object(frame["as_of"].astype(str), index=False).to_numpy()
    return h


def _smallest(h: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` smallest hashes, in row order (all rows when there are no more)."""
    return np.arange(len(h)) if len(h) <= n else np.sort(np.argpartition(h, n - 1)[:n])


@dataclass(frozen=True)
class DriftBins:
    """What a partition needs to summarise its rows for drift (small; sent to every task): the
    reference's bins per feature (and ``probability``), which features are money (divided by this
    week's monitoring ``line``) and which are rounded to float32 like the reference."""

    bins: dict[str, FeatureBins]
    money: frozenset[str]
    single: frozenset[str]
    line: float
    sample_rows: int


@dataclass
class CurrentStats:
    """This week's rows summarised in the reference's bins: addable over partitions.

    ``sample``: the rows with the smallest hashes of household id (``deterministic_sample``,
    for the Evidently report), which the union of the partitions' samples contains.
    """

    rows: int
    histograms: dict[str, Histogram]
    sample: pd.DataFrame
    sample_rows: int
    hashes: np.ndarray | None = None
    """``sample_hashes`` of the sample's rows, kept so that adding partitions hashes no id twice."""

    @classmethod
    def of(cls, frame: pd.DataFrame, plan: DriftBins) -> CurrentStats:
        hist = {}
        for f, b in plan.bins.items():
            if f in frame:  # rounded to float32 like the reference where it was
                x = frame[f].to_numpy(dtype=np.float32 if f in plan.single else float).astype(float, copy=False)
                hist[f] = Histogram.of(x / plan.line if f in plan.money else x, b)
        sample, hashes = frame, None
        if any(k in frame for k in SAMPLE_KEYS):
            hashes = sample_hashes(frame)
            keep = _smallest(hashes, plan.sample_rows)
            if len(keep) < len(frame):
                sample, hashes = frame.iloc[keep], hashes[keep]
        sample = sample[[c for c in frame.columns if c in plan.bins or c in SAMPLE_KEYS]]
        if "as_of" in frame and "as_of" not in sample:  # hashed with its date: not what the sample's key alone gives
            hashes = None
        cast = {f: np.float32 for f in plan.single if f in sample and sample[f].dtype != np.float32}
        return cls(len(frame), hist, sample.astype(cast) if cast else sample, plan.sample_rows, hashes)

    def __add__(self, other: CurrentStats) -> CurrentStats:
        hist = {f: h + other.histograms[f] for f, h in self.histograms.items() if f in other.histograms}
        sample = pd.concat([self.sample, other.sample], ignore_index=True)
        key = next((k for k in SAMPLE_KEYS if k in sample), None)
        hashes = None
        if key is not None:  # the order one process has: by household id
            order = pc.sort_indices(id_text(sample[key])).to_numpy()
            carried = self.hashes is not None and other.hashes is not None
            hashes = (np.concatenate([self.hashes, other.hashes]) if carried else sample_hashes(sample, key))[order]
            keep = _smallest(hashes, self.sample_rows)
            sample, hashes = sample.iloc[order[keep]].reset_index(drop=True), hashes[keep]
        return CurrentStats(self.rows + other.rows, hist, sample, self.sample_rows, hashes)


@dataclass
class PreparedReference:
    """The reference rows compared this week (season, sample), with the bins they decide."""

    frame: pd.DataFrame
    note: str
    plan: DriftBins
    values: dict[str, np.ndarray]
    """Per binned column, the reference's values (money divided by each row's line)."""


def prepare_reference(reference: pd.DataFrame, *, features: list[str], as_of, line, reference_as_of=None,
                      thresholds: DriftThresholds = DriftThresholds(), money=None) -> PreparedReference:
    """The same-season (sampled) reference and the bins every partition counts this week's rows in."""
    money = money_features(features) if money is None else list(money)
    ref, note = same_season(reference, as_of, thresholds.season_weeks, thresholds.min_reference_rows,
                            thresholds.month_days)
    if len(ref) > thresholds.reference_rows and any(k in ref for k in SAMPLE_KEYS):
        ref = deterministic_sample(ref, thresholds.reference_rows)
        note += f"; a deterministic sample of {thresholds.reference_rows:,} of them"
    ref_lines = _lines(ref, "as_of" if "as_of" in ref else (reference_as_of or as_of), line)
    values = {}
    for f in [*features, "probability"]:
        if f in ref:
            r = ref[f].to_numpy(dtype=float)
            values[f] = r / ref_lines if f in money else r
    # a reference stored in float32 (the training sample): round this week the same way, or
    # values tied with a bin edge (0.5, 1/3 …) land on different sides of it
    single = frozenset(f for f in features if f in ref and ref[f].dtype == np.float32)
    plan = DriftBins({f: FeatureBins.of(v, thresholds.bins) for f, v in values.items()},
                     frozenset(money), single, float(line(pd.Timestamp(as_of).year)), thresholds.evidently_rows)
    return PreparedReference(ref, note, plan, values)


def compute_drift(reference: pd.DataFrame | PreparedReference, current: pd.DataFrame | CurrentStats, *,
                  features: list[str], risk_types: dict[str, str], as_of, line, reference_as_of=None,
                  thresholds: DriftThresholds = DriftThresholds(), risk_type_zh: dict[str, str] | None = None,
                  money=None, clock=None, shocks: pd.DataFrame | None = None,
                  regional: pd.DataFrame | None = None) -> DriftResult:
    """Compare this week's features and scores with the reference.

    ``reference``: ``features`` columns plus ``probability`` (score drift), possibly with ``as_of``
    (per-row dates; enables the season filter and per-year income normalisation), else
    ``reference_as_of`` dates it; or ``prepare_reference``'s result. ``current``: this week's rows,
    or their ``CurrentStats`` in the prepared reference's bins (added over partitions): either way
    the numbers come from the same bin counts. ``line``: year → monitoring line.
    ``shocks``/``regional``: ``shock_indicators``/``regional_shocks`` of this week.
    """
    money = money_features(features) if money is None else list(money)
    clock = clock_features(features) if clock is None else list(clock)
    prepared = reference if isinstance(reference, PreparedReference) else None
    if prepared is None:
        missing = [f for f in features if f not in reference]
        if missing:
            raise ValueError(f"drift: features missing from the reference: {missing[:5]}")
        prepared = prepare_reference(reference, features=features, as_of=as_of, line=line,
                                     reference_as_of=reference_as_of, thresholds=thresholds, money=money)
    stats = current if isinstance(current, CurrentStats) else CurrentStats.of(current, prepared.plan)
    missing = [f for f in features if f not in stats.histograms or f not in prepared.values]
    if missing:
        raise ValueError(f"drift: features missing from the reference or this week: {missing[:5]}")
    per = _feature_table(prepared, stats, features, risk_types, set(money), set(clock), thresholds)
    score = prepared.plan.bins.get("probability")
    score_psi = float("nan")
    if score is not None and "probability" in stats.histograms:
        score_psi = compare_histograms(Histogram.of(prepared.values["probability"], score),
                                       stats.histograms["probability"], score)[0]
    summary = _summary(per, prepared, stats, score_psi, as_of, thresholds, risk_type_zh or {}, shocks, regional)
    summary.update(money_features_normalised=sorted(money), clock_features_ignored=sorted(clock))
    return DriftResult(per, summary, prepared.frame, stats.sample, tuple(money), line, reference_as_of, as_of)


def _feature_table(prepared: PreparedReference, stats: CurrentStats, features, risk_types, money, clock,
                   thresholds: DriftThresholds) -> pd.DataFrame:
    rows = []
    for f in features:
        b, r, cur = prepared.plan.bins[f], prepared.values[f], stats.histograms[f]
        value, dist = compare_histograms(Histogram.of(r, b), cur, b)
        rows.append({
            "feature": f,
            "risk_type": risk_types.get(f, "other"),
            "psi": value,
            "wasserstein_norm": dist,
            "reference_mean": float(np.nanmean(r)) if np.isfinite(r).any() else float("nan"),
            "current_mean": cur.mean(),
            "normalised_by_line": f in money,
            "clock": f in clock,
            "drifted": bool(value >= thresholds.feature_psi) and f not in clock,
        })
    return pd.DataFrame(rows)


def _summary(per: pd.DataFrame, prepared: PreparedReference, stats: CurrentStats, score_psi: float, as_of,
             thresholds: DriftThresholds, zh: dict[str, str], shocks, regional) -> dict:
    monitored = per[~per["clock"]]
    share = float(monitored["drifted"].mean()) if len(monitored) else 0.0
    reasons = []
    if share >= thresholds.share_drifted:
        reasons.append(f"share of drifted features {share:.2f} ≥ {thresholds.share_drifted}")
    if np.isfinite(score_psi) and score_psi >= thresholds.score_psi:
        reasons.append(f"score PSI {score_psi:.3f} ≥ {thresholds.score_psi}")
    shock_rows = []
    if shocks is not None:
        for r in shocks.itertuples(index=False):
            shock_rows.append({"indicator": r.indicator, "risk_type": r.risk_type, "risk_type_zh": zh.get(r.risk_type, ""),
                               "share_reference": _round(r.share_reference), "share_current": _round(r.share_current),
                               "ratio": _round(r.ratio) if math.isfinite(r.ratio) else "inf", "z": _round(r.z),
                               "fired": bool(r.fired)})
            if r.fired:
                reasons.append(f"shock: households with a recent {r.indicator} {r.share_reference:.1%} → "
                               f"{r.share_current:.1%} of households (same weeks a year earlier → now)")
    regional_alerts = _regional_alerts(regional, zh)
    for a in regional_alerts:
        reasons.append(f"regional shock: {a['level']} {a['region']}: households with a recent {a['indicator']} "
                       f"{a['share_reference']:.1%} → {a['share_current']:.1%} (same weeks a year earlier → now)")
    drifted = monitored[monitored["drifted"]].sort_values(["psi", "feature"], ascending=[False, True])
    by_type = drifted.groupby("risk_type")["feature"].count().sort_values(ascending=False)
    ref, prob = prepared.frame, stats.histograms.get("probability")
    return {
        "as_of": pd.Timestamp(as_of).strftime("%Y-%m-%d"),
        "alert": bool(reasons),
        "reasons": reasons,
        "share_drifted": round(share, 6),
        "n_features": int(len(monitored)),
        "n_drifted": int(len(drifted)),
        "drifted_features": [
            {"feature": r.feature, "risk_type": r.risk_type, "risk_type_zh": zh.get(r.risk_type, ""),
             "psi": round(float(r.psi), 6), "wasserstein_norm": _round(r.wasserstein_norm)}
            for r in drifted.itertuples(index=False)
        ],
        "drifted_risk_types": {k: int(v) for k, v in by_type.items()},
        "shocks": [r for r in shock_rows if r["fired"]],
        "shock_indicators": shock_rows,
        "regional_alerts": regional_alerts,
        "regions_checked": ({} if regional is None else
                            {lv: int(g["region"].nunique()) for lv, g in regional.groupby("level")}),
        "score_psi": _round(score_psi),
        "score_mean": {"reference": _round(float(ref["probability"].mean())) if "probability" in ref else None,
                       "current": _round(prob.mean()) if prob is not None and "probability" in ref else None},
        "rows": {"reference": int(len(ref)), "current": int(stats.rows)},
        "reference_rows_used": prepared.note,
        "money_features_normalised": [],
        "clock_features_ignored": [],
        "thresholds": thresholds.model_dump(),
        "method": "PSI over reference-decile bins on all rows (effect size, no p-values)",
    }


def _regional_alerts(regional: pd.DataFrame | None, zh: dict[str, str]) -> list[dict]:
    """Fired regional indicators; a township is named only when its county did not fire for it."""
    if regional is None or not len(regional):
        return []
    fired = regional[regional["fired"]]
    county_hits = {(r.region, r.indicator) for r in fired.itertuples() if r.level == "county"}
    out = []
    for r in fired.sort_values(["level", "z"], ascending=[True, False]).itertuples(index=False):
        if r.level == "township" and any((r.region.startswith(c), k) == (True, r.indicator) for c, k in county_hits):
            continue
        out.append({"level": r.level, "region": r.region, "indicator": r.indicator, "risk_type": r.risk_type,
                    "risk_type_zh": zh.get(r.risk_type, ""), "households": int(r.households),
                    "share_reference": _round(r.share_reference), "share_current": _round(r.share_current),
                    "z": _round(r.z)})
    return out


def _round(x) -> float | None:
    x = float(x)
    return None if not math.isfinite(x) else round(x, 6)
