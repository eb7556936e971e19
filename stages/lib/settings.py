"""The typed schema of `params.yaml`: every key, its type, its range and its allowed names.

`parse_settings` validates the whole file at once, so a bad value stops a stage before any work,
as one paragraph that names the key, the value and what is allowed. Stages hand the typed values
to computation; nothing else reads the raw YAML.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stages.lib.errors import DataError, described, shown
from stages.lib.model.families import FAMILIES, SEARCHABLE
from stages.lib.schema import BINARY_FEATURES, MARKET_FILE, NOMINAL_FEATURES, NUMERIC_FEATURES

Probability = Annotated[float, Field(ge=0, le=1)]
Fraction = Annotated[float, Field(gt=0, lt=1)]
Count = Annotated[int, Field(ge=1)]
Bins = Annotated[int, Field(ge=2)]

CELLS = ("high_risk_high_profit", "high_risk_low_profit", "low_risk_high_profit", "low_risk_low_profit")
THRESHOLD_RULES = ("max_f1", "youden", "min_recall")
SCALERS = ("standard", "minmax", "none")
DISTRIBUTIONS = ("loguniform", "uniform", "randint")
# Calibration methods in order of simplicity (ties go to the simpler one); auto: the best held-out Brier.
CALIBRATION_METHODS = ("none", "sigmoid", "isotonic")
CALIBRATION = ("auto", *CALIBRATION_METHODS)
# What an offer may target: a numeric feature being low or high, or a category having a label.
TARGET_DIRECTIONS = {name: ("low", "high") for name in NUMERIC_FEATURES} | {
    name: tuple(MARKET_FILE.column(name).labels.values()) for name in (*BINARY_FEATURES, *NOMINAL_FEATURES)
}


class Section(BaseModel):
    # strict: "0.7" (a string) is not a probability; extra keys are misspellings, not silent no-ops
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ExtremeRevenue(Section):
    threshold: Annotated[float, Field(gt=0)]
    rule: Literal["customer_median", "drop_customer"]


class Regular(Section):
    min_revenue: Annotated[float, Field(ge=0)]


class Prepare(Section):
    drop_exact_duplicate_rows: bool
    extreme_revenue: ExtremeRevenue
    regular: Regular
    duplicate_customers: Literal["group", "drop"]


class Split(Section):
    test_size: Fraction


class Eda(Section):
    alpha: Fraction
    discrete_max_levels: Bins
    multicollinearity_threshold: Probability
    top_features: Count
    identifier_ranges: Bins
    identifier_leak_roc_auc: Annotated[float, Field(ge=0.5, le=1)]


class Comparison(Section):
    folds: Bins
    repeats: Count
    reference_trees: Count


def check_dimension(key: str, spec: Any) -> None:
    """A search dimension is a non-empty list of choices or {loguniform|uniform|randint: [low, high]}."""
    where = f"`{key}` = {shown(spec)}"
    if isinstance(spec, list):
        if not spec:
            raise ValueError(f"{where}: the list of choices is empty")
        return
    if not (isinstance(spec, dict) and len(spec) == 1 and next(iter(spec)) in DISTRIBUTIONS):
        raise ValueError(f"{where}: use a list of choices or one of {list(DISTRIBUTIONS)} with [low, high]")
    ((kind, bounds),) = spec.items()
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, int | float) for b in bounds)):
        raise ValueError(f"{where}: {kind} needs [low, high], two numbers")
    low, high = bounds
    if not low < high or (kind == "loguniform" and low <= 0) or (kind == "randint" and not isinstance(low, int)):
        raise ValueError(f"{where}: {kind} needs low < high (positive for loguniform, whole for randint)")


Nanoseconds = Annotated[float, Field(gt=0)]


class Cost(Section):
    """Per-operation prices of scoring (stages/lib/model/scoring_cost.py), measured by `make trade`."""

    ns_per_tree_node: Nanoseconds
    ns_per_distance_term: Nanoseconds
    ns_per_kernel_term: Nanoseconds
    ns_per_linear_term: Nanoseconds
    ties_within: Annotated[float, Field(ge=0, lt=1)]  # costs within this share of the lowest are a tie


class Train(Section):
    drop_multicollinear: bool
    cv_folds: Bins
    n_iter: Count
    families: Annotated[list[Literal[SEARCHABLE]], Field(min_length=1)]  # type: ignore[valid-type]
    scalers: Annotated[list[Literal[SCALERS]], Field(min_length=1)]  # type: ignore[valid-type]
    select_k: Annotated[list[Count | Literal["all"]], Field(min_length=1)]
    search_spaces: dict[Literal[SEARCHABLE], dict[str, Any] | None]  # type: ignore[valid-type]
    comparison: Comparison
    selection: Literal["best", "fastest_within_noise"]
    cost: Cost
    calibration: Literal[CALIBRATION]  # type: ignore[valid-type]

    @field_validator("search_spaces")  # pydantic makes a validator whose first argument is cls a classmethod
    def known_hyperparameters(cls, spaces: dict) -> dict:
        """Every dimension names a real hyperparameter of its family and is a valid distribution."""
        for family, dims in spaces.items():
            known = sorted(FAMILIES[family].make(0).get_params())
            for name, spec in (dims or {}).items():
                key = f"train.search_spaces.{family}.{name}"
                if name not in known:
                    guess = difflib.get_close_matches(name, known, n=1)
                    hint = f"did you mean {guess[0]!r}?" if guess else "see the estimator's get_params()"
                    raise ValueError(f"`{key}`: not a hyperparameter of {family} ({hint})")
                check_dimension(key, spec)
        return spaces


class Threshold(Section):
    rule: Literal[THRESHOLD_RULES]  # type: ignore[valid-type]
    min_recall: Probability


class Evaluate(Section):
    threshold: Threshold
    bootstrap_resamples: Annotated[int, Field(ge=100)]
    calibration_bins: Bins
    histogram_bins: Bins


class Band(Section):
    splits: Annotated[int, Field(ge=2)]


class Explain(Section):
    background_size: Count
    permutations: Bins
    permutation_repeats: Count
    dependence_plots: Annotated[int, Field(ge=0)]


class Segment(Section):
    high_risk: Probability
    high_profit: float
    chosen: Literal[CELLS]  # type: ignore[valid-type]
    alpha: Fraction
    min_effect_size: Probability
    max_offers: Count
    min_reason_shap: Annotated[float, Field(ge=0)]
    differences_in_report: Count
    discrete_max_levels: Bins


class Measured(Section):
    """Where an offer's effect was measured: the reviewed campaign, its group sizes and the interval
    (written by `make adopt-effects`; absent: the effect is an assumption)."""

    campaign: Annotated[str, Field(min_length=1)]
    treated: Annotated[int, Field(ge=1)]
    control: Annotated[int, Field(ge=1)]
    ci95_low: float
    ci95_high: float


Three = Annotated[list[float], Field(min_length=3, max_length=3)]  # one number per uplift covariate


class UpliftSide(Section):
    """A logistic regression of the decline on the standardised covariates (campaign/uplift.py)."""

    intercept: float
    coef: Three


class Uplift(Section):
    """An offer's effect per customer, learned from reviewed campaigns (written by `make adopt-effects
    UPLIFT=...` where the learner beat the constant effect on a held-out month; absent: `effect` for all)."""

    learner: Literal["two_model_logistic"]
    campaigns: Annotated[list[str], Field(min_length=2)]  # the reviewed campaigns it was fitted on
    mean: Three
    sd: Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=3, max_length=3)]
    control: UpliftSide
    treatment: UpliftSide
    cap: Probability  # no customer's effect above this: the ceiling of expected values uses it


class Offer(Section):
    """One offer of the catalogue; cost and effect are assumptions until a reviewed campaign measures them."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    description: Annotated[str, Field(min_length=1)]
    targets: Annotated[list[str], Field(min_length=1)]  # "feature:low", "feature:high" or "feature:<label>"
    cost: Annotated[float, Field(ge=0)]  # per contact, in the unit of profit (thousand roubles)
    effect: Annotated[float, Field(ge=0, le=1)]  # share of the decline probability the offer removes
    measured: Measured | None = None  # None: `effect` is assumed, not measured
    uplift: Uplift | None = None  # an effect per customer instead of `effect`, where it ranked better

    @field_validator("targets")
    def known_targets(cls, targets: list[str]) -> list[str]:
        for target in targets:
            feature, _, direction = target.partition(":")
            if direction not in TARGET_DIRECTIONS.get(feature, ()):
                allowed = sorted(TARGET_DIRECTIONS)
                raise ValueError(f"target {target!r}: use feature:low|high (numbers) or feature:<label> of {allowed}")
        return targets


class Offers(Section):
    catalogue: Annotated[list[Offer], Field(min_length=1)]

    @field_validator("catalogue")
    def unique_names(cls, catalogue: list[Offer]) -> list[Offer]:
        names = [offer.name for offer in catalogue]
        if len(set(names)) != len(names):
            raise ValueError(f"offer names repeat: {names}")
        return catalogue


class Budget(Section):
    contacts: Annotated[int, Field(ge=0)] | None  # null: no limit on the number of contacts
    money: Annotated[float, Field(ge=0)] | None  # null: no limit on the total cost (thousand roubles)


class Drift(Section):
    bins: Bins  # quantile bins of each numeric feature and of the predicted probability
    psi_watch: Annotated[float, Field(gt=0)]
    psi_retrain: Annotated[float, Field(gt=0)]
    unseen_watch: Probability  # share of unseen categories or empty cells in a feature
    unseen_retrain: Probability
    on_retrain: Literal["top_of_list", "wait"]  # what the page tells the manager to do with a month that says retrain
    retrain_top: Count  # top_of_list: contact at most this many, from the top of the list

    @model_validator(mode="after")
    def watch_before_retrain(self):
        for measure in ("psi", "unseen"):
            watch, retrain = getattr(self, f"{measure}_watch"), getattr(self, f"{measure}_retrain")
            if watch >= retrain:
                raise ValueError(
                    f"`drift.{measure}_watch` = {watch} is not below `drift.{measure}_retrain` = {retrain}: a month "
                    "would be told to retrain before it is ever told to watch; set watch below retrain"
                )
        return self


class Verdict(Section):
    auc_margin: Annotated[float, Field(ge=0)]  # degraded: AUC's 95 % interval below the band's 2.5th percentile - this
    calibration_margin: Annotated[float, Field(ge=0)]  # degraded: calibration error above its noise floor + this


class Campaign(Section):
    control_share: Annotated[float, Field(gt=0, le=0.5)]  # of the customers selected for contact, held out
    min_follow_up: Fraction  # the outcomes must hold at least this share of the record's customers
    prior_sd: Annotated[float, Field(gt=0)]  # how far the assumed effect may be off: the prior's sd
    uplift_min_group: Count  # an uplift learner needs this many treated and control customers per month
    uplift_c: Annotated[float, Field(gt=0)]  # the learner's inverse regularisation strength (LogisticRegression C)
    verdict: Verdict


class Scale(Section):
    customers: Annotated[list[Count], Field(min_length=1)]  # benchmark sizes (scripts/bench_scale.py)
    chunk_rows: Annotated[int, Field(ge=10)]  # raw rows read and validated at a time
    max_row_bytes: Annotated[int, Field(ge=1 << 16, le=1 << 30)]  # a longer row (or line) is refused
    split_bytes: Annotated[int, Field(ge=1)] = 1 << 26  # an export is split as tasks of about this many bytes
    partition_customers: Annotated[int, Field(ge=10)]  # about this many customers per partition of `score`
    reasons_batch: Count  # candidates explained at a time, highest ceiling first
    reasons_at_most: Count  # no more customers explained in one month


class Report(Section):
    language: Literal["ru", "en"]  # what the manager reads: the page, the action list, the monthly consoles


class Settings(Section):
    seed: Annotated[int, Field(ge=0)]
    prepare: Prepare
    split: Split
    eda: Eda
    train: Train
    evaluate: Evaluate
    explain: Explain
    segment: Segment
    band: Band
    offers: Offers
    budget: Budget
    drift: Drift
    campaign: Campaign
    scale: Scale
    report: Report


def parse_settings(raw: Any, source: str = "params.yaml") -> Settings:
    """Validate the whole params file; a bad value raises one DataError naming every bad key."""
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(dict.fromkeys(described(e) for e in error.errors()))
        raise DataError(
            source,
            None,
            f"bad setting(s): {problems}",
            hint="Fix them in params.yaml (or in the -S value given to `dvc exp run`); "
            "stages/lib/settings.py describes every key and its allowed values.",
        ) from None
