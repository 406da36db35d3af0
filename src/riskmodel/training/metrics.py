"""Evaluation metrics, pure functions over an evaluation frame.

An evaluation frame has one row per (as_of, household) with ``label``, ``county`` and one
ranking column ``s_<model>`` per model (higher = riskier) plus, for models that give
probabilities, ``p_<model>``. Every model is scored on exactly the same rows.

Definitions (docs/evaluation.md):

- capacity k: ``ceil(share × eligible)`` per as-of date (overall list) or per county and
  as-of date (county lists); ties broken by ``household_id``;
- precision/recall@k pooled over as-of dates: hits / listed and hits / positives;
- ECE: expected calibration error over ``ECE_BINS`` equal-count bins of the probability,
  Σ (n_b / N) · |mean p − mean y| (equal-count bins because positives are rare);
- lead time: for a household identified on ``d``, ``d − t_first`` in weeks, ``t_first`` the
  first weekly as-of date in ``[d − H, d)`` on which it was inside its county's capacity;
- per-date metrics: ROC-AUC, PR-AUC, recall@k and precision@k computed on each as-of date
  alone, then averaged over dates (pooling dates rewards knowing the calendar: a date with
  more identifications ahead lifts every household of it), with a bootstrap over households
  (``bootstrap_per_date``: households drawn with replacement, all their dates with them);
- worst calibration bin: the largest ``mean p / observed rate`` over the ECE bins with at least
  ``MIN_BIN_EXPECTED`` expected positives (> 1 is over-confident; infinite where such a bin saw
  no positive); bins expecting fewer are reported apart (``worst_small_bin_ratio``): a bin that
  expects 0.5 positives sees none more often than not, and its ratio ∞ says nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


ECE_BINS = 20


def _auc_pr(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    if y.min(initial=1) == y.max(initial=0):
        return float("nan"), float("nan")
    return float(roc_auc_score(y, s)), float(average_precision_score(y, s))


def reliability(y, p, bins: int = ECE_BINS) -> pd.DataFrame:
    """Equal-count bins of ``p``: mean predicted, observed rate and size per bin."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if len(p) == 0:
        return pd.DataFrame(columns=["p_mean", "y_rate", "n"])
    order = np.argsort(p, kind="stable")
    edges = np.linspace(0, len(p), min(bins, len(p)) + 1).round().astype(int)
    b = np.zeros(len(p), dtype=int)
    for i in range(len(edges) - 1):
        b[order[edges[i]:edges[i + 1]]] = i
    g = pd.DataFrame({"b": b, "p": p, "y": y}).groupby("b")
    return pd.DataFrame({"p_mean": g["p"].mean(), "y_rate": g["y"].mean(), "n": g.size()}).reset_index(drop=True)


def ece(y, p, bins: int = ECE_BINS) -> float:
    r = reliability(y, p, bins)
    if r.empty:
        return float("nan")
    return float(np.sum(r["n"] / r["n"].sum() * np.abs(r["p_mean"] - r["y_rate"])))


#: A calibration bin is judged for over-confidence only if it expects this many positives
#: (Σ p): with 5 expected, seeing none has probability e⁻⁵ < 1 % for a calibrated model.
MIN_BIN_EXPECTED = 5.0


def small_bins(y, p, bins: int = ECE_BINS, min_expected: float = MIN_BIN_EXPECTED) -> int:
    """How many of the equal-count bins expect fewer than ``min_expected`` positives."""
    r = reliability(y, p, bins)
    return int(((r["n"] * r["p_mean"]) < min_expected).sum())


def worst_bin_ratio(y, p, bins: int = ECE_BINS, min_expected: float = MIN_BIN_EXPECTED, small: bool = False) -> float:
    """Largest over-confidence ``mean p / observed rate`` over the equal-count bins expecting at
    least ``min_expected`` positives (``small=True``: over those expecting fewer)."""
    r = reliability(y, p, bins)
    big = (r["n"] * r["p_mean"]) >= min_expected
    r = r.loc[(r["p_mean"] > 0) & (~big if small else big)]
    if r.empty:
        return float("nan")
    with np.errstate(divide="ignore"):
        return float(np.max(np.where(r["y_rate"] > 0, r["p_mean"] / r["y_rate"].where(r["y_rate"] > 0, 1.0), np.inf)))


def id_ranks(ids) -> np.ndarray:
    """Integers that sort as the ids do: ties on score are broken by id, and sorting millions of
    Python strings (a province's evaluation grid) costs a hundred times more than integers."""
    return pd.factorize(np.asarray(ids, dtype=object), sort=True)[0]


def _weighted_at_k(y: np.ndarray, s: np.ndarray, ids: np.ndarray, w: np.ndarray, share: float) -> tuple[float, float]:
    """(recall, precision) of one date's top ``ceil(share × Σw)`` rows, rows weighted ``w`` (bootstrap copies)."""
    keep = w > 0
    y, s, ids, w = y[keep], s[keep], ids[keep], w[keep]
    order = np.lexsort((ids, -s))
    cw = np.cumsum(w[order])
    k = np.ceil(share * cw[-1] - 1e-9) if len(cw) else 0.0
    inside = np.zeros(len(y), dtype=bool)
    inside[order] = cw - w[order] < k  # a copy starting inside the list is listed
    pos = float(np.sum(w * y))
    hits = float(np.sum(w * y * inside))
    listed = float(np.sum(w * inside))
    return (hits / pos if pos else float("nan")), (hits / listed if listed else float("nan"))


def _date_metrics(y, s, ids, w, share) -> tuple[float, float, float, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    yw = w > 0
    if y[yw].min(initial=1) == y[yw].max(initial=0):
        roc = pr = float("nan")
    else:
        roc = float(roc_auc_score(y[yw], s[yw], sample_weight=w[yw]))
        pr = float(average_precision_score(y[yw], s[yw], sample_weight=w[yw]))
    rec, prec = _weighted_at_k(y, s, ids, w, share)
    return roc, pr, rec, prec


PER_DATE_METRICS = ("roc_auc", "pr_auc", "recall_at_k", "precision_at_k")


def per_date_metrics(frame: pd.DataFrame, models: list[str], share: float,
                     weights: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """Per model, ``PER_DATE_METRICS`` computed on each as-of date alone and averaged over the dates."""
    w_all = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float)
    y_all = frame["label"].to_numpy(dtype=int)
    ids_all = id_ranks(frame["household_id"])
    groups = list(frame.groupby("as_of", sort=True).indices.values())
    out = {}
    for m in models:
        s_all = frame[f"s_{m}"].to_numpy(dtype=float)
        vals = np.array([_date_metrics(y_all[i], s_all[i], ids_all[i], w_all[i], share) for i in groups])
        out[m] = {k: float(np.nanmean(vals[:, j])) if len(vals) and not np.isnan(vals[:, j]).all() else float("nan")
                  for j, k in enumerate(PER_DATE_METRICS)}
    return out


def bootstrap_per_date(frame: pd.DataFrame, models: list[str], share: float, *, reference: str | None = None,
                       replicates: int = 200, seed: int = 0, level: float = 0.95) -> dict:
    """Per-date means with bootstrap intervals over households, and ratios to ``reference`` if given.

    Returns ``{model: {metric: {"mean", "lo", "hi"}}}`` (the point estimate on the data as is,
    the interval from ``replicates`` resamples), plus ``{model: {"ratio_<metric>": ...}}`` to
    the reference model, resampled jointly so the interval of a ratio is that of the ratio.
    """
    point = per_date_metrics(frame, models, share)
    codes, uniques = pd.factorize(frame["household_id"])
    rng = np.random.default_rng(seed)
    draws: dict[str, list[list[float]]] = {m: [] for m in models}
    for _ in range(replicates):
        counts = np.bincount(rng.integers(0, len(uniques), len(uniques)), minlength=len(uniques)).astype(float)
        res = per_date_metrics(frame, models, share, weights=counts[codes])
        for m in models:
            draws[m].append([res[m][k] for k in PER_DATE_METRICS])
    a = (1 - level) / 2
    out: dict[str, dict] = {}
    for m in models:
        d = np.array(draws[m])
        out[m] = {k: {"mean": point[m][k], "lo": float(np.nanquantile(d[:, j], a)),
                      "hi": float(np.nanquantile(d[:, j], 1 - a))} for j, k in enumerate(PER_DATE_METRICS)}
        if reference is not None and reference in draws and m != reference:
            r = np.array(draws[reference])
            with np.errstate(divide="ignore", invalid="ignore"):
                q = d / r
            for j, k in enumerate(PER_DATE_METRICS):
                out[m][f"ratio_{k}"] = {"mean": ratio(point[m][k], point[reference][k]),
                                        "lo": float(np.nanquantile(q[:, j], a)), "hi": float(np.nanquantile(q[:, j], 1 - a))}
    return out


def inside_capacity(frame: pd.DataFrame, score_col: str, share: float, by: str | None = None,
                    groups: CapacityGroups | None = None) -> np.ndarray:
    """Boolean per row: inside the top ``ceil(share × n)`` of its as-of date (and ``by`` group).

    Within a group rows rank by score, ties by household id (``CapacityGroups``; pass one made
    for ``frame`` and ``by`` to rank several models or shares without redoing the groups).
    """
    groups = groups if groups is not None else CapacityGroups.of(frame, by)
    return groups.inside(groups.places(frame[score_col].to_numpy(dtype=float)), share)


@dataclass(frozen=True)
class CapacityGroups:
    """A frame's rows grouped for capacity: each row's (as-of date, ``by``) group and its household
    id as an integer that sorts as the id does. Made once per frame and grouping: a province's
    lead-time grid is ranked for every model and every list size."""

    group: np.ndarray
    size: np.ndarray
    id_rank: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame, by: str | None = None, id_rank: np.ndarray | None = None) -> CapacityGroups:
        """``id_rank``: the frame's ``id_ranks``, when another grouping of the same frame made them."""
        n = len(frame)
        group = np.zeros(n, dtype=np.int64)
        for k in ["as_of"] + ([by] if by else []):  # one dense code per (as_of, by) group
            codes, uniques = pd.factorize(frame[k])
            group = group * (len(uniques) + 1) + (codes + 1)
        group = pd.factorize(group)[0].astype(np.int64) if n else group
        if id_rank is not None:
            rank = id_rank
        else:
            rank = id_ranks(frame["household_id"]) if n else np.zeros(0, dtype=np.int64)
        return cls(group, np.bincount(group), np.asarray(rank, dtype=np.int64))

    def places(self, scores: np.ndarray) -> np.ndarray:
        """Each row's place in its group (1 first): score descending, ties by household id; one
        stable Arrow sort on integers and floats."""
        n = len(self.group)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        table = pa.table({"group": self.group, "score": -np.asarray(scores, dtype=float), "id": self.id_rank})
        order = pc.sort_indices(table, sort_keys=[("group", "ascending"), ("score", "ascending"),
                                                  ("id", "ascending")]).to_numpy()
        start = np.concatenate([[0], np.cumsum(self.size)[:-1]])
        places = np.empty(n, dtype=np.int64)
        places[order] = np.arange(1, n + 1) - start[self.group[order]]
        return places

    def inside(self, places: np.ndarray, share: float) -> np.ndarray:
        """Rows whose place is within their group's top ``ceil(share × size)``."""
        if len(places) == 0:
            return np.zeros(0, dtype=bool)
        return places <= np.ceil(share * self.size[self.group] - 1e-9)


def at_capacity(frame: pd.DataFrame, inside: np.ndarray) -> dict[str, float]:
    y = frame["label"].to_numpy(dtype=bool)
    hits = int((inside & y).sum())
    listed = int(inside.sum())
    positives = int(y.sum())
    return {"precision": hits / listed if listed else float("nan"),
            "recall": hits / positives if positives else float("nan"), "listed": listed, "hits": hits}


def subgroup_recall(frame: pd.DataFrame, inside: np.ndarray, groups: dict[str, str],
                    min_positives: int = 1) -> dict[str, dict[str, float]]:
    """Recall@k within subgroups: ``groups`` maps a label to a column holding group values."""
    y = frame["label"].to_numpy(dtype=bool)
    out: dict[str, dict[str, float]] = {}
    for label, col in groups.items():
        codes, names = group_codes(frame[col])
        positives = np.bincount(codes[y], minlength=len(names))
        hits = np.bincount(codes[inside & y], minlength=len(names))
        out[label] = {name: float(hits[i] / positives[i]) if positives[i] else float("nan")
                      for i, name in enumerate(names) if positives[i] >= min_positives}
    return out


def group_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's group as a code into the groups' names (the values as text, sorted), from one
    factorisation: a text per row of a province's grid cost most of the metrics' time."""
    codes, uniques = pd.factorize(column, sort=False)
    text = pd.Series(uniques, dtype=column.dtype if isinstance(column.dtype, pd.CategoricalDtype) else None)
    labels = text.astype(str).tolist()
    if (codes < 0).any():  # missing values: one group, named as ``astype(str)`` names them
        labels.append(str(column[codes < 0].astype(str).iloc[0]))
        codes = np.where(codes < 0, len(labels) - 1, codes)
    names = sorted(set(labels))
    remap = np.array([names.index(t) for t in labels], dtype=np.int64)
    return remap[codes] if len(remap) else codes.astype(np.int64), names


def model_metrics(frame: pd.DataFrame, model: str, share: float, groups: dict[str, str],
                  min_subgroup_positives: int = 1,
                  capacity: tuple[CapacityGroups, CapacityGroups] | None = None) -> dict:
    """All point metrics of one model on the evaluation frame (``capacity``: the frame's
    ``CapacityGroups`` overall and by county, when several models are measured on it)."""
    y = frame["label"].to_numpy(dtype=int)
    s = frame[f"s_{model}"].to_numpy(dtype=float)
    roc, pr = _auc_pr(y, s)
    out = {"roc_auc": roc, "pr_auc": pr, "rows": int(len(y)), "positives": int(y.sum())}
    pcol = f"p_{model}"
    if pcol in frame and frame[pcol].notna().all():
        p = frame[pcol].to_numpy(dtype=float)
        out["brier"] = float(np.mean((p - y) ** 2)) if len(y) else float("nan")
        out["ece"] = ece(y, p)
        out["worst_bin_ratio"] = worst_bin_ratio(y, p)
        out["worst_small_bin_ratio"] = worst_bin_ratio(y, p, small=True)
        out["small_bins"] = small_bins(y, p)
        out["mean_probability"] = float(p.mean()) if len(p) else float("nan")
    else:
        out["brier"] = out["ece"] = out["mean_probability"] = out["worst_bin_ratio"] = None
        out["worst_small_bin_ratio"] = out["small_bins"] = None
    whole, by_county = capacity if capacity is not None else (CapacityGroups.of(frame), CapacityGroups.of(frame, "county"))
    overall = inside_capacity(frame, f"s_{model}", share, groups=whole)
    county = inside_capacity(frame, f"s_{model}", share, groups=by_county)
    a, c = at_capacity(frame, overall), at_capacity(frame, county)
    out.update({"precision_at_k": a["precision"], "recall_at_k": a["recall"], "k_listed": a["listed"],
                "precision_at_k_county": c["precision"], "recall_at_k_county": c["recall"]})
    out["subgroup_recall_at_k"] = subgroup_recall(frame, overall, groups, min_subgroup_positives)
    per_county = {}
    y_b = y.astype(bool)
    for cty, idx in frame.groupby("county", observed=True).indices.items():
        npos = int(y_b[idx].sum())
        per_county[str(cty)] = {
            "precision": float((county[idx] & y_b[idx]).sum() / max(county[idx].sum(), 1)),
            "recall": float((county[idx] & y_b[idx]).sum() / npos) if npos else float("nan")}
    out["per_county_at_k"] = per_county
    return out


def lead_times(weekly: pd.DataFrame, inside: np.ndarray, identified: pd.DataFrame, horizon_weeks: int,
               first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Lead time of each identification with a full look-back inside the scored weeks.

    ``weekly``: rows (as_of, household_id) scored on a weekly grid from ``first`` to ``last``;
    ``inside``: whether each row was inside its county's capacity; ``identified``: rows
    (household_id, identified_on). Only identifications with ``d − H ≥ first`` and
    ``d ≤ last + 1 week`` count. Returns household_id, identified_on, lead_weeks (NaN = never
    inside capacity in the look-back).
    """
    h = pd.Timedelta(weeks=horizon_weeks)
    d = identified["identified_on"]
    ident = identified.loc[((d - h) >= first).to_numpy() & (d <= last + pd.Timedelta(weeks=1)).to_numpy(),
                           ["household_id", "identified_on"]].reset_index(drop=True)
    ident["_i"] = np.arange(len(ident))
    flagged = weekly.loc[inside, ["as_of", "household_id"]]
    pairs = ident.merge(flagged, on="household_id", how="inner")
    ok = (pairs["as_of"] >= pairs["identified_on"] - h) & (pairs["as_of"] < pairs["identified_on"])
    t_first = pairs.loc[ok.to_numpy()].groupby("_i")["as_of"].min()
    lead = (ident["identified_on"] - ident["_i"].map(t_first)).dt.days / 7.0
    return pd.DataFrame({"household_id": ident["household_id"], "identified_on": ident["identified_on"],
                         "lead_weeks": lead.to_numpy(dtype=float)})


def lead_summary(leads: pd.DataFrame) -> dict[str, float]:
    found = leads["lead_weeks"].dropna()
    return {"identified": int(len(leads)), "found": int(len(found)),
            "found_share": float(len(found) / len(leads)) if len(leads) else float("nan"),
            "median_lead_weeks": float(found.median()) if len(found) else float("nan"),
            "mean_lead_weeks": float(found.mean()) if len(found) else float("nan")}


def capacity_curve(frame: pd.DataFrame, model: str, shares=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2),
                   groups: CapacityGroups | None = None) -> dict[float, float]:
    """Recall at several list sizes (for the lift plot): the rows ranked once."""
    groups = groups if groups is not None else CapacityGroups.of(frame)
    places = groups.places(frame[f"s_{model}"].to_numpy(dtype=float))
    return {s: at_capacity(frame, groups.inside(places, s))["recall"] for s in shares}


def ratio(a: float | None, b: float | None) -> float:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return float("nan")
    return float(a / b)
