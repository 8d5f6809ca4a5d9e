"""Size the default fleets to the county: larger trucks where a township or village needs them.

The default trunk fleet (8 × 4.2 m light trucks of 2,000 kg per warehouse)
suits a hill county such as 安溪. Plains counties with large townships
(滕州, 1,123 行政村; 濮阳县; 浦东新区) need more: a township whose daily
volume exceeds one light truck, or a county whose volume exceeds what one
warehouse's light trucks carry. :func:`sized_fleets` then adds medium and
heavy trucks to the *default* trunk fleet, and a light truck to the
*default* feeder fleet when a village needs more than a van. A fleet the
planner set in a scenario is never changed. The routing tier still splits
any station or village over the largest vehicle into several visits
(:mod:`ruralnet.routing.split`), so these larger types lower cost and
vehicle count rather than being the only way to a plan.

Vehicle figures are planning assumptions of typical magnitude, not quotes
(documented in ``scenarios/README.md``): capacity is the usable parcel load
of the box (e-commerce parcels are light and bulky, ~170 kg/m³, so a box
fills by volume before it reaches the legal payload), fixed cost a day's
driver and depreciation, running cost fuel, tolls and wear per km.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ruralnet.geo.county import County
from ruralnet.plan.params import DEFAULT_FEEDER, DEFAULT_TRUNK, PlanParams
from ruralnet.routing import FleetType

log = logging.getLogger(__name__)

__all__ = ["LARGE_FEEDER", "LARGE_TRUNK", "size_fleets_for", "sized_fleets"]

#: Added to the default trunk fleet when needed (per warehouse). Box volume
#: 7.6 m ≈ 40 m³ and 9.6 m ≈ 52 m³ at ~170 kg/m³ of parcels, 85 % filled.
LARGE_TRUNK = (
    FleetType("7.6米厢式货车 medium truck", 6000, num_available=4, fixed_cost_yuan=450.0,
              cost_per_km_yuan=2.0),
    FleetType("9.6米厢式货车 heavy truck", 8000, num_available=2, fixed_cost_yuan=550.0,
              cost_per_km_yuan=2.6),
)
#: Added to the default feeder fleet (per station) when a village needs more than a van.
LARGE_FEEDER = (
    FleetType("4.2米厢式轻卡 light truck", 2000, num_available=2, fixed_cost_yuan=300.0,
              cost_per_km_yuan=1.2),
)


def sized_fleets(trunk_fleet: tuple[FleetType, ...], feeder_fleet: tuple[FleetType, ...], *,
                 township_kg: Sequence[float], village_kg: Sequence[float],
                 default_trunk: tuple[FleetType, ...], default_feeder: tuple[FleetType, ...],
                 ) -> tuple[tuple[FleetType, ...], tuple[FleetType, ...], list[str]]:
    """Return the trunk and feeder fleets with larger vehicles added where the county needs them.

    Parameters
    ----------
    trunk_fleet, feeder_fleet
        The plan's fleets.
    township_kg
        Daily load per township (its villages' parcels down plus its seat's), kg.
    village_kg
        Daily load per village (the larger of down and up), kg.
    default_trunk, default_feeder
        The package's default fleets: only these are extended.

    Returns
    -------
    tuple
        Trunk fleet, feeder fleet and notes (one line per addition, bilingual)
        saying why.

    Examples
    --------
    >>> light = (FleetType("4.2米厢式轻卡 light truck", 2000, num_available=8),)
    >>> van = (FleetType("面包车 van", 800, num_available=3),)
    >>> trunk, feeder, notes = sized_fleets(light, van, township_kg=[2700, 900],
    ...     village_kg=[30, 30], default_trunk=light, default_feeder=van)
    >>> [f.capacity_kg for f in trunk], len(feeder), len(notes)
    ([2000, 6000, 8000], 1, 1)
    """
    notes = []
    if trunk_fleet == default_trunk and len(township_kg):
        biggest = max(township_kg)
        one_warehouse = sum(f.capacity_kg * f.num_available for f in trunk_fleet)
        largest = max(f.capacity_kg for f in trunk_fleet)
        if biggest > largest or sum(township_kg) > one_warehouse:
            trunk_fleet = trunk_fleet + LARGE_TRUNK
            notes.append(
                f"干线车队增加 7.6 米、9.6 米货车：最大乡镇日配送 {biggest:.0f} kg，全县 "
                f"{sum(township_kg):.0f} kg，默认轻卡单车 {largest:.0f} kg、单仓合计 "
                f"{one_warehouse:.0f} kg | trunk fleet gains 7.6 m and 9.6 m trucks: largest "
                f"township {biggest:.0f} kg a day, county {sum(township_kg):.0f} kg, default "
                f"light truck {largest:.0f} kg, {one_warehouse:.0f} kg per warehouse")
    if feeder_fleet == default_feeder and len(village_kg):
        biggest = max(village_kg)
        largest = max(f.capacity_kg for f in feeder_fleet)
        if biggest > largest:
            feeder_fleet = feeder_fleet + LARGE_FEEDER
            notes.append(
                f"支线车队增加 4.2 米轻卡：最大村日货量 {biggest:.0f} kg 超过默认最大车辆 "
                f"{largest:.0f} kg | feeder fleet gains 4.2 m light trucks: largest village "
                f"{biggest:.0f} kg a day, more than the default largest vehicle {largest:.0f} kg")
    for note in notes:
        log.info("%s", note)
    return trunk_fleet, feeder_fleet, notes


def size_fleets_for(county: County, params: PlanParams) -> tuple[PlanParams, list[str]]:
    """Return ``params`` with the default fleets sized to the county, and the notes saying how.

    Larger default vehicles are added where a township or village needs them
    (:func:`sized_fleets`), and the package's default trunk fleet, whose size
    is an assumption, may grow in the routing (``grow_trunk_fleet``: sized up
    front from a lower bound on the trucks needed, see
    :func:`ruralnet.routing.trunk.trucks_needed`); a fleet the planner listed
    stays as listed.
    """
    v, kg = county.villages, params.demand.kg_per_parcel
    down = v["parcels_down"].to_numpy(float) * kg
    town = v.groupby("township_id")["parcels_down"].sum().to_numpy(float) * kg
    trunk, feeder, notes = sized_fleets(
        params.trunk_fleet, params.feeder_fleet, township_kg=town,
        village_kg=np.maximum(down, v["parcels_up"].to_numpy(float) * kg),
        default_trunk=DEFAULT_TRUNK, default_feeder=DEFAULT_FEEDER)
    routing = params.routing
    if params.trunk_fleet == DEFAULT_TRUNK:  # an assumed fleet may grow; a listed one may not
        routing = replace(routing, grow_trunk_fleet=True)
    return replace(params, trunk_fleet=trunk, feeder_fleet=feeder, routing=routing), notes
