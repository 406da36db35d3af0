"""Fit, calibrate and evaluate honestly in time.

Windows, for a training cut-off ``T`` and horizon ``H`` (only records reported by ``T`` are read):

    fit dates  ……  (every step_weeks)  | ≥ H gap |  calibration dates  |  T − H   T
    └─ LightGBM + logistic fit here ─┘            └─ calibrator ──┘      labels mature by T

The gap (``calibration_gap_weeks``, default ``H``) keeps every identification out of one of the
two windows' labels: with a four-week gap 59–76 % of calibration positives were also fit
positives, and the calibrator learned the trees' memory of them. Fit dates whose look-back
(``min_lookback_weeks``) reaches before the start of the data are dropped: their features are
truncated and not comparable with later dates'.

Evaluation of a model trained at ``T`` uses only as-of dates ``t ≥ T`` whose labels are mature
by the data's cut-off ``C`` (``t + H ≤ C``): no outcome the model saw in training falls in an
evaluation label window. ``train`` first back-tests the recipe this way with ``T = C − H −
eval_weeks`` (the metrics it logs), then, with ``refit``, fits the same recipe at ``C`` (the
model it registers).

Features as of ``t`` depend only on records reported by ``t`` (the point-in-time rule, pinned
by the features tests), so they are built from the full panel and reused across cut-offs;
labels always come from ``panel.as_of(cutoff)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskmodel.cluster import in_order, submit
from riskmodel.contract import Panel
from riskmodel.contract.columns import arrow_text, id_array, positions
from riskmodel.features.matrix import feature_matrix
from riskmodel.memory import release_memory
from riskmodel.training.config import TrainConfig
from riskmodel.training.metrics import (
    CapacityGroups,
    bootstrap_per_date,
    capacity_curve,
    inside_capacity,
    lead_summary,
    lead_times,
    model_metrics,
    per_date_metrics,
    ratio,
)
from riskmodel.progress import Progress
from riskmodel.progress import no_progress as _noop
from riskmodel.training.model import CalibratedLightGBM, LogisticBaseline

#: Subgroups reported for recall@k: label → column of the evaluation frame.
SUBGROUPS = {"household_type": "household_type", "any_disabled": "any_disabled", "elderly_only": "elderly_only",
             "county": "county"}
PROBABILISTIC = ("lightgbm", "logistic", "oracle")


@dataclass(frozen=True)
class Windows:
    cutoff: pd.Timestamp
    fit_dates: tuple[pd.Timestamp, ...]
    calibration_dates: tuple[pd.Timestamp, ...]


def training_windows(cutoff, cfg: TrainConfig, earliest: pd.Timestamp | None = None) -> Windows:
    """Fit and calibration as-of dates for a cut-off (calibration a gap after fit, labels mature).

    ``earliest``: the start of the data; fit dates less than ``min_lookback_weeks`` after it are dropped.
    """
    c = pd.Timestamp(cutoff).normalize()
    step = pd.Timedelta(weeks=cfg.step_weeks)
    last = c - pd.Timedelta(weeks=cfg.horizon_weeks)
    cal = [last - i * step for i in range(cfg.calibration_periods)][::-1]
    gap = pd.Timedelta(weeks=cfg.horizon_weeks if cfg.calibration_gap_weeks is None else cfg.calibration_gap_weeks)
    fit = [cal[0] - gap - i * step for i in range(cfg.fit_periods)][::-1]
    if earliest is not None and not pd.isna(earliest):
        fit = [t for t in fit if t >= pd.Timestamp(earliest) + pd.Timedelta(weeks=cfg.min_lookback_weeks)]
    if not fit:
        raise ValueError(f"no fit dates: the data before cut-off {c.date()} is shorter than look-back "
                         f"({cfg.min_lookback_weeks} weeks) + gap + calibration window + horizon "
                         f"({cfg.horizon_weeks} weeks); move the cut-off later or shorten min_lookback_weeks")
    return Windows(c, tuple(fit), tuple(cal))


def _features(panel: Panel, t: pd.Timestamp) -> pd.DataFrame:
    from riskmodel.features import build_features

    return build_features(panel, t)


def negative_sample(labels: np.ndarray, household_ids, t: pd.Timestamp, cfg: TrainConfig,
                    households: int) -> tuple[np.ndarray | None, np.ndarray]:
    """Rows kept at as-of ``t`` (None: all) and their weights: every positive, a seeded sample of negatives.

    ``households``: the number of households in the data (it sets the ``auto`` rate). A kept
    negative stands for 1 / rate negatives (its weight), so weighted rates, the fit's gradients
    and the calibrator's steps estimate those of the whole window. A household's draw is a hash
    of its id, the date and the config's seed (``reference.sample_hash``): the same rows are kept
    whether the panel is read whole or county by county.
    """
    rate = cfg.negative_keep_rate(households)
    if rate >= 1.0:
        return None, np.ones(len(labels))
    from riskmodel.training.reference import sample_hash

    negative = labels == 0
    draw = sample_hash(household_ids, t.to_datetime64(), cfg.seed) / np.float64(2**64)
    keep = ~negative | (draw < rate)
    return keep, np.where(negative, 1.0 / rate, 1.0)[keep]


def labelled_table(panel: Panel, dates, cutoff, horizon_weeks: int, features=_features,
                   progress: Progress = _noop, stage: str = "features", cfg: TrainConfig | None = None,
                   households: int | None = None) -> pd.DataFrame:
    """(as_of, household_id, region_code, label, <features as float32>) with mature labels only.

    With ``cfg`` each date keeps ``negative_sample``'s rows (``households``: the data's number of
    households, default the panel's); a ``weight`` column is added when any date was sampled
    (the rows' weights; absent: every row weighs 1).
    """
    from riskmodel.labels import outcomes

    households = len(panel.households) if households is None else households
    cut = pd.Timestamp(cutoff)
    known = panel.as_of(cut)
    parts = []
    dates = list(dates)
    for i, t in enumerate(dates, start=1):
        if t + pd.Timedelta(weeks=horizon_weeks) > cut:
            raise ValueError(f"as-of {t.date()}: label window ends after the cut-off {cut.date()}")
        parts += date_parts(panel, t, [outcomes(known, t, horizon_weeks)], cfg, households, features)
        progress(stage, i, len(dates))
    return stack_parts(parts)


@dataclass
class LabelledPart:
    """One date's rows of a labelled table: ``meta`` (as_of, household_id, region_code, label,
    weight) and the features as a float32 ``(features, rows)`` block, which ``stack_parts`` copies
    straight into the table's one block."""

    meta: pd.DataFrame
    features: np.ndarray
    names: list[str]
    sampled: bool

    def __len__(self) -> int:
        return len(self.meta)


def date_parts(panel: Panel, t: pd.Timestamp, labels: list[pd.DataFrame], cfg: TrainConfig | None,
               households: int, features=_features) -> list[LabelledPart]:
    """One as-of date's ``labelled_part`` for each of ``labels`` (windows of different cut-offs
    sharing the date), the features built once.

    With sampled negatives only the households some window keeps are featured: a household's
    features depend only on its own rows, so those of ``panel.subset(kept)`` are the whole
    panel's rows (a test compares them), at a tenth of the cost when a tenth is kept.
    """
    keeps = [None if cfg is None else
             negative_sample(lab["label"].to_numpy(), lab["household_id"].to_numpy(), t, cfg, households)[0]
             for lab in labels]
    if any(keep is None for keep in keeps):
        f = features(panel, t)
        return [labelled_part(f, lab, t, cfg, households) for lab in labels]
    kept = [lab.loc[keep].reset_index(drop=True) for lab, keep in zip(labels, keeps)]
    wanted = pc.unique(pa.chunked_array([chunk for lab in kept
                                         for chunk in pa.chunked_array(arrow_text(lab["household_id"])).chunks]))
    f = features(panel.subset(wanted), t)
    parts = []
    for lab in kept:
        at = positions(lab["household_id"], f["household_id"])
        if (at < 0).any():
            raise RuntimeError(f"features and labels disagree on the eligible households at {t.date()}")
        parts.append(labelled_part(f.iloc[at].reset_index(drop=True), lab, t, cfg, households))
    return parts


def labelled_part(f: pd.DataFrame, lab: pd.DataFrame, t: pd.Timestamp, cfg: TrainConfig | None,
                  households: int) -> LabelledPart:
    """One date's rows of a labelled table from its features and labels (sampled with ``cfg``).

    A ``weight`` column (1 for every row when nothing was sampled) that ``stack_parts`` keeps
    only when some date was sampled.
    """
    from riskmodel.features import feature_names

    if not np.array_equal(lab["household_id"].to_numpy(), f["household_id"].to_numpy()):
        raise RuntimeError(f"features and labels disagree on the eligible households at {t.date()}")
    label = lab["label"].to_numpy()
    keep, weight = (negative_sample(label, f["household_id"].to_numpy(), t, cfg, households) if cfg is not None
                    else (None, np.ones(len(label))))
    if keep is not None:
        f, label = f.loc[keep].reset_index(drop=True), label[keep]
    names = feature_names()
    meta = pd.DataFrame({"as_of": np.full(len(f), t.to_datetime64()), "household_id": id_array(f["household_id"]),
                         "region_code": id_array(f["region_code"]), "label": label, "weight": weight})
    block = np.ascontiguousarray(feature_matrix(f, names, dtype=np.float32).T)
    return LabelledPart(meta, block, names, keep is not None)


def stack_parts(parts: list[LabelledPart], *, in_order: bool = False) -> pd.DataFrame:
    """The dates' parts as one table: ``as_of, household_id, region_code, label, [weight]``, then
    the features in one float32 block, so that the fit reads them without a copy. The ``weight``
    column only if some date was sampled.

    The parts are emptied as they are copied (the list is left empty), so the memory peak is the
    table plus one part. ``in_order``: rows sorted by as-of date, then household id (the order of
    the whole panel's table, for parts that came county by county).
    """
    if not parts:
        raise ValueError("no labelled rows to stack")
    sampled = any(p.sampled for p in parts)
    names = parts[0].names
    meta = pd.concat([p.meta for p in parts], ignore_index=True)
    n = len(meta)
    dest = None
    if in_order:
        keys = pa.table({"as_of": meta["as_of"].to_numpy(), "household_id": arrow_text(meta["household_id"])})
        order = pc.sort_indices(keys, sort_keys=[("as_of", "ascending"), ("household_id", "ascending")]).to_numpy()
        meta = meta.iloc[order].reset_index(drop=True)
        dest = np.empty(n, dtype=np.intp)
        dest[order] = np.arange(n)
    block = np.empty((len(names), n), dtype=np.float32)
    at = 0
    while parts:
        part = parts.pop(0)
        m = len(part)
        if dest is None:
            block[:, at:at + m] = part.features
        else:
            block[:, dest[at:at + m]] = part.features
        at += m
        del part
    table = pd.DataFrame(block.T, columns=names, copy=False)
    del block
    if not sampled:
        del meta["weight"]
    for i, col in enumerate(meta.columns):
        table.insert(i, col, meta[col].to_numpy() if col in ("as_of", "label", "weight") else meta[col].array)
    return table


def lightgbm_params(cfg: TrainConfig, names: list[str]) -> dict:
    """The config's LightGBM parameters plus the monotone constraints features.yaml declares.

    Risk never rises with per-capita income or resources: where other records are thin, the
    trees cannot trade the plain income signal for noise in the rest (issue 15, real data).
    """
    from riskmodel.features import feature_specs

    params = dict(cfg.lightgbm)
    sign = {s.name: s.monotone for s in feature_specs()}
    constraints = [sign.get(n, 0) for n in names]
    if any(constraints) and "monotone_constraints" not in params:
        params["monotone_constraints"] = constraints
    return params


@dataclass
class Fitted:
    """The recipe fitted at one cut-off."""

    lightgbm: CalibratedLightGBM | None
    logistic: LogisticBaseline
    windows: Windows
    fit_rows: int
    fit_positive_rate: float
    calibration_rows: int
    calibration_positive_rate: float
    reference: pd.DataFrame | None = field(default=None, repr=False)
    """The drift reference sample (``riskmodel.training.reference``) when asked for."""


def fit_recipe(panel: Panel, cutoff, cfg: TrainConfig, *, progress: Progress = _noop,
               shuffle_labels: bool = False, earliest: pd.Timestamp | None = None,
               with_lightgbm: bool = True, reference_rows: int = 0, tables=None) -> Fitted:
    """Fit LightGBM + logistic on the fit window and calibrate LightGBM on the later window.

    ``shuffle_labels`` permutes the fit labels (a deliberately worthless model, for gate tests);
    ``with_lightgbm=False`` fits only the logistic baseline; ``reference_rows > 0`` also keeps
    a drift reference sample of at most that many rows (``Fitted.reference``). ``tables(dates,
    cutoff, stage)``: the labelled tables (default ``labelled_table`` of ``panel``; a
    partitioned data directory's are built county by county, ``training.partitioned``).
    """
    from riskmodel.features import feature_names

    if tables is None:
        def tables(dates, cut, stage):
            return labelled_table(panel, dates, cut, cfg.horizon_weeks, progress=progress, stage=stage, cfg=cfg)

    w = training_windows(cutoff, cfg, earliest)
    names = feature_names()
    fit = tables(w.fit_dates, w.cutoff, "fit window")
    y = fit["label"].to_numpy()
    weight = _weights(fit)
    progress("fitting", 0, 1)
    if shuffle_labels:
        y = np.random.default_rng(cfg.seed).permutation(y)
    logistic = LogisticBaseline(C=cfg.logistic_c, seed=cfg.seed).fit(fit, y, names, weight=weight)
    fit_rows, fit_rate = len(fit), float(np.average(y, weights=weight))
    if not with_lightgbm:
        return Fitted(None, logistic, w, fit_rows, fit_rate, 0, float("nan"))
    cal = tables(w.calibration_dates, w.cutoff, "calibration window")
    cal_weight = _weights(cal)
    lgbm = CalibratedLightGBM(lightgbm_params(cfg, names), cfg.num_boost_round, cfg.calibration, cfg.seed,
                              early_stopping_rounds=cfg.early_stopping_rounds
                              ).fit(fit, y, names, weight=weight, valid=(cal, cal["label"].to_numpy(), cal_weight))
    del fit
    lgbm.calibrate(cal, cal["label"].to_numpy(), weight=cal_weight)
    progress("fitting", 1, 1)
    reference = None
    if reference_rows > 0:
        from riskmodel.training.reference import build_reference

        reference = build_reference(panel, w.calibration_dates[-1], lgbm, rows=reference_rows, seed=cfg.seed,
                                    earliest=earliest, features=_features, progress=progress)
    return Fitted(lgbm, logistic, w, fit_rows, fit_rate, len(cal),
                  float(np.average(cal["label"].to_numpy(), weights=cal_weight)), reference)


def _weights(table: pd.DataFrame) -> np.ndarray | None:
    """The rows' sampling weights (None: not sampled, every row weighs 1)."""
    return table["weight"].to_numpy(dtype=np.float64) if "weight" in table else None


#: Oracles from the generator's truth table: model name → column. ``oracle`` knows the hazards
#: of the whole horizon (the upper bound); ``oracle_state`` knows today's latent state and holds
#: it; ``oracle_observable`` is the generator's formula fed only what the contract tables show as
#: of the date — the reference a learned model should approach.
ORACLES = {"oracle": "p_identified_26w", "oracle_state": "p_identified_26w_state",
           "oracle_observable": "p_identified_26w_observable"}


def truth_by_month(truth: pd.DataFrame | None, dates) -> dict[pd.Timestamp, pd.DataFrame] | None:
    """The generator's truth rows of the dates' months (``household_id`` and the oracles' columns,
    a household's first row): the truth table is filtered once per month, not once per date."""
    if truth is None:
        return None
    m = truth["month"]
    if not np.issubdtype(m.dtype, np.datetime64):
        m = pd.to_datetime(m.astype(str).str.slice(0, 7), format="%Y-%m")
    columns = ["household_id", *[c for c in ORACLES.values() if c in truth]]
    out = {}
    for month in sorted({pd.Timestamp(t).to_period("M").to_timestamp() for t in dates}):
        rows = truth.loc[(m == month).to_numpy(), columns]
        out[month] = rows.loc[~rows["household_id"].astype(str).duplicated().to_numpy()].reset_index(drop=True)
    return out


def truth_probability(months: dict[pd.Timestamp, pd.DataFrame] | None, t: pd.Timestamp, ids,
                      column: str = "p_identified_26w") -> np.ndarray | None:
    """The generator's probability of identification in the next 26 weeks, from the month of ``t``
    (``truth_by_month``), for households ``ids`` (NaN where the truth has none)."""
    rows = None if months is None else months.get(pd.Timestamp(t).to_period("M").to_timestamp())
    if rows is None or column not in rows:
        return None
    at = positions(ids, rows["household_id"])
    values = rows[column].to_numpy(dtype=float)
    return np.where(at >= 0, values[np.maximum(at, 0)] if len(values) else np.nan, np.nan)


def score_grid(panel: Panel, dates, models: dict, truth: pd.DataFrame | None = None, *,
               progress: Progress = _noop, client=None) -> pd.DataFrame:
    """Score every eligible household on each date with every model, the rule and the oracle.

    ``models`` maps a name to a fitted ``CalibratedLightGBM`` or ``LogisticBaseline``. Returns
    the evaluation frame without labels: as_of, household_id, county, subgroup columns and
    ``s_<model>``/``p_<model>`` (``s_rule`` for the rule screen, ``s_must_visit`` for 八必访,
    ``s_oracle``/``p_oracle`` when truth is given). With a ``distributed.Client`` each date is
    a task on the cluster (the same grid: a test compares them).
    """
    dates = list(dates)
    hh = panel.households
    # every date's rows share the households' id objects and county codes: the grid has a row
    # per household and date (38 weekly dates × 200,000 households in a province's back-test),
    # and a fresh Python string per row and date was most of its size
    ids = hh["household_id"].astype(str).to_numpy(dtype=object)
    county = pd.Categorical(hh["region_code"].astype(str).str.slice(0, 6).to_numpy(dtype=object))
    truth = truth_by_month(truth, dates)
    if client is None:
        done = (_date_part(panel, t, models, truth) for t in dates)
    else:  # each date a task; the panel, models and truth sent to every worker once
        # each object whole (a dict given to ``scatter`` would be scattered value by value, keyed by its keys)
        shared = [client.scatter([x], broadcast=True, hash=False)[0] for x in (panel, models, truth)]
        futures = [submit(client, _date_part, shared[0], t, *shared[1:]) for t in dates]
        done = in_order(futures)
    parts = []
    for i, (t, (at, part)) in enumerate(zip(dates, done), start=1):
        parts.append({"as_of": np.full(len(at), pd.Timestamp(t).to_datetime64()), "household_id": ids[at],
                      "county": pd.Categorical.from_codes(county.codes[at], dtype=county.dtype), **part})
        progress("scoring", i, len(dates))
    return _stack(parts)


def _date_part(panel: Panel, t: pd.Timestamp, models: dict, truth: dict | None) -> tuple[np.ndarray, dict]:
    """One date of ``score_grid``: the rows' positions in ``panel.households`` and their columns
    (subgroups, scores), without ids and counties (the caller's shared objects)."""
    from riskmodel.rules import dept_screen, must_visit_scores

    f = _features(panel, t)
    hh = panel.households
    at = positions(f["household_id"], hh["household_id"])
    if (at < 0).any():
        raise RuntimeError(f"features name households the panel does not have at {pd.Timestamp(t).date()}")
    ids = f["household_id"].astype(str).to_numpy(dtype=object)
    part = {
        "household_type": _yes_no(f["alleviated"], ("general", "alleviated")),
        "any_disabled": _yes_no(f["disabled_members"], ("no", "yes")),
        "elderly_only": _yes_no(f["elderly_only"], ("no", "yes")),
    }
    for name, model in models.items():
        if isinstance(model, CalibratedLightGBM):
            s = model.score(f)
            part[f"s_{name}"] = s
            part[f"p_{name}"] = model.calibrate_scores(s)
        else:
            p = model.predict_proba(f)
            part[f"s_{name}"] = p
            part[f"p_{name}"] = p
    rule = dept_screen(panel, t).set_index("household_id")["rule_score"]
    part["s_rule"] = rule.reindex(ids).to_numpy(dtype=float)
    if np.isnan(part["s_rule"]).any():
        raise RuntimeError(f"rule screen and features disagree on eligible households at {pd.Timestamp(t).date()}")
    part["s_must_visit"] = must_visit_scores(f)["rule_score"].to_numpy()
    del f
    for name, column in ORACLES.items():
        p_or = truth_probability(truth, t, ids, column)
        if p_or is None:
            continue
        if np.isnan(p_or).any():
            raise ValueError(f"truth lacks {int(np.isnan(p_or).sum())} eligible households at {pd.Timestamp(t).date()}")
        part[f"s_{name}"] = p_or
        part[f"p_{name}"] = p_or
    return at, part


def _yes_no(values: pd.Series, labels: tuple[str, str]) -> pd.Categorical:
    """``labels[1]`` where the count is positive, else ``labels[0]`` (a one-byte categorical)."""
    codes = (values.fillna(0).to_numpy(dtype=float) > 0).astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=list(labels))


def _stack(parts: list[dict]) -> pd.DataFrame:
    """The dates' columns end to end, one column at a time, each date's freed as it is copied
    (a frame-wide ``pd.concat`` holds the parts and the whole grid at once)."""
    columns = {}
    for name in list(parts[0]):
        pieces = [p.pop(name) for p in parts]
        if isinstance(pieces[0], pd.Categorical):
            columns[name] = pd.Categorical.from_codes(np.concatenate([c.codes for c in pieces]), dtype=pieces[0].dtype)
        else:
            columns[name] = np.concatenate(pieces)
        del pieces
    return pd.DataFrame(columns, copy=False)


@dataclass
class Evaluation:
    report: dict
    frame: pd.DataFrame          # labelled evaluation rows (eval dates)
    leads: dict[str, pd.DataFrame] = field(default_factory=dict)


def evaluation_dates(start, data_cutoff, cfg: TrainConfig) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
    """(labelled eval dates, weekly lead grid) for a model trained at ``start``."""
    start = pd.Timestamp(start).normalize()
    c = pd.Timestamp(data_cutoff)
    h = pd.Timedelta(weeks=cfg.horizon_weeks)
    evals = []
    t = start
    while t + h <= c:
        evals.append(t)
        t += pd.Timedelta(weeks=cfg.eval_step_weeks)
    lead = []
    t = start
    while t < c:
        lead.append(t)
        t += pd.Timedelta(weeks=cfg.lead_step_weeks)
    return evals, lead


def evaluation_panel(panel: Panel, cfg: TrainConfig) -> Panel:
    """The panel, or a seeded sample of about ``cfg.eval_households`` of its households when it has more."""
    ids = panel.households["household_id"].to_numpy()
    keep = evaluation_sample(ids, len(ids), cfg)
    return panel if keep is None else panel.subset(ids[keep])


def evaluation_sample(household_ids, households: int, cfg: TrainConfig) -> np.ndarray | None:
    """Which of ``household_ids`` the back-test evaluates when the data has ``households`` of them (None: all).

    About ``cfg.eval_households`` of them: each household's draw is a hash of its id and the
    seed, so a county-by-county read picks the same households as a whole one.
    """
    if cfg.eval_households is None or households <= cfg.eval_households:
        return None
    from riskmodel.training.reference import sample_hash

    return sample_hash(household_ids, None, cfg.seed) / np.float64(2**64) < cfg.eval_households / households


def evaluate(panel: Panel, models: dict, start, cfg: TrainConfig, truth: pd.DataFrame | None = None, *,
             data_cutoff=None, with_leads: bool = True, progress: Progress = _noop, sample: bool = True,
             client=None) -> Evaluation:
    """Evaluate fitted models, the rule screen and the oracle on as-of dates from ``start`` on.

    ``start`` must be on or after every model's training cut-off for the evaluation to be
    honest (``train`` and ``promote`` make sure of it). A panel of more than
    ``cfg.eval_households`` households is evaluated on a seeded sample of them.
    """
    from riskmodel.labels import outcomes

    c = pd.Timestamp(data_cutoff) if data_cutoff is not None else panel.cutoff()
    if sample:  # else the panel is the sample already (``training.partitioned``)
        panel = evaluation_panel(panel, cfg)
    eval_dates, lead_dates = evaluation_dates(start, c, cfg)
    if not eval_dates:
        raise ValueError(f"no as-of date on or after {pd.Timestamp(start).date()} has a mature label by the data "
                         f"cut-off {c.date()} (horizon {cfg.horizon_weeks} weeks): evaluate on newer data")
    dates = sorted(set(eval_dates) | (set(lead_dates) if with_leads else set()))
    grid = score_grid(panel, dates, models, truth, progress=progress, client=client)
    progress("metrics", 0, 1)
    known = panel.as_of(c)
    labs = []
    for t in eval_dates:
        o = outcomes(known, t, cfg.horizon_weeks)
        labs.append(pd.DataFrame({"as_of": np.full(len(o), t.to_datetime64()),
                                  "household_id": o["household_id"].astype(object).to_numpy(),
                                  "label": o["label"].to_numpy()}))
    frame = grid.merge(pd.concat(labs, ignore_index=True), on=["as_of", "household_id"], how="inner",
                       validate="one_to_one")
    names = [*models, "rule", "must_visit"] + [o for o in ORACLES if f"s_{o}" in grid]
    share = cfg.capacity_share
    whole = CapacityGroups.of(frame)
    capacity = (whole, CapacityGroups.of(frame, "county", id_rank=whole.id_rank))  # shared by every model
    per_model = {m: model_metrics(frame, m, share, SUBGROUPS, cfg.gate.min_subgroup_positives, capacity)
                 for m in names}
    rule_recall = per_model["rule"]["recall_at_k"]
    rule_recall_county = per_model["rule"]["recall_at_k_county"]
    for m in names:
        per_model[m]["lift_over_rule"] = ratio(per_model[m]["recall_at_k"], rule_recall)
        per_model[m]["lift_over_rule_county"] = ratio(per_model[m]["recall_at_k_county"], rule_recall_county)
        per_model[m]["lift_over_must_visit"] = ratio(per_model[m]["recall_at_k"], per_model["must_visit"]["recall_at_k"])
        if "oracle" in per_model:
            per_model[m]["oracle_ratio_pr_auc"] = ratio(per_model[m]["pr_auc"], per_model["oracle"]["pr_auc"])
            per_model[m]["oracle_ratio_recall_at_k"] = ratio(per_model[m]["recall_at_k"],
                                                             per_model["oracle"]["recall_at_k"])
        per_model[m]["capacity_curve"] = capacity_curve(frame, m, groups=capacity[0])
    reference = "oracle_observable" if "oracle_observable" in per_model else ("oracle" if "oracle" in per_model else None)
    if cfg.bootstrap_replicates > 0:
        per_date = bootstrap_per_date(frame, names, share, reference=reference, replicates=cfg.bootstrap_replicates,
                                      seed=cfg.seed)
    else:
        point = per_date_metrics(frame, names, share)
        per_date = {m: {k: {"mean": v} for k, v in point[m].items()} for m in names}
        if reference is not None:
            for m in names:
                for k in point[m]:
                    per_date[m][f"ratio_{k}"] = {"mean": ratio(point[m][k], point[reference][k])}
    for m in names:
        per_model[m]["per_date"] = per_date[m]
    leads: dict[str, pd.DataFrame] = {}
    if with_leads and lead_dates:
        ident = known.monitoring[["household_id", "identified_on"]].copy()
        ident["household_id"] = ident["household_id"].astype(object)
        on_grid = grid["as_of"].isin(pd.DatetimeIndex(lead_dates)).to_numpy()
        # the evaluation dates are lead dates too, so this is usually every row: no copy then
        weekly = grid if on_grid.all() else grid.loc[on_grid].reset_index(drop=True)
        weekly_groups = CapacityGroups.of(weekly, "county")
        for m in names:
            inside = inside_capacity(weekly, f"s_{m}", share, groups=weekly_groups)
            leads[m] = lead_times(weekly, inside, ident, cfg.horizon_weeks, lead_dates[0],
                                  lead_dates[-1] + pd.Timedelta(weeks=cfg.lead_step_weeks - 1))
            per_model[m]["lead_time"] = lead_summary(leads[m])
    progress("metrics", 1, 1)
    report = {
        "window": {"start": str(pd.Timestamp(start).date()), "data_cutoff": str(c.date()),
                   "eval_dates": [str(t.date()) for t in eval_dates],
                   "lead_grid": ([str(lead_dates[0].date()), str(lead_dates[-1].date()), cfg.lead_step_weeks]
                                 if with_leads and lead_dates else None),
                   "horizon_weeks": cfg.horizon_weeks, "capacity_share": share},
        "rows": int(len(frame)), "positives": int(frame["label"].sum()),
        "per_date_reference": reference,
        "models": per_model,
    }
    return Evaluation(report, frame, leads)


@dataclass
class TrainResult:
    final: Fitted
    backtest: Fitted | None
    evaluation: Evaluation | None
    cutoff: pd.Timestamp


def training_cutoff(given, data_cutoff, data_start=None) -> pd.Timestamp:
    """The cut-off C to train (or evaluate) at: ``given``, or the data's newest record
    (``data_cutoff``). A ``given`` after that record is refused: outcomes after it are not in the
    data, so every label there would read "not identified" (a cut-off in 2030 on data to 2024
    failed deep in the fit); so is one before ``data_start`` (``Panel.data_start``): nothing
    before it to learn from (a 2010 cut-off failed in scikit-learn's imputer)."""
    data_cutoff = pd.Timestamp(data_cutoff)
    if given is None:
        return data_cutoff
    c = pd.Timestamp(given)
    if c.normalize() > data_cutoff.normalize():
        raise ValueError(f"cut-off {c:%Y-%m-%d} is after the data's newest record ({data_cutoff:%Y-%m-%d}): "
                         f"outcomes after it are not in the data; give an earlier --cutoff, or none to train at "
                         f"{data_cutoff:%Y-%m-%d}")
    if data_start is not None and not pd.isna(data_start) and c < pd.Timestamp(data_start):
        raise ValueError(f"cut-off {c:%Y-%m-%d} is before the data starts ({pd.Timestamp(data_start):%Y-%m-%d}): "
                         "there is nothing before it to learn from; give a later --cutoff")
    return c


def train(panel: Panel, cfg: TrainConfig, cutoff=None, truth: pd.DataFrame | None = None, *,
          progress: Progress = _noop, shuffle_labels: bool = False, tables=None,
          earliest: pd.Timestamp | None = None, evaluation_sample_taken: bool = False, client=None) -> TrainResult:
    """Back-test the recipe (fit at ``C − H − eval_weeks``, evaluate after it), then refit at ``C``.

    ``C`` is ``cutoff`` (default: the latest ``reported_on``); only records reported by ``C``
    are ever read. With ``eval_weeks = 0`` or no room for a back-test, no evaluation is run.
    ``tables``, ``earliest``: see ``fit_recipe`` (a partitioned directory's ``panel`` is its
    evaluation sample, ``training.partitioned``). ``client``: the back-test's grid scored on a
    Dask cluster (``score_grid``).
    """
    c = pd.Timestamp(cutoff) if cutoff is not None else panel.cutoff()
    data = panel.as_of(c)
    if earliest is None:
        earliest = data.data_start()
    backtest = evaluation = None
    if cfg.eval_weeks > 0:
        t_bt = c - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks)
        backtest = fit_recipe(data, t_bt, cfg, progress=progress, shuffle_labels=shuffle_labels, earliest=earliest,
                              reference_rows=0 if cfg.refit else cfg.reference_rows, tables=tables)
        evaluation = evaluate(data, {"lightgbm": backtest.lightgbm, "logistic": backtest.logistic}, t_bt, cfg,
                              truth, data_cutoff=c, progress=progress, sample=not evaluation_sample_taken,
                              client=client)
        release_memory()  # the back-test's tables and grid, before the refit allocates its own
    final = (fit_recipe(data, c, cfg, progress=progress, shuffle_labels=shuffle_labels, earliest=earliest,
                        reference_rows=cfg.reference_rows, tables=tables)
             if cfg.refit or backtest is None else backtest)
    return TrainResult(final, backtest, evaluation, c if final is not backtest else backtest.windows.cutoff)
