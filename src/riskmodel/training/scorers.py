"""``load_scorer``: the ``Scorer`` behind an MLflow model URI, loaded once per model version.

Here, beside the MLflow adapter, and not in ``riskmodel.scoring``: scoring is the model
applied with the list policy and knows nothing of registries.
"""

from __future__ import annotations

import threading

from riskmodel.scoring import Scorer
from riskmodel.settings import get_settings
from riskmodel.training.tracking import load_pyfunc_scorer, resolve_model_uri

_CACHE: dict[tuple[str, str], Scorer] = {}
_LOCK = threading.Lock()


def load_scorer(model_uri: str | None = None) -> Scorer:
    """The scorer behind an MLflow model URI (default ``models:/<model_name>@champion``).

    Artifacts are loaded once per resolved model version and cached, so calling this on
    every request is cheap; an alias that moves resolves to the new version on the next call.
    """
    settings = get_settings()
    uri = model_uri or f"models:/{settings.model_name}@champion"
    resolved, version = resolve_model_uri(uri, settings)
    key = (settings.mlflow_tracking_uri, resolved)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    scorer = load_pyfunc_scorer(resolved, settings)
    if version is not None:
        scorer.model_version = version
    with _LOCK:
        _CACHE[key] = scorer
    return scorer


__all__ = ["load_scorer"]
