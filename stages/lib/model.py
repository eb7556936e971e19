"""The model pipeline, its search space from params.yaml, group-aware folds, and safe saving/loading.

Shared by ``train`` (search and refit), ``evaluate``, ``explain``, ``segment`` and ``score``.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio
from scipy import stats
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    VotingClassifier,
)
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from stages.lib.errors import DataError
from stages.lib.files import atomic_write
from stages.lib.schema import (
    BINARY_FEATURES,
    FEATURES,
    GROUP,
    MARKET_FILE,
    NOMINAL_FEATURES,
    NUMERIC_FEATURES,
    TARGET,
)

# Order of the labels of each binary feature: the second one is encoded as 1.
BINARY_LEVELS = {name: ["standard", "premium"] if name == "service_tier" else ["no", "yes"] for name in BINARY_FEATURES}
NOMINAL_LEVELS = {name: sorted(MARKET_FILE.column(name).labels.values()) for name in NOMINAL_FEATURES}
SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "none": lambda: "passthrough"}


def make_family(name: str, seed: int):
    """A fresh estimator of one model family, with the settings the search does not vary."""
    families = {
        "dummy": lambda: DummyClassifier(strategy="prior"),
        "knn": lambda: KNeighborsClassifier(),
        "decision_tree": lambda: DecisionTreeClassifier(random_state=seed),
        "logistic_regression": lambda: LogisticRegression(solver="saga", max_iter=5000, random_state=seed),
        # SVC's probabilities come from sigmoid calibration on internal folds (probability=True is deprecated)
        "svc": lambda: CalibratedClassifierCV(SVC(random_state=seed), method="sigmoid", cv=3, ensemble=False),
        "random_forest": lambda: RandomForestClassifier(random_state=seed, n_jobs=1),
        "extra_trees": lambda: ExtraTreesClassifier(random_state=seed, n_jobs=1),
        "hist_gradient_boosting": lambda: HistGradientBoostingClassifier(random_state=seed, early_stopping=False),
        # averages the probabilities of three unlike learners: neighbours, a kernel, randomised trees
        "soft_vote": lambda: VotingClassifier(
            [
                ("knn", KNeighborsClassifier(weights="distance")),
                ("svc", CalibratedClassifierCV(SVC(random_state=seed), method="sigmoid", cv=3, ensemble=False)),
                ("extra_trees", ExtraTreesClassifier(n_estimators=100, random_state=seed, n_jobs=1)),
            ],
            voting="soft",
        ),
    }
    if name not in families:
        raise DataError(
            "params.yaml", "train.families", f"unknown model family {name!r}", hint=f"Use some of {sorted(families)}."
        )
    return families[name]()


def make_preprocessor(features: list[str]) -> ColumnTransformer:
    """Imputers first, so that a missing value or an unseen category at scoring time never crashes."""
    numeric_features = [f for f in NUMERIC_FEATURES if f in features]
    binary_features = [f for f in BINARY_FEATURES if f in features]
    nominal_features = [f for f in NOMINAL_FEATURES if f in features]
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    binary = Pipeline(
        [
            (
                "encode",
                OrdinalEncoder(
                    categories=[BINARY_LEVELS[n] for n in binary_features],
                    handle_unknown="use_encoded_value",
                    unknown_value=np.nan,
                ),
            ),
            ("impute", SimpleImputer(strategy="most_frequent")),
        ]
    )
    nominal = Pipeline(
        [
            ("impute", SimpleImputer(strategy="most_frequent")),
            (
                "encode",
                OneHotEncoder(
                    categories=[NOMINAL_LEVELS[n] for n in nominal_features],
                    handle_unknown="ignore",
                    sparse_output=False,
                ),
            ),
        ]
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, numeric_features),
            ("binary", binary, binary_features),
            ("nominal", nominal, nominal_features),
        ],
        verbose_feature_names_out=False,
    )


def make_pipeline(model, features: list[str] = FEATURES) -> Pipeline:
    """Preprocess -> keep the k most discriminating columns (k searched; 'all' keeps every one) -> model."""
    return Pipeline(
        [("preprocess", make_preprocessor(features)), ("select", SelectKBest(f_classif, k="all")), ("model", model)]
    )


def distribution(spec):
    """A search dimension from YAML: a list of choices, or {loguniform|uniform|randint: [low, high]}."""
    if isinstance(spec, list):
        return spec
    ((kind, (low, high)),) = spec.items()
    if kind == "loguniform":
        return stats.loguniform(low, high)
    if kind == "uniform":
        return stats.uniform(low, high - low)
    if kind == "randint":
        return stats.randint(low, high + 1)
    raise DataError(
        "params.yaml",
        "train.search_spaces",
        f"unknown distribution {kind!r}",
        hint="Use a list of values or one of loguniform, uniform, randint with [low, high].",
    )


def search_space(params: dict, seed: int) -> list[dict]:
    """One dict per family for RandomizedSearchCV: the model itself is a search dimension."""
    common = {
        "preprocess__numeric__scale": [SCALERS[name]() for name in params["scalers"]],
        "select__k": params["select_k"],
    }
    space = []
    for family in params["families"]:
        dims = {
            f"model__{key}": distribution(value) for key, value in (params["search_spaces"].get(family) or {}).items()
        }
        space.append({"model": [make_family(family, seed)], **common, **dims})
    return space


def family_of(pipeline_or_model) -> str:
    model = pipeline_or_model.named_steps["model"] if isinstance(pipeline_or_model, Pipeline) else pipeline_or_model
    names = {
        DummyClassifier: "dummy",
        KNeighborsClassifier: "knn",
        DecisionTreeClassifier: "decision_tree",
        LogisticRegression: "logistic_regression",
        CalibratedClassifierCV: "svc",
        RandomForestClassifier: "random_forest",
        ExtraTreesClassifier: "extra_trees",
        HistGradientBoostingClassifier: "hist_gradient_boosting",
        VotingClassifier: "soft_vote",
    }
    return names[type(model)]


def group_folds(n_splits: int, seed: int) -> StratifiedGroupKFold:
    """Stratified folds that keep every duplicate group on one side."""
    return StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)


def fold_models(pipeline: Pipeline, train: pd.DataFrame, n_splits: int, seed: int):
    """(a clone of ``pipeline`` fitted without fold k, the index of fold k's customers) for each fold.

    The same folds as the search; ``train`` (out-of-fold scores) and ``explain`` (their SHAP values)
    both use this, so the explained output is exactly the out-of-fold probability.
    """
    features = expected_features(pipeline)
    splits = group_folds(n_splits, seed).split(train, train[TARGET], groups=train[GROUP])
    for fit_rows, held_out_rows in splits:
        fitted = clone(pipeline).fit(model_input(train.iloc[fit_rows], features), train[TARGET].iloc[fit_rows])
        yield fitted, train.index[held_out_rows]


def model_input(frame: pd.DataFrame, features: list[str] = FEATURES) -> pd.DataFrame:
    """The columns the pipeline expects, in its order (extra columns such as profit are left out)."""
    missing = [c for c in features if c not in frame]
    if missing:
        raise DataError(
            "model input", ", ".join(missing), "feature column(s) are missing", hint=f"The model expects {features}."
        )
    return frame[features]


def expected_features(pipeline: Pipeline) -> list[str]:
    """The input columns the fitted pipeline was trained on, in order."""
    return list(pipeline.feature_names_in_)


def predict_risk(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    """Probability that activity declines (class 1)."""
    return pipeline.predict_proba(model_input(frame, expected_features(pipeline)))[:, 1]


# --- saving: skops refuses to load anything but the types we list, so loading runs no foreign code ---

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


def zero_padding(npy: bytes) -> bytes:
    """Structured arrays (tree nodes) have padding bytes left uninitialised; copy them into zeros."""
    array = np.load(io.BytesIO(npy), allow_pickle=False)
    if array.dtype.names is None:
        return npy
    clean = np.zeros(array.shape, dtype=array.dtype)
    for name in array.dtype.names:
        clean[name] = array[name]
    out = io.BytesIO()
    np.save(out, clean, allow_pickle=False)
    return out.getvalue()


def canonical_skops(data: bytes) -> bytes:
    """Make a skops archive byte-deterministic: it names objects and files by memory address (id()),
    stamps the current time and copies padding garbage; renumber ids in order of appearance, use a
    fixed timestamp and zero the padding."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
        arrays = {name: archive.read(name) for name in archive.namelist() if name != "schema.json"}
    renumbered: dict[int, int] = {}

    def walk(node):
        if isinstance(node, dict):
            if "__id__" in node:
                node["__id__"] = renumbered.setdefault(node["__id__"], len(renumbered) + 1)
            if isinstance(node.get("file"), str) and node["file"].endswith(".npy"):
                old = int(node["file"].removesuffix(".npy"))
                node["file"] = f"{renumbered.setdefault(old, len(renumbered) + 1)}.npy"
                files[node["file"]] = zero_padding(arrays[f"{old}.npy"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    files: dict[str, bytes] = {}
    walk(schema)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in [("schema.json", json.dumps(schema, indent=1).encode()), *sorted(files.items())]:
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content, compress_type=zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def save_model(pipeline: Pipeline, path: Path | str) -> None:
    data = canonical_skops(sio.dumps(pipeline))
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def load_model(path: Path | str) -> Pipeline:
    path = Path(path)
    if not path.exists():
        raise DataError(str(path), None, "the model file is missing", hint="Run `dvc repro train` or `dvc pull`.")
    untrusted = sio.get_untrusted_types(file=path)
    foreign = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if foreign:
        raise DataError(
            str(path),
            None,
            f"the model file holds types outside scikit-learn/numpy/scipy: {foreign}",
            hint="Refusing to load it; rebuild the model with `dvc repro train`.",
        )
    return sio.load(path, trusted=untrusted)
