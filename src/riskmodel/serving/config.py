"""Settings of the HTTP service (``RISKMODEL_SERVE_*``), beside the project's ``Settings``."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RISKMODEL_SERVE_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    #: Model to serve; default ``models:/<model_name>@champion`` (followed as the alias moves).
    model_uri: str | None = None
    alias: str = "champion"
    #: Seconds between checks of the registry alias (0 = load once, never swap).
    reload_interval_s: float = 30.0
    #: Largest request body accepted (bytes); larger → 413.
    max_body_bytes: int = 2_000_000
    #: Most households in one batch request.
    max_batch: int = 500
    #: Most single-household requests scored together when they arrive together (dynamic
    #: batching shares the fixed cost of a scoring call under load; 1 = score each alone).
    coalesce_max: int = 32
    #: Validate payloads with the whole ``Panel.from_frames`` loader (slower) instead of the
    #: schema-generated models plus the contract's cross-row ``check_tables`` (the default).
    full_validation: bool = False
    #: Seconds a verified API key is remembered in-process (revocation takes effect after this).
    auth_cache_s: float = 5.0
    #: Time zone of "today" (the default ``as_of`` of a score, the future check of a visit date).
    timezone: str = "Asia/Shanghai"
    #: First and longest wait between attempts to load the model while none is loaded (backoff).
    load_retry_initial_s: float = 1.0
    load_retry_max_s: float = 60.0
    #: Seconds start-up waits for the first model load attempt before listening anyway (0 = listen
    #: at once; tests wait, so that their first request finds the model).
    startup_wait_s: float = 0.0
