"""MLflow adapter: the only module of riskmodel that imports MLflow.

``MlflowSession`` points MLflow at the settings' tracking URI (default a SQLite file in the
working directory) for the duration of a ``with`` block and restores the previous URI after,
so importing riskmodel never changes global MLflow state. Artifacts stay local, under
``settings.mlflow_artifact_root``.

Layout users find in the MLflow UI: one experiment per purpose (training and evaluation runs
in ``settings.experiment_name``, weekly runs in ``settings.weekly_experiment``, promotions in
``settings.promotion_experiment``), every run tagged ``kind``; a registered version carries
its model card as description and its back-test's key figures as tags. Jobs call the
functions here and never MLflow itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from riskmodel.settings import Settings, get_settings
from riskmodel.training.pyfunc import RiskmodelModel

_URI_VARS = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
#: Run kind → the settings field naming its experiment.
KIND_EXPERIMENT = {"training": "experiment_name", "evaluation": "experiment_name",
                   "weekly": "weekly_experiment", "promotion": "promotion_experiment"}

MlflowError = MlflowException


class RiskmodelPyfunc(RiskmodelModel, mlflow.pyfunc.PythonModel):
    """The logged pyfunc: ``RiskmodelModel``'s behaviour under MLflow's ``PythonModel`` interface."""


class MlflowSession:
    """Context manager: MLflow tracking and registry pointed at ``settings`` inside the block."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()

    def __enter__(self) -> MlflowSession:
        from mlflow.tracking._model_registry import utils as registry_utils
        from mlflow.tracking._tracking_service import utils as tracking_utils

        self._previous = {"env": {k: os.environ.get(k) for k in _URI_VARS},
                          "tracking": tracking_utils._tracking_uri, "registry": registry_utils._registry_uri}
        mlflow.set_tracking_uri(self.settings.mlflow_tracking_uri)
        mlflow.set_registry_uri(self.settings.mlflow_tracking_uri)
        self.client = MlflowClient(self.settings.mlflow_tracking_uri, self.settings.mlflow_tracking_uri)
        return self

    def __exit__(self, *exc) -> None:
        from mlflow.tracking._model_registry import utils as registry_utils

        # put back exactly what was there (unset stays unset: MLflow's setters export env vars)
        mlflow.set_tracking_uri(self._previous["tracking"])
        registry_utils._registry_uri = self._previous["registry"]
        for k, v in self._previous["env"].items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    # -- experiments and runs ----------------------------------------------------------------

    def experiment_id(self, kind: str = "training") -> str:
        """The experiment for runs of ``kind``, created with a local artifact location if missing."""
        name = getattr(self.settings, KIND_EXPERIMENT[kind])
        exp = self.client.get_experiment_by_name(name)
        if exp is not None:
            return exp.experiment_id
        root = Path(self.settings.mlflow_artifact_root).resolve()
        root.mkdir(parents=True, exist_ok=True)
        return self.client.create_experiment(name, artifact_location=root.as_uri(), tags={"purpose": kind})

    def start_run(self, run_name: str, tags: dict[str, str] | None = None, *, kind: str = "training"):
        """A run of ``kind`` (training, evaluation, promotion, weekly) in the experiment for it."""
        return mlflow.start_run(experiment_id=self.experiment_id(kind), run_name=run_name,
                                tags={**(tags or {}), "kind": kind})

    def run_metrics(self, run_id: str | None) -> dict[str, float]:
        if not run_id:
            return {}
        try:
            return dict(self.client.get_run(run_id).data.metrics)
        except MlflowException:  # a deleted run leaves the version without metrics
            return {}

    # -- registry -------------------------------------------------------------------------

    def alias_version(self, alias: str) -> str | None:
        try:
            return str(self.client.get_model_version_by_alias(self.settings.model_name, alias).version)
        except MlflowException:
            return None

    def version(self, version: str):
        """The registered version, or ``LookupError`` naming it."""
        try:
            return self.client.get_model_version(self.settings.model_name, str(version))
        except MlflowException:
            raise LookupError(f"registered model {self.settings.model_name!r} has no version {version!r} at "
                              f"{self.settings.mlflow_tracking_uri} (see `riskmodel models`)") from None

    def versions(self) -> list:
        try:
            found = self.client.search_model_versions(f"name='{self.settings.model_name}'")
        except MlflowException:
            return []
        return sorted(found, key=lambda v: int(v.version))

    def aliases(self) -> dict[str, str]:
        """alias → version for the registered model (empty if it does not exist yet)."""
        try:
            rm = self.client.get_registered_model(self.settings.model_name)
        except MlflowException:
            return {}
        return {a: str(v) for a, v in (rm.aliases or {}).items()}

    def set_alias(self, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(self.settings.model_name, alias, str(version))

    def describe_version(self, version: str, description: str, tags: dict[str, str]) -> None:
        """The model card as the version's description and a bounded set of tags."""
        self.client.update_model_version(self.settings.model_name, str(version), description=description)
        for k, v in tags.items():
            self.client.set_model_version_tag(self.settings.model_name, str(version), k, str(v))

    def tag_version(self, version: str, key: str, value: str) -> None:
        self.client.set_model_version_tag(self.settings.model_name, str(version), key, value[:4900])

    def tag_model(self, key: str, value: str) -> None:
        self.client.set_registered_model_tag(self.settings.model_name, key, value[:4900])


# -- logging inside an active run -------------------------------------------------------------

def log_params(params: dict) -> None:
    mlflow.log_params({k: str(v)[:6000] for k, v in params.items()})


def log_metrics(metrics: dict[str, float]) -> None:
    mlflow.log_metrics({k: float(v) for k, v in metrics.items()})


def log_figure(fig, path: str) -> None:
    import matplotlib.pyplot as plt

    mlflow.log_figure(fig, path)
    plt.close(fig)


def log_text_artifact(text: str, name: str) -> None:
    mlflow.log_text(text, name)


def log_json_artifact(obj, name: str) -> None:
    mlflow.log_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str), name)


def log_file(path: str | Path, artifact_path: str | None = None) -> None:
    mlflow.log_artifact(str(path), artifact_path=artifact_path)


def set_run_tags(tags: dict[str, str]) -> None:
    mlflow.set_tags({k: str(v) for k, v in tags.items()})


def log_dataset(dates: pd.DataFrame, *, name: str, source: str, digest: str, context: str) -> None:
    """Record which data a run used as an MLflow dataset input: the as-of dates and their role
    (no household rows), the data's content fingerprint as digest, the data folder as source."""
    first, last = str(dates["as_of"].min())[:10], str(dates["as_of"].max())[:10]
    with warnings.catch_warnings():  # MLflow registers its local-file source twice and says so each time
        warnings.filterwarnings("ignore", message="The specified dataset source can be interpreted in multiple ways")
        ds = mlflow.data.from_pandas(dates.astype({"as_of": str}), source=source, name=name, digest=digest[:36])
    mlflow.log_input(ds, context=context, tags={"as_of_first": first, "as_of_last": last,
                                                "as_of_dates": str(len(dates))})


def log_pyfunc_model(*, artifacts: dict[str, str], example: pd.DataFrame, output: pd.DataFrame,
                     params: dict, registered_model_name: str, pip_requirements: list[str]) -> str:
    """Log the scorer as a pyfunc with riskmodel's own code (``code_paths``) and register it.

    The package travels with the model, so an environment made from the model's own
    requirements serves it without the source tree. Returns the registered version.
    """
    from mlflow.models import infer_signature

    import riskmodel

    with warnings.catch_warnings():  # "integer columns cannot hold missing values": rank never is
        warnings.filterwarnings("ignore", message=".*integer column", category=UserWarning)
        signature = infer_signature(example, output, params=params)
    info = mlflow.pyfunc.log_model(
        name="model", python_model=RiskmodelPyfunc(), artifacts=artifacts, signature=signature,
        input_example=(example, params), registered_model_name=registered_model_name,
        pip_requirements=pip_requirements, code_paths=[str(Path(riskmodel.__file__).parent)],
        await_registration_for=60)
    return str(info.registered_model_version)


# -- loading --------------------------------------------------------------------------------

def resolve_model_uri(uri: str, settings: Settings | None = None) -> tuple[str, str | None]:
    """``models:/name@alias`` → (``models:/name/version``, version); other URIs unchanged."""
    settings = settings or get_settings()
    if uri.startswith("models:/") and "@" in uri:
        name, alias = uri[len("models:/"):].split("@", 1)
        with MlflowSession(settings) as s:
            try:
                version = str(s.client.get_model_version_by_alias(name, alias).version)
            except MlflowException as exc:
                raise LookupError(f"no model version has alias {alias!r} in registered model {name!r}"
                                  f" at {settings.mlflow_tracking_uri}: train and promote first") from exc
        return f"models:/{name}/{version}", version
    if uri.startswith("models:/"):
        parts = uri[len("models:/"):].split("/")
        return uri, parts[1] if len(parts) > 1 and parts[1].isdigit() else None
    return uri, None


def load_pyfunc_scorer(uri: str, settings: Settings | None = None):
    """Load the logged pyfunc and return the ``Scorer`` inside it (the same object it serves with).

    MLflow puts the model's copy of riskmodel first on ``sys.path``; where riskmodel is
    installed, that entry is taken out again so modules imported later come from one place.
    """
    before = list(sys.path)
    with MlflowSession(settings) as session:
        try:
            model = mlflow.pyfunc.load_model(uri)
        except MlflowException as exc:  # no such model, version, run or artifact: the URI given is wrong
            raise LookupError(f"no model at {uri} in {session.settings.mlflow_tracking_uri} ({exc.message}); "
                              "`riskmodel models` lists the registered versions") from None
        finally:
            sys.path[:] = before  # this process runs an installed riskmodel (this module is part of it)
    return model.unwrap_python_model().scorer


def download_model(uri: str, dst: str | Path, settings: Settings | None = None) -> Path:
    """The logged model's folder (MLmodel, requirements, code, artifacts) copied to ``dst``."""
    with MlflowSession(settings):
        return Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(dst)))


def registry_alias_version(tracking_uri: str, name: str, alias: str) -> str | None:
    """The version ``alias`` points at (None when the model or alias does not exist)."""
    try:
        return str(MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
                   .get_model_version_by_alias(name, alias).version)
    except MlflowException as exc:
        if "RESOURCE_DOES_NOT_EXIST" in str(getattr(exc, "error_code", "")) or "not found" in str(exc).lower():
            return None
        raise


def registry_version_info(tracking_uri: str, name: str, version: str) -> dict:
    """Registry facts about a version: run id, aliases, when registered and trained, the run's metrics."""
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    mv = client.get_model_version(name, version)
    out: dict = {"run_id": mv.run_id, "aliases": list(getattr(mv, "aliases", []) or []),
                 "registered_at": dt.datetime.fromtimestamp(mv.creation_timestamp / 1000, dt.timezone.utc)}
    if mv.run_id:
        try:
            run = client.get_run(mv.run_id)
            out["trained_at"] = dt.datetime.fromtimestamp(run.info.start_time / 1000, dt.timezone.utc)
            out["metrics"] = dict(run.data.metrics)
        except MlflowException:  # a registry without the run (copied model) still serves
            pass
    return out


# -- the weekly run ---------------------------------------------------------------------------

def log_weekly_run(settings: Settings, *, as_of: str, tags: dict[str, str], metrics: dict[str, float],
                   files: list[tuple[Path, str]], summary: dict | None = None) -> str:
    """One run of kind ``weekly`` in the weekly experiment: its metrics, tags, files
    (``(path, artifact folder)``) and ``summary`` as JSON. Nothing is written on the model version:
    weekly results belong to the weekly run. Returns the run id."""
    with MlflowSession(settings) as s, s.start_run(f"weekly-{as_of}", tags={**tags, "as_of": as_of},
                                                   kind="weekly") as run:
        log_metrics({k: v for k, v in metrics.items() if v is not None})
        for path, folder in files:
            if Path(path).exists():
                log_file(path, folder)
        if summary is not None:
            log_json_artifact(summary, "weekly_summary.json")
    return run.info.run_id


# -- run metadata -------------------------------------------------------------------------------

def git_commit(cwd: str | Path | None = None) -> str | None:
    """The current git commit of the source tree, if it is a git checkout."""
    here = Path(cwd) if cwd else Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def frame_fingerprint(frames: dict[str, pd.DataFrame]) -> str:
    """A stable hash of table contents (row hashes, order-independent per table)."""
    h = hashlib.sha256()
    for name in sorted(frames):
        df = frames[name]
        h.update(name.encode())
        h.update(",".join(map(str, df.columns)).encode())
        if len(df):
            try:
                rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
            except TypeError:  # a column type pandas cannot hash directly
                rows = pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy()
            rows.sort()
            h.update(rows.tobytes())
    return h.hexdigest()


def spec_fingerprint() -> str:
    """Hash of the feature and risk-type definitions the model was trained with."""
    from importlib import resources

    h = hashlib.sha256()
    folder = resources.files("riskmodel").joinpath("definitions")
    for name in sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml")):
        h.update(name.encode())
        h.update(folder.joinpath(name).read_bytes())
    return h.hexdigest()


__all__ = ["MlflowSession", "MlflowError", "RiskmodelPyfunc", "log_pyfunc_model", "load_pyfunc_scorer",
           "resolve_model_uri", "tempfile"]
