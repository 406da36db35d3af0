"""Scoring over HTTP: what the score routes call (the routes only read the request and answer).

Single requests are scored by the dynamic batcher on the event loop; batch requests in a
worker thread, one batch at a time per process.

A batch that breaks the OpenAPI schema anywhere (broken JSON, a wrong type or value in any
household, too many households) is one 422, as the schema promises — a client's encoding bug,
not a household's data. A schema-valid batch always scores: households that break the
contract's cross-row rules (one head, costs that balance, references, eligibility on the
as-of date) are listed in ``errors`` with the details a single request would get, and the
others are scored.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from zoneinfo import ZoneInfo

from cachetools import TTLCache
from pydantic import BaseModel

from riskmodel.listing import ListPolicy, band_at_cutoffs
from riskmodel.serving.auth import in_region
from riskmodel.serving.batching import ScoreBatcher
from riskmodel.serving.config import ServingSettings
from riskmodel.serving.errors import ApiError, clean_errors, validate_now
from riskmodel.serving.model_holder import LoadedModel, ModelHolder
from riskmodel.serving.observe import Metrics
from riskmodel.serving.payload import PayloadError, score_payloads
from riskmodel.serving.schemas import HouseholdPayload
from riskmodel.store import ApiKeyInfo, StoreProtocol

#: Seconds a week's band cut-offs are reused before the store is asked again.
BAND_CACHE_S = 300
_BATCH_LOC = ["body", "households"]
_MISSING = object()


@dataclass(eq=False)
class ScoringService:
    """The served model, its bands and the two ways in (single requests and batches)."""

    store: StoreProtocol
    holder: ModelHolder
    serving: ServingSettings
    _: KW_ONLY
    capacity_share: float
    batch_model: type[BaseModel]
    metrics: Metrics | None = None
    tz: ZoneInfo = field(init=False)
    batcher: ScoreBatcher = field(init=False)
    _bands: TTLCache[str, dict | None] = field(
        default_factory=lambda: TTLCache(maxsize=16, ttl=BAND_CACHE_S), init=False, repr=False)
    _bands_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    """TTLCache is not thread-safe; batches score in a worker thread."""
    _batch_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.serving.timezone)
        self.batcher = ScoreBatcher(self.score_now, self.serving.coalesce_max)

    def today(self) -> dt.date:
        """Today where the offices are (``RISKMODEL_SERVE_TIMEZONE``, Asia/Shanghai by default)."""
        return dt.datetime.now(self.tz).date()

    def loaded(self) -> LoadedModel:
        loaded = self.holder.current
        if loaded is None:
            raise ApiError(503, "no model loaded yet (see /readyz)")
        return loaded

    def _banded(self, results: list[dict], loaded: LoadedModel) -> list[dict]:
        """Band each result as it would rank in the latest stored week of the same model version.

        The scorer's own band is relative to the households scored together, meaningless for
        one household; the weekly run's stored scores give the real cut-offs (None until then).
        """
        with self._bands_lock:
            cached = self._bands.get(loaded.version, _MISSING)
        if cached is _MISSING:
            policy = ListPolicy(capacity_share=float(loaded.scorer.capacity_share))
            cached = self.store.score_cutoffs(policy.band_shares, loaded.version)
            with self._bands_lock:
                self._bands[loaded.version] = cached
        cut = cached
        for r, band in zip(results, band_at_cutoffs([r["score"] for r in results], cut and cut["cutoffs"])):
            r["band"] = band
        return results

    def score_now(self, payloads: Sequence, prefix: list, default_as_of: dt.date) -> list[dict]:
        """Score payloads with the model loaded right now (one version for all of them)."""
        loaded = self.loaded()
        if self.metrics is not None:
            self.metrics.batch.observe(len(payloads))
        return self._banded(score_payloads(loaded, payloads, prefix, default_as_of,
                                           full_validation=self.serving.full_validation), loaded)

    @staticmethod
    def check_region(key: ApiKeyInfo, payloads) -> None:
        for p in payloads:
            if not in_region(key, p.household.region_code):
                raise ApiError(403, "this key may only score households in its own region")

    async def score_one(self, key: ApiKeyInfo, payload) -> dict:
        """One household, scored with whatever arrives with it (``PayloadError`` if it breaks the contract)."""
        self.check_region(key, [payload])
        self.loaded()
        result = await self.batcher.submit(payload, self.today())
        if self.metrics is not None:
            self.metrics.scored.inc()
        return result

    def score_batch(self, key: ApiKeyInfo, body: bytes) -> dict:
        """Validate, score and report one batch request, one batch at a time per process.

        All of it off the event loop, so single scores keep flowing meanwhile (LightGBM releases
        the GIL); one at a time, because concurrent batches only take turns at the GIL.
        """
        with self._batch_lock:
            good, as_of, failures = self._parse_batch(body)
            self.check_region(key, [p for _, p in good])
            results: dict[int, dict] = {}
            model = None
            if good:
                self.loaded()
                results = self._score_batch(good, as_of or self.today(), failures)
            if results:
                model = next(iter(results.values()))["model"]
                if self.metrics is not None:
                    self.metrics.scored.inc(len(results))
            return {"results": [results[i] for i in sorted(results)],
                    "errors": sorted(failures, key=lambda f: f["index"]), "model": model}

    def _parse_batch(self, body: bytes) -> tuple[list[tuple[int, object]], dt.date | None, list[dict]]:
        """The households (with their index) and the batch's ``as_of``; a body that breaks the
        OpenAPI schema anywhere is one 422, as the schema promises."""
        payload = validate_now(self.batch_model, body)
        return list(enumerate(payload.households)), payload.as_of, []

    def _score_batch(self, good: list[tuple[int, object]], as_of: dt.date, failures: list[dict]) -> dict[int, dict]:
        """Score the households; those the contract rejects move to ``failures`` and the rest are rescored."""
        pending = list(good)
        while pending:
            try:
                scored = self.score_now([p for _, p in pending], _BATCH_LOC, as_of)
                return {i: r for (i, _), r in zip(pending, scored)}
            except PayloadError as err:
                blamed: dict[int, list[dict]] = {}
                for e in err.errors:
                    loc = e["loc"]
                    if len(loc) > 2 and isinstance(loc[2], int):
                        blamed.setdefault(loc[2], []).append(e)
                if not blamed:  # problems not attributable to a household: score each alone
                    return self._score_each(pending, as_of, failures)
                keep = []
                for j, (i, p) in enumerate(pending):
                    if j in blamed:
                        item = {"household": {"household_id": p.household.household_id}}
                        failures.append(_failure(i, item, [{**e, "loc": [*_BATCH_LOC, i, *e["loc"][3:]]}
                                                           for e in blamed[j]]))
                    else:
                        keep.append((i, p))
                pending = keep
        return {}

    def _score_each(self, pending, as_of, failures) -> dict[int, dict]:
        out = {}
        for i, p in pending:
            try:
                out[i] = self.score_now([p], _BATCH_LOC, as_of)[0]
            except PayloadError as err:
                failures.append(_failure(i, {"household": {"household_id": p.household.household_id}},
                                         [{**e, "loc": [*_BATCH_LOC, i, *e["loc"][3:]]} for e in err.errors]))
        return out


def _failure(index: int, item, errors: list[dict]) -> dict:
    hid = None
    if isinstance(item, dict) and isinstance(item.get("household"), dict):
        hid = item["household"].get("household_id")
    return {"index": index, "household_id": hid[:64].encode("utf-8", "replace").decode() if isinstance(hid, str)
            else None, "detail": clean_errors(errors)}
