"""The jobs behind ``riskmodel compare | promote``: a gate that only looks at data neither model saw.

Two registered versions are compared on as-of dates whose labels neither saw in fitting or
calibration:

- **later window** — as-of dates on or after both training cut-offs whose labels have
  matured by the data's cut-off: the registered models themselves are scored.
- **recipe back-test** — when there is no such window (the usual case right after retraining
  on the same data), the two *recipes* are compared instead: each is refit at the same earlier
  cut-off on the same data, exactly as ``train`` back-tests one recipe, and both are evaluated
  on the as-of dates after it. Each version's recipe (config, label shuffling) is in its
  ``meta.json``.

If neither is possible the comparison is refused with what to do. It never falls back to a
window either model trained on. ``promote`` records every decision — moved or not — in an
MLflow run of kind ``promotion`` and in the alias history.
"""

from __future__ import annotations

import pandas as pd

from riskmodel.contract import load
from riskmodel.settings import Settings, get_settings
from riskmodel.training.config import TrainConfig
from riskmodel.training.model import RecipeError
from riskmodel.training.pipeline import Progress, _noop, evaluate, evaluation_dates, fit_recipe
from riskmodel.training.registry import CHALLENGER, CHAMPION, gate, move_alias, record_decision
from riskmodel.training.tracking import MlflowSession, log_json_artifact, log_metrics, log_params

#: Figures shown side by side and logged for both models.
FIGURES = ("pr_auc", "recall_at_k", "precision_at_k", "ece")


class NoHonestComparison(ValueError):
    """Neither a later window nor a recipe back-test can compare the two versions."""


def _recipe(scorer, version: str) -> tuple[TrainConfig, bool]:
    meta = scorer.meta or {}
    if not meta.get("config"):
        raise NoHonestComparison(
            f"version {version} does not record its training recipe (trained before recipes were logged), so "
            "it cannot be back-tested; retrain it with `riskmodel train` or promote explicitly with "
            "`riskmodel promote DATA_DIR --version V --reason TEXT`")
    return TrainConfig.model_validate(meta["config"]), bool(meta.get("shuffled_labels"))


def _figures(metrics: dict, share: float) -> dict:
    pct = f"{100 * share:g}pct"
    names = {"recall_at_k": f"recall_at_{pct}", "precision_at_k": f"precision_at_{pct}"}
    return {names.get(k, k): metrics.get(k) for k in FIGURES}


def compare_versions(data_dir, *, champion: str | None = None, challenger: str | None = None, cutoff=None,
                     config_path=None, progress: Progress = _noop, settings: Settings | None = None) -> dict:
    """Champion vs challenger on data neither saw; the gate's verdict. Moves nothing."""
    from riskmodel.training.scorers import load_scorer

    settings = settings or get_settings()
    cfg = TrainConfig.load(config_path)
    with MlflowSession(settings) as session:
        champ_v = str(champion) if champion else session.alias_version(CHAMPION)
        chall_v = str(challenger) if challenger else session.alias_version(CHALLENGER)
        for v, what in ((champ_v, "champion"), (chall_v, "challenger")):
            if v is None:
                raise LookupError(f"registered model {settings.model_name!r} has no {what}: "
                                  + ("run `riskmodel train` first" if what == "challenger" else
                                     "promote a first version, or name one with --champion"))
            session.version(v)
    name = settings.model_name
    champ, chall = load_scorer(f"models:/{name}/{champ_v}"), load_scorer(f"models:/{name}/{chall_v}")
    panel = load(data_dir)
    c = pd.Timestamp(cutoff) if cutoff is not None else panel.cutoff()
    data = panel.as_of(c)
    t_champ, t_chall = (pd.Timestamp(s.meta["training_cutoff"]) for s in (champ, chall))
    start = max(t_champ, t_chall)
    horizon = pd.Timedelta(weeks=cfg.horizon_weeks)
    base = {"champion": champ_v, "challenger": chall_v, "data_cutoff": str(c.date()),
            "training_cutoffs": {"champion": str(t_champ.date()), "challenger": str(t_chall.date())}}
    if evaluation_dates(start, c, cfg)[0]:
        models = {"champion": champ.model, "challenger": chall.model}
        mode = "later window"
        provenance = (f"the registered versions scored on as-of dates on or after both training cut-offs "
                      f"(champion {t_champ.date()}, challenger {t_chall.date()}), labels matured by the data "
                      f"cut-off {c.date()}: neither model saw them")
    else:
        cfg_a, shuffle_a = _recipe(champ, champ_v)
        cfg_b, shuffle_b = _recipe(chall, chall_v)
        if {cfg_a.horizon_weeks, cfg_b.horizon_weeks} != {cfg.horizon_weeks}:
            raise NoHonestComparison(f"the versions predict different horizons ({cfg_a.horizon_weeks} and "
                                     f"{cfg_b.horizon_weeks} weeks, gate config {cfg.horizon_weeks}): not comparable")
        start = c - pd.Timedelta(weeks=cfg.horizon_weeks + max(cfg.eval_weeks, cfg.eval_step_weeks))
        earliest = data.data_start()
        mode = "recipe back-test"
        try:
            fitted = {"champion": fit_recipe(data, start, cfg_a, progress=progress, earliest=earliest,
                                             shuffle_labels=shuffle_a).lightgbm,
                      "challenger": fit_recipe(data, start, cfg_b, progress=progress, earliest=earliest,
                                               shuffle_labels=shuffle_b).lightgbm}
        except RecipeError:
            raise
        except ValueError as exc:
            raise NoHonestComparison(
                f"no as-of date on or after both training cut-offs ({max(t_champ, t_chall).date()}) "
                f"has a mature label by {c.date()}, and the recipes cannot be back-tested on this data ({exc}). "
                f"Compare again with data reported after {(max(t_champ, t_chall) + horizon).date()}, or promote "
                "explicitly with --force --reason") from None
        models = fitted
        provenance = (f"no as-of date after both training cut-offs has a mature label by {c.date()} (the first "
                      f"matures on {(max(t_champ, t_chall) + horizon).date()}), so the two recipes were refit at "
                      f"{start.date()} on the same data and evaluated on the as-of dates after it; the registered "
                      "versions themselves were not scored")
    ev = evaluate(data, models, start, cfg, None, data_cutoff=c, with_leads=False, progress=progress)
    result = gate(ev.report["models"]["champion"], ev.report["models"]["challenger"], cfg.gate)
    window = {"mode": mode, "provenance": provenance, "start": str(pd.Timestamp(start).date()),
              "eval_dates": ev.report["window"]["eval_dates"], "rows": ev.report["rows"],
              "positives": ev.report["positives"], "capacity_share": cfg.capacity_share}
    figures = {m: _figures(ev.report["models"][m], cfg.capacity_share) for m in ("champion", "challenger", "rule")}
    return {**base, "window": window, "gate": result.as_dict(), "figures": figures}


def _log_promotion(settings: Settings, out: dict) -> str:
    """The decision as an MLflow run of kind ``promotion`` (both models' figures, window, provenance)."""
    with MlflowSession(settings) as session, session.start_run(
            f"promote-v{out.get('challenger')}-over-v{out.get('champion')}",
            tags={"decision": out["decision"], "champion_version": str(out.get("champion")),
                  "challenger_version": str(out.get("challenger"))}, kind="promotion") as run:
        w = out.get("window") or {}
        log_params({"champion_version": out.get("champion"), "challenger_version": out.get("challenger"),
                    "window.mode": w.get("mode", "none"), "window.first": (w.get("eval_dates") or ["-"])[0],
                    "window.last": (w.get("eval_dates") or ["-"])[-1], "data_cutoff": out.get("data_cutoff", "-"),
                    "reason": out.get("reason") or "-", "forced": out.get("forced", False)})
        metrics = {f"{m}.{k}": v for m, fig in (out.get("figures") or {}).items() for k, v in fig.items()
                   if v is not None}
        metrics["gate_passed"] = float(bool((out.get("gate") or {}).get("passed")))
        metrics["promoted"] = float(out["promoted"])
        log_metrics(metrics)
        log_json_artifact(out, "promotion.json")
    return run.info.run_id


def promote_job(data_dir, *, version: str | None = None, force: bool = False, reason: str | None = None,
                cutoff=None, config_path=None, progress: Progress = _noop, settings: Settings | None = None) -> dict:
    """Move ``champion`` to the challenger if it passes the gate (or ``force`` with a reason), or to
    ``version`` explicitly (roll back or forward, with a reason). Every decision is recorded."""
    settings = settings or get_settings()
    has_reason = bool(reason and reason.strip())
    if force and not has_reason:
        raise ValueError("--force needs --reason: an override must say why")
    if version is not None and not has_reason:
        raise ValueError("--version needs --reason: a rollback or roll-forward must say why")
    with MlflowSession(settings) as session:
        champ_v = session.alias_version(CHAMPION)
        target = str(version) if version is not None else session.alias_version(CHALLENGER)
        if target is None:
            raise LookupError(f"registered model {settings.model_name!r} has no challenger: run `riskmodel train` first")
        session.version(target)
    out: dict = {"champion": champ_v, "challenger": target, "from": champ_v, "to": target, "reason": reason,
                 "forced": force, "gate": None, "promoted": False}
    if champ_v == target:
        out.update(decision="unchanged", note=f"version {target} already is the champion")
        return out
    if version is not None:
        out.update(decision="explicit", why=f"explicit move to version {target}: {reason}")
    elif champ_v is None:
        out.update(decision="first champion", why=reason or "first champion (no champion yet)")
    else:
        try:
            out.update(compare_versions(data_dir, champion=champ_v, challenger=target, cutoff=cutoff,
                                        config_path=config_path, progress=progress, settings=settings))
        except NoHonestComparison as exc:
            if not force:
                raise
            out["no_comparison"] = str(exc)
        passed = bool((out["gate"] or {}).get("passed"))
        if passed:
            out.update(decision="passed", why=reason or "challenger passed the gate")
        elif force:
            out.update(decision="forced", why=f"FORCED over a failed gate: {reason}")
        else:
            failed = [c["check"] for c in out["gate"]["checks"] if not c["passed"]]
            out.update(decision="refused", note=f"the challenger failed the gate on {', '.join(failed)} "
                                                f"({out['window']['mode']})")
    out["promoted"] = out["decision"] != "refused"
    out["run_id"] = _log_promotion(settings, out)
    extra = {"decision": out["decision"], "forced": force, "run_id": out["run_id"],
             "gate_passed": None if out["gate"] is None else out["gate"]["passed"],
             "window": out.get("window"), "figures": out.get("figures")}
    if out["promoted"]:
        with MlflowSession(settings) as session:
            out["alias_move"] = move_alias(session, CHAMPION, target, out["why"], settings=settings, extra=extra)
    else:
        out["record"] = record_decision({"alias": CHAMPION, "from": champ_v, "to": champ_v, "candidate": target,
                                         "why": out["note"], **extra}, settings=settings)
    return out
