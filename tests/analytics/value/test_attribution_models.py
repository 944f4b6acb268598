"""Each attribution model on small paths, against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from leadline.analytics.attribution import largest_remainder, markov_removal_effects, touch_weights

# Two conversions: the first after touches A, B, C, D (in that order), the second after E alone.
OFFSETS = np.array([0, 4, 5])
AGES = np.array([21.0, 14.0, 7.0, 0.0, 3.0])


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first_touch", [1, 0, 0, 0, 1]),
        ("last_touch", [0, 0, 0, 1, 1]),
        ("linear", [0.25, 0.25, 0.25, 0.25, 1]),
        ("position_based", [0.4, 0.1, 0.1, 0.4, 1]),
        # Half-life 7 days: weights 1/8, 1/4, 1/2, 1 over their sum 15/8.
        ("time_decay", [1 / 15, 2 / 15, 4 / 15, 8 / 15, 1]),
    ],
)
def test_it_splits_each_conversion_as_the_model_says(model, expected):
    weights = touch_weights(model, OFFSETS, AGES, half_life_days=7)

    assert weights == pytest.approx(expected)


def test_it_splits_a_two_touch_path_evenly_under_position_based():
    weights = touch_weights("position_based", np.array([0, 2]), np.array([1.0, 0.0]))

    assert weights == pytest.approx([0.5, 0.5])


def test_it_halves_the_weight_of_a_touch_one_half_life_older():
    weights = touch_weights("time_decay", np.array([0, 2]), np.array([10.0, 0.0]), half_life_days=10)

    assert weights == pytest.approx([1 / 3, 2 / 3])


def test_it_computes_markov_removal_effects_as_by_hand():
    # Paths: A → B → conversion, A → null, B → conversion. Transitions: start→A 2/3, start→B 1/3,
    # A→B 1/2, A→null 1/2, B→conversion 1. P(conversion) = 2/3·1/2 + 1/3 = 2/3.
    # Without A: 1/3, removal effect 1/2. Without B: 0, removal effect 1. Shares 1/3 and 2/3.
    converting = np.array([0, 1, 1])
    converting_offsets = np.array([0, 2, 3])
    null = np.array([0])
    null_offsets = np.array([0, 1])

    result = markov_removal_effects(converting, converting_offsets, null, null_offsets, 2)

    assert result.conversion_probability == pytest.approx(2 / 3)
    assert result.removal_effects == pytest.approx([0.5, 1.0])
    assert result.shares == pytest.approx([1 / 3, 2 / 3])


def test_it_counts_repeated_channels_as_loops_that_do_not_change_the_removal_effect():
    # A → A → conversion and A → null: P = 1/2; removing A loses everything.
    result = markov_removal_effects(np.array([0, 0]), np.array([0, 2]), np.array([0]), np.array([0, 1]), 1)

    assert result.conversion_probability == pytest.approx(0.5)
    assert result.removal_effects == pytest.approx([1.0])


def test_it_rounds_amounts_to_cents_that_add_up_to_the_total():
    amounts = np.array([333.3333, 333.3333, 333.3334])

    rounded = largest_remainder(amounts, 1000)

    assert rounded.sum() == 1000
    assert sorted(rounded.tolist()) == [333, 333, 334]
