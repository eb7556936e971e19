"""The model pipeline, its search space, group-aware folds and prediction: what every model stage shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import _CalibratedClassifier, _SigmoidCalibration
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, OrdinalEncoder, StandardScaler

from stages.lib.errors import DataError
from stages.lib.model.calibration import SETTLED_DECIMALS
from stages.lib.model.families import make_family
from stages.lib.schema import BINARY_FEATURES, FEATURES, MARKET_FILE, NOMINAL_FEATURES, NUMERIC_FEATURES, TARGET
from stages.lib.settings import DISTRIBUTIONS as DISTRIBUTION_NAMES
from stages.lib.settings import SCALERS as SCALER_NAMES

# Order of the labels of each binary feature: the second one is encoded as 1.
BINARY_LEVELS = {name: ["standard", "premium"] if name == "service_tier" else ["no", "yes"] for name in BINARY_FEATURES}
NOMINAL_LEVELS = {name: sorted(MARKET_FILE.column(name).labels.values()) for name in NOMINAL_FEATURES}
# The names are the ones params.yaml may use (stages/lib/settings.py); the strict zip and
# tests/lib/test_settings.py keep the two in step.
SCALERS = dict(zip(SCALER_NAMES, (StandardScaler, MinMaxScaler, lambda: "passthrough"), strict=True))
DISTRIBUTIONS = dict(
    zip(
        DISTRIBUTION_NAMES,
        (
            stats.loguniform,
            lambda low, high: stats.uniform(low, high - low),
            lambda low, high: stats.randint(low, high + 1),
        ),
        strict=True,
    )
)


def make_preprocessor(features: list[str]) -> ColumnTransformer:
    """Imputers first, so that a missing value or an unseen category at scoring time never crashes."""
    kinds = (NUMERIC_FEATURES, BINARY_FEATURES, NOMINAL_FEATURES)
    numeric, binary, nominal = ([f for f in kind if f in features] for kind in kinds)
    levels = [BINARY_LEVELS[n] for n in binary]
    to_flags = OrdinalEncoder(categories=levels, handle_unknown="use_encoded_value", unknown_value=np.nan)
    one_hot = OneHotEncoder(
        categories=[NOMINAL_LEVELS[n] for n in nominal], handle_unknown="ignore", sparse_output=False
    )
    parts = [
        ("numeric", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
        ("binary", Pipeline([("encode", to_flags), ("impute", SimpleImputer(strategy="most_frequent"))]), binary),
        ("nominal", Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("encode", one_hot)]), nominal),
    ]
    return ColumnTransformer(parts, verbose_feature_names_out=False)


def make_pipeline(model, features: list[str] = FEATURES) -> Pipeline:
    """Preprocess -> keep the k most discriminating columns (k searched; 'all' keeps every one) -> model."""
    return Pipeline(
        [("preprocess", make_preprocessor(features)), ("select", SelectKBest(f_classif, k="all")), ("model", model)]
    )


def distribution(spec):
    """A search dimension from params (validated there): a list of choices, or {kind: [low, high]}."""
    if isinstance(spec, list):
        return spec
    ((kind, (low, high)),) = spec.items()
    return DISTRIBUTIONS[kind](low, high)


def search_space(
    families: list[str], scalers: list[str], select_k: list, spaces: dict[str, dict | None], seed: int
) -> list[dict]:
    """One dict per family for RandomizedSearchCV: the model itself is a search dimension."""
    common = {"preprocess__numeric__scale": [SCALERS[name]() for name in scalers], "select__k": select_k}
    space = []
    for family in families:
        dims = {f"model__{key}": distribution(value) for key, value in (spaces.get(family) or {}).items()}
        space.append({"model": [make_family(family, seed)], **common, **dims})
    return space


def group_folds(n_splits: int, seed: int) -> StratifiedGroupKFold:
    """Stratified folds that keep every duplicate group on one side."""
    return StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)


def fit_clone(pipeline: Pipeline, frame: pd.DataFrame) -> Pipeline:
    """A fresh copy of ``pipeline`` fitted on ``frame`` (the pipeline itself is left untouched)."""
    return settle_optimised(clone(pipeline).fit(model_input(frame, expected_inputs(pipeline)), frame[TARGET]))


def settle_optimised(model):
    """Round the two numbers of every sigmoid calibrator inside ``model`` (SVC's Platt scaling): they come
    out of an iterative optimiser whose last bits depend on the CPU's BLAS and SIMD kernels (one ulp between
    two kernel settings); rounded, the saved model is the same on every machine."""
    if isinstance(model, _SigmoidCalibration):
        model.a_, model.b_ = round(float(model.a_), SETTLED_DECIMALS), round(float(model.b_), SETTLED_DECIMALS)
    elif isinstance(model, list | tuple):
        for part in model:
            settle_optimised(part)
    elif isinstance(model, BaseEstimator | _CalibratedClassifier):
        for value in vars(model).values():
            settle_optimised(value)
    return model


def model_input(frame: pd.DataFrame, features: list[str] = FEATURES) -> pd.DataFrame:
    """The columns the pipeline expects, in its order (extra columns such as profit are left out)."""
    missing = [c for c in features if c not in frame]
    if missing:
        raise DataError(
            "model input", ", ".join(missing), "feature column(s) are missing", hint=f"The model expects {features}."
        )
    return frame[features]


def expected_inputs(pipeline: Pipeline) -> list[str]:
    """The input columns an unfitted pipeline's preprocessor will use, in the order of FEATURES."""
    used = {column for _, _, columns in pipeline.named_steps["preprocess"].transformers for column in columns}
    return [feature for feature in FEATURES if feature in used]


def expected_features(pipeline: Pipeline) -> list[str]:
    """The input columns the fitted pipeline was trained on, in order."""
    return list(pipeline.feature_names_in_)


def predict_risk(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    """Probability that activity declines (class 1)."""
    return pipeline.predict_proba(model_input(frame, expected_features(pipeline)))[:, 1]
