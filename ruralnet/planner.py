"""From a county to a plan: geography → network → matrix → siting → routing → ``plan.json``.

:func:`make_plan` is what ``ruralnet plan --county 安溪`` runs. Every step is
a pure function of its inputs and the seed, so the same county, parameters
and seed give the same plan. Parameters come from :class:`PlanParams`
(defaults documented there) or a scenario file (:meth:`Scenario.from_file`).

Cost figures in the defaults (vehicle and site costs per day) are planning
assumptions of typical magnitude, not quotes; change them in a scenario.
"""

from __future__ import annotations

import logging
import time
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from ruralnet import __version__
from ruralnet.exceptions import InputFileError
from ruralnet.geography import County, DemandParams
from ruralnet.plan import SYNTHETIC_NOTICE_EN, SYNTHETIC_NOTICE_ZH, Plan
from ruralnet.routing import DailyRoutingParams, DailyRoutingResult, FleetType, plan_daily_routes

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
    trunk_fleet, feeder_fleet, direct_fleet
        Vehicle kinds per warehouse (trunk, direct) and per station (feeder).
    routing
        Search options of the routing tiers (time limits, engine).
    demand
        Default demand per village when the planner's file gives none.
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
    trunk_fleet: tuple[FleetType, ...] = DEFAULT_TRUNK
    feeder_fleet: tuple[FleetType, ...] = DEFAULT_FEEDER
    direct_fleet: tuple[FleetType, ...] | None = None
    routing: DailyRoutingParams = field(default_factory=DailyRoutingParams)
    demand: DemandParams = field(default_factory=DemandParams)

    def __post_init__(self) -> None:
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
                     "service_radius_m", "handling_min"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not self.trunk_fleet or not self.feeder_fleet:
            raise ValueError("trunk_fleet and feeder_fleet must each list at least one vehicle")

    def routing_params(self) -> DailyRoutingParams:
        """The routing options with this plan's day, mode and coverage target."""
        return replace(self.routing, mode=self.mode, coverage_target=self.coverage_target,
                       day_start_min=self.day_start_min, day_end_min=self.day_end_min,
                       handling_min=self.handling_min)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary of every parameter (recorded in plan.json)."""
        d = asdict(self)
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
            raise InputFileError(f"{path}：TOML 格式错误（{exc}）。", f"{path}: invalid TOML ({exc}).",
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
    if top:
        raise KeyError(f"unknown table(s): {', '.join(sorted(top))}")
    params = PlanParams(**_pick(PlanParams, plan_t, "plan"))
    base = path.parent

    def rel(p: str | None) -> Path | None:
        return None if p is None else (base / p).resolve()

    return Scenario(
        name=meta.get("name", path.stem), description=meta.get("description", ""),
        county=county["name"], province=county.get("province"),
        prefecture=county.get("prefecture"), village_file=rel(county.get("village_file")),
        osm_file=rel(county.get("osm_file")), seed=int(meta.get("seed", 0)), params=params)


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
    return {"source": p.source, "description": p.description, "sha256": p.sha256,
            "vintage": p.vintage}


def _round(x: float, nd: int = 2) -> float:
    return float(round(float(x), nd))
