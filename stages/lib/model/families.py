"""The model families: the one registry of what the search may choose from.

A family's name is used in `params.yaml` (`train.families`, the keys of `train.search_spaces`); its
factory sets what the search does not vary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    VotingClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

ExplainerKind = Literal["tree", "linear", "permutation"]


@dataclass(frozen=True)
class Family:
    make: Callable[[int], object]  # seed -> a fresh, unfitted estimator
    estimator_type: type  # how a fitted pipeline's model step is recognised
    explainer: ExplainerKind  # the SHAP explainer that explains it exactly or, failing that, model-agnostically


def calibrated_svc(seed: int) -> CalibratedClassifierCV:
    """SVC's probabilities from sigmoid calibration on internal folds (probability=True is deprecated)."""
    return CalibratedClassifierCV(SVC(random_state=seed), method="sigmoid", cv=3, ensemble=False)


def soft_vote(seed: int) -> VotingClassifier:
    """The mean probability of three unlike learners: neighbours, a kernel, randomised trees."""
    return VotingClassifier(
        [
            ("knn", KNeighborsClassifier(weights="distance")),
            ("svc", calibrated_svc(seed)),
            ("extra_trees", ExtraTreesClassifier(n_estimators=100, random_state=seed, n_jobs=1)),
        ],
        voting="soft",
    )


FAMILIES: dict[str, Family] = {
    "dummy": Family(lambda seed: DummyClassifier(strategy="prior"), DummyClassifier, "permutation"),
    "knn": Family(lambda seed: KNeighborsClassifier(), KNeighborsClassifier, "permutation"),
    "decision_tree": Family(lambda seed: DecisionTreeClassifier(random_state=seed), DecisionTreeClassifier, "tree"),
    "logistic_regression": Family(
        lambda seed: LogisticRegression(solver="saga", max_iter=5000, random_state=seed), LogisticRegression, "linear"
    ),
    "svc": Family(calibrated_svc, CalibratedClassifierCV, "permutation"),
    "random_forest": Family(
        lambda seed: RandomForestClassifier(random_state=seed, n_jobs=1), RandomForestClassifier, "tree"
    ),
    "extra_trees": Family(lambda seed: ExtraTreesClassifier(random_state=seed, n_jobs=1), ExtraTreesClassifier, "tree"),
    "hist_gradient_boosting": Family(
        lambda seed: HistGradientBoostingClassifier(random_state=seed, early_stopping=False),
        HistGradientBoostingClassifier,
        "tree",
    ),
    "soft_vote": Family(soft_vote, VotingClassifier, "permutation"),
}
# Simpler first, for a tie in scoring cost (stages/lib/model/selection.py): one formula, one tree, stored
# customers, boosted then averaged trees, a kernel, a vote of three learners.
SIMPLEST_FIRST = (
    "dummy",
    "logistic_regression",
    "decision_tree",
    "knn",
    "hist_gradient_boosting",
    "random_forest",
    "extra_trees",
    "svc",
    "soft_vote",
)
SEARCHABLE = tuple(name for name in FAMILIES if name != "dummy")  # the dummy is the baseline, never a candidate


def make_family(name: str, seed: int):
    """A fresh estimator of one family (names are checked when params.yaml is loaded)."""
    return FAMILIES[name].make(seed)


def family_of(model) -> str:
    """The family name of a fitted model step."""
    return next(name for name, family in FAMILIES.items() if type(model) is family.estimator_type)


def explainer_kind(model) -> ExplainerKind:
    return FAMILIES[family_of(model)].explainer
