"""What shapes a plan: :class:`PlanParams`, :class:`Scenario` (``scenarios/*.toml``), fleets.

Cost figures in the defaults (vehicle and site costs per day) are planning
assumptions of typical magnitude, not quotes; change them in a scenario.
Split out of :mod:`ruralnet.plan.build`, which re-exports every name here.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ruralnet.exceptions import InputFileError
from ruralnet.geo.county import DemandParams
from ruralnet.routing import DailyRoutingParams, FleetType

__all__ = ["DEFAULT_FEEDER", "DEFAULT_TRUNK", "PlanParams", "Scenario"]

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

