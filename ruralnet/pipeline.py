"""The one path from a county (or a scenario) to a checked :class:`~ruralnet.plan.document.Plan`.

:func:`plan_county` is what ``ruralnet plan``, ``ruralnet compare``, the
regional runner, the notebooks and the README's Python example all call, so
that the same inputs and seed give the same plan wherever it is asked for:

1. resolve and load the county (:func:`ruralnet.geo.county.load_county`),
   with the planner's village file when one is given;
2. load the road network: an OSM extract when one is given (read once for
   roads and village positions: :func:`ruralnet.roads.osm_county.read_county_osm`),
   else OSM online when asked for, else the synthetic network of the county;
3. design for the county's indicator system: quotas, village-station counts,
   daily coverage and warehouse range from the system's plan targets
   (:func:`ruralnet.programme.requirements.plan_requirements`), except the
   keys the caller set itself; relaxed with a recorded reason when infeasible
   (:func:`ruralnet.plan.build.make_plan_for_targets`);
4. an urban district (:func:`ruralnet.geo.urban.urban_status`) is planned on its
   行政村 only, its 社区 left to the city's couriers, and its plan says so
   (``urban`` section); with no 行政村 the plan has no route
   (:func:`ruralnet.plan.urban.urban_plan`).

It sits above :mod:`ruralnet.programme` (it reads the targets) and below
:mod:`ruralnet.outputs` and :mod:`ruralnet.cli`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from ruralnet.economics.options import EconomicsOptions
from ruralnet.exceptions import RuralnetError
from ruralnet.geo.county import County, load_county
from ruralnet.geo.urban import county_status, rural_part
from ruralnet.plan.build import PlanParams, Scenario, Sites, fixed_sites, make_plan_for_targets
from ruralnet.plan.document import Plan
from ruralnet.plan.urban import mark_urban, urban_plan
from ruralnet.programme.plan_spend import plan_against_fund_table
from ruralnet.programme.requirements import plan_requirements
from ruralnet.programme.targets import default_system_id, load_system
from ruralnet.roads import network as rn
from ruralnet.roads.osm import network_from_osm_file
from ruralnet.roads.osm_county import CountyOsm, read_county_osm

logger = logging.getLogger(__name__)
_P = TypeVar("_P")

__all__ = ["PlanInputs", "load_network", "plan_county", "target_overrides"]


@dataclass(frozen=True)
class PlanInputs:
    """What :func:`plan_county` planned on, for callers that also write outputs.

    Attributes
    ----------
    county
        The loaded county.
    system
        The indicator system the plan was designed for and is scored against.
    overrides
        Plan parameters the system's targets asked for (before any relaxation).
    osm
        The OSM extract's village match and read counts, when one was read.
    """

    county: County
    system: str
    overrides: dict[str, Any]
    osm: CountyOsm | None = None


def load_network(county: County, *, osm_file: str | Path | None = None, online: bool = False,
                 seed: int = 0) -> Any:
    """Return the road network of a county: an OSM extract, OSM online, or synthetic roads.

    Parameters
    ----------
    county
        The county (its boundary bounds the roads read).
    osm_file
        An OpenStreetMap extract; wins over ``online``.
    online
        Download OSM roads with osmnx (needs internet).
    seed
        Seed of the synthetic network.

    Returns
    -------
    ruralnet.roads.network.Network
    """
    boundary = county.boundary.geometry.iloc[0]
    if osm_file:
        logger.info("reading OSM extract %s", osm_file)
        return network_from_osm_file(osm_file, boundary)
    if online:
        logger.info("downloading OSM roads with osmnx")
        return rn.network_from_osmnx_online(boundary)
    logger.info("building the SYNTHETIC road network")
    return rn.synthetic_network(county, seed=seed)


def target_overrides(county: County, params: PlanParams, system: str | None = None, *,
                     design: bool = True,
                     explicit: Iterable[str] = ()) -> tuple[str, dict[str, Any]]:
    """Return the county's indicator system and the plan parameters its targets ask for.

    Parameters
    ----------
    county
        The county; its province picks the default system.
    params
        The base parameters; overrides equal to them are dropped.
    system
        An indicator system id to use instead of the county's default.
    design
        ``False`` returns no overrides (plan with ``params`` as given).
    explicit
        Parameter names the caller set itself: targets never override them.

    Returns
    -------
    tuple
        ``(system_id, overrides)``.
    """
    sys_obj = load_system(system) if system else load_system(
        default_system_id(county.name, county.province, county.prefecture)[0])
    if not design:
        return sys_obj.id, {}
    req = plan_requirements(sys_obj)
    keep = set(explicit)
    overrides = {k: v for k, v in req.overrides.items()
                 if k not in keep and getattr(params, k) != v}
    if overrides:
        logger.info("designing for %s: %s", sys_obj.id,
                    ", ".join(f"{k}={v}" for k, v in overrides.items()))
    return sys_obj.id, overrides


def plan_county(county: County | str | Scenario, params: PlanParams | None = None, *,
                network: Any = None, village_file: str | Path | None = None,
                osm_file: str | Path | None = None, online: bool = False,
                province: str | None = None, prefecture: str | None = None,
                system: str | None = None, design_for_targets: bool = True,
                explicit: Iterable[str] = (), sites: Sites | str | None = None,
                seed: int | None = None, inputs: list[PlanInputs] | None = None,
                economics: EconomicsOptions | None = None,
                progress: Callable[[str], None] | None = None) -> Plan:
    """Plan a county, designing for its indicator system; the one pipeline.

    Parameters
    ----------
    county
        A loaded :class:`~ruralnet.geo.county.County`, a county name or code
        (``"安溪"``), or a :class:`~ruralnet.plan.build.Scenario` (its county,
        parameters, seed, village and OSM files are used unless given here).
    params
        Plan parameters (default: the scenario's, else :class:`PlanParams`).
    network
        A ready :class:`~ruralnet.roads.network.Network`; else one is loaded
        from ``osm_file`` (with the extract's village positions, see
        :func:`ruralnet.roads.osm_county.read_county_osm`), ``online`` or
        synthetic roads.
    village_file, osm_file, online, province, prefecture
        As for ``ruralnet plan``; ignored for a county already loaded
        (``village_file``, ``province``, ``prefecture``).
    system
        Indicator system id; default the county's own.
    design_for_targets
        Raise quotas and coverage to the system's plan targets (the CLI default).
    explicit
        Parameter names set on purpose (scenario ``[plan]`` keys, CLI options):
        targets never override them.
    sites
        Fixed sites, or ``"fixed"`` for the county seat and township seats;
        default chosen by the siting models.
    seed
        Seed of positions and of the search (default the scenario's, else 0).
    inputs
        When a list is given, the :class:`PlanInputs` used are appended to it.
    economics
        Money analysis (carriers, reference price, budget, sensitivity; default
        the scenario's ``[economics]`` table). Cost per parcel and the
        investment per fund-table category are always added to the plan's
        ``economics`` section.
    progress
        Called with ``"county"``, ``"roads"`` (with ``osm_file`` / ``online`` /
        synthetic as given) and ``"plan"`` as each stage starts, so that a
        caller (the CLI) reports a stage only once it has begun.

    Returns
    -------
    Plan

    Examples
    --------
    >>> from ruralnet.pipeline import plan_county
    >>> plan = plan_county("安溪")  # doctest: +SKIP
    """
    scenario = county if isinstance(county, Scenario) else None
    explicit = set(explicit)
    if scenario is not None and economics is None and scenario.economics:
        economics = EconomicsOptions.from_table(scenario.economics)
    if scenario is not None:
        params = params or scenario.params
        explicit |= set(scenario.explicit_keys)
        seed = scenario.seed if seed is None else seed
        village_file = village_file or scenario.village_file
        osm_file = osm_file or scenario.osm_file
        province = province or scenario.province
        prefecture = prefecture or scenario.prefecture
        county = scenario.county
    params = params or PlanParams()
    seed = 0 if seed is None else seed
    step = progress or (lambda stage: None)
    step("county")
    if isinstance(county, str):
        county = load_county(county, province=province, prefecture=prefecture,
                             village_file=village_file, seed=seed, demand=params.demand)
    elif not isinstance(county, County):
        raise RuralnetError("county 必须是县名、县代码、County 或 Scenario。",
                            f"county must be a name, a code, a County or a Scenario, "
                            f"got {type(county).__name__}")
    urban = county_status(county)
    if urban.urban:  # 社区 go to the city's couriers; only the 行政村 are planned
        county = rural_part(county)
        if county.villages.empty:
            system_id = target_overrides(county, params, system, design=False)[0]
            if inputs is not None:
                inputs.append(PlanInputs(county, system_id, {}, None))
            return urban_plan(county, urban, params, seed=seed)
    osm = None
    if network is None:
        step("roads")
    if network is None and osm_file:
        osm = read_county_osm(county, osm_file)
        county, network = osm.county, osm.network
    elif network is None:
        network = load_network(county, osm_file=osm_file, online=online, seed=seed)
    system_id, overrides = target_overrides(county, params, system,
                                            design=design_for_targets, explicit=explicit)
    if isinstance(sites, str):
        if sites != "fixed":
            raise RuralnetError(f"sites 只能为 'fixed'，实际为 {sites!r}。",
                                f"sites must be 'fixed' or Sites, got {sites!r}")
        sites = fixed_sites(county)
    step("plan")
    plan = make_plan_for_targets(county, params, overrides, source=system_id, network=network,
                                 sites=sites, seed=seed)
    applied = plan.data["parameters"].get("targets_applied", {}).get("applied", {})
    effective = replace(params, **applied)  # what the plan was actually made with
    econ_started = time.perf_counter()
    econ = (economics or EconomicsOptions()).run(plan, county, effective, network=network,
                                                 seed=seed)
    fund = plan_against_fund_table(econ["investment"], load_system(system_id))
    if any(r["budget_wan"] is not None for r in fund):
        econ["investment"]["fund_table"] = {"system": system_id, "rows": fund}
    plan.data["economics"] = econ
    if "timing_s" in plan.data:  # a plan made here has one; a hand-made document may not
        plan.data["timing_s"].setdefault("stages", {})["economics"] = round(
            time.perf_counter() - econ_started, 2)
    if urban.urban:
        mark_urban(plan.data, urban)
    if inputs is not None:
        inputs.append(PlanInputs(county, system_id, overrides, osm))
    return plan


def with_params(params: _P, **changes: Any) -> _P:
    """Return ``params`` with ``changes`` applied, as a :class:`RuralnetError` when out of range.

    ``params`` is a :class:`PlanParams` or one of its parameter dataclasses
    (e.g. ``params.demand``).

    Examples
    --------
    >>> with_params(PlanParams(), max_warehouses=1).max_warehouses
    1
    >>> with_params(PlanParams().demand, parcels_per_village=80).parcels_per_village
    80
    >>> with_params(PlanParams().demand, parcels_per_village=-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ruralnet.exceptions.RuralnetError: 参数超出范围：...
    """
    try:
        return replace(params, **changes)
    except ValueError as exc:
        raise RuralnetError(f"参数超出范围：{exc}", f"parameter out of range: {exc}") from None
