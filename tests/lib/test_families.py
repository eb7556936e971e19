"""The model-family registry: every family builds, is recognised back, and has an explainer kind."""

from __future__ import annotations

import pytest

from stages.lib.model.families import FAMILIES, SEARCHABLE, explainer_kind, family_of, make_family


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_each_family_builds_a_fresh_estimator_recognised_by_name(name):
    first, second = make_family(name, 0), make_family(name, 0)
    assert first is not second  # a factory, never a shared instance
    assert family_of(first) == name
    assert explainer_kind(first) in ("tree", "linear", "permutation")


def test_estimator_types_are_unambiguous():
    types = [family.estimator_type for family in FAMILIES.values()]
    assert len(types) == len(set(types))


def test_the_dummy_is_a_baseline_not_a_candidate():
    assert "dummy" in FAMILIES and "dummy" not in SEARCHABLE
