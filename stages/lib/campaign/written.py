"""The campaign commands' JSON files as they are read back: a review (`review`) and an uplift choice (`uplift`).

They come back from disk, so from outside: each is validated against the fields its readers use before any
of them is read (`score --review` shows a review on the page, `adopt-effects` puts its figures into
params.yaml, `uplift` learns from reviews). Other fields, and fields a later version adds, are let through.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stages.lib.errors import DataError, described

Number = Annotated[float, Field(allow_inf_nan=False)]
Customers = Annotated[int, Field(ge=0)]
Label = Annotated[str, Field(min_length=1)]


class Part(BaseModel):
    # strict: a count written as "12" or true is not a count; other keys are kept for their readers
    model_config = ConfigDict(extra="allow", strict=True)


class ModelQuality(Part):
    customers: Customers
    roc_auc: Number
    roc_auc_ci95_low: Number
    roc_auc_ci95_high: Number
    roc_auc_floor: Number
    calibration_error: Number
    calibration_error_limit: Number | None = None
    verdict: Literal["as_expected", "degraded"]
    verdict_reason: Literal["ranking", "calibration", "within"] | None = None
    why: str


# what a measured offer carries for the page, the console and adopt-effects
MEASURED_FIGURES = (
    "effect_ci95_low", "effect_ci95_high", "profit_saved", "profit_saved_ci95_low", "profit_saved_ci95_high",
)  # fmt: skip


class Measured(Part):
    """An offer's or the whole campaign's measured effect (`effects.measured_effect`)."""

    treated: Customers
    control: Customers
    measurable: bool
    effect: Number | None = None
    effect_ci95_low: Number | None = None
    effect_ci95_high: Number | None = None
    profit_saved: Number | None = None
    profit_saved_ci95_low: Number | None = None
    profit_saved_ci95_high: Number | None = None
    cost: Number | None = None

    @model_validator(mode="after")
    def measured_has_figures(self):
        if self.measurable:
            missing = [name for name in MEASURED_FIGURES if getattr(self, name) is None]
            if missing:
                raise ValueError(f"measurable, but without {', '.join(missing)}")
        return self


class OfferMeasured(Measured):
    assumed_effect: Number | None = None


class Campaign(Measured):
    lost_to_follow_up: Customers


class Update(Part):
    updated: Number
    measured_provenance: dict


class Effects(Part):
    offers: dict[str, Update]


class Review(Part):
    kind: Literal["campaign_review"]
    campaign_label: Label
    model: ModelQuality
    offers: dict[str, OfferMeasured]
    campaign: Campaign
    effects: Effects


class Choice(Part):
    chosen: Literal["uplift", "constant"]
    reason: Literal["qini", "too_few", "one_month"] | None = None
    why: str = ""
    model: dict | None = None

    @model_validator(mode="after")
    def uplift_has_a_model(self):
        if self.chosen == "uplift" and self.model is None:
            raise ValueError("chosen is 'uplift', but it holds no model")
        return self


class UpliftChoice(Part):
    kind: Literal["uplift_choice"]
    campaigns: list[Label]
    offers: dict[str, Choice] = Field(min_length=1)


SCHEMAS = {"campaign_review": Review, "uplift_choice": UpliftChoice}


def checked(found: dict, kind: str, file: str, command: str) -> dict:
    """``found`` as it was read, once its fields of ``kind`` hold what their readers expect; a DataError naming
    each bad field otherwise."""
    try:
        SCHEMAS[kind].model_validate(found)
    except ValidationError as error:
        problems = "; ".join(dict.fromkeys(described(e) for e in error.errors()))
        hint = f"Give the file `python -m stages.{command}` wrote, unedited, or write it again with that command."
        raise DataError(file, None, f"bad field(s): {problems}", hint=hint) from None
    return found
