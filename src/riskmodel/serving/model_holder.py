"""The server's current model, swapped atomically when the registry alias moves.

A request takes one reference to the loaded model (``holder.current``) and uses it to the
end, so a swap never changes a request's model half-way and never fails a request in
flight: the old scorer stays alive until its last request drops the reference. MLflow's own
server loads once and must be restarted to follow an alias.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from riskmodel.scoring import ScorerProtocol

log = logging.getLogger("riskmodel.serving")

ScorerLoader = Callable[[str], Any]
"""``model_uri -> Scorer`` (``riskmodel.training.scorers.load_scorer`` in production)."""
VersionResolver = Callable[[], "str | None"]
"""Returns the version the alias points at now (None: no such alias yet)."""


@dataclass(frozen=True)
class LoadedModel:
    scorer: Any
    name: str
    version: str
    uri: str
    loaded_at: dt.datetime
    info: dict = field(default_factory=dict)


@dataclass(eq=False)
class ModelHolder:
    """Holds the loaded model; ``refresh()`` loads the alias's version if it moved.

    With a ``resolver`` the holder pins what it loads to ``models:/<name>/<version>``, so the
    version it reports is exactly the one it serves. Without one (a fixed ``model_uri``) it
    loads once.
    """

    loader: ScorerLoader
    model_uri: str
    _: KW_ONLY
    name: str
    resolver: VersionResolver | None = None
    info: Callable[[str], dict] | None = None
    on_swap: Callable[[LoadedModel], None] | None = None
    warm: Callable[[LoadedModel], None] | None = None
    current: LoadedModel | None = field(default=None, init=False)
    last_error: str | None = field(default=None, init=False)
    first_attempt: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    """One load at a time; readers never take it."""
    _stop: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    def refresh(self) -> bool:
        """Load the alias's current version if it differs from the served one; True if swapped."""
        with self._lock:
            try:
                if self.resolver is None:
                    if self.current is not None:
                        return False
                    version, uri = None, self.model_uri
                else:
                    version = self.resolver()
                    if version is None:
                        self.last_error = f"{self.model_uri}: alias not set"
                        return False
                    version = str(version)
                    if self.current is not None and self.current.version == version:
                        return False
                    uri = f"models:/{self.name}/{version}"
                scorer = self.loader(uri)
                if not isinstance(scorer, ScorerProtocol):
                    raise TypeError(f"{uri}: the loader returned a {type(scorer).__name__}, not a scorer")
                version = str(version if version is not None else (scorer.model_version or "unknown"))
                extra = self.info(version) if self.info else {}
                loaded = LoadedModel(scorer, str(scorer.model_name or self.name), version, uri,
                                     dt.datetime.now(dt.timezone.utc), extra)
            except Exception as exc:  # keep serving the old model; /readyz and the log say why
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("model load failed (%s); keeping version %s", type(exc).__name__,
                            self.current.version if self.current else None)
                return False
            if self.warm is not None:  # first-call costs (lazy imports, caches) before any request sees it
                try:
                    self.warm(loaded)
                except Exception as exc:  # a model that cannot score the example still loads; say so
                    log.warning("warm-up of version %s failed (%s)", loaded.version, type(exc).__name__)
            old = self.current
            self.current = loaded  # one reference assignment: atomic for readers
            self.last_error = None
            log.info("serving model %s version %s (was %s)", loaded.name, loaded.version,
                     old.version if old else None)
            if self.on_swap:
                self.on_swap(loaded)
            return True

    def status(self) -> str | None:
        """Why no model is served yet (None once one is)."""
        if self.current is not None:
            return None
        return self.last_error or "loading the model (first attempt under way)"

    def start(self, interval_s: float, *, retry_initial_s: float = 1.0, retry_max_s: float = 60.0) -> None:
        """Load in a daemon thread, retrying with backoff until a model is loaded; then poll the
        alias every ``interval_s`` seconds (0 = never).

        The server listens meanwhile: ``/healthz`` answers and ``/readyz`` says why it is not
        ready (a registry that is down can keep a client waiting for minutes per attempt).
        """
        if self._thread is not None:
            return
        self._stop.clear()
        self.first_attempt = threading.Event()

        def loop():
            delay = retry_initial_s
            while self.current is None:
                self.refresh()
                self.first_attempt.set()
                if self.current is not None:
                    break
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, retry_max_s)
            if interval_s <= 0 or self.resolver is None:
                return
            while not self._stop.wait(interval_s):
                self.refresh()

        self._thread = threading.Thread(target=loop, name="riskmodel-model-loader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling; a load stuck on an unreachable registry is left behind (daemon thread)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None


def mlflow_resolver(tracking_uri: str, name: str, alias: str) -> VersionResolver:
    """Version the registry alias points at, read with a client bound to ``tracking_uri``."""

    def resolve() -> str | None:
        from riskmodel.training.tracking import registry_alias_version

        return registry_alias_version(tracking_uri, name, alias)

    return resolve


def mlflow_info(tracking_uri: str, name: str) -> Callable[[str], dict]:
    """Registry facts about a version: run id, when trained, the run's metrics."""

    def info(version: str) -> dict:
        from riskmodel.training.tracking import registry_version_info

        return registry_version_info(tracking_uri, name, version)

    return info
