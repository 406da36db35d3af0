"""The season replay: what would following each week's list have achieved? (synthetic data only)

For ``weeks`` Mondays from ``start``, every township office visits as many households as its
capacity allows (the weekly run's ``list_sizes``: the same number of visits for every ranking),
taking them from the top of the week's ranking after the follow-up rules
(``riskmodel.listing.followup``: a household found 无风险 waits out the cool-down unless something
new is reported). A visit happens ``visit_day`` days after the list date; a visited household
whose latent state (the generator's truth table, ``in_hardship`` in the visit's month) is in
hardship is identified at the visit (a hit) and leaves the eligible population; otherwise the
office records 无风险. Households the existing process identifies (the ``monitoring`` table)
leave as the contract's eligibility says.

Per ranking: visits, distinct households visited, hits, and weeks gained over the existing
process — for a hit, the weeks from the visit to the household's identification in the
``monitoring`` table; a hit that table never identifies by the data's end gains at least the
weeks to that end (counted as such: a lower bound). Rankings: the model (trained at ``start``
on what was reported by then, unless a model URI is given), the department screen
(部门筛查预警, ``rules.dept_screen``) and 八必访 (``rules.must_visit``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from riskmodel.contract import Panel
from riskmodel.listing import CAPACITY_SHARE, HORIZON_WEEKS
from riskmodel.listing.followup import DEFAULT_COOLDOWN_WEEKS, Cooldown, decide, latest_visits, visit_facts
from riskmodel.monitoring.capacity import Capacity, list_sizes
from riskmodel.monitoring.lists import select
from riskmodel.progress import Progress, no_progress
from riskmodel.rules import dept_screen, must_visit_scores

#: A ranking: as of a date, ``household_id`` and ``score`` (higher first) for eligible households.
Ranking = Callable[[pd.Timestamp], pd.DataFrame]
METHOD_ZH = {"model": "模型", "dept_screen": "部门筛查预警", "must_visit": "八必访"}


class ReplayConfig(BaseModel):
    """One season replay."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: dt.date
    weeks: int = Field(26, ge=1, le=104)
    capacity_share: float = Field(CAPACITY_SHARE, gt=0, le=1)
    cooldown_weeks: int = Field(DEFAULT_COOLDOWN_WEEKS, ge=0)
    visit_day: int = Field(2, ge=0, le=6)
    """Days after the list date on which the office visits."""
    horizon_weeks: int = Field(HORIZON_WEEKS, ge=1)
    model_uri: str | None = None
    """None: train the default recipe at ``start`` on what was reported by then."""
    train_dir: Path | None = None
    """Train on this panel instead (another sample of the same generator: a big panel's replay
    without the memory of training on it)."""

    def mondays(self) -> list[pd.Timestamp]:
        return list(pd.date_range(pd.Timestamp(self.start), periods=self.weeks, freq="7D"))


def hardship_by_month(truth: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> dict[pd.Period, set[str]]:
    """Households in hardship in each month from ``first`` to ``last`` (truth's ``in_hardship``)."""
    if "in_hardship" not in truth:
        raise ValueError("truth table: no in_hardship column (generate the panel with this version of riskmodel synth)")
    month = pd.to_datetime(truth["month"]).dt.to_period("M")
    keep = (truth["in_hardship"].to_numpy(dtype=bool) & (month >= first.to_period("M")).to_numpy()
            & (month <= last.to_period("M")).to_numpy())
    rows = pd.DataFrame({"m": month[keep].to_numpy(), "h": truth.loc[keep, "household_id"].astype(str).to_numpy()})
    return {m: set(g["h"]) for m, g in rows.groupby("m")}


def _visits_of_week(panel: Panel, t: pd.Timestamp, eligible: pd.DataFrame, sizes: pd.DataFrame, ranking: pd.DataFrame,
                    done: pd.DataFrame, identified: set[str], cooldown: Cooldown) -> pd.DataFrame:
    """The households an office visits in week ``t``: top of the ranking after the follow-up rules."""
    cand = eligible.loc[~eligible["household_id"].isin(identified)]
    if len(done):
        latest = latest_visits(done, t)
        latest = latest.loc[latest["household_id"].isin(cand["household_id"])]
        if len(latest):
            facts = visit_facts(latest, panel.subset(latest["household_id"]).as_of(t).tables(), t)
            decided = decide(facts, t, cooldown)
            cand = cand.loc[~cand["household_id"].isin(decided.loc[decided["action"] != "visit", "household_id"])]
    score = pd.Series(ranking["score"].to_numpy(dtype=float), index=ranking["household_id"].astype(str))
    frame = cand.assign(score=cand["household_id"].map(score).fillna(-np.inf).to_numpy(), probability=0.0)
    return select(frame, sizes)[["household_id", "region_code"]]


def run_season(panel: Panel, rankings: dict[str, Ranking], hardship: dict[pd.Period, set[str]], cfg: ReplayConfig,
               progress: Progress = no_progress) -> pd.DataFrame:
    """Every visit of the season for each ranking: ``method, week, household_id, region_code,
    visited_on, outcome, hit``."""
    from riskmodel.labels import eligible as eligible_ids

    cap = Capacity(share=cfg.capacity_share)
    cooldown = Cooldown(cfg.cooldown_weeks)
    regions = pd.Series(panel.households["region_code"].astype(str).to_numpy(),
                        index=panel.households["household_id"].astype(str))
    state = {m: {"visits": [], "identified": set()} for m in rankings}
    for i, t in enumerate(cfg.mondays()):
        progress(f"week of {t:%Y-%m-%d}", i + 1, cfg.weeks)
        ids = pd.Index(eligible_ids(panel, t)).astype(str)
        eligible = pd.DataFrame({"household_id": ids.to_numpy(), "region_code": regions.reindex(ids).to_numpy()})
        sizes = list_sizes(eligible.assign(probability=0.0), cap)  # the same visits for every ranking
        visit_day = t + pd.Timedelta(days=cfg.visit_day)
        in_hardship = hardship.get(visit_day.to_period("M"), set())
        for method, rank in rankings.items():
            s = state[method]
            done = pd.concat(s["visits"], ignore_index=True) if s["visits"] else pd.DataFrame()
            v = _visits_of_week(panel, t, eligible, sizes, rank(t), done, s["identified"], cooldown)
            hit = v["household_id"].isin(in_hardship).to_numpy()
            s["identified"].update(v.loc[hit, "household_id"])
            s["visits"].append(v.assign(method=method, week=t, visited_on=visit_day, hit=hit,
                                        outcome=np.where(hit, "confirmed_at_risk", "not_at_risk")))
    out = pd.concat([pd.concat(s["visits"], ignore_index=True) for s in state.values()], ignore_index=True)
    return out[["method", "week", "household_id", "region_code", "visited_on", "outcome", "hit"]]


def season_table(visits: pd.DataFrame, monitoring: pd.DataFrame, data_end: pd.Timestamp) -> pd.DataFrame:
    """Per ranking: visits, distinct visited, hits and the weeks gained over the existing process."""
    mon = monitoring[["household_id", "identified_on"]].assign(household_id=lambda m: m["household_id"].astype(str))
    rows = []
    for method, v in visits.groupby("method", sort=False):
        hits = v.loc[v["hit"]].drop_duplicates("household_id")
        j = hits[["household_id", "visited_on"]].merge(mon, on="household_id", how="left")
        j = j.loc[j["identified_on"].isna() | (j["identified_on"] >= j["visited_on"])]
        first = j.groupby("household_id")["identified_on"].min()
        h = hits.set_index("household_id")
        later = first.dropna()
        gained = (later - h.loc[later.index, "visited_on"]).dt.days / 7
        never = h.index.difference(later.index)
        censored = (data_end - h.loc[never, "visited_on"]).dt.days / 7
        rows.append({
            "method": method, "visits": int(len(v)), "households_visited": int(v["household_id"].nunique()),
            "hits": int(len(hits)), "hit_rate": round(len(hits) / len(v), 4) if len(v) else None,
            "hits_identified_later": int(len(later)), "median_weeks_gained": round(float(gained.median()), 1)
            if len(gained) else None,
            "hits_never_identified": int(len(never)),
            "weeks_gained_total": round(float(gained.sum() + censored.sum()), 1),
        })
    return pd.DataFrame(rows)


def plot(visits: pd.DataFrame, path: Path) -> None:
    """Cumulative hits (distinct households identified at a visit) per week, one line per ranking."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    for method, v in visits.groupby("method", sort=False):
        weekly = v.loc[v["hit"]].drop_duplicates("household_id").groupby("week").size()
        weeks = sorted(visits["week"].unique())
        ax.plot(range(1, len(weeks) + 1), weekly.reindex(weeks, fill_value=0).cumsum().to_numpy(), marker="o",
                markersize=3, label=f"{method} ({int(weekly.sum())} hits)")
    ax.set_xlabel("week of the season")
    ax.set_ylabel("households in hardship found at a visit (cumulative)")
    ax.set_title("Season replay at equal visits")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


class _WeekFeatures:
    """The feature matrix of the latest week asked for, shared by the model and 八必访."""

    def __init__(self, panel: Panel):
        self.panel = panel
        self._week: pd.Timestamp | None = None
        self._feats: pd.DataFrame | None = None

    def __call__(self, t: pd.Timestamp) -> pd.DataFrame:
        if self._week != t:
            from riskmodel.features import build_features

            self._week, self._feats = t, build_features(self.panel, t)
        return self._feats


def _model_ranking(panel: Panel, features: _WeekFeatures, cfg: ReplayConfig,
                   progress: Progress) -> tuple[Ranking, str]:
    from riskmodel.scoring import Scorer

    if cfg.model_uri is not None:
        from riskmodel.training.scorers import load_scorer

        scorer, note = load_scorer(cfg.model_uri), f"model {cfg.model_uri}"
    else:
        from riskmodel.training.config import TrainConfig
        from riskmodel.training.pipeline import fit_recipe

        start = pd.Timestamp(cfg.start)
        progress(f"training the default recipe at {start:%Y-%m-%d}", 0, 1)
        source = panel
        if cfg.train_dir is not None:
            from riskmodel.contract import load

            source = load(cfg.train_dir)
        fitted = fit_recipe(source.as_of(start), start, TrainConfig())
        del source
        scorer = Scorer(fitted.lightgbm, capacity_share=cfg.capacity_share, meta={"policy": panel.policy.model_dump()})
        note = f"LightGBM, default recipe trained at {start:%Y-%m-%d} on what was reported by then" + (
            f" in {cfg.train_dir.name} (another panel of the same generator)" if cfg.train_dir is not None else "")

    def rank(t: pd.Timestamp) -> pd.DataFrame:
        return scorer.score_features(features(t), panel, t)[["household_id", "score"]]

    return rank, note


def _rule_rankings(panel: Panel, features: _WeekFeatures) -> tuple[dict[str, Ranking], dict[str, str]]:
    out: dict[str, Ranking] = {
        "dept_screen": lambda t: dept_screen(panel, t).rename(columns={"rule_score": "score"})[
            ["household_id", "score"]],
        "must_visit": lambda t: must_visit_scores(features(t)).rename(columns={"rule_score": "score"})[
            ["household_id", "score"]]}
    notes = {"dept_screen": "部门筛查预警 rules (riskmodel.rules.dept_screen)",
             "must_visit": "八必访 (riskmodel.rules.must_visit, on the same week's features)"}
    return out, notes


def replay_job(data_dir, cfg: ReplayConfig, out_dir, progress: Progress = no_progress) -> dict:
    """Run the season for every ranking; write ``replay.json`` and ``replay.png`` into ``out_dir``."""
    import json

    from riskmodel.contract import load, load_truth
    from riskmodel.atomic import write_atomic

    panel = load(data_dir)
    truth = load_truth(data_dir)
    if truth is None:
        raise ValueError(f"{data_dir}: no truth.parquet — the season replay needs synthetic data (riskmodel synth)")
    mondays = cfg.mondays()
    end = panel.cutoff()
    if mondays[-1] + pd.Timedelta(days=cfg.visit_day) > end:
        raise ValueError(f"replay: the season ends {mondays[-1]:%Y-%m-%d}, after the data's cut-off {end:%Y-%m-%d}")
    features = _WeekFeatures(panel)
    model_rank, model_note = _model_ranking(panel, features, cfg, progress)
    rules_rank, rules_notes = _rule_rankings(panel, features)
    rankings: dict[str, Ranking] = {"model": model_rank, **rules_rank}
    notes = {"model": model_note, **rules_notes}
    hardship = hardship_by_month(truth, mondays[0], mondays[-1] + pd.Timedelta(days=cfg.visit_day))
    visits = run_season(panel, rankings, hardship, cfg, progress)
    table = season_table(visits, panel.monitoring, end)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plot(visits, out / "replay.png")
    report = {"data_dir": Path(data_dir).name, "households": int(len(panel.households)), "data_cutoff": f"{end:%Y-%m-%d}",
              **cfg.model_dump(mode="json"), "last_week": f"{mondays[-1]:%Y-%m-%d}", "rankings": notes,
              "table": table.to_dict("records"), "plot": "replay.png"}
    write_atomic(out / "replay.json", json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    return report
