"""From a county to a plan: geography → network → matrix → siting → routing → ``plan.json``.

:func:`make_plan` is what ``ruralnet plan --county 安溪`` runs. Every step is
a pure function of its inputs and the seed, so the same county, parameters
and seed give the same plan. Parameters come from :class:`PlanParams`
(defaults documented there) or a scenario file (:meth:`Scenario.from_file`).

Cost figures in the defaults (vehicle and site costs per day) are planning
assumptions of typical magnitude, not quotes; change them in a scenario.

Why this module is long: PlanParams, Scenario and make_plan are the one place where
geography, matrix, siting, location-routing and routing meet; the plan document they
assemble is spread over several private helpers that only make sense together.
"""

from __future__ import annotations

import logging
import math
import time
import tomllib
import warnings
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from ruralnet._clock import watch_clock
from ruralnet.exceptions import InfeasibleError, InputFileError
from ruralnet.geo.county import County, DemandParams
from ruralnet.geo.seats import GEONAMES_ATTRIBUTION, seat_sentence
from ruralnet.plan.document import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_ZH, Plan
from ruralnet.plan.multi_day import add_multi_day
from ruralnet.plan.village_runs import add_village_runs
from ruralnet.plan.weekly_checks import add_frequency, add_weekly
from ruralnet.routing import (
    DailyRoutingParams,
    DailyRoutingResult,
    FleetType,
    plan_daily_routes,
)
from ruralnet.routing.far_villages import far_items, plan_far_villages
from ruralnet.routing.frequency import frequency_curve
from ruralnet.routing.remote import RemotePlan, plan_remote_days
from ruralnet.routing.split import split_loads
from ruralnet.routing.weekly import WeeklyParams, WeeklyResult, plan_weekly_feeders
from ruralnet.settings import VERSION as __version__

logger = logging.getLogger(__name__)

DEFAULT_TRUNK = (FleetType("4.2米厢式轻卡 light truck", 2000, num_available=8,
                           fixed_cost_yuan=300.0, cost_per_km_yuan=1.2),)
DEFAULT_FEEDER = (
    FleetType("面包车 van", 800, num_available=3, fixed_cost_yuan=180.0, cost_per_km_yuan=0.8),
    FleetType("电动三轮 e-tricycle", 180, num_available=2, fixed_cost_yuan=80.0,
              cost_per_km_yuan=0.15, max_speed_kph=15.0),
)


@dataclass(frozen=True)
class PlanParams:
    """Everything that shapes a plan, with defaults for a hill county like 安溪.

    Attributes
    ----------
    mode
        ``"two_tier"`` (县→乡→村, default), ``"direct"`` (县→村 for plains
        counties such as 灌云) or ``"auto"`` (the cheaper of the two).
    coverage_target
        Share of administrative villages (行政村, not 社区) that daily routes
        must reach; the programme asks ≥ 0.8 (贵州 2017).
    day_start_min, day_end_min
        Working day in minutes after midnight (07:00–18:00).
    handling_min
        Sorting time at a township station between trunk arrival and feeder departure.
    max_warehouses
        County warehouses to open, at most (安溪 2018 plans 1–2); the
        siting model chooses how many, 1..max.
    warehouse_fixed_yuan, station_fixed_yuan, village_station_fixed_yuan
        Daily cost of running each kind of site (rent, staff share).
    existing_site_discount
        Share of a village station's fixed cost saved when it reuses an
        existing post / co-op / courier point (多站合一).
    village_station_share, poor_village_station_share
        Coverage quotas of village service stations (≥ 50% of villages and of
        poor villages: 贵州 2017, 云南 2018).
    service_radius_m
        Villages within this road distance of a village station count as served by it.
    min_village_stations
        At least this many village service stations (安溪 2018: ≥ 237), on top
        of the share quotas.
    stations_daily
        Every village hosting a service station gets a daily visit (the
        coverage search adds other villages until the target is met).
    service_centre
        Propose the county e-commerce public service centre (县级电子商务公共服务中心)
        at the county seat; it is a programme site, not a logistics depot.
    trunk_fleet, feeder_fleet, direct_fleet
        Vehicle kinds per warehouse (trunk, direct) and per station (feeder).
    routing
        Search options of the routing tiers (time limits, engine).
    demand
        Default demand per village when the planner's file gives none.
    horizon_days
        Working days of a week's service pattern (7: 一 .. 日; 6: 一 .. 六);
        stations no daily trunk reaches get multi-day loops over it.
    week
        Also plan the week (:mod:`ruralnet.routing.weekly`): every other
        administrative village gets ``min_visits_per_week`` visits on a
        fixed pattern of days, recorded in plan.json's ``weekly``.
    min_visits_per_week
        Visits a week of each administrative village not served daily.
    frequency_curve
        With ``week``: also plan every cell of daily share 80/90/100 % ×
        minimum visits 1/2/3 a week (:mod:`ruralnet.routing.frequency`),
        recorded in ``weekly.frequency``; ``frequency_time_limit_s`` is the
        weekly search budget per station of a cell.
    """

    mode: str = "two_tier"
    coverage_target: float = 0.8
    day_start_min: int = 420
    day_end_min: int = 1080
    handling_min: int = 30
    max_warehouses: int = 2
    warehouse_fixed_yuan: float = 1500.0
    station_fixed_yuan: float = 150.0
    village_station_fixed_yuan: float = 20.0
    existing_site_discount: float = 0.5
    village_station_share: float = 0.5
    poor_village_station_share: float = 0.5
    service_radius_m: float = 3000.0
    min_village_stations: int = 0
    stations_daily: bool = True
    service_centre: bool = True
    trunk_fleet: tuple[FleetType, ...] = DEFAULT_TRUNK
    feeder_fleet: tuple[FleetType, ...] = DEFAULT_FEEDER
    direct_fleet: tuple[FleetType, ...] | None = None
    routing: DailyRoutingParams = field(default_factory=DailyRoutingParams)
    demand: DemandParams = field(default_factory=DemandParams)
    horizon_days: int = 7
    week: bool = False
    min_visits_per_week: int = 2
    frequency_curve: bool = False
    frequency_time_limit_s: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_days <= 14:
            raise ValueError(f"horizon_days must be in [1, 14], got {self.horizon_days}")
        if not 1 <= self.min_visits_per_week <= self.horizon_days:
            raise ValueError(f"min_visits_per_week must be in [1, horizon_days], "
                             f"got {self.min_visits_per_week}")
        if self.mode not in ("two_tier", "direct", "auto"):
            raise ValueError(f"mode must be one of two_tier, direct, auto, got {self.mode!r}")
        for name in ("coverage_target", "village_station_share", "poor_village_station_share",
                     "existing_site_discount"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {v}")
        if not 1 <= self.max_warehouses <= 5:
            raise ValueError(f"max_warehouses must be in [1, 5], got {self.max_warehouses}")
        if not 0 <= self.day_start_min < self.day_end_min <= 1440:
            raise ValueError("day_start_min, day_end_min must satisfy 0 <= start < end <= 1440, "
                             f"got {(self.day_start_min, self.day_end_min)}")
        for name in ("warehouse_fixed_yuan", "station_fixed_yuan", "village_station_fixed_yuan",
                     "service_radius_m", "handling_min", "min_village_stations"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not self.trunk_fleet or not self.feeder_fleet:
            raise ValueError("trunk_fleet and feeder_fleet must each list at least one vehicle")

    def routing_params(self) -> DailyRoutingParams:
        """Return the routing options with this plan's day, mode and coverage target."""
        return replace(self.routing, mode=self.mode, coverage_target=self.coverage_target,
                       day_start_min=self.day_start_min, day_end_min=self.day_end_min,
                       handling_min=self.handling_min)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary of every parameter (recorded in plan.json)."""
        d = asdict(self)
        d["routing"].pop("workers", None)  # how many processes solve, not what: not recorded
        d["trunk_fleet"] = [asdict(f) for f in self.trunk_fleet]
        d["feeder_fleet"] = [asdict(f) for f in self.feeder_fleet]
        d["direct_fleet"] = None if self.direct_fleet is None else [asdict(f)
                                                                    for f in self.direct_fleet]
        return d


@dataclass(frozen=True)
class Scenario:
    """A named, documented set of inputs and parameters (``scenarios/*.toml``).

    Attributes
    ----------
    name, description
        For people; shown in reports and comparisons.
    county, province, prefecture
        Which county (as for ``--county``).
    village_file, osm_file
        Optional real data (paths relative to the scenario file).
    seed
        Seed of synthetic positions and of the search.
    params
        The plan parameters.
    explicit_keys
        ``[plan]`` keys the file sets itself (indicator-system targets do not
        override them).
    economics
        The ``[economics]`` table as written (carriers, unit costs, budget,
        reference price); read by :class:`ruralnet.economics.options.EconomicsOptions`.
    """

    name: str
    county: str
    params: PlanParams = field(default_factory=PlanParams)
    description: str = ""
    province: str | None = None
    prefecture: str | None = None
    village_file: Path | None = None
    osm_file: Path | None = None
    seed: int = 0
    explicit_keys: frozenset[str] = frozenset()
    economics: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read a scenario TOML file (see ``scenarios/README.md`` for every key).

        Raises
        ------
        InputFileError
            Unknown keys, wrong types or values out of range, naming the key.
        """
        path = Path(path)
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputFileError(f"{path}：情景文件不存在。", f"{path}: scenario file not found.",
                                 path=str(path)) from None
        except tomllib.TOMLDecodeError as exc:
            raise InputFileError(f"{path}：TOML 格式错误（{exc}）。",
                                 f"{path}: invalid TOML ({exc}).",
                                 path=str(path)) from None
        try:
            return _scenario_from_dict(doc, path)
        except (TypeError, ValueError, KeyError) as exc:
            raise InputFileError(f"{path}：参数错误：{exc}", f"{path}: bad parameter: {exc}",
                                 path=str(path)) from None


def _pick(cls: type, table: dict[str, Any], where: str) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(table) - names)
    if unknown:
        raise KeyError(f"unknown key(s) in [{where}]: {', '.join(unknown)}; "
                       f"allowed: {', '.join(sorted(names))}")
    return dict(table)


def _scenario_from_dict(doc: dict[str, Any], path: Path) -> Scenario:
    top = dict(doc)
    county = top.pop("county", None)
    if not isinstance(county, dict) or "name" not in county:
        raise KeyError("[county] with name = \"…\" is required")
    plan_t = dict(top.pop("plan", {}))
    fleet = top.pop("fleet", {})
    for key, tier in (("trunk", "trunk_fleet"), ("feeder", "feeder_fleet"),
                      ("direct", "direct_fleet")):
        if key in fleet:
            plan_t[tier] = tuple(FleetType(**_pick(FleetType, f, f"fleet.{key}"))
                                 for f in fleet[key])
    if "routing" in top:
        plan_t["routing"] = DailyRoutingParams(**_pick(DailyRoutingParams, top.pop("routing"),
                                                       "routing"))
    if "demand" in top:
        plan_t["demand"] = DemandParams(**_pick(DemandParams, top.pop("demand"), "demand"))
    meta = top.pop("scenario", {})
    economics = dict(top.pop("economics", {}))  # read by ruralnet.economics.options
    if top:
        raise KeyError(f"unknown table(s): {', '.join(sorted(top))}")
    params = PlanParams(**_pick(PlanParams, plan_t, "plan"))
    base = path.parent

    def rel(p: str | None) -> Path | None:
        return None if p is None else (base / p).resolve()

    return Scenario(
        explicit_keys=frozenset(plan_t),
        name=meta.get("name", path.stem), description=meta.get("description", ""),
        county=county["name"], province=county.get("province"),
        prefecture=county.get("prefecture"), village_file=rel(county.get("village_file")),
        osm_file=rel(county.get("osm_file")), seed=int(meta.get("seed", 0)), params=params,
        economics=economics | {k: rel(economics[k]) for k in ("carriers_file", "budget_file")
                               if isinstance(economics.get(k), str)})


@dataclass(frozen=True)
class _Points:
    """The county's point list: county seat, township seats, then villages."""

    gdf: gpd.GeoDataFrame
    n_towns: int
    n_villages: int

    @property
    def seat_index(self) -> int:
        return 0

    def town_index(self, t: int) -> int:
        return 1 + t

    def village_index(self, v: int) -> int:
        return 1 + self.n_towns + v


def _points(county: County) -> _Points:
    t, v = county.townships, county.villages
    ids = ["county_seat"] + [f"seat-{x}" for x in t["township_id"]] + list(v["village_id"])
    names = ([f"{county.name}县城"] + [f"{n}驻地" for n in t["name"]] + list(v["name"]))
    lon = np.concatenate([[county.seat_lon], t["seat_lon"].to_numpy(), v.geometry.x.to_numpy()])
    lat = np.concatenate([[county.seat_lat], t["seat_lat"].to_numpy(), v.geometry.y.to_numpy()])
    gdf = gpd.GeoDataFrame({"id": ids, "name": names}, geometry=gpd.points_from_xy(lon, lat),
                           crs="EPSG:4326")
    return _Points(gdf, len(t), len(v))


def _layer(p: Any) -> dict[str, Any]:
    out = {"source": p.source, "description": p.description, "sha256": p.sha256,
           "vintage": p.vintage}
    if getattr(p, "counts", None):
        out["counts"] = p.counts
    return out


def _round(x: float, nd: int = 2) -> float:
    return float(round(float(x), nd))


@dataclass(frozen=True)
class Sites:
    """Chosen sites as indices into the county point list (see ``_points``).

    Attributes
    ----------
    warehouses
        Point indices of the county warehouse(s).
    stations
        One point index per township (same order as ``county.townships``).
    village_stations
        Village row indices (into ``county.villages``) hosting a service station.
    how
        ``"optimised"`` or ``"fixed"``, and per model the solver figures.
    """

    warehouses: tuple[int, ...]
    stations: tuple[int, ...]
    village_stations: tuple[int, ...]
    how: dict[str, Any]


def fixed_sites(county: County) -> Sites:
    """Sites without optimisation: the warehouse at the county seat, stations at township seats.

    This is the planner's existing network (县城仓 + 乡镇驻地站) and the
    baseline against which optimised siting is compared. No village stations.
    """
    n_t = len(county.townships)
    return Sites((0,), tuple(1 + t for t in range(n_t)), (), {"mode": "fixed"})


def make_plan(county: County, params: PlanParams | None = None, *, network: Any = None,
              sites: Sites | None = None, seed: int = 0) -> Plan:
    """Plan a county's three-tier daily logistics and return the plan.

    Parameters
    ----------
    county
        From :func:`ruralnet.geo.county.load_county`.
    params
        Plan parameters (defaults: :class:`PlanParams`).
    network
        A :class:`ruralnet.roads.network.Network`; default the synthetic network of the county.
    sites
        Fixed sites; default: chosen by the siting models.
    seed
        Seed of the search (and of the synthetic network).

    Returns
    -------
    Plan

    Raises
    ------
    InfeasibleError
        When the targets cannot be met with the fleet and the working day;
        the message gives the binding reason and figures.
    NetworkError
        When villages cannot be reached by road (named in the message).

    Notes
    -----
    Every search stops on a deterministic budget, so the same inputs,
    parameters and seed give a byte-identical ``plan.json`` on any machine
    load, apart from ``timing_s`` (the one section of wall-clock figures).
    When a search's wall-clock safety limit bites before its budget, the
    plan says so: ``timing_s["safety_limits_hit"]`` lists them and a note
    is added.
    """
    with watch_clock() as hits:
        plan = _make_plan(county, params, network=network, sites=sites, seed=seed)
    _record_clock(plan.data, hits)
    return plan


def _record_clock(data: dict[str, Any], hits: list[dict[str, Any]]) -> None:
    """Put the searches stopped by their wall-clock safety limit into the plan."""
    data["timing_s"]["safety_limits_hit"] = hits
    if hits:
        names = ", ".join(sorted({h["search"] for h in hits}))
        data["notes"].append(
            f"{len(hits)} 次搜索因时间安全上限而提前停止（{names}），本方案可能随机器负载而不同；"
            "请在较空闲的机器上重新运行 | "
            f"{len(hits)} searches stopped on their wall-clock safety limit ({names}) before "
            "their iteration budget: this plan may depend on the machine's load; rerun it on "
            "a less busy machine")


def _make_plan(county: County, params: PlanParams | None, *, network: Any,
               sites: Sites | None, seed: int) -> Plan:
    from ruralnet.roads.matrix import travel_matrix
    from ruralnet.roads.network import synthetic_network

    params = params or PlanParams()
    params, fleet_notes = _sized(county, params)
    t0 = time.perf_counter()
    if network is None:
        network = synthetic_network(county, seed=seed)
    pts = _points(county)
    tm = travel_matrix(network, pts.gdf, id_column="id")
    logger.info("matrix %d points in %.1f s", len(pts.gdf), time.perf_counter() - t0)
    chosen = sites is None
    if sites is None:
        sites = choose_sites(county, tm.distance_m, tm.duration_s, params)
    try:
        routing, remote = _route(county, pts, tm.distance_m, tm.duration_s, sites, params, seed)
    except InfeasibleError as err:
        fallback = _facility_fallback(sites, err) if chosen else None
        if fallback is None:
            raise
        sites = fallback
        routing, remote = _route(county, pts, tm.distance_m, tm.duration_s, sites, params, seed)
    if chosen and remote is not None and remote.loops:
        sites, routing, remote = _fewer_loops(county, pts, tm, sites, params, seed,
                                              (routing, remote))
    data = _plan_document(county, network, pts, sites, routing, params, seed)
    data["notes"].extend(fleet_notes + list(routing.notes))
    week = (_weekly(county, pts, tm.distance_m, tm.duration_s, sites, params, routing, seed)
            if params.week and routing.mode == "two_tier" else None)
    kinds = ("county_warehouse", "township_station")  # the routing point order
    point_ids = [s["id"] for k in kinds for s in data["sites"] if s["kind"] == k]
    point_ids += [v["id"] for v in data["villages"]]
    if remote is not None and (remote.not_daily or remote.relaxed_cutoff_min is not None):
        feeders = tuple(r for lp in remote.loops for r in lp.feeder_routes)
        add_multi_day(data, remote, point_ids,
                      _route_records(replace(routing, routes=feeders), point_ids))
        ix, a = _routing_inputs(county, pts, sites, params, seed)  # far villages' runs
        items = far_items(remote, **{k: a[k] for k in ("stations", "villages", "catchments",
                                                       "delivery_kg", "pickup_kg")})
        add_village_runs(data, plan_far_villages(
            tm.distance_m[ix], tm.duration_s[ix], items, feeder_fleet=params.feeder_fleet,
            params=a["params"], horizon_days=params.horizon_days,
            min_visits_per_week=params.min_visits_per_week), point_ids)
    if week is not None:
        add_weekly(data, week, point_ids,
                   [_route_records(replace(routing, routes=day), point_ids) for day in week.days])
    if week is not None and params.frequency_curve:
        _frequency(county, pts, tm, sites, params, seed, data)
    _add_road_paths(data, network, tm.node_ids, pts, sites)
    data["timing_s"] = {"total": _round(time.perf_counter() - t0, 1),
                        "routing": _round(routing.runtime_s, 1),
                        "siting": sites.how.get("solve_time_s", {})}
    return Plan(data)


def _sized(county: County, params: PlanParams) -> tuple[PlanParams, list[str]]:
    """Add larger default vehicles where a township or village needs them (see ``plan.fleet``)."""
    from ruralnet.plan.fleet import sized_fleets

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


def _fewer_loops(county: County, pts: _Points, tm: Any, sites: Sites, params: PlanParams,
                 seed: int, first: tuple[DailyRoutingResult, RemotePlan]):
    """Keep the joint warehouses, or the facility-location ones when fewer stations need loops.

    The location-routing model knows no trunk time windows, so its
    warehouses may leave more stations without a daily trunk than the
    facility-location choice; the one with fewer multi-day loops (then the
    lower cost) is kept, and the reason recorded.
    """
    n = len(first[1].loops)
    err = InfeasibleError(f"{n} 个乡镇站无每日干线", f"{n} stations get no daily trunk")
    alt = _facility_fallback(sites, err)
    if alt is None:
        return sites, *first
    try:
        second = _route(county, pts, tm.distance_m, tm.duration_s, alt, params, seed)
    except InfeasibleError:
        return sites, *first

    def key(r):
        daily, remote = r
        loops = remote.loops if remote is not None else ()
        return len(loops), daily.cost_yuan + sum(lp.cost_per_day_yuan for lp in loops)

    return (alt, *second) if key(second) < key(first) else (sites, *first)


def _facility_fallback(sites: Sites, err: InfeasibleError) -> Sites | None:
    """Sites with the facility-location warehouses when the joint ones fail the daily routing.

    The location-routing model has no trunk time windows; if its warehouses
    cannot reach every station in time, the exact facility-location choice
    (often more, nearer warehouses) is tried, and the reason is recorded.
    """
    lrp = dict(sites.how.get("lrp") or {})
    fl = tuple(lrp.get("facility_location_warehouses", ()))
    if lrp.get("used") != "joint" or not fl or fl == sites.warehouses:
        return None
    logger.warning("joint warehouses infeasible in the daily routing (%s); using the "
                   "facility-location warehouses", err.en)
    lrp.update(used="facility_location", joint_infeasible_zh=err.zh, joint_infeasible_en=err.en)
    return replace(sites, warehouses=fl, how={**sites.how, "lrp": lrp})


def choose_sites(county: County, distance_m: np.ndarray, duration_s: np.ndarray,
                 params: PlanParams) -> Sites:
    """Choose warehouses, township stations and village stations with the exact siting models.

    Order: one station per township first (a 1-median with fixed costs in
    each township), then 1..``max_warehouses`` warehouses supplying those
    stations (facility location), then village service stations meeting the
    coverage quotas (maximal covering with hard quotas). Each model's status,
    bound and gap go into the plan's ``siting`` record.

    Raises
    ------
    InfeasibleError
        When a village-station quota cannot be met (names the quota and figures).
    """
    from ruralnet.siting import county as siting

    inp = siting.SitingInput.from_county(county, distance_m)
    st = siting.site_township_stations(inp, fixed_cost_per_day=params.station_fixed_yuan,
                                       existing_discount=params.existing_site_discount)
    town_pos = {tid: k for k, tid in enumerate(county.townships["township_id"])}
    stations = [0] * len(town_pos)
    for idx in st.sites:
        stations[town_pos[inp.township_ids[idx]]] = int(idx)
    wh = siting.site_county_warehouses(inp, stations=stations,
                                       max_warehouses=params.max_warehouses,
                                       fixed_cost_per_day=params.warehouse_fixed_yuan)
    warehouses, lrp_record = _joint_warehouses(county, distance_m, duration_s, stations,
                                               tuple(int(i) for i in wh.sites), params)
    n_stations = None
    village_share = params.village_station_share
    if params.min_village_stations:
        # The count quota (安溪: 237 村级服务点) counts 行政村 only, as the programme does:
        # it becomes a share of administrative villages, so 社区 stations never fill it.
        kinds = np.asarray(inp.kinds)
        n_vill = int((kinds == "village").sum())
        n_poor = int(((kinds == "village") & inp.poor).sum())
        if params.min_village_stations > n_vill:
            raise InfeasibleError(
                f"要求至少 {params.min_village_stations} 个村级服务站（行政村），但全县只有 "
                f"{n_vill} 个行政村",
                f"at least {params.min_village_stations} village stations in administrative "
                f"villages are required but the county has only {n_vill}",
                constraint="min_village_stations")
        need_admin = max(math.ceil(village_share * n_vill - 1e-9), params.min_village_stations)
        village_share = need_admin / n_vill
        n_stations = max(need_admin, math.ceil(params.poor_village_station_share * n_poor - 1e-9))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vs = siting.site_village_stations(
            inp, min_share_villages=village_share,
            min_share_poor=params.poor_village_station_share, radius_m=params.service_radius_m,
            cost_per_day=params.village_station_fixed_yuan, n_stations=n_stations,
            existing_discount=params.existing_site_discount)
    notes = [str(w.message) for w in caught]
    first_village = 1 + len(town_pos)
    how: dict[str, Any] = {"mode": "optimised", "notes": notes,
                           "solve_time_s": {k: _round(c.solve_time_s, 2) for k, c in
                                            (("county_warehouse", wh), ("township_station", st),
                                             ("village_station", vs))}}
    for key, ch in (("county_warehouse", wh), ("township_station", st), ("village_station", vs)):
        how[key] = {"status": ch.status, "objective_yuan_per_day": _round(ch.daily_cost_yuan),
                    "bound": _round(ch.bound), "gap": _round(ch.gap, 6),
                    "metrics": {k: (_round(v, 4) if isinstance(v, float) else v)
                                for k, v in ch.metrics.items()}}
        if key == "village_station":  # a covering model: its bound is on population, not yuan
            how[key]["bound_population_covered"] = how[key].pop("bound")
    how["lrp"] = lrp_record
    wh_metrics = how["county_warehouse"]["metrics"]
    if "n_warehouses" in wh_metrics:  # the model's count, not necessarily the plan's
        wh_metrics["n_warehouses_facility_location"] = wh_metrics.pop("n_warehouses")
    wh_metrics["n_warehouses_plan"] = len(warehouses)
    return Sites(warehouses, tuple(stations), tuple(int(i) - first_village for i in vs.sites),
                 how)


def _joint_warehouses(county: County, distance_m: np.ndarray, duration_s: np.ndarray,
                      stations: list[int], facility_choice: tuple[int, ...],
                      params: PlanParams) -> tuple[tuple[int, ...], dict[str, Any]]:
    """Choose the warehouse(s) jointly with the trunk routes (location-routing).

    Candidates are the county seat and the township seats; clients are the
    township stations with their catchments' daily loads; the vehicle is the
    first trunk fleet type. The two-step baseline (exact capacitated siting,
    then routing) and the iterated location-routing search of
    :func:`ruralnet.lrp.solve.solve_lrp` are both run, deterministic for the seed
    (bounded rounds and routing iterations), and the warehouse at the county
    seat alone and the facility-location choice (the plan's siting-first
    two-step) are priced for comparison. The joint choice is used when it
    respects ``max_warehouses``; otherwise the facility-location choice is kept.
    Trunk time windows are not part of this model; the daily routing checks them.
    """
    from ruralnet.lrp.solve import LRPInstance, LRPParams, solve_lrp
    from ruralnet.routing import VehicleType

    n_t = len(county.townships)
    cands = list(range(1 + n_t))
    v = county.villages
    town_pos = {tid: k for k, tid in enumerate(county.townships["township_id"])}
    load = np.zeros(n_t)
    for tid, down in zip(v["township_id"], v["parcels_down"], strict=True):
        load[town_pos[tid]] += float(down) * params.demand.kg_per_parcel
    load = np.maximum(load, 1.0)  # every station gets a daily trunk stop
    # the first trunk type that carries the largest station, else the largest with split loads
    fits = [t for t in params.trunk_fleet if t.capacity_kg >= load.max()]
    f = fits[0] if fits else max(params.trunk_fleet, key=lambda t: t.capacity_kg)
    pieces = split_loads(load, np.zeros(n_t), f.capacity_kg)
    town_names = list(county.townships["name"])
    load = np.array([pc.delivery_kg for pc in pieces])
    pts = np.asarray(cands + [stations[pc.origin] for pc in pieces])
    # a warehouse dispatches at most its own trunk fleet's load in one daily trip each
    fleet_kg = float(sum(t.capacity_kg * t.num_available for t in params.trunk_fleet))
    inst = LRPInstance(
        opening_cost=[params.warehouse_fixed_yuan] * len(cands),
        depot_capacity_kg=[min(fleet_kg, float(load.sum()))] * len(cands), demand_kg=load,
        distance_m=np.asarray(distance_m)[np.ix_(pts, pts)],
        duration_s=np.asarray(duration_s)[np.ix_(pts, pts)],
        vehicle=VehicleType(capacity_kg=f.capacity_kg, fixed_cost=f.fixed_cost_yuan,
                            cost_per_km=f.cost_per_km_yuan, speed_factor=f.speed_factor,
                            max_speed_kph=f.max_speed_kph),
        service_s=[params.routing.station_service_min * 60] * len(pieces), name=county.name,
        client_names=tuple(town_names[pc.origin] for pc in pieces))
    # rounds and iterations decide; 300 s is only a safety net (recorded when it bites)
    lp = LRPParams(time_limit_s=300.0, max_rounds=6, route_max_iterations=500)
    joint = solve_lrp(inst, lp)  # its "initial" iteration is the LRP's own two-step plan
    two = next(it for it in joint.iterations if it.step == "initial")

    def priced(fixed: list[int]) -> float | None:
        """Cost with these warehouses open (None: they cannot carry the load)."""
        try:
            return _round(solve_lrp(inst, replace(lp, max_rounds=0), fixed_sites=fixed).cost)
        except InfeasibleError:
            return None

    at_seat, first = priced([0]), priced(list(facility_choice))
    use_joint = len(joint.open_depots) <= params.max_warehouses
    chosen = tuple(int(d) for d in joint.open_depots) if use_joint else facility_choice
    record = {
        "model": "location-routing of the trunk tier (ruralnet.lrp.solve), stations as clients",
        "two_step_cost": first, "joint_cost": _round(joint.cost),
        "gain_yuan_per_day": None if first is None else _round(first - joint.cost),
        "two_step": "exact facility location (star trunk costs), then trunk routing",
        "lrp_two_step_cost": _round(two.cost),
        "county_seat_only_cost": at_seat,
        "facility_location_warehouses": [int(i) for i in facility_choice],
        "joint_warehouses": [int(d) for d in joint.open_depots],
        "used": "joint" if use_joint else "facility_location",
        "iterations": [{"index": it.index, "step": it.step, "open_depots": list(it.open_depots),
                        "cost": _round(it.cost)} for it in joint.iterations],
    }
    return chosen, record



def _route(county: County, pts: _Points, dist: np.ndarray, dur: np.ndarray, sites: Sites,
           params: PlanParams, seed: int) -> tuple[DailyRoutingResult, RemotePlan | None]:
    """Run the daily routing on the sub-matrix [warehouses, stations, villages].

    In two-tier mode, stations no trunk reaches within the daily rules get
    multi-day loops (:func:`ruralnet.routing.remote.plan_remote_days`).
    """
    ix, args = _routing_inputs(county, pts, sites, params, seed)
    if params.mode == "two_tier":  # stations no daily trunk reaches get multi-day loops
        return plan_remote_days(dist[ix], dur[ix], horizon_days=params.horizon_days, **args)
    return plan_daily_routes(dist[ix], dur[ix], direct_fleet=params.direct_fleet, **args), None


def _weekly(county: County, pts: _Points, dist: np.ndarray, dur: np.ndarray, sites: Sites,
            params: PlanParams, routing: DailyRoutingResult, seed: int) -> WeeklyResult:
    """Plan the week's feeders around the day plan (:mod:`ruralnet.routing.weekly`)."""
    ix, a = _routing_inputs(county, pts, sites, params, seed)
    return plan_weekly_feeders(
        routing, dist[ix], dur[ix], stations=a["stations"], villages=a["villages"],
        delivery_kg=a["delivery_kg"], pickup_kg=a["pickup_kg"], catchments=a["catchments"],
        feeder_fleet=params.feeder_fleet, village_kinds=a["village_kinds"],
        params=a["params"], seed=seed,
        weekly=WeeklyParams(horizon_days=params.horizon_days,
                            min_visits_per_week=params.min_visits_per_week))


def _frequency(county: County, pts: _Points, tm: Any, sites: Sites, params: PlanParams,
               seed: int, data: dict[str, Any]) -> None:
    """Add ``weekly.frequency``: the week re-planned per daily share × visits a week."""
    ix, a = _routing_inputs(county, pts, sites, params, seed)
    dist, dur = tm.distance_m[ix], tm.duration_s[ix]
    keys = ("stations", "villages", "catchments", "delivery_kg", "pickup_kg")

    def day_plan(share: float):
        p = replace(params, coverage_target=share,
                    routing=replace(params.routing, curve_targets=()))
        return _route(county, pts, tm.distance_m, tm.duration_s, sites, p, seed)

    def week_plan(daily: DailyRoutingResult, k: int) -> WeeklyResult:
        return plan_weekly_feeders(
            daily, dist, dur, **{x: a[x] for x in keys}, feeder_fleet=params.feeder_fleet,
            village_kinds=a["village_kinds"], params=a["params"], seed=seed,
            weekly=WeeklyParams(horizon_days=params.horizon_days, min_visits_per_week=k,
                                time_limit_s=params.frequency_time_limit_s))

    def far_plan(remote: RemotePlan | None, k: int):
        if remote is None:
            return None
        return plan_far_villages(dist, dur, far_items(remote, **{x: a[x] for x in keys}),
                                 feeder_fleet=params.feeder_fleet, params=a["params"],
                                 horizon_days=params.horizon_days, min_visits_per_week=k)

    admin = {q for q, kind in zip(a["villages"], a["village_kinds"], strict=True)
             if kind == "village"}
    cells = frequency_curve(day_plan, week_plan, far_plan, admin=admin,
                            horizon_days=params.horizon_days,
                            fixed_per_day=data["costs"]["sites_per_day"])
    add_frequency(data, cells)


def _routing_inputs(county: County, pts: _Points, sites: Sites, params: PlanParams,
                    seed: int) -> tuple[Any, dict[str, Any]]:
    """Return the sub-matrix index and the keyword arguments of the routing calls."""
    v = county.villages
    n_w, n_s = len(sites.warehouses), len(sites.stations)
    master = list(sites.warehouses) + list(sites.stations) + [pts.village_index(i)
                                                              for i in range(len(v))]
    ix = np.ix_(master, master)
    town_pos = {tid: k for k, tid in enumerate(county.townships["township_id"])}
    catch: list[list[int]] = [[] for _ in range(n_s)]
    for i, tid in enumerate(v["township_id"]):
        catch[town_pos[tid]].append(n_w + n_s + i)
    kg = county.villages
    deliver = (kg["parcels_down"].to_numpy(float) * params.demand.kg_per_parcel).round(2)
    pickup = (kg["parcels_up"].to_numpy(float) * params.demand.kg_per_parcel).round(2)
    kinds = ["village" if k == "village" else "community" for k in v["kind"]]
    args = dict(warehouses=list(range(n_w)), stations=list(range(n_w, n_w + n_s)),
                villages=list(range(n_w + n_s, n_w + n_s + len(v))), delivery_kg=deliver,
                pickup_kg=pickup, catchments=catch, trunk_fleet=params.trunk_fleet,
                feeder_fleet=params.feeder_fleet, village_kinds=kinds,
                params=params.routing_params(), seed=seed,
                point_names=[f"{county.name}仓"] * n_w + list(county.townships["name"])
                + list(v["name"]),
                required_villages=[n_w + n_s + r for r in sites.village_stations]
                if params.stations_daily else None)
    return ix, args


def _site_records(county: County, pts: _Points, sites: Sites,
                  params: PlanParams) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Site records of plan.json and the plan ids of the warehouse and station points."""
    g, t, v = pts.gdf, county.townships, county.villages
    recs: list[dict[str, Any]] = []
    wh_ids, st_ids = [], []
    if params.service_centre:
        recs.append({"id": "C1", "kind": "county_service_centre",
                     "name": f"县级电子商务公共服务中心（{g['name'].iloc[0]}）",
                     "lon": _round(g.geometry.x.iloc[0], 6), "lat": _round(g.geometry.y.iloc[0], 6),
                     "township_id": None, "village_id": None, "fixed_cost_yuan": 0.0,
                     "note": "proposed at the county seat; funded and costed outside logistics"})

    def town_of_point(i: int) -> str | None:
        if 1 <= i <= pts.n_towns:
            return str(t["township_id"].iloc[i - 1])
        if i > pts.n_towns:
            return str(v["township_id"].iloc[i - 1 - pts.n_towns])
        return None

    def village_of_point(i: int) -> str | None:
        return str(v["village_id"].iloc[i - 1 - pts.n_towns]) if i > pts.n_towns else None

    for k, i in enumerate(sites.warehouses, start=1):
        sid = f"W{k}"
        wh_ids.append(sid)
        recs.append({"id": sid, "kind": "county_warehouse",
                     "name": f"县级仓储配送中心{k}（{g['name'].iloc[i]}）",
                     "lon": _round(g.geometry.x.iloc[i], 6), "lat": _round(g.geometry.y.iloc[i], 6),
                     "township_id": town_of_point(i), "village_id": village_of_point(i),
                     "fixed_cost_yuan": params.warehouse_fixed_yuan})
    for tpos, i in enumerate(sites.stations):
        tid = str(t["township_id"].iloc[tpos])
        sid = f"S{tid}"
        st_ids.append(sid)
        recs.append({"id": sid, "kind": "township_station",
                     "name": f"{t['name'].iloc[tpos]}乡镇中转站（{g['name'].iloc[i]}）",
                     "lon": _round(g.geometry.x.iloc[i], 6), "lat": _round(g.geometry.y.iloc[i], 6),
                     "township_id": tid, "village_id": village_of_point(i),
                     "fixed_cost_yuan": params.station_fixed_yuan})
    for r in sites.village_stations:
        row = v.iloc[r]
        existing = str(row["existing_site"] or "")
        cost = params.village_station_fixed_yuan * (
            1 - params.existing_site_discount if existing else 1.0)
        recs.append({"id": f"VS{row['village_id']}", "kind": "village_station",
                     "name": f"{row['name']}村级服务站", "lon": _round(row.geometry.x, 6),
                     "lat": _round(row.geometry.y, 6), "township_id": str(row["township_id"]),
                     "village_id": str(row["village_id"]), "existing_site": existing,
                     "fixed_cost_yuan": _round(cost)})
    return recs, wh_ids, st_ids


def _route_records(routing: DailyRoutingResult, point_ids: list[str]) -> list[dict[str, Any]]:
    out = []
    for r in routing.routes:
        depot = point_ids[r.depot_point]
        stops = [{"site_id": depot, "km_from_prev": 0.0, "travel_min_from_prev": 0.0,
                  "arrive_min": _round(r.depart_min, 1), "depart_min": _round(r.depart_min, 1),
                  "deliver_kg": 0.0, "pickup_kg": 0.0, "load_after_kg": _round(r.load_out_kg, 1)}]
        for s in r.stops:
            ref = point_ids[s.point]
            key = "village_id" if not ref.startswith(("W", "S")) else "site_id"
            stops.append({key: ref, "km_from_prev": _round(s.km_from_prev),
                          "travel_min_from_prev": _round(s.travel_min_from_prev, 1),
                          "arrive_min": _round(s.arrive_min, 1),
                          "depart_min": _round(s.depart_min, 1),
                          "deliver_kg": _round(s.deliver_kg, 1),
                          "pickup_kg": _round(s.pickup_kg, 1),
                          "load_after_kg": _round(s.load_after_kg, 1)})
        last = r.stops[-1].load_after_kg if r.stops else r.load_out_kg
        stops.append({"site_id": depot, "km_from_prev": _round(r.return_km),
                      "travel_min_from_prev": _round(r.return_travel_min, 1),
                      "arrive_min": _round(r.return_min, 1), "depart_min": _round(r.return_min, 1),
                      "deliver_kg": 0.0, "pickup_kg": 0.0, "load_after_kg": _round(last, 1)})
        out.append({"id": r.id, "vehicle": r.vehicle, "trip": r.trip, "tier": r.tier,
                    "vehicle_type": r.vehicle_type,
                    "capacity_kg": r.capacity_kg, "depot_site_id": depot,
                    "depart_min": _round(r.depart_min, 1), "return_min": _round(r.return_min, 1),
                    "distance_km": _round(sum(s["km_from_prev"] for s in stops)),
                    "duration_min": _round(r.return_min - r.depart_min, 1),
                    "cost": _round(r.cost_yuan), "stops": stops})
    return out


def _plan_document(county: County, network: Any, pts: _Points, sites: Sites,
                   routing: DailyRoutingResult, params: PlanParams, seed: int) -> dict[str, Any]:
    v, t = county.villages, county.townships
    site_recs, wh_ids, st_ids = _site_records(county, pts, sites, params)
    point_ids = wh_ids + st_ids + [str(x) for x in v["village_id"]]
    routes = _route_records(routing, point_ids)
    visited = {s["village_id"] for r in routes for s in r["stops"] if "village_id" in s}
    hosts = {s["village_id"] for s in site_recs if s["kind"] == "village_station"}
    villages = []
    for row in v.itertuples():
        pop = float(row.population)
        villages.append({
            "id": str(row.village_id), "name": str(row.name), "township_id": str(row.township_id),
            "lon": _round(row.geometry.x, 6), "lat": _round(row.geometry.y, 6), "kind": row.kind,
            "poor": bool(row.poor), "population": None if np.isnan(pop) else pop,
            "existing_site": str(row.existing_site or ""),
            "parcels_down": float(row.parcels_down), "parcels_up": float(row.parcels_up),
            "deliver_kg": _round(row.parcels_down * params.demand.kg_per_parcel, 2),
            "pickup_kg": _round(row.parcels_up * params.demand.kg_per_parcel, 2),
            "position_source": row.position_source,
            "demand_source": str(getattr(row, "demand_source", "assumed")),
            "daily": str(row.village_id) in visited,
            "has_station": str(row.village_id) in hosts,
            **({"position_ref": row.position_ref} if getattr(row, "position_ref", "") else {})})
    prov = {k: _layer(p) for k, p in county.provenance.items()}
    prov["geography"] = prov.pop("positions")
    prov["network"] = _layer(network.provenance)
    synthetic = sorted(k for k, p in prov.items() if p["source"] == "synthetic"
                       or any(c.get("synthetic") for c in p.get("counts", {}).values()))
    prov["synthetic_layers"] = synthetic
    prov["geography"]["village_positions"] = {
        str(k): int(n) for k, n in v["position_source"].value_counts().sort_index().items()}
    if synthetic:
        prov["notice"] = f"{SYNTHETIC_NOTICE_ZH} {SYNTHETIC_NOTICE_EN}"
    counts = prov["geography"].get("counts")
    if counts:
        prov["positions_summary"] = seat_sentence(counts)
        if "geonames" in counts.get("township_seats", {}) or "geonames" in counts.get(
                "county_seat", {}):
            prov["attribution"] = f"乡镇与县城驻地 seats: {GEONAMES_ATTRIBUTION}"
    n_vill = int((v["kind"] == "village").sum())
    daily = sum(1 for x in villages if x["kind"] == "village" and x["daily"])
    station_set = set(st_ids)
    towns_daily = len({s["site_id"] for r in routes if r["tier"] in ("trunk", "direct")
                       for s in r["stops"] if s.get("site_id") in station_set})
    route_cost = {tier: _round(sum(r["cost"] for r in routes if r["tier"] == tier))
                  for tier in ("trunk", "feeder", "direct")}
    site_cost = _round(sum(s["fixed_cost_yuan"] for s in site_recs))
    return {
        "schema_version": "1.0",
        "generated_by": f"ruralnet {__version__}",
        "county": {"name": county.name, "code": county.code, "province": county.province,
                   "prefecture": county.prefecture,
                   "seat_source": getattr(county, "seat_source", "synthetic")},
        "provenance": prov,
        "parameters": {"day_start_min": params.day_start_min, "day_end_min": params.day_end_min,
                       "handling_min": params.handling_min,
                       "coverage_target": params.coverage_target, "mode": routing.mode,
                       "mode_requested": params.mode, "seed": seed, "engine": routing.engine,
                       "sites": sites.how.get("mode", "optimised"), "all": params.to_dict()},
        "townships": [{"id": str(r.township_id), "name": str(r.name), "kind": str(r.kind),
                       "seat_lon": _round(r.seat_lon, 6), "seat_lat": _round(r.seat_lat, 6),
                       "seat_source": str(getattr(r, "seat_source", "synthetic")),
                       "n_villages": int(r.n_villages)} for r in t.itertuples()],
        "villages": villages,
        "sites": site_recs,
        "routes": routes,
        "coverage": {"townships_daily": towns_daily, "townships_total": len(t),
                     "villages_daily": daily, "villages_total": n_vill,
                     "village_share": _round(daily / n_vill if n_vill else 0.0, 4),
                     "communities_daily": routing.communities_served,
                     "village_stations": len(hosts)},
        "costs": {"total_per_day": _round(sum(route_cost.values()) + site_cost),
                  "routes_per_day": route_cost, "sites_per_day": site_cost, "currency": "CNY",
                  "vehicles": dict(routing.vehicles_by_type),
                  "note": "costs are planning assumptions (see parameters), not quotes"},
        "unserved": [{"village_id": point_ids[u.point], "reason": u.reason, "zh": u.zh,
                      "en": u.en} for u in routing.unserved],
        "fleet_curve": [{"target": c.target, "feasible": c.reached, "coverage": c.coverage,
                         "cost": c.cost_yuan, "vehicles": c.vehicles} for c in routing.curve],
        "siting": {k: v for k, v in sites.how.items()
                   if k not in ("mode", "notes", "solve_time_s", "lrp")},
        "lrp": sites.how.get("lrp"),
        "notes": list(sites.how.get("notes", [])),
    }


def _add_road_paths(data: dict[str, Any], network: Any, node_ids: np.ndarray, pts: _Points,
                    sites: Sites) -> None:
    """Give each route a ``path`` of [lon, lat] along the roads it drives (for maps).

    Each leg follows the fastest road path between the stops' snapped nodes
    (edge geometries where the network has them, e.g. simplified OSM ways).
    """
    import networkx as nx

    node_of = {f"W{k}": node_ids[i] for k, i in enumerate(sites.warehouses, start=1)}
    node_of.update({f"S{t['id']}": node_ids[i]
                    for t, i in zip(data["townships"], sites.stations, strict=True)})
    node_of.update({v["id"]: node_ids[pts.village_index(i)]
                    for i, v in enumerate(data["villages"])})
    G = network.graph
    legs: dict[tuple[Any, Any], list[list[float]]] = {}

    def leg(u: Any, v: Any) -> list[list[float]]:
        if (u, v) not in legs:
            nodes = nx.bidirectional_dijkstra(G, u, v, weight="travel_time")[1] if u != v else [u]
            coords: list[list[float]] = []
            for a, b in zip(nodes[:-1], nodes[1:], strict=True):
                data_ab = min(G[a][b].values(), key=lambda d: d.get("travel_time", 0.0))
                geom = data_ab.get("geometry")
                seg = (list(geom.coords) if geom is not None else
                       [(G.nodes[a]["x"], G.nodes[a]["y"]), (G.nodes[b]["x"], G.nodes[b]["y"])])
                if geom is not None and seg and (round(seg[0][0], 7), round(seg[0][1], 7)) != (
                        round(G.nodes[a]["x"], 7), round(G.nodes[a]["y"], 7)):
                    seg = seg[::-1]
                coords.extend([[round(x, 5), round(y, 5)] for x, y in seg])
            if not coords:
                coords = [[round(G.nodes[u]["x"], 5), round(G.nodes[u]["y"], 5)]]
            legs[(u, v)] = coords
        return legs[(u, v)]

    for r in data["routes"]:
        refs = [s.get("site_id") or s.get("village_id") for s in r["stops"]]
        path: list[list[float]] = []
        for a, b in zip(refs[:-1], refs[1:], strict=True):
            seg = leg(node_of[a], node_of[b])
            path.extend(seg if not path or seg[0] != path[-1] else seg[1:])
        r["path"] = path


def make_plan_for_targets(county: County, params: PlanParams, overrides: dict[str, Any], *,
                          source: str, network: Any = None, sites: Sites | None = None,
                          seed: int = 0) -> Plan:
    """Plan with parameters raised to an indicator system's targets, relaxing if infeasible.

    The plan first tries ``params`` with ``overrides`` (e.g. from
    :func:`ruralnet.programme.requirements.plan_requirements`). If that is infeasible
    (say 100 % same-day coverage with the fleet given), it plans with
    ``params`` alone and records, in ``parameters.targets_applied`` and the
    plan's notes, what was wanted and why it could not be met — the
    scorecard then shows the target as not met, with the reason.

    Parameters
    ----------
    county, params, network, sites, seed
        As for :func:`make_plan`.
    overrides
        ``PlanParams`` fields to set.
    source
        Where the overrides come from (the indicator system id), for the record.

    Returns
    -------
    Plan
    """
    wanted = {k: v for k, v in overrides.items() if getattr(params, k) != v}
    try:
        plan = make_plan(county, replace(params, **wanted), network=network, sites=sites,
                         seed=seed)
        plan.data["parameters"]["targets_applied"] = {"system": source, "applied": wanted}
        return plan
    except InfeasibleError as err:
        if not wanted:
            raise
        logger.warning("targets of %s infeasible, planning with the base parameters: %s",
                       source, err.en)
        plan = make_plan(county, params, network=network, sites=sites, seed=seed)
        plan.data["parameters"]["targets_applied"] = {
            "system": source, "applied": {}, "wanted": wanted,
            "infeasible_zh": err.zh, "infeasible_en": err.en}
        plan.data["notes"].append(
            f"{source} 的目标 {wanted} 无法满足：{err.zh}；已按基础参数规划 | the {source} targets "
            f"{wanted} cannot be met: {err.en}; planned with the base parameters instead")
        return plan
