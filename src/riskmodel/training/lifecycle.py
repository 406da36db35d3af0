"""The jobs behind ``riskmodel train | evaluate | score | promote | models``.

Each job reads a data directory, runs the pure pipeline and talks to MLflow through the
adapter in ``tracking``. Progress goes through an optional ``progress(stage, done, total)``
callback that the CLI connects to a Rich progress bar.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from riskmodel.contract import load, load_truth
from riskmodel.settings import Settings, get_settings
from riskmodel.training.config import TrainConfig
from riskmodel.training.pipeline import Progress, _noop, evaluate, evaluation_dates, fit_recipe, train
from riskmodel.training.registry import CHALLENGER, CHAMPION, gate, move_alias
from riskmodel.training.tracking import MlflowSession, frame_fingerprint, git_commit, spec_fingerprint

#: Key metrics shown by ``riskmodel models`` (logged by every training run).
KEY_METRICS = ("lightgbm.pr_auc", "lightgbm.recall_at_k", "lightgbm.lift_over_rule", "lightgbm.ece",
               "lightgbm.lead_median_lead_weeks")


def _write_atomic(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _params(cfg: TrainConfig) -> dict[str, str]:
    flat = {}
    for k, v in cfg.model_dump().items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                flat[f"{k}.{k2}"] = str(v2)
        else:
            flat[k] = str(v)
    return flat


def _windows_meta(fitted) -> dict:
    w = fitted.windows
    return {"fit_first": str(w.fit_dates[0].date()), "fit_last": str(w.fit_dates[-1].date()),
            "calibration_first": str(w.calibration_dates[0].date()),
            "calibration_last": str(w.calibration_dates[-1].date()), "fit_periods": len(w.fit_dates),
            "calibration_periods": len(w.calibration_dates)}


def train_job(data_dir: str | Path, *, cutoff=None, config_path=None, progress: Progress = _noop,
              shuffle_labels: bool = False, settings: Settings | None = None) -> dict:
    """Train (back-test + refit), log everything to MLflow, register a version as ``challenger``."""
    import mlflow

    from riskmodel.scoring import Scorer
    from riskmodel.training import report as rep
    from riskmodel.training.pyfunc import RiskmodelPyfunc, example_records
    from riskmodel.training.reference import REFERENCE_FILE, write_reference
    from riskmodel.training.reference import describe as describe_reference
    from riskmodel.training.tracking import log_json_artifact

    settings = settings or get_settings()
    cfg = TrainConfig.load(config_path)
    panel = load(data_dir)
    truth = load_truth(data_dir)
    c = pd.Timestamp(cutoff) if cutoff is not None else panel.cutoff()
    result = train(panel, cfg, c, truth, progress=progress, shuffle_labels=shuffle_labels)
    known = panel.as_of(c)
    meta = {
        "training_cutoff": str(result.cutoff.date()), "data_cutoff_used": str(c.date()),
        "horizon_weeks": cfg.horizon_weeks, "capacity_share": cfg.capacity_share, "calibration": cfg.calibration,
        "windows": _windows_meta(result.final), "fit_rows": result.final.fit_rows,
        "fit_positive_rate": result.final.fit_positive_rate, "calibration_rows": result.final.calibration_rows,
        "data_fingerprint": frame_fingerprint(known.tables()), "spec_fingerprint": spec_fingerprint(),
        "git_commit": git_commit(), "policy": panel.policy.model_dump(), "shuffled_labels": shuffle_labels,
        "config": cfg.model_dump(), "reference_sample": describe_reference(result.final.reference),
    }
    scorer = Scorer(result.final.lightgbm, model_name=settings.model_name, capacity_share=cfg.capacity_share,
                    meta=meta, reference=result.final.reference)
    report = result.evaluation.report if result.evaluation else None
    progress("logging", 0, 1)
    with MlflowSession(settings) as session, session.start_run(
            run_name=f"train-{meta['training_cutoff']}",
            tags={"training_cutoff": meta["training_cutoff"], "git_commit": meta["git_commit"] or "unknown",
                  "data_fingerprint": meta["data_fingerprint"], "spec_fingerprint": meta["spec_fingerprint"],
                  "shuffled_labels": str(shuffle_labels)}) as run:
        mlflow.log_params({**_params(cfg), "cutoff": meta["training_cutoff"], "data_dir": Path(data_dir).name,
                           **{f"window.{k}": v for k, v in meta["windows"].items()}})
        mlflow.log_metrics({"fit_rows": meta["fit_rows"], "fit_positive_rate": meta["fit_positive_rate"],
                            "calibration_rows": meta["calibration_rows"],
                            "reference_rows": (meta["reference_sample"] or {}).get("rows", 0)})
        if report is not None:
            mlflow.log_metrics(rep.flat_metrics(report))
            log_json_artifact(report, "evaluation.json")
            frame = result.evaluation.frame
            models = list(report["models"])
            mlflow.log_figure(rep.pr_curve_figure(frame, models), "plots/pr_curve.png")
            mlflow.log_figure(rep.calibration_figure(frame, [m for m in models if m != "rule"]),
                              "plots/calibration.png")
            mlflow.log_figure(rep.lift_figure(report), "plots/lift.png")
        imp = rep.importance_by_risk_type(result.final.lightgbm)
        mlflow.log_figure(rep.importance_figure(imp), "plots/importance_by_risk_type.png")
        log_json_artifact({k: float(v) for k, v in imp.items()}, "importance_by_risk_type.json")
        import matplotlib.pyplot as plt

        plt.close("all")
        with tempfile.TemporaryDirectory() as tmp:
            artifacts = scorer.save(tmp)
            if scorer.reference is not None:  # features, as_of, score, probability: no identifiers
                artifacts["reference"] = str(write_reference(scorer.reference, Path(tmp) / REFERENCE_FILE))
            example = example_records()
            python_model = RiskmodelPyfunc()
            python_model.scorer = scorer
            sig_params = {"as_of": "", "explain": 0}
            out = python_model.predict(None, example, {"as_of": "", "explain": len(example)})
            from mlflow.models import infer_signature

            with warnings.catch_warnings():  # "integer columns cannot hold missing values": rank never is
                warnings.filterwarnings("ignore", message=".*integer column", category=UserWarning)
                signature = infer_signature(example, out, params=sig_params)
            info = mlflow.pyfunc.log_model(
                name="model", python_model=RiskmodelPyfunc(), artifacts=artifacts, signature=signature,
                input_example=(example, sig_params), registered_model_name=settings.model_name,
                pip_requirements=_requirements(), await_registration_for=60)
        version = str(info.registered_model_version)
        card = rep.model_card(model_name=settings.model_name, version=version, meta=meta, report=report)
        mlflow.log_text(card, "model_card.md")
        session.client.set_model_version_tag(settings.model_name, version, "training_cutoff", meta["training_cutoff"])
        session.client.set_model_version_tag(settings.model_name, version, "run_id", run.info.run_id)
        entry = move_alias(session, CHALLENGER, version, f"trained in run {run.info.run_id}", settings=settings)
    progress("logging", 1, 1)
    return {"run_id": run.info.run_id, "version": version, "report": report, "alias_move": entry, "meta": meta,
            "reference": meta["reference_sample"]}


def _requirements() -> list[str]:
    from importlib.metadata import version

    pkgs = ("mlflow", "lightgbm", "scikit-learn", "pandas", "numpy", "pyarrow", "pydantic", "pyyaml", "joblib")
    return [f"{p}=={version(p)}" for p in pkgs]


def evaluate_job(data_dir: str | Path, *, model_uri: str | None = None, cutoff=None, config_path=None,
                 progress: Progress = _noop) -> dict:
    """Evaluate model vs logistic vs rule vs oracle on as-of dates after training.

    Without ``model_uri``: back-test the recipe (fit at ``C − H − eval_weeks`` with only data
    reported by then, evaluate on later dates). With ``model_uri``: evaluate that model on the
    as-of dates after its training cut-off, with the logistic baseline fit at the same cut-off.
    """
    from riskmodel.scoring import load_scorer

    cfg = TrainConfig.load(config_path)
    panel = load(data_dir)
    truth = load_truth(data_dir)
    c = pd.Timestamp(cutoff) if cutoff is not None else panel.cutoff()
    data = panel.as_of(c)
    earliest = data.households["registered_on"].min()
    if model_uri is None:
        start = c - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks)
        fitted = fit_recipe(data, start, cfg, progress=progress, earliest=earliest)
        models = {"lightgbm": fitted.lightgbm, "logistic": fitted.logistic}
        source = "back-test of the training recipe"
    else:
        scorer = load_scorer(model_uri)
        start = pd.Timestamp(scorer.meta["training_cutoff"])
        evaluation_dates(start, c, cfg)
        fitted = fit_recipe(data, start, cfg, progress=progress, earliest=earliest, with_lightgbm=False)
        models = {"lightgbm": scorer.model, "logistic": fitted.logistic}
        source = f"{model_uri} (version {scorer.model_version})"
    ev = evaluate(data, models, start, cfg, truth, data_cutoff=c, progress=progress)
    ev.report["source"] = source
    return ev.report


def promote_job(data_dir: str | Path, *, force: bool = False, reason: str | None = None, config_path=None,
                progress: Progress = _noop, settings: Settings | None = None) -> dict:
    """Move ``champion`` to the current ``challenger`` if it passes the gate (or ``force`` with a reason)."""
    from riskmodel.scoring import load_scorer

    settings = settings or get_settings()
    if force and not (reason and reason.strip()):
        raise ValueError("--force needs --reason: an override must say why")
    cfg = TrainConfig.load(config_path)
    with MlflowSession(settings) as session:
        chall_v = session.alias_version(CHALLENGER)
        champ_v = session.alias_version(CHAMPION)
        if chall_v is None:
            raise LookupError(f"registered model {settings.model_name!r} has no challenger: run `riskmodel train` first")
        if champ_v is None:
            entry = move_alias(session, CHAMPION, chall_v, reason or "first champion (no champion yet)",
                               settings=settings, extra={"forced": force})
            return {"promoted": True, "from": None, "to": chall_v, "gate": None, "alias_move": entry}
        if champ_v == chall_v:
            return {"promoted": False, "from": champ_v, "to": chall_v, "gate": None,
                    "note": "the challenger already is the champion"}
    name = settings.model_name
    champ = load_scorer(f"models:/{name}/{champ_v}")
    chall = load_scorer(f"models:/{name}/{chall_v}")
    panel = load(data_dir)
    c = panel.cutoff()
    start = max(pd.Timestamp(champ.meta["training_cutoff"]), pd.Timestamp(chall.meta["training_cutoff"]))
    overlaps = not evaluation_dates(start, c, cfg)[0]
    if overlaps:  # no mature window after both cut-offs: use the latest mature window (stated in the result)
        start = c - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks)
    ev = evaluate(panel, {"champion": champ.model, "challenger": chall.model}, start, cfg, None, data_cutoff=c,
                  with_leads=False, progress=progress)
    result = gate(ev.report["models"]["champion"], ev.report["models"]["challenger"], cfg.gate)
    window = {"eval_dates": ev.report["window"]["eval_dates"], "overlaps_training": overlaps,
              "rows": ev.report["rows"], "positives": ev.report["positives"]}
    out = {"promoted": False, "from": champ_v, "to": chall_v, "gate": result.as_dict(), "window": window,
           "metrics": {m: {k: ev.report["models"][m].get(k) for k in ("pr_auc", "recall_at_k", "ece")}
                       for m in ("champion", "challenger", "rule")}}
    if result.passed or force:
        why = reason or "challenger passed the gate"
        if force and not result.passed:
            why = f"FORCED over a failed gate: {reason}"
        with MlflowSession(settings) as session:
            out["alias_move"] = move_alias(session, CHAMPION, chall_v, why, settings=settings,
                                           extra={"forced": force, "gate_passed": result.passed, "window": window})
        out["promoted"] = True
    return out


def models_job(settings: Settings | None = None) -> list[dict]:
    """Registered versions with aliases, training cut-off and key metrics."""
    settings = settings or get_settings()
    rows = []
    with MlflowSession(settings) as session:
        aliases = session.aliases()
        by_version: dict[str, list[str]] = {}
        for a, v in aliases.items():
            by_version.setdefault(v, []).append(a)
        for mv in session.versions():
            metrics = {}
            if mv.run_id:
                try:
                    metrics = session.client.get_run(mv.run_id).data.metrics
                except Exception:  # a deleted run leaves the version without metrics
                    metrics = {}
            rows.append({
                "version": str(mv.version), "aliases": sorted(by_version.get(str(mv.version), [])),
                "created": dt.datetime.fromtimestamp(mv.creation_timestamp / 1000, dt.timezone.utc)
                .isoformat(timespec="seconds"),
                "training_cutoff": (mv.tags or {}).get("training_cutoff"), "run_id": mv.run_id,
                **{k: metrics.get(k) for k in KEY_METRICS}})
    return rows


def score_job(data_dir: str | Path, *, as_of, out: str | Path, model_uri: str | None = None,
              explain: int = 0) -> pd.DataFrame:
    """Score every eligible household and write ``household_id, score, probability, rank, region_code``
    (plus band and category) to a CSV, atomically."""
    from riskmodel.scoring import load_scorer

    scorer = load_scorer(model_uri)
    panel = load(data_dir)
    scored = scorer.score(panel, pd.Timestamp(as_of), explain=explain or None)
    cols = ["household_id", "score", "probability", "rank", "region_code", "band", "category"]
    frame = scored[cols].copy()
    if explain:
        frame["risk_types"] = [";".join(v) if isinstance(v, list) else "" for v in scored["risk_types"]]
    _write_atomic(Path(out), frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    return frame


def write_json(obj, path: str | Path) -> None:
    _write_atomic(Path(path), json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
