"""Sharing the cost of a pooled network (共同配送) among the carriers that pool.

Two rules, both computed from standalone costs ``c({i})`` (each carrier alone)
and the pooled cost ``c(N)``:

* **Proportional to standalone cost** (the default): carrier *i* pays
  ``c(N) · c({i}) / Σ_j c({j})``. Needs only *n* + 1 plans; shares add up to
  the pooled cost; whenever pooling saves money (``c(N) ≤ Σ c({j})``) no
  carrier pays more than alone, and every carrier saves the same percentage,
  which is easy to explain to carriers of very different size.
* **Shapley value**: carrier *i* pays its marginal cost averaged over every
  order in which carriers could join. Fair in the axiomatic sense (symmetry,
  additivity) but it needs the cost of every coalition (2ⁿ − 1 plans), so
  ruralnet computes it only for up to :data:`SHAPLEY_MAX_CARRIERS` carriers.

Examples
--------
>>> proportional_shares(90.0, {"邮政": 60.0, "中通": 40.0})
{'邮政': 54.0, '中通': 36.0}
>>> cost = {frozenset(): 0, frozenset("a"): 60, frozenset("b"): 40, frozenset("ab"): 90}
>>> shapley_shares(["a", "b"], lambda s: cost[frozenset(s)])
{'a': 55.0, 'b': 35.0}
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence

from ruralnet._validate import bad_value

__all__ = ["SHAPLEY_MAX_CARRIERS", "proportional_shares", "shapley_shares"]

SHAPLEY_MAX_CARRIERS = 4
"""Largest number of carriers for which the Shapley value is computed (2ⁿ − 1 plans)."""


def proportional_shares(pooled_cost: float, standalone: Mapping[str, float]) -> dict[str, float]:
    """Split ``pooled_cost`` in proportion to each carrier's standalone cost.

    Parameters
    ----------
    pooled_cost
        Daily cost of the pooled network (yuan).
    standalone
        Carrier → daily cost when it runs alone (yuan, > 0 in total).

    Returns
    -------
    dict
        Carrier → share of the pooled cost; the shares add up to ``pooled_cost``.
    """
    total = float(sum(standalone.values()))
    if total <= 0 or any(v < 0 for v in standalone.values()):
        raise bad_value("standalone", "costs >= 0 with a positive sum", dict(standalone))
    return {k: pooled_cost * v / total for k, v in standalone.items()}


def shapley_shares(players: Sequence[str],
                   cost: Callable[[Iterable[str]], float]) -> dict[str, float]:
    """Shapley value of a cost game: each player's marginal cost averaged over join orders.

    Parameters
    ----------
    players
        The carriers (at most :data:`SHAPLEY_MAX_CARRIERS`).
    cost
        Cost of a coalition (an iterable of players; the empty coalition costs 0).

    Returns
    -------
    dict
        Player → share; the shares add up to ``cost(players)``.
    """
    n = len(players)
    if n > SHAPLEY_MAX_CARRIERS:
        raise bad_value("players", f"at most {SHAPLEY_MAX_CARRIERS} carriers for Shapley", n)
    memo: dict[frozenset[str], float] = {}

    def c(s: frozenset[str]) -> float:
        if s not in memo:
            memo[s] = 0.0 if not s else float(cost(sorted(s)))
        return memo[s]

    shares = dict.fromkeys(players, 0.0)
    for i in players:
        others = [p for p in players if p != i]
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for subset in itertools.combinations(others, k):
                s = frozenset(subset)
                shares[i] += weight * (c(s | {i}) - c(s))
    return shares
