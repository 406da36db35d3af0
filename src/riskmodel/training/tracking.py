"""MLflow adapter: the only place riskmodel talks to MLflow tracking and the model registry.

``MlflowSession`` points MLflow at the settings' tracking URI (default a SQLite file in the
working directory) for the duration of a ``with`` block and restores the previous URI after,
so importing riskmodel never changes global MLflow state. Artifacts stay local, under
``settings.mlflow_artifact_root``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from riskmodel.settings import Settings, get_settings


_URI_VARS = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")


class MlflowSession:
    """Context manager: MLflow tracking and registry pointed at ``settings`` inside the block."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()

    def __enter__(self) -> MlflowSession:
        import mlflow
        from mlflow.tracking import MlflowClient

        from mlflow.tracking._model_registry import utils as registry_utils
        from mlflow.tracking._tracking_service import utils as tracking_utils

        self._previous = {"env": {k: os.environ.get(k) for k in _URI_VARS},
                          "tracking": tracking_utils._tracking_uri, "registry": registry_utils._registry_uri}
        mlflow.set_tracking_uri(self.settings.mlflow_tracking_uri)
        mlflow.set_registry_uri(self.settings.mlflow_tracking_uri)
        self.client = MlflowClient(self.settings.mlflow_tracking_uri, self.settings.mlflow_tracking_uri)
        return self

    def __exit__(self, *exc) -> None:
        import mlflow
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

    def experiment_id(self) -> str:
        """The settings' experiment, created with a local artifact location if missing."""
        name = self.settings.experiment_name
        exp = self.client.get_experiment_by_name(name)
        if exp is not None:
            return exp.experiment_id
        root = Path(self.settings.mlflow_artifact_root).resolve()
        root.mkdir(parents=True, exist_ok=True)
        return self.client.create_experiment(name, artifact_location=root.as_uri())

    def start_run(self, run_name: str, tags: dict[str, str] | None = None):
        import mlflow

        return mlflow.start_run(experiment_id=self.experiment_id(), run_name=run_name, tags=tags or {})

    # -- registry -------------------------------------------------------------------------

    def alias_version(self, alias: str) -> str | None:
        from mlflow.exceptions import MlflowException

        try:
            return str(self.client.get_model_version_by_alias(self.settings.model_name, alias).version)
        except MlflowException:
            return None

    def versions(self) -> list:
        from mlflow.exceptions import MlflowException

        try:
            found = self.client.search_model_versions(f"name='{self.settings.model_name}'")
        except MlflowException:
            return []
        return sorted(found, key=lambda v: int(v.version))

    def aliases(self) -> dict[str, str]:
        """alias → version for the registered model (empty if it does not exist yet)."""
        from mlflow.exceptions import MlflowException

        try:
            rm = self.client.get_registered_model(self.settings.model_name)
        except MlflowException:
            return {}
        return {a: str(v) for a, v in (rm.aliases or {}).items()}

    def set_alias(self, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(self.settings.model_name, alias, str(version))


def resolve_model_uri(uri: str, settings: Settings | None = None) -> tuple[str, str | None]:
    """``models:/name@alias`` → (``models:/name/version``, version); other URIs unchanged."""
    settings = settings or get_settings()
    if uri.startswith("models:/") and "@" in uri:
        name, alias = uri[len("models:/"):].split("@", 1)
        with MlflowSession(settings) as s:
            from mlflow.exceptions import MlflowException

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
    """Load the logged pyfunc and return the ``Scorer`` inside it (the same object it serves with)."""
    import mlflow

    with MlflowSession(settings):
        model = mlflow.pyfunc.load_model(uri)
    return model.unwrap_python_model().scorer


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


def log_text_artifact(text: str, name: str) -> None:
    import mlflow

    mlflow.log_text(text, name)


def log_json_artifact(obj, name: str) -> None:
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str), "utf-8")
        mlflow.log_artifact(str(path))
