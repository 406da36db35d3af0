"""``Scorer``: a loaded model that scores a ``Panel`` as of a date (``riskmodel.training.scorers.load_scorer`` gets
one from the MLflow registry).

The weekly run, the API and the MLflow pyfunc all score through this one class, so the HTTP
service, ``mlflow models serve`` and the weekly lists agree row for row.

Output of ``Scorer.score`` (one row per eligible household, sorted by rank):
``household_id, region_code, score, probability, rank, band, category, category_zh`` and, for
rows named in ``explain``, ``risk_types`` (codes, main first), ``contributions`` (code → log-odds)
and ``measures`` (None elsewhere).

- ``score``: the model's uncalibrated probability, used for ranking;
- ``probability``: calibrated probability of identification within the horizon;
- ``rank``, ``band``, ``category``, the shown ``risk_types`` and ``measures``: the list policy's
  (``riskmodel.listing``), with the model's capacity share;
- ``projected_income_pc``, ``projected_income_line_ratio``: 收入预评估, the projected per-capita
  net income of the as-of date's year (months reported so far, the rest at the mean of the 12
  latest reported months) and its ratio to that year's monitoring line.
"""

from __future__ import annotations

import json
from typing import Protocol, runtime_checkable
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.contract import CATEGORY_ZH, Panel, Policy
from riskmodel.contract.columns import arrow_text, id_array, positions
from riskmodel.listing import CAPACITY_SHARE, ListPolicy, bands, categories, rank_order

OUTPUT_COLUMNS = ("household_id", "region_code", "score", "probability", "rank", "band", "category",
                  "category_zh", "projected_income_pc", "projected_income_line_ratio", "risk_types", "contributions",
                  "measures")
#: 收入预评估: the year's projected per-capita net income and its ratio to the year's monitoring
#: line, as features.yaml defines them (NaN for a model without them or a household without income).
PROJECTED_INCOME = {"projected_income_pc": "projected_income_pc_year",
                    "projected_income_line_ratio": "projected_income_line_ratio"}


@runtime_checkable
class ScorerProtocol(Protocol):
    """What the weekly run, the API and the pages read of a scorer: ``Scorer`` and the test
    fakes alike (a fake without one of these fails at once, not in a hidden branch)."""

    model_name: str
    model_version: str | None
    capacity_share: float
    #: The drift reference sample: a DataFrame, a callable returning one, or None.
    reference: object

    def score(self, panel: Panel, as_of, *, explain: Iterable[str] | int | None = None) -> pd.DataFrame: ...

    def columns(self, panel: Panel, as_of, *, explain: Iterable[str] | int | None = None) -> dict[str, object]: ...

    def score_features(self, feats: pd.DataFrame, panel: Panel, as_of, *,
                       explain: Iterable[str] | int | None = None) -> pd.DataFrame: ...


class Scorer:
    """A calibrated model plus what it needs to score: feature names, policy, capacity share.

    The model (``training.model.CalibratedLightGBM``) has ``feature_names_``, ``score(X)``,
    ``calibrate_scores(s)`` and ``contributions(X)``; the scorer hands it ``X`` as a float
    matrix whose columns are ``feature_names_``, built once per call.
    """

    def __init__(self, model, *, model_name: str = "riskmodel", model_version: str | None = None,
                 capacity_share: float = CAPACITY_SHARE, meta: dict | None = None, reference=None):
        self.model = model
        self.model_name = model_name
        self.model_version = model_version
        self.capacity_share = capacity_share
        self.meta = dict(meta or {})
        #: The drift reference sample logged with the model (``riskmodel.training.reference``): a
        #: DataFrame, or a callable returning one (``LazyReference``, read on first use); None if absent.
        self.reference = reference

    @property
    def list_policy(self) -> ListPolicy:
        """The list policy with this model's capacity share (bands are relative to it); made again
        only when the share changes (the API asks for it on every call)."""
        kept = self.__dict__.get("_list_policy")
        if kept is None or kept.capacity_share != self.capacity_share:
            kept = self._list_policy = ListPolicy(capacity_share=self.capacity_share)
        return kept

    @property
    def policy(self) -> Policy | None:
        raw = self.meta.get("policy")
        return Policy.model_validate(raw) if raw else None

    # -- scoring ---------------------------------------------------------------------------

    def score(self, panel: Panel, as_of: str | pd.Timestamp, *, explain: Iterable[str] | int | None = None,
              ) -> pd.DataFrame:
        """Score every eligible household of ``panel`` as of ``as_of`` (see module docstring)."""
        return pd.DataFrame(self.columns(panel, as_of, explain=explain))

    def columns(self, panel: Panel, as_of: str | pd.Timestamp, *, explain: Iterable[str] | int | None = None,
                ) -> dict[str, object]:
        """``score``'s columns as arrays, without the frame (the API turns them into JSON directly)."""
        from riskmodel.features import feature_arrays

        t = pd.Timestamp(as_of)
        fa = feature_arrays(panel, t)
        names = self.model.feature_names_
        X = fa.values if fa.names == names else fa.values[:, [fa.names.index(c) for c in names]]
        return self._score(fa.household_id, fa.region_code, X, panel, t, explain)

    def score_features(self, feats: pd.DataFrame, panel: Panel, as_of: pd.Timestamp, *,
                       explain: Iterable[str] | int | None = None) -> pd.DataFrame:
        """``score`` for an already built feature frame (``build_features(panel, as_of)``)."""
        from riskmodel.features.matrix import feature_matrix

        X = feature_matrix(feats, self.model.feature_names_) if len(feats) else None
        return pd.DataFrame(self._score(feats["household_id"].array, feats["region_code"].array, X, panel,
                                        pd.Timestamp(as_of), explain))

    def _score(self, household_ids, region_codes, X: np.ndarray | None, panel: Panel, as_of: pd.Timestamp,
               explain) -> dict[str, object]:
        n = len(household_ids)
        s = self.model.score(X) if n else np.zeros(0)
        p = self.model.calibrate_scores(s) if n else np.zeros(0)
        order = rank_order(s, household_ids)
        ranked = not np.array_equal(order, np.arange(n))  # one household: nothing to reorder
        household_id = id_array(arrow_text(household_ids).take(order) if ranked else household_ids)
        rank = np.arange(1, n + 1, dtype=np.int64)
        policy = self.list_policy
        category = categories(panel, as_of, household_id)
        extra = {col: np.full(n, None, dtype=object) for col in ("risk_types", "contributions", "measures")}
        rows = self._explain_rows(household_id, explain)
        if len(rows):
            rs = self._reasons(X[order[rows]], policy)
            for col, values in extra.items():
                for i, item in zip(rows, rs[col]):  # item by item: numpy would unpack equal-length lists
                    values[i] = item
        names = self.model.feature_names_
        projected = {col: (X[order, names.index(f)].astype(float) if n and f in names else np.full(n, np.nan))
                     for col, f in PROJECTED_INCOME.items()}
        return {
            "household_id": household_id,
            "region_code": id_array(arrow_text(region_codes).take(order) if ranked else region_codes),
            "score": s[order].astype(float), "probability": p[order].astype(float), "rank": rank,
            "band": bands(rank, n, policy),
            "category": category, "category_zh": np.array([CATEGORY_ZH[c] for c in category], dtype=object),
            **projected, **extra,
        }

    @staticmethod
    def _explain_rows(household_id, explain) -> np.ndarray:
        """Positions (in rank order) of the rows to explain: the first ``explain`` or those named."""
        if explain is None or explain is False:
            return np.zeros(0, dtype=np.int64)
        if isinstance(explain, (int, np.integer)) and not isinstance(explain, bool):
            return np.arange(min(int(explain), len(household_id)), dtype=np.int64)
        if isinstance(explain, str):
            explain = [explain]
        return np.flatnonzero(positions(household_id, [str(h) for h in explain]) >= 0)

    def reasons(self, X: pd.DataFrame) -> pd.DataFrame:
        """Risk types, contributions and measures for the feature rows given (shown rows only)."""
        from riskmodel.features.matrix import feature_matrix

        return pd.DataFrame(self._reasons(feature_matrix(X, self.model.feature_names_)), index=X.index)

    def _reasons(self, X: np.ndarray, policy: ListPolicy | None = None) -> dict[str, list]:
        from riskmodel.explain import explained_sums, reason_lists

        plan, codes, measures = self._risk_type_maps()
        sums = explained_sums(self.model.contributions(X), X, plan)
        return reason_lists(sums, codes, measures, policy or self.list_policy)

    def _risk_type_maps(self) -> tuple[object, list[str], dict[str, tuple[str, ...]]]:
        """The attribution plan over the model's features, the risk-type codes and their measures.

        Built on first use and kept: the API explains every household it scores.
        """
        maps = self.__dict__.get("_maps")
        if maps is None or maps[0] is not self.model:
            from riskmodel.contract import RISK_TYPES
            from riskmodel.explain import AttributionPlan
            from riskmodel.features import feature_specs
            from riskmodel.features.spec import risk_types

            plan = AttributionPlan(self.model.feature_names_, {s.name: s for s in feature_specs()})
            maps = self._maps = (self.model, plan, list(RISK_TYPES),
                                 {code: rt.measures for code, rt in risk_types().items()})
        return maps[1:]

    # -- persistence -----------------------------------------------------------------------

    def save(self, folder: str | Path) -> dict[str, str]:
        """Write ``model.joblib`` and ``meta.json`` into ``folder``; return the artifact paths."""
        import joblib

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        model_path, meta_path = folder / "model.joblib", folder / "meta.json"
        joblib.dump(self.model, model_path)
        meta = {**self.meta, "capacity_share": self.capacity_share, "model_name": self.model_name}
        meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str), "utf-8")
        return {"model": str(model_path), "meta": str(meta_path)}

    @classmethod
    def from_files(cls, model_path: str | Path, meta_path: str | Path, *, model_version: str | None = None,
                   ) -> Scorer:
        import joblib

        meta = json.loads(Path(meta_path).read_text("utf-8"))
        return cls(joblib.load(model_path), model_name=meta.get("model_name", "riskmodel"),
                   model_version=model_version, capacity_share=float(meta.get("capacity_share", CAPACITY_SHARE)), meta=meta)


__all__ = ["OUTPUT_COLUMNS", "Scorer", "ScorerProtocol"]
