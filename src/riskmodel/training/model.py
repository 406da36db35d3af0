"""The estimators: calibrated LightGBM (primary) and a logistic-regression baseline.

LightGBM is fit on one window of as-of dates and its probabilities are calibrated on a later
window (isotonic or Platt), so the probabilities mean what they say on dates the trees never
saw. Ranking uses the uncalibrated ``score`` (isotonic calibration is a step function and
would create ties); ``probability`` is the calibrated value.
"""

from __future__ import annotations

import ctypes
import os
import threading
import weakref

import numpy as np
import pandas as pd

from riskmodel.features.matrix import feature_matrix

#: Pseudo-rows at the base rate added to each isotonic step (a Beta prior). Plain isotonic
#: gives the top step the rate of its few calibration rows — 0.44 for the top 0.1 % of a
#: 20k-household panel whose observed rate there was 0.14. With 50 prior rows Brier score,
#: log-loss and ECE improved on both demo panels checked (docs/evaluation.md).
ISOTONIC_PRIOR_ROWS = 50.0

#: The feature the trees start from: per-capita resources against the line (income when the
#: other tables are empty). Boosting from a one-feature logistic prior on it, the trees only
#: add what the rest of the data shows: on a panel with claims, events and assistance emptied
#: the plain trees ranked below a plain income ranking (docs/evaluation.md, thin data).
PRIOR_FEATURE = "resources_line_ratio"


class IncomePrior:
    """log-odds = a + b·log(max(ratio, 0.05)) + c·[ratio missing]: the trees' starting point."""

    FLOOR = 0.05

    def fit(self, column: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> IncomePrior:
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1.0, max_iter=500).fit(self._design(column), np.asarray(y).astype(int),
                                                         sample_weight=weight)
        self.coef_ = (float(lr.intercept_[0]), float(lr.coef_[0, 0]), float(lr.coef_[0, 1]))
        return self

    def _design(self, column: np.ndarray) -> np.ndarray:
        r = np.asarray(column, dtype=np.float64)
        missing = np.isnan(r)
        return np.c_[np.log(np.maximum(np.where(missing, 1.0, r), self.FLOOR)), missing.astype(np.float64)]

    def log_odds(self, column: np.ndarray) -> np.ndarray:
        """``_design``'s two columns, weighted, without building the matrix (the API calls this per request)."""
        a, b, c = self.coef_
        r = np.asarray(column, dtype=np.float64)
        missing = np.isnan(r)
        return a + b * np.log(np.maximum(np.where(missing, 1.0, r), self.FLOOR)) + c * missing.astype(np.float64)


def _smoothed_isotonic(s: np.ndarray, y: np.ndarray, prior_rows: float, weight: np.ndarray | None = None):
    """Isotonic regression whose steps are shrunk towards the base rate by ``prior_rows`` pseudo-rows.

    ``weight``: rows standing for several (a sample of negatives); rows are then counted by weight.
    """
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(s, y, sample_weight=weight)
    if prior_rows <= 0:
        return iso
    step, inverse = np.unique(iso.predict(s), return_inverse=True)
    rows = np.bincount(inverse, weights=weight, minlength=len(step))
    positives = np.bincount(inverse, weights=y if weight is None else y * weight, minlength=len(step))
    shrunk = (positives + prior_rows * np.average(y, weights=weight)) / (rows + prior_rows)
    # shrinking can break monotonicity between a small step and a large one: pool again
    return IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(s, shrunk[inverse], sample_weight=weight)


class RecipeError(ValueError):
    """LightGBM refused the recipe's settings: the message names them and what LightGBM said.

    LightGBM's own errors are internal checks (``Check failed: (best_split_info.left_count) >
    (0)``) that say nothing about which setting in ``training/*.yaml`` caused them.
    """

    #: Settings known to trip LightGBM's checks, with what to use instead.
    HINTS = {"min_data_in_leaf": (lambda v: v is not None and float(v) < 2, "use at least 20"),
             "min_sum_hessian_in_leaf": (lambda v: v is not None and float(v) <= 0, "use a positive value"),
             "num_leaves": (lambda v: v is not None and float(v) < 2, "use at least 2")}

    def __init__(self, params: dict, num_boost_round: int, message: str):
        suspects = [f"lightgbm.{k}: {params[k]} ({hint})" for k, (bad, hint) in self.HINTS.items()
                    if k in params and bad(params[k])]
        shown = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
        first = message.strip().splitlines()[0] if message.strip() else "unknown error"
        super().__init__(
            "LightGBM could not fit the training recipe"
            + (f"; the likely cause is {'; '.join(suspects)}" if suspects else "")
            + f". Recipe settings: lightgbm {{{shown}}}, num_boost_round={num_boost_round}. LightGBM said: {first}")
        self.suspects = suspects


def _fit_matrix(X, names: list[str]) -> np.ndarray:
    """The matrix LightGBM fits on: float32 when the table already holds float32 (the labelled
    tables do), so a province's fit window is not copied to float64 first (nor at all: see
    below); LightGBM bins the same values either way."""
    if isinstance(X, pd.DataFrame) and all(X[n].dtype == np.float32 for n in names):
        # a labelled table keeps its features last, in one float32 block: with copy-on-write the
        # slice is a read-only view of that block, so the fit window is not copied at all
        with pd.option_context("mode.copy_on_write", True):
            return feature_matrix(X, names, dtype=np.float32)
    return feature_matrix(X, names)


class CalibratedLightGBM:
    """LightGBM binary classifier with a calibrator fit on a later window."""

    def __init__(self, params: dict | None = None, num_boost_round: int = 300, calibration: str = "isotonic",
                 seed: int = 0, n_jobs: int = 2, prior_rows: float = ISOTONIC_PRIOR_ROWS,
                 early_stopping_rounds: int = 0):
        self.params = dict(params or {})
        self.early_stopping_rounds = early_stopping_rounds
        self.num_boost_round = num_boost_round
        self.calibration = calibration
        self.seed = seed
        self.n_jobs = n_jobs
        self.prior_rows = prior_rows

    def fit(self, X: pd.DataFrame, y, feature_names: list[str], weight: np.ndarray | None = None,
            valid: tuple[pd.DataFrame, np.ndarray, np.ndarray | None] | None = None) -> CalibratedLightGBM:
        """Boost from the income prior (when ``PRIOR_FEATURE`` is a feature).

        ``weight``: per-row weights (a sample of negatives), None for none. ``valid``: later rows
        (the calibration window: features, labels, weights) on which boosting stops once
        ``early_stopping_rounds`` more trees have not lowered the log-loss: trees that only fit
        the fit window's few positives are not kept.
        """
        import lightgbm as lgb

        if self.calibration not in ("isotonic", "platt"):
            raise ValueError(f"calibration must be 'isotonic' or 'platt', not {self.calibration!r}")
        y = np.asarray(y, dtype=np.float64)
        if y.min(initial=1) == y.max(initial=0):
            raise ValueError("the fit window has a single label value; widen it or move the cut-off")
        params = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 50,
                  "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
                  "verbose": -1, **self.params,
                  "seed": self.seed, "num_threads": self.n_jobs, "deterministic": True, "force_row_wise": True}
        self.feature_names_ = list(feature_names)
        M = _fit_matrix(X, self.feature_names_)
        self.prior_index_ = self.feature_names_.index(PRIOR_FEATURE) if PRIOR_FEATURE in self.feature_names_ else None
        self.prior_ = (None if self.prior_index_ is None
                       else IncomePrior().fit(M[:, self.prior_index_], y, weight))
        data = lgb.Dataset(M, label=y, weight=weight, feature_name=self.feature_names_, init_score=self._init(M),
                           free_raw_data=valid is None)
        kw = {}
        if valid is not None and self.early_stopping_rounds > 0:
            Mv = _fit_matrix(valid[0], self.feature_names_)
            params["metric"] = "binary_logloss"
            kw = {"valid_sets": [lgb.Dataset(Mv, label=np.asarray(valid[1], dtype=np.float64), weight=valid[2],
                                             init_score=self._init(Mv), reference=data)],
                  "callbacks": [lgb.early_stopping(self.early_stopping_rounds, verbose=False)]}
        try:
            self.booster_ = lgb.train(params, data, num_boost_round=self.num_boost_round, **kw)
        except lgb.basic.LightGBMError as exc:
            raise RecipeError(self.params, self.num_boost_round, str(exc)) from None
        self.trees_ = int(self.booster_.best_iteration or self.booster_.current_iteration())
        self.fit_rows_ = int(len(y))
        self.fit_positive_rate_ = float(np.average(y, weights=weight))
        return self

    def _init(self, M: np.ndarray) -> np.ndarray | None:
        """LightGBM's init_score: None without a prior (LightGBM then boosts from the average)."""
        return None if self.prior_ is None else self._offset(M)

    def _offset(self, M: np.ndarray) -> np.ndarray:
        return np.zeros(len(M)) if self.prior_ is None else self.prior_.log_odds(M[:, self.prior_index_])

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated probability (prior + trees): the ranking score."""
        M = feature_matrix(X, self.feature_names_)
        if len(M) == 1:
            raw = _single_row(self.booster_, M, self.trees_, contrib=False)
        else:
            raw = self.booster_.predict(M, raw_score=True, num_iteration=self.trees_,
                                        num_threads=self._threads(len(M)))
        return 1.0 / (1.0 + np.exp(-(raw + self._offset(M))))

    def calibrate(self, X: pd.DataFrame, y, weight: np.ndarray | None = None) -> CalibratedLightGBM:
        """Fit the calibrator on a window later than the fit window (``weight``: per-row weights or None)."""
        y = np.asarray(y, dtype=np.float64)
        s = self.score(X)
        if self.calibration == "isotonic":
            self.calibrator_ = _smoothed_isotonic(s, y, self.prior_rows, weight)
        else:
            from sklearn.linear_model import LogisticRegression

            self.calibrator_ = LogisticRegression(C=1e6).fit(_logit(s)[:, None], y, sample_weight=weight)
        self.calibration_rows_ = int(len(y))
        return self

    def calibrate_scores(self, s: np.ndarray) -> np.ndarray:
        if self.calibration == "isotonic":
            iso = self.calibrator_
            # IsotonicRegression.predict without its input checks (their cost dominates one call): the same function f_
            s = np.clip(np.asarray(s, dtype=np.float64).reshape(-1), iso.X_min_, iso.X_max_)
            return np.clip(iso.f_(s).astype(np.float64), 0.0, 1.0)
        return self.calibrator_.predict_proba(_logit(s)[:, None])[:, 1]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.calibrate_scores(self.score(X))

    def contributions(self, X: pd.DataFrame) -> np.ndarray:
        """Per-feature SHAP values (log-odds) plus the bias column, for the rows given.

        The prior's log-odds go to its feature's column, less their value at ratio 1 (which goes
        to the bias): each row still sums to the score's log-odds.
        """
        M = feature_matrix(X, self.feature_names_)
        if len(M) == 1:
            contrib = _single_row(self.booster_, M, self.trees_, contrib=True)
        else:
            contrib = self.booster_.predict(M, pred_contrib=True, num_iteration=self.trees_,
                                            num_threads=self._threads(len(M)))
        if self.prior_ is not None:
            base = self.prior_.log_odds(np.ones(1))[0]
            contrib[:, self.prior_index_] += self._offset(M) - base
            contrib[:, -1] += base
        return contrib

    def _threads(self, rows: int) -> int:
        """Threads of one predict: one for small inputs (starting a thread pool costs more than an
        API-sized predict), else ``n_jobs`` but no more than the process is given.

        ``OMP_NUM_THREADS`` is how a process is told its share of the cores (Dask's nanny sets it to
        1 in each worker): two workers each running two OpenMP threads on two cores only contend.
        """
        if rows < SMALL_PREDICT_ROWS:
            return 1
        given = os.environ.get("OMP_NUM_THREADS", "").strip()
        return min(self.n_jobs, int(given)) if given.isdigit() and int(given) > 0 else self.n_jobs

    def importance(self) -> pd.Series:
        """Total gain per feature."""
        return pd.Series(self.booster_.feature_importance("gain"), index=self.feature_names_, dtype=float)


SMALL_PREDICT_ROWS = 2_000


class _SingleRow:
    """LightGBM's single-row prediction handles of one booster (``…SingleRowFastInit``), made once.

    ``Booster.predict`` sets up a new predictor on every call (its parameters parsed, its
    buffers allocated), which costs more than predicting the one row the API sends. The
    single-row handle is set up once and runs the same predictor function on the row, so the
    numbers are those ``predict`` gives (``tests/training/test_model.py`` compares them).
    LightGBM's single-row buffers are shared, so one call at a time (the lock). The booster is
    held weakly: these handles are freed after it.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.handles: dict[tuple[int, int, int], tuple[ctypes.c_void_p, int]] = {}

    def predict(self, booster, row: np.ndarray, trees: int, predict_type: int) -> np.ndarray:
        from lightgbm.basic import _C_API_DTYPE_FLOAT64, _LIB, _c_str, _safe_call

        row = np.ascontiguousarray(row, dtype=np.float64)
        key = (predict_type, int(trees), len(row))
        n = ctypes.c_int64(0)
        with self.lock:
            hit = self.handles.get(key)
            if hit is None:
                handle = ctypes.c_void_p()
                _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
                    booster._handle, ctypes.c_int(predict_type), ctypes.c_int(0), ctypes.c_int(int(trees)),
                    ctypes.c_int(_C_API_DTYPE_FLOAT64), ctypes.c_int32(len(row)), _c_str("num_threads=1"),
                    ctypes.byref(handle)))
                width = len(row) + 1 if predict_type == _CONTRIB else 1
                hit = self.handles[key] = (handle, booster.num_model_per_iteration() * width)
                weakref.finalize(self, _LIB.LGBM_FastConfigFree, handle)
            handle, size = hit
            out = np.empty(size)
            _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFast(
                handle, row.ctypes.data_as(ctypes.c_void_p), ctypes.byref(n),
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        if n.value != size:
            raise ValueError(f"LightGBM returned {n.value} values for one row, expected {size}")
        return out


_RAW, _CONTRIB = 1, 3  # LightGBM's C_API_PREDICT_RAW_SCORE and C_API_PREDICT_CONTRIB
#: Each booster's single-row handles, freed with it (kept outside the model: it is pickled).
_SINGLE_ROW: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SINGLE_ROW_LOCK = threading.Lock()


def _single_row(booster, M: np.ndarray, trees: int, *, contrib: bool) -> np.ndarray:
    """``booster.predict`` of a one-row matrix (raw score, or contributions as a 1-row matrix)."""
    with _SINGLE_ROW_LOCK:
        single = _SINGLE_ROW.get(booster)
        if single is None:
            single = _SINGLE_ROW[booster] = _SingleRow()
    out = single.predict(booster, M[0], trees, _CONTRIB if contrib else _RAW)
    return out.reshape(1, -1) if contrib else out


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class LogisticBaseline:
    """Logistic regression on imputed (with missing indicators), standardised features.

    Fitted on at most ``max_rows`` rows (every positive, were there more): every positive and a
    seeded sample of negatives whose weights grow by the inverse of the sampling rate, so
    weighted totals stay those of the whole window. A province's fit window (millions of rows) would otherwise take several float64
    copies of the whole matrix (the matrix, imputed with indicators, scaled: the training run's
    peak); some 150 coefficients do not need them to be estimated well.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 500, seed: int = 0, max_rows: int | None = 250_000):
        self.C = C
        self.max_iter = max_iter
        self.seed = seed
        self.max_rows = max_rows

    def _rows(self, y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """Rows to fit on (None: all) and their weights."""
        if self.max_rows is None or len(y) <= self.max_rows:
            return None, weight
        pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y != 1)
        room = max(self.max_rows - len(pos), 1)
        if room >= len(neg):
            return None, weight
        kept = np.sort(np.random.default_rng(self.seed).choice(neg, size=room, replace=False))
        rows = np.sort(np.concatenate([pos, kept]))
        w = weight[rows].copy()
        w[y[rows] != 1] *= len(neg) / room
        return rows, w

    def fit(self, X: pd.DataFrame, y, feature_names: list[str], weight: np.ndarray | None = None) -> LogisticBaseline:
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        y = np.asarray(y, dtype=int)
        rows, w = self._rows(y, np.ones(len(y)) if weight is None else np.asarray(weight, dtype=np.float64))
        self.fit_rows_ = len(y) if rows is None else len(rows)
        if rows is not None:
            X, y = X.iloc[rows], y[rows]
        self.feature_names_ = list(feature_names)
        M = feature_matrix(X, self.feature_names_)
        keep = ~np.all(np.isnan(M), axis=0)  # an all-missing column cannot be imputed
        if not keep.all():
            M = M[:, keep]
        self.used_features_ = [n for n, k in zip(self.feature_names_, keep) if k]
        self.pipeline_ = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True), StandardScaler(),
            LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed))
        sample = {} if weight is None and rows is None else {"standardscaler__sample_weight": w,
                                                             "logisticregression__sample_weight": w}
        self.pipeline_.fit(M, y, **sample)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.pipeline_[-1].predict_proba(self._standardised(feature_matrix(X, self.used_features_)))[:, 1]

    def _standardised(self, M: np.ndarray) -> np.ndarray:
        """``pipeline_[:-1].transform(M)`` with the same arithmetic: the imputer's medians, its
        missing-value indicators, then the scaler's ``(x - mean) / scale``. sklearn's transformers
        validate and copy a back-test's millions of rows several times over (most of the
        baseline's scoring time). The values are sklearn's exactly; the regression's product can
        differ in the last bit (sklearn's output is column-major at some sizes, this is row-major)."""
        imputer, scaler = self.pipeline_[0], self.pipeline_[1]
        missing = np.isnan(M)
        Z = np.empty((len(M), M.shape[1] + len(imputer.indicator_.features_)), dtype=np.float64)
        np.copyto(Z[:, :M.shape[1]], M)
        np.copyto(Z[:, :M.shape[1]], np.broadcast_to(imputer.statistics_, M.shape), where=missing)
        Z[:, M.shape[1]:] = missing[:, imputer.indicator_.features_]
        if scaler.with_mean:
            Z -= scaler.mean_
        if scaler.with_std:
            Z /= scaler.scale_
        return Z

    score = predict_proba
