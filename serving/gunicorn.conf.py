"""gunicorn settings for the riskmodel API (production start; see serving/README.md).

    gunicorn -c serving/gunicorn.conf.py

The workers share one listening socket, so connections opened together may all land on one
worker; ``riskmodel serve --workers N`` gives each worker its own socket (see serving/README.md).

Every worker builds its own app (``create_app`` factory): its own model holder, which follows
the champion alias on its own, and its own connection pool to the store. Overrides come from
the environment (``RISKMODEL_SERVE_*``, ``RISKMODEL_DATABASE_URL``, ``RISKMODEL_MLFLOW_TRACKING_URI``)
or gunicorn's own flags/``GUNICORN_CMD_ARGS``.
"""

import multiprocessing
import os

wsgi_app = "riskmodel.serving.app:create_app()"
worker_class = "uvicorn.workers.UvicornWorker"
bind = f"{os.environ.get('RISKMODEL_SERVE_HOST', '0.0.0.0')}:{os.environ.get('RISKMODEL_SERVE_PORT', '8000')}"
# scoring is CPU-bound pandas work: one worker per core, a few threads each for I/O waits
workers = int(os.environ.get("RISKMODEL_SERVE_WORKERS", multiprocessing.cpu_count()))
timeout = 60            # a batch of 500 households fits well inside this
graceful_timeout = 30   # requests in flight finish on reload/stop
keepalive = 5
max_requests = 20000    # recycle workers now and then (bounded memory growth)
max_requests_jitter = 2000
accesslog = None        # raw paths carry household ids; the app logs route templates instead
errorlog = "-"
loglevel = "info"
