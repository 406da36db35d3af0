"""The jobs behind ``riskmodel train | evaluate | score | models`` (``compare`` and ``promote``
live in ``promotion``).

Each job reads a data directory, runs the pure pipeline and talks to MLflow through the
adapter in ``tracking``. Progress goes through an optional ``progress(stage, done, total)``
callback that the CLI connects to a Rich progress bar.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pandas as pd

from riskmodel.atomic import write_atomic
from riskmodel.contract import load, load_truth
from riskmodel.cluster import cluster_errors, dask_client
from riskmodel.features.counties import is_partitioned
from riskmodel.settings import Settings, get_settings
from riskmodel.training.config import TrainConfig
from riskmodel.training.pipeline import (Progress, _noop, evaluate, evaluation_dates, fit_recipe, train,
                                         training_cutoff)
from riskmodel.training.registry import CHALLENGER, disagreements, move_alias, read_history
from riskmodel.training.tracking import (
    MlflowSession,
    frame_fingerprint,
    git_commit,
    log_dataset,
    log_figure,
    log_json_artifact,
    log_metrics,
    log_params,
    log_pyfunc_model,
    log_text_artifact,
    spec_fingerprint,
)

#: Back-test figures stamped on each registered version as ``backtest.<name>`` tags (a fixed set:
#: tags never grow with use) and shown by ``riskmodel models``; ``recall_at_k`` is named with its k.
VERSION_FIGURES = ("pr_auc", "recall_at_k", "lift_over_rule", "ece")
#: The one model a run trains or evaluates; every other column of a report is a baseline (logistic,
#: rule screen, 八必访, oracles) and is logged as ``baseline.<name>.*``.
MODEL = "lightgbm"


def k_name(metric: str, share: float) -> str:
    """``recall_at_k`` → ``recall_at_2pct`` for a 2 % list (the k a figure was measured at)."""
    return metric.replace("_at_k", f"_at_{100 * share:g}pct".replace(".", "_"))


def mlflow_metrics(report: dict, main: str = "backtest") -> dict[str, float]:
    """The report's figures under names that say what they are: ``<main>.lightgbm.*`` for the
    model (``backtest`` or ``model``), ``baseline.<logistic|rule|must_visit|oracle…>.*`` for the rest."""
    from riskmodel.training import report as rep

    share = report["window"]["capacity_share"]
    out = {}
    for key, value in rep.flat_metrics(report).items():
        model, metric = key.split(".", 1)
        prefix = f"{main}.{model}" if model == MODEL else f"baseline.{model}"
        out[f"{prefix}.{k_name(metric, share)}"] = value
    return out


def version_tags(report: dict | None) -> dict[str, str]:
    if not report:
        return {}
    share = report["window"]["capacity_share"]
    m = report["models"]["lightgbm"]
    tags = {f"backtest.{k_name(k, share)}": f"{m[k]:.6g}" for k in VERSION_FIGURES if m.get(k) is not None}
    w = report["window"]
    tags["backtest.window"] = f"{w['eval_dates'][0]}..{w['eval_dates'][-1]} (trained at {w['start']})"
    return tags


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
              shuffle_labels: bool = False, settings: Settings | None = None, scheduler=None,
              workers: int = 0) -> dict:
    """Train (back-test + refit), log everything to MLflow, register a version as ``challenger``.

    ``scheduler``/``workers``: a Dask cluster (``riskmodel.cluster.dask_client``) whose workers
    build a partitioned directory's county tables and score the back-test's dates (the same
    tables and grid as the plain loop).
    """
    from riskmodel.scoring import Scorer
    from riskmodel.training import report as rep
    from riskmodel.training.reference import describe as describe_reference

    settings = settings or get_settings()
    cfg = TrainConfig.load(config_path)
    if is_partitioned(data_dir):  # county by county: the tables and the evaluation sample
        from riskmodel.training.partitioned import county_training

        client, opened = dask_client(scheduler, workers)
        try:
            with cluster_errors():
                parts = county_training(data_dir, cfg, cutoff, progress=progress, client=client)
                panel, c = parts.sample, parts.cutoff
                truth = load_truth(data_dir, panel.households["household_id"].astype(str))
                result = train(panel, cfg, c, truth, progress=progress, shuffle_labels=shuffle_labels,
                               tables=parts.table, earliest=parts.earliest, evaluation_sample_taken=True, client=client)
        finally:
            if opened:
                client.close()
    else:
        if scheduler is not None or workers:
            raise ValueError("--scheduler and --workers need a county-partitioned data directory "
                             "(households/county=…/); a single-file panel trains in one process")
        panel = load(data_dir)
        truth = load_truth(data_dir)
        c = training_cutoff(cutoff, panel.cutoff(), panel.data_start())
        result = train(panel, cfg, c, truth, progress=progress, shuffle_labels=shuffle_labels)
    known = panel.as_of(c)
    meta = {
        "training_cutoff": str(result.cutoff.date()), "data_cutoff_used": str(c.date()),
        "horizon_weeks": cfg.horizon_weeks, "capacity_share": cfg.capacity_share, "calibration": cfg.calibration,
        "windows": _windows_meta(result.final), "fit_rows": result.final.fit_rows,
        "fit_positive_rate": result.final.fit_positive_rate, "calibration_rows": result.final.calibration_rows,
        "data_fingerprint": frame_fingerprint(known.tables()), "spec_fingerprint": spec_fingerprint(),
        "git_commit": git_commit(), "policy": panel.policy.model_dump(), "shuffled_labels": shuffle_labels,
        "config": cfg.model_dump(), "config_file": Path(config_path).name if config_path else "built-in default",
        "reference_sample": describe_reference(result.final.reference),
    }
    scorer = Scorer(result.final.lightgbm, model_name=settings.model_name, capacity_share=cfg.capacity_share,
                    meta=meta, reference=result.final.reference)
    report = result.evaluation.report if result.evaluation else None
    progress("logging", 0, 1)
    with MlflowSession(settings) as session, session.start_run(
            run_name=f"train-{meta['training_cutoff']}",
            tags={"training_cutoff": meta["training_cutoff"], "git_commit": meta["git_commit"] or "unknown",
                  "data_fingerprint": meta["data_fingerprint"], "spec_fingerprint": meta["spec_fingerprint"],
                  "shuffled_labels": str(shuffle_labels), "recipe": meta["config_file"]}, kind="training") as run:
        log_params({**_params(cfg), "cutoff": meta["training_cutoff"], "data_dir": Path(data_dir).name,
                    **{f"window.{k}": v for k, v in meta["windows"].items()}})
        log_metrics({"fit_rows": meta["fit_rows"], "fit_positive_rate": meta["fit_positive_rate"],
                     "calibration_rows": meta["calibration_rows"],
                     "reference_rows": (meta["reference_sample"] or {}).get("rows", 0)})
        _log_datasets(data_dir, meta, result, report)
        if report is not None:
            log_metrics(mlflow_metrics(report, "backtest"))
            log_json_artifact(report, "evaluation.json")
            log_plots(rep, result.evaluation.frame, report)
        log_importance(rep, result.final.lightgbm)
        version = _log_model(scorer, settings)
        card = rep.model_card(model_name=settings.model_name, version=version, meta=meta, report=report)
        log_text_artifact(card, "model_card.md")
        session.describe_version(version, card, {"training_cutoff": meta["training_cutoff"],
                                                 "run_id": run.info.run_id, "recipe": meta["config_file"],
                                                 "shuffled_labels": str(shuffle_labels), **version_tags(report)})
        entry = move_alias(session, CHALLENGER, version, f"trained in run {run.info.run_id}", settings=settings)
    progress("logging", 1, 1)
    return {"run_id": run.info.run_id, "version": version, "report": report, "alias_move": entry, "meta": meta,
            "reference": meta["reference_sample"]}


def _log_datasets(data_dir, meta: dict, result, report: dict | None) -> None:
    """Training and evaluation data as MLflow dataset inputs: as-of dates and roles, digest, source."""
    w = result.final.windows
    dates = pd.DataFrame({"as_of": [*w.fit_dates, *w.calibration_dates],
                          "role": ["fit"] * len(w.fit_dates) + ["calibration"] * len(w.calibration_dates)})
    source = str(Path(data_dir).resolve())
    log_dataset(dates, name=f"training data to {meta['training_cutoff']}", source=source,
                digest=meta["data_fingerprint"], context="training")
    if report is not None:
        ev = pd.DataFrame({"as_of": pd.to_datetime(report["window"]["eval_dates"]), "role": "evaluation"})
        log_dataset(ev, name=f"back-test evaluation after {report['window']['start']}", source=source,
                    digest=meta["data_fingerprint"], context="evaluation")


def log_plots(rep, frame: pd.DataFrame, report: dict) -> None:
    """The plots a data scientist reads at a glance (``report`` and ``plots``)."""
    from riskmodel.training import plots

    models = list(report["models"])
    probabilistic = [m for m in models if f"p_{m}" in frame and m not in ("rule", "must_visit")]
    ranked = [m for m in models if f"s_{m}" in frame]
    for name, fig in (("pr_curve", rep.pr_curve_figure(frame, ranked)),
                      ("calibration", rep.calibration_figure(frame, probabilistic)),
                      ("calibration_deciles", plots.calibration_deciles_figure(frame, probabilistic)),
                      ("lift", rep.lift_figure(report)),
                      ("pr_curve_by_date", plots.pr_curve_by_date_figure(frame, ranked)),
                      ("lift_by_date", plots.lift_by_date_figure(frame, ranked)),
                      ("score_distribution", plots.score_distribution_figure(frame, MODEL))):
        log_figure(fig, f"plots/{name}.png")


def log_importance(rep, model) -> None:
    from riskmodel.training import plots

    imp = rep.importance_by_risk_type(model)
    log_figure(rep.importance_figure(imp), "plots/importance_by_risk_type.png")
    log_figure(plots.importance_figure(model, imp), "plots/importance.png")
    log_json_artifact({k: float(v) for k, v in imp.items()}, "importance_by_risk_type.json")


def _log_model(scorer, settings: Settings) -> str:
    from riskmodel.training.pyfunc import RiskmodelModel, example_records
    from riskmodel.training.reference import REFERENCE_FILE, write_reference

    with tempfile.TemporaryDirectory() as tmp:
        artifacts = scorer.save(tmp)
        if scorer.reference is not None:  # features, as_of, score, probability: no identifiers
            artifacts["reference"] = str(write_reference(scorer.reference, Path(tmp) / REFERENCE_FILE))
        example = example_records()
        python_model = RiskmodelModel()
        python_model.scorer = scorer
        out = python_model.predict(None, example, {"as_of": "", "explain": len(example)})
        return log_pyfunc_model(artifacts=artifacts, example=example, output=out, params={"as_of": "", "explain": 0},
                                registered_model_name=settings.model_name, pip_requirements=_requirements())


def _requirements() -> list[str]:
    from importlib.metadata import version

    pkgs = ("mlflow", "lightgbm", "scikit-learn", "pandas", "numpy", "pyarrow", "pydantic", "pydantic-settings",
            "pyyaml", "joblib")
    return [f"{p}=={version(p)}" for p in pkgs]


def evaluate_job(data_dir: str | Path, *, model_uri: str | None = None, cutoff=None, config_path=None,
                 progress: Progress = _noop, settings: Settings | None = None, log: bool = True) -> dict:
    """Evaluate model vs logistic vs rule vs oracle on as-of dates after training; logged as a run of
    kind ``evaluation``.

    Without ``model_uri``: back-test the recipe (fit at ``C − H − eval_weeks`` with only data
    reported by then, evaluate on later dates). With ``model_uri``: evaluate that model on the
    as-of dates after its training cut-off, with the logistic baseline fit at the same cut-off.
    """
    from riskmodel.training.scorers import load_scorer

    settings = settings or get_settings()
    cfg = TrainConfig.load(config_path)
    panel = load(data_dir)
    truth = load_truth(data_dir)
    c = training_cutoff(cutoff, panel.cutoff(), panel.data_start())
    data = panel.as_of(c)
    earliest = data.data_start()
    version = None
    if model_uri is None:
        start = c - pd.Timedelta(weeks=cfg.horizon_weeks + cfg.eval_weeks)
        fitted = fit_recipe(data, start, cfg, progress=progress, earliest=earliest)
        models = {"lightgbm": fitted.lightgbm, "logistic": fitted.logistic}
        source = "back-test of the training recipe"
    else:
        scorer = load_scorer(model_uri)
        version = scorer.model_version
        start = pd.Timestamp(scorer.meta["training_cutoff"])
        if not evaluation_dates(start, c, cfg)[0]:
            raise ValueError(f"nothing to evaluate {model_uri} on: its training cut-off {start:%Y-%m-%d} plus the "
                             f"{cfg.horizon_weeks}-week outcome horizon is after the data cut-off {c:%Y-%m-%d}; "
                             "give a later --cutoff or newer data")
        fitted = fit_recipe(data, start, cfg, progress=progress, earliest=earliest, with_lightgbm=False)
        models = {"lightgbm": scorer.model, "logistic": fitted.logistic}
        source = f"{model_uri} (version {scorer.model_version})"
    ev = evaluate(data, models, start, cfg, truth, data_cutoff=c, progress=progress)
    ev.report["source"] = source
    if log:
        from riskmodel.training import report as rep

        tags = {"source": source, "model_version": str(version or "-"), "recipe": Path(config_path).name
                if config_path else "built-in default"}
        with MlflowSession(settings) as session, session.start_run(
                f"evaluate-{'v' + str(version) if version else 'recipe'}-{c.date()}", tags=tags,
                kind="evaluation") as run:
            log_params({"data_cutoff": str(c.date()), "start": str(start.date()), "data_dir": Path(data_dir).name})
            log_metrics(mlflow_metrics(ev.report, "model" if model_uri else "backtest"))
            log_dataset(pd.DataFrame({"as_of": pd.to_datetime(ev.report["window"]["eval_dates"]),
                                      "role": "evaluation"}),
                        name=f"evaluation after {start.date()}", source=str(Path(data_dir).resolve()),
                        digest=frame_fingerprint(data.tables()), context="evaluation")
            log_json_artifact(ev.report, "evaluation.json")
            log_plots(rep, ev.frame, ev.report)
        ev.report["run_id"] = run.info.run_id
    return ev.report


def models_job(settings: Settings | None = None) -> dict:
    """Registered versions with aliases, training cut-off and back-test figures, and every alias on
    which the registry and the alias history disagree (moved outside riskmodel)."""
    settings = settings or get_settings()
    rows = []
    with MlflowSession(settings) as session:
        aliases = session.aliases()
        by_version: dict[str, list[str]] = {}
        for a, v in aliases.items():
            by_version.setdefault(v, []).append(a)
        for mv in session.versions():
            tags = mv.tags or {}
            rows.append({
                "version": str(mv.version), "aliases": sorted(by_version.get(str(mv.version), [])),
                "created": dt.datetime.fromtimestamp(mv.creation_timestamp / 1000, dt.timezone.utc)
                .isoformat(timespec="seconds"),
                "training_cutoff": tags.get("training_cutoff"), "run_id": mv.run_id, "recipe": tags.get("recipe"),
                "backtest": {k[len("backtest."):]: v for k, v in sorted(tags.items()) if k.startswith("backtest.")}})
    history = read_history(settings.alias_log)
    return {"versions": rows, "aliases": aliases,
            "disagreements": disagreements(history, aliases, settings.model_name),
            "history": [h for h in history if h.get("model", settings.model_name) == settings.model_name]}


def score_job(data_dir: str | Path, *, as_of, out: str | Path, model_uri: str | None = None,
              explain: int = 0, scheduler: str | None = None) -> pd.DataFrame:
    """Score every eligible household and write ``household_id, score, probability, rank, region_code``
    (plus band and category) to a CSV, atomically. ``scheduler``: a Dask scheduler address whose
    workers score the counties of a partitioned ``data_dir`` (a path they can read)."""
    from riskmodel.features.counties import is_partitioned
    from riskmodel.training.scorers import load_scorer
    from riskmodel.scoring.counties import score_by_county

    partitioned = is_partitioned(data_dir)
    if scheduler is not None and not partitioned:
        raise ValueError("--scheduler needs a county-partitioned data directory (households/county=…/)")
    scorer = load_scorer(model_uri)
    if partitioned:  # one county in memory at a time, ranked over all of them
        if scheduler is not None:
            client, _opened = dask_client(scheduler)  # an address: a client of its own, closed here
            with client, cluster_errors():
                scored = score_by_county(scorer, data_dir, pd.Timestamp(as_of), explain=explain or None,
                                         client=client)
        else:
            scored = score_by_county(scorer, data_dir, pd.Timestamp(as_of), explain=explain or None)
    else:
        scored = scorer.score(load(data_dir), pd.Timestamp(as_of), explain=explain or None)
    cols = ["household_id", "score", "probability", "rank", "region_code", "band", "category"]
    frame = scored[cols].copy()
    if explain:
        frame["risk_types"] = [";".join(v) if isinstance(v, list) else "" for v in scored["risk_types"]]
    write_atomic(Path(out), frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    return frame


def write_json(obj, path: str | Path) -> None:
    write_atomic(Path(path), json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
