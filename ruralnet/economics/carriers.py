"""共同配送: each carrier alone against one pooled network, same seed, same budgets.

The county's parcels are split among carriers (邮政, 中通, 圆通, …) by share.
Two networks are planned on the **same sites** — the carriers' existing
network (:func:`ruralnet.plan.build.fixed_sites`: a depot at the county seat,
a point at each township seat), as they run today — with the same
parameters, seed and search budgets:

(a) **each carrier alone**: its share of every village's parcels, its own
    vehicles, its own depot and township points (their daily fixed cost is
    paid by each carrier);
(b) **共同配送 pooled**: all parcels on one network.

The saving is ``Σ alone − pooled``; the pooled cost is shared by
:func:`~ruralnet.economics.sharing.proportional_shares` (and by the Shapley
value for up to four carriers, which needs a plan per coalition). Every
carrier still serves the plan's coverage target of 行政村 daily.

The default split (:data:`DEFAULT_SHARES`) is an **assumption**, labelled as
such in the output; give the county's real split in a carriers table
(``carrier,share`` CSV, shares summing to 1 or to 100).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruralnet.economics.sharing import SHAPLEY_MAX_CARRIERS, proportional_shares, shapley_shares
from ruralnet.exceptions import InputFileError
from ruralnet.geo.county import County
from ruralnet.plan.build import PlanParams, fixed_sites, make_plan
from ruralnet.plan.document import Plan
from ruralnet.programme.targets import read_table

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_SHARES", "CarrierComparison", "CarrierShare", "compare_carriers",
           "plan_cost_figures", "read_carriers", "scale_demand"]

DEFAULT_SHARES = (("中国邮政 EMS/China Post", 0.25), ("中通 ZTO", 0.20), ("圆通 YTO", 0.15),
                  ("韵达 Yunda", 0.15), ("申通 STO", 0.10), ("极兔 J&T", 0.10),
                  ("顺丰 SF", 0.05))
"""Assumed split of a county's parcels among carriers (round figures of national market
shares' order of magnitude; **not** data about any county — replace with the county's own)."""


@dataclass(frozen=True)
class CarrierShare:
    """One carrier and its share of the county's parcels (0 < share ≤ 1)."""

    name: str
    share: float


def read_carriers(path: str | Path) -> tuple[tuple[CarrierShare, ...], str]:
    """Read a carriers table: columns ``carrier`` (or 快递公司) and ``share`` (or 份额).

    Shares may be fractions summing to 1 or percentages summing to 100.

    Returns
    -------
    tuple
        The carriers and a provenance description.

    Raises
    ------
    InputFileError
        Missing columns, a share that is not a positive number, or shares
        that do not add up to 1 (or 100) within 1 %.
    """
    path = Path(path)
    _, df = read_table(path)
    cols = {c.strip().lower(): c for c in df.columns}
    name_col = next((cols[c] for c in ("carrier", "快递公司", "企业", "name") if c in cols), None)
    share_col = next((cols[c] for c in ("share", "份额", "占比") if c in cols), None)
    if name_col is None or share_col is None:
        raise InputFileError(f"{path.name}：需要 carrier（快递公司）和 share（份额）两列，实际列为 "
                             f"{list(df.columns)}。", f"{path.name}: needs columns carrier and "
                             f"share; found {list(df.columns)}.", path=str(path))
    out = []
    for i, row in enumerate(df.itertuples(index=False), start=2):
        raw = str(getattr(row, share_col)).strip().rstrip("%")
        try:
            share = float(raw)
        except ValueError:
            share = -1.0
        if not share > 0:
            raise InputFileError(f"{path.name} 第 {i} 行：份额 {raw!r} 不是正数。",
                                 f"{path.name}, line {i}: share {raw!r} is not a positive "
                                 "number.", path=str(path), line=i)
        out.append(CarrierShare(str(getattr(row, name_col)).strip(), share))
    total = sum(c.share for c in out)
    scale = 100.0 if abs(total - 100) <= 1 else 1.0
    if abs(total / scale - 1) > 0.01:
        raise InputFileError(f"{path.name}：份额合计为 {total:g}，应为 1 或 100。",
                             f"{path.name}: shares add up to {total:g}; they must add up to 1 "
                             "or 100.", path=str(path))
    return (tuple(CarrierShare(c.name, c.share / total) for c in out),
            f"carriers table {path.name}")


def default_carriers() -> tuple[tuple[CarrierShare, ...], str]:
    """Return the assumed default split (:data:`DEFAULT_SHARES`) and its provenance label."""
    return (tuple(CarrierShare(n, s) for n, s in DEFAULT_SHARES),
            "ASSUMED default split (not county data): " + ", ".join(
                f"{n} {s:.0%}" for n, s in DEFAULT_SHARES))


def scale_demand(county: County, factor: float) -> County:
    """Return the county with every village's parcels (down and up) multiplied by ``factor``."""
    v = county.villages.copy()
    v["parcels_down"] = v["parcels_down"].astype(float) * factor
    v["parcels_up"] = v["parcels_up"].astype(float) * factor
    return dataclasses.replace(county, villages=v)


@dataclass(frozen=True)
class CarrierComparison:
    """Pooled (共同配送) against each carrier alone.

    Attributes
    ----------
    carriers
        The carriers and shares used; ``source`` says where they came from.
    alone
        Carrier → ``{"cost_per_day", "vehicles", "km", "routes"}`` when it runs alone.
    pooled
        The same figures for the pooled network.
    shares
        Rule → carrier → share of the pooled daily cost (yuan).
    """

    carriers: tuple[CarrierShare, ...]
    source: str
    alone: dict[str, dict[str, float]]
    pooled: dict[str, float]
    shares: dict[str, dict[str, float]]
    days_per_year: int = 365

    @property
    def saving_per_day(self) -> float:
        """Σ alone − pooled (yuan per day)."""
        return sum(a["cost_per_day"] for a in self.alone.values()) - self.pooled["cost_per_day"]

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for plan.json (``economics.carriers``)."""
        alone_total = sum(a["cost_per_day"] for a in self.alone.values())
        return {
            "source": self.source, "sites": "fixed: carriers' existing depot and township points",
            "carriers": [{"name": c.name, "share": round(c.share, 6)} for c in self.carriers],
            "alone": self.alone, "pooled": self.pooled,
            "alone_total_per_day": round(alone_total, 2),
            "saving_per_day": round(self.saving_per_day, 2),
            "saving_share": round(self.saving_per_day / alone_total, 4) if alone_total else None,
            "saving_per_year": round(self.saving_per_day * self.days_per_year, 0),
            "saving_sites_per_day": round(sum(a.get("sites_per_day", 0.0)
                                              for a in self.alone.values())
                                          - self.pooled.get("sites_per_day", 0.0), 2),
            "days_per_year": self.days_per_year,
            "sharing": {rule: {k: round(v, 2) for k, v in s.items()}
                        for rule, s in self.shares.items()},
            "sharing_rule": "proportional to standalone cost (default); Shapley when ≤ "
                            f"{SHAPLEY_MAX_CARRIERS} carriers",
        }


def plan_cost_figures(plan: Plan) -> dict[str, float]:
    """Cost, site cost, vehicles, km and routes of one plan, as the economics tables quote them.

    The one reading of a plan's cost and fleet for the carrier comparison and
    the volume sensitivity (:mod:`ruralnet.economics.analysis`).

    Examples
    --------
    >>> p = Plan({"costs": {"total_per_day": 500.004, "sites_per_day": 200.0,
    ...                     "vehicles": {"van": 2, "light_truck": 1}},
    ...           "routes": [{"distance_km": 26.0}, {"distance_km": 9.44}]})
    >>> plan_cost_figures(p)
    {'cost_per_day': 500.0, 'sites_per_day': 200.0, 'vehicles': 3, 'km': 35.4, 'routes': 2}
    """
    d = plan.data
    sites = float(d["costs"].get("sites_per_day", 0.0))
    return {"cost_per_day": round(float(d["costs"]["total_per_day"]), 2),
            "sites_per_day": round(sites, 2),
            "vehicles": int(sum(d["costs"].get("vehicles", {}).values())),
            "km": round(sum(float(r["distance_km"]) for r in d["routes"]), 1),
            "routes": len(d["routes"])}


def compare_carriers(county: County, params: PlanParams, carriers: Sequence[CarrierShare], *,
                     source: str, network: Any = None, seed: int = 0,
                     planner: Callable[..., Plan] = make_plan) -> CarrierComparison:
    """Plan each carrier alone and all carriers pooled on the carriers' existing sites.

    Parameters
    ----------
    county
        The county (its villages' parcels are the whole market).
    params
        Plan parameters, the same for every plan (coverage target, fleet, day).
    carriers
        Carriers and shares (summing to 1).
    source
        Where the shares come from (shown with the figures).
    network, seed
        As for :func:`ruralnet.plan.build.make_plan`; the same for every plan.
    planner
        The planning function (``make_plan``; tests pass a smaller one).

    Returns
    -------
    CarrierComparison
    """
    sites = fixed_sites(county)
    by_name = {c.name: c.share for c in carriers}
    cache: dict[frozenset[str], dict[str, float]] = {}

    def coalition(names: Sequence[str]) -> dict[str, float]:
        key = frozenset(names)
        if key not in cache:
            share = sum(by_name[n] for n in names)
            logger.info("planning %s (share %.0f%%)", "+".join(sorted(names)), share * 100)
            plan = planner(scale_demand(county, share), params, network=network, sites=sites,
                           seed=seed)
            cache[key] = plan_cost_figures(plan)
        return cache[key]

    alone = {c.name: coalition([c.name]) for c in carriers}
    pooled = coalition(list(by_name))
    shares = {"proportional": proportional_shares(
        pooled["cost_per_day"], {k: v["cost_per_day"] for k, v in alone.items()})}
    if len(carriers) <= SHAPLEY_MAX_CARRIERS:
        shares["shapley"] = shapley_shares(list(by_name),
                                           lambda s: coalition(list(s))["cost_per_day"])
    return CarrierComparison(tuple(carriers), source, alone, pooled, shares)


def parcel_split(carriers: Sequence[CarrierShare], parcels: Mapping[str, float]
                 ) -> dict[str, dict[str, float]]:
    """Parcels per day of each carrier (down and up), from the county's totals."""
    return {c.name: {k: round(v * c.share, 2) for k, v in parcels.items()} for c in carriers}
