"""The HTTP service: FastAPI app factory, API-key auth, hot-swapping model holder.

``create_app(settings=None, scorer_loader=None, store=None)`` builds the app; ``riskmodel serve``
runs it with uvicorn (several workers: one socket each, ``serving.workers``),
``serving/gunicorn.conf.py`` with gunicorn workers.
"""

from riskmodel.serving.app import create_app
from riskmodel.serving.config import ServingSettings
from riskmodel.serving.model_holder import LoadedModel, ModelHolder

__all__ = ["LoadedModel", "ModelHolder", "ServingSettings", "create_app"]
