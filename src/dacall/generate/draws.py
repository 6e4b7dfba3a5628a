"""Random draws shared by the simulation, the background traffic and the ways things are typed."""

from __future__ import annotations

import math
import random
from typing import TypeVar

T = TypeVar("T")


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count; above a mean of 50 its normal approximation (fast, close enough)."""
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def by_share(roll: float, choices: list[tuple[float, T]], otherwise: T) -> T:
    """The first of `choices` (cumulative share, value) whose share `roll` (one rng.random())
    is under, else `otherwise`: one of several styles, each with its share of the draws."""
    return next((value for share, value in choices if roll < share), otherwise)
