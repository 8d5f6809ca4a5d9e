"""The plan file ``plan.json``: the contract between ruralnet, county bureaus and contractors.

A :class:`Plan` holds everything a county needs to check and carry out a
three-tier logistics plan: the county, where each layer of data came from
(synthetic or real), the parameters, villages, sites, daily routes, coverage
and costs. :func:`validate_plan` re-checks every invariant from the file
alone — the tool a bureau uses on a contractor's plan. The schema is
``ruralnet/plan/schemas/plan.schema.json``.

Times are minutes after midnight; distances in km; loads in kg.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from html import escape
from pathlib import Path
from typing import Any

from ruralnet._io import atomic_path
from ruralnet.exceptions import InputFileError, PlanValidationError
from ruralnet.geo.coords import haversine_m
from ruralnet.plan.economics_checks import check_economics
from ruralnet.plan.figures import PlanFigures, plan_figures
from ruralnet.plan.multi_day import multi_day_problems
from ruralnet.plan.records import PlanDocument
from ruralnet.plan.trip_checks import trip_problems
from ruralnet.plan.weekly_checks import weekly_problems

SCHEMA_PATH = Path(__file__).parent / "schemas" / "plan.schema.json"
SCHEMA_VERSION = "1.0"
SYNTHETIC_NOTICE_ZH = ("本方案含合成数据：村庄位置、路网及没有真实位置的乡镇驻地"
                       "为程序生成的示意数据，不是实测位置，不能直接用于施工或采购。")
SYNTHETIC_NOTICE_EN = ("This plan contains SYNTHETIC data: village positions, roads and township "
                       "seats without a real position are generated for illustration, not "
                       "surveyed; do not use them as real locations.")
TIME_TOL_MIN = 0.51  # minutes are rounded to 0.1 in the file; allow rounding on each leg
KM_TOL = 0.011  # km rounded to 0.01


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km (see :func:`ruralnet.geo.coords.haversine_m`).

    Examples
    --------
    >>> round(haversine_km(118.0, 25.0, 118.0, 26.0), 1)
    111.2
    """
    return float(haversine_m(lon1, lat1, lon2, lat2)) / 1000.0


@dataclass(frozen=True)
class Plan:
    """A county logistics plan, as stored in ``plan.json``.

    Attributes
    ----------
    data
        The plan document (see the schema). Treat it as read-only.
    """

    data: dict[str, Any]

    @cached_property
    def document(self) -> PlanDocument:
        """The plan as typed records (sites, routes, stops, coverage, costs); read-only."""
        return PlanDocument.from_dict(self.data)

    @cached_property
    def figures(self) -> PlanFigures:
        """The village and township figures (:func:`~ruralnet.plan.figures.plan_figures`), once.

        Computed on first use and kept: the summary, verdict lines, metrics,
        report, docx, Excel and map all quote them, and each computation scans
        every route's road path. The villages, sites and routes they read are
        fixed once :func:`~ruralnet.plan.build.make_plan` returns (later steps
        only add parameters, notes and ``economics``); a changed document is a
        new ``Plan(data)``.
        """
        return plan_figures(self.data)

    @property
    def county(self) -> dict[str, Any]:
        """County name, code, province and prefecture."""
        return self.data["county"]

    @property
    def synthetic(self) -> bool:
        """Whether any layer of the plan is synthetic."""
        return bool(self.data["provenance"].get("synthetic_layers"))

    @property
    def coverage(self) -> dict[str, Any]:
        """Coverage figures (townships and villages served daily)."""
        return self.data["coverage"]

    def routes(self, tier: str | None = None) -> list[dict[str, Any]]:
        """Routes, optionally of one tier (trunk, feeder, direct)."""
        return [r for r in self.data["routes"] if tier is None or r["tier"] == tier]

    def summary(self) -> str:
        """Return a short bilingual summary for people."""
        doc, fig = self.document, self.figures
        n = {k: len(doc.sites_of(k)) for k in ("county_warehouse", "township_station",
                                              "village_station")}
        lines = [
            f"{doc.county.name} ({doc.county.code}) 物流规划 logistics plan",
            f"  县级仓储中心 county warehouses: {n['county_warehouse']}; "
            f"乡镇中转站 township stations: {n['township_station']}; "
            f"村级服务站 village stations: {n['village_station']} "
            f"(in 行政村 {fig.stations_by_village_kind['village']})",
            f"  每日配送 daily delivery: 乡镇 townships {fig.format('townships_daily')}; "
            f"行政村 villages {fig.format('daily_served')}; 途经未停靠 passed, not stopped "
            f"{fig.count('passed_not_stopped')}",
            "  线路 routes: " + ", ".join(f"{t} {len(doc.routes_of(t))}"
                                          for t in ("trunk", "feeder", "direct")
                                          if doc.routes_of(t)),
            f"  日成本 daily cost: {doc.costs.total_per_day:.0f} 元 CNY",
        ]
        prov = self.data["provenance"]
        if prov.get("positions_summary"):
            lines.append(f"  位置 positions: {prov['positions_summary']}")
        if prov.get("attribution"):
            lines.append(f"  {prov['attribution']}")
        if self.synthetic:
            layers = ", ".join(self.data["provenance"]["synthetic_layers"])
            lines.append(f"  【合成数据 SYNTHETIC】{layers}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        banner = ""
        if self.synthetic:
            banner = (f"<p style='background:#fde68a;padding:4px'><b>合成数据 SYNTHETIC</b>："
                      f"{escape(SYNTHETIC_NOTICE_ZH)}</p>")
        return banner + "<pre>" + escape(self.summary()) + "</pre>"

    def to_json(self, path: str | Path) -> Path:
        """Write the plan atomically (temporary file, then rename) and return the path."""
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def from_json(cls, path: str | Path) -> Plan:
        """Read a plan file.

        Raises
        ------
        InputFileError
            When the file is missing or not JSON (with its line).
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputFileError(f"{path}：文件不存在。", f"{path}: file not found.",
                                 path=str(path)) from None
        except UnicodeDecodeError:
            raise InputFileError(f"{path}：不是 UTF-8 文本，plan.json 须为 UTF-8 编码。",
                                 f"{path}: not UTF-8 text; plan.json must be UTF-8.",
                                 path=str(path)) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{path} 第 {exc.lineno} 行：JSON 格式错误（{exc.msg}）。",
                                 f"{path}, line {exc.lineno}: invalid JSON ({exc.msg}).",
                                 path=str(path), line=exc.lineno) from None
        if not isinstance(data, dict) or "routes" not in data:
            raise InputFileError(f"{path}：不是 ruralnet 规划文件（缺少 routes）。",
                                 f"{path}: not a ruralnet plan file (no 'routes').", path=str(path))
        return cls(data)

    def to_geodataframes(self) -> dict[str, Any]:
        """Villages, sites and routes as GeoDataFrames (EPSG:4326), for maps and GeoPackage."""
        import geopandas as gpd
        from shapely.geometry import LineString

        d = self.data
        villages = gpd.GeoDataFrame(
            [{k: v for k, v in x.items() if k not in ("lon", "lat")} for x in d["villages"]],
            geometry=gpd.points_from_xy([v["lon"] for v in d["villages"]],
                                        [v["lat"] for v in d["villages"]]), crs="EPSG:4326")
        sites = gpd.GeoDataFrame(
            [{k: v for k, v in x.items() if k not in ("lon", "lat")} for x in d["sites"]],
            geometry=gpd.points_from_xy([s["lon"] for s in d["sites"]],
                                        [s["lat"] for s in d["sites"]]), crs="EPSG:4326")
        pos = _positions(d)
        rows, lines = [], []
        for r in d["routes"]:
            coords = [pos[_stop_ref(s)] for s in r["stops"]]
            rows.append({k: v for k, v in r.items() if k != "stops"} | {"n_stops": len(r["stops"])})
            lines.append(LineString(coords) if len(coords) > 1 else None)
        routes = gpd.GeoDataFrame(rows, geometry=lines, crs="EPSG:4326")
        return {"villages": villages, "sites": sites, "routes": routes}


def _stop_ref(stop: dict[str, Any]) -> str:
    return stop.get("site_id") or stop.get("village_id") or ""


def _positions(d: dict[str, Any]) -> dict[str, tuple[float, float]]:
    pos = {v["id"]: (v["lon"], v["lat"]) for v in d["villages"]}
    pos.update({s["id"]: (s["lon"], s["lat"]) for s in d["sites"]})
    return pos


def _schema_problems(d: dict[str, Any]) -> list[str]:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    out = []
    for err in sorted(validator.iter_errors(d), key=lambda e: list(e.absolute_path))[:20]:
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.append(f"schema: {where}: {err.message}")
    return out


def validate_plan(plan: Plan | dict[str, Any]) -> list[str]:
    """Re-check every invariant of a plan from the file alone.

    Checks: the JSON Schema; unique ids and resolvable references; on every
    route, times add up leg by leg and stay inside the working day, loads
    follow deliveries and pick-ups and stay within capacity, road distance is
    never shorter than the straight line, totals match their legs; feeder
    routes leave a station only after the trunk delivery there plus the
    handling time; the trips of one vehicle (``vehicle``/``trip``) share its
    kind and depot and do not overlap in time (each trip is checked as a
    route, so its load stays within capacity both ways); coverage figures
    equal what the routes actually visit;
    an ``economics`` section's sums agree with the routes, sites and unit costs.

    Parameters
    ----------
    plan
        A :class:`Plan` or the parsed ``plan.json`` dictionary.

    Returns
    -------
    list of str
        One line per problem found; empty when the plan is valid.
    """
    d = plan.data if isinstance(plan, Plan) else plan
    problems = _schema_problems(d)
    if problems:
        return problems
    params = d["parameters"]
    pos = _positions(d)
    ids = [v["id"] for v in d["villages"]] + [s["id"] for s in d["sites"]]
    dup = {i for i in ids if ids.count(i) > 1} if len(set(ids)) != len(ids) else set()
    problems += [f"duplicate id {i}" for i in sorted(dup)]
    site_kind = {s["id"]: s["kind"] for s in d["sites"]}
    for s in d["sites"]:
        if s.get("village_id") and s["village_id"] not in pos:
            problems.append(f"site {s['id']}: unknown village_id {s['village_id']}")
    for r in d["routes"]:
        problems += _route_problems(r, params, pos, site_kind)
    problems += trip_problems(d["routes"])
    for day in (d.get("weekly") or {}).get("days", ()):
        problems += trip_problems(day["routes"], f"weekly day {day['day']}: ")
    problems += trip_problems((d.get("multi_day") or {}).get("feeder_routes", ()), "multi-day: ")
    problems += _sync_problems(d)
    problems += _coverage_problems(d)
    problems += _position_count_problems(d)
    problems += check_economics(d)
    problems += multi_day_problems(d, lambda r: _route_problems(r, params, pos, site_kind))
    problems += weekly_problems(d, lambda r: _route_problems(r, params, pos, site_kind))
    return problems


def _position_count_problems(d: dict[str, Any]) -> list[str]:
    """Check that the geography layer's per-source counts match the features' own labels."""
    prov = d["provenance"]
    counts = prov.get("geography", {}).get("counts")
    if not counts:
        return []
    out = []
    for key, rows, field in (("township_seats", d["townships"], "seat_source"),
                             ("villages", d["villages"], "position_source")):
        if key not in counts or not all(field in r for r in rows):
            continue
        tally: dict[str, int] = {}
        for r in rows:
            tally[r[field]] = tally.get(r[field], 0) + 1
        if tally != counts[key]:
            out.append(f"provenance.geography.counts.{key} {counts[key]} ≠ the {field} of "
                       f"the {key.replace('_', ' ')} {tally}")
    if any(c.get("synthetic") for c in counts.values()) and \
            "geography" not in prov["synthetic_layers"]:
        out.append("provenance: geography has synthetic positions but is not listed in "
                   "synthetic_layers")
    return out


def _route_problems(r: dict[str, Any], params: dict[str, Any],
                    pos: dict[str, tuple[float, float]], site_kind: dict[str, str]) -> list[str]:
    rid, out = r["id"], []
    if r["depot_site_id"] not in site_kind:
        return [f"route {rid}: unknown depot {r['depot_site_id']}"]
    stops = r["stops"]
    refs = [_stop_ref(s) for s in stops]
    unknown = [x for x in refs if x not in pos]
    if unknown:
        return [f"route {rid}: unknown stop id(s) {unknown[:5]}"]
    if refs[0] != r["depot_site_id"] or refs[-1] != r["depot_site_id"]:
        out.append(f"route {rid}: must start and end at its depot {r['depot_site_id']}")
    if r["depart_min"] < params["day_start_min"] - TIME_TOL_MIN:
        out.append(f"route {rid}: departs {r['depart_min']} before the day starts "
                   f"({params['day_start_min']})")
    if r["return_min"] > params["day_end_min"] + TIME_TOL_MIN:
        out.append(f"route {rid}: returns {r['return_min']} after the day ends "
                   f"({params['day_end_min']})")
    if abs(stops[0]["depart_min"] - r["depart_min"]) > TIME_TOL_MIN:
        out.append(f"route {rid}: depart_min {r['depart_min']} differs from its first stop")
    if abs(stops[-1]["arrive_min"] - r["return_min"]) > TIME_TOL_MIN:
        out.append(f"route {rid}: return_min {r['return_min']} differs from its last stop")
    if abs(r["return_min"] - r["depart_min"] - r["duration_min"]) > TIME_TOL_MIN:
        out.append(f"route {rid}: duration_min {r['duration_min']} ≠ return − depart")
    load = sum(s["deliver_kg"] for s in stops)
    if load > r["capacity_kg"] + 1e-6:
        out.append(f"route {rid}: leaves with {load:.1f} kg > capacity {r['capacity_kg']} kg")
    km = 0.0
    for k, s in enumerate(stops):
        if k:
            prev = stops[k - 1]
            expect = prev["depart_min"] + s["travel_min_from_prev"]
            if abs(s["arrive_min"] - expect) > TIME_TOL_MIN * 2:
                out.append(f"route {rid} stop {k} ({refs[k]}): arrives {s['arrive_min']}, but "
                           f"{prev['depart_min']} + {s['travel_min_from_prev']} = {expect:.1f}")
            crow = haversine_km(*pos[refs[k - 1]], *pos[refs[k]])
            if s["km_from_prev"] + KM_TOL < crow * 0.995:
                out.append(f"route {rid} stop {k} ({refs[k]}): road {s['km_from_prev']} km is "
                           f"shorter than the straight line {crow:.2f} km")
            km += s["km_from_prev"]
        if s["depart_min"] < s["arrive_min"] - TIME_TOL_MIN:
            out.append(f"route {rid} stop {k}: departs before it arrives")
        load = load - s["deliver_kg"] + s["pickup_kg"]
        if abs(load - s["load_after_kg"]) > 0.15:
            out.append(f"route {rid} stop {k}: load_after_kg {s['load_after_kg']} but deliveries "
                       f"and pick-ups give {load:.1f}")
        if load > r["capacity_kg"] + 1e-6 or load < -1e-6:
            out.append(f"route {rid} stop {k}: load {load:.1f} kg outside [0, {r['capacity_kg']}]")
    if abs(km - r["distance_km"]) > KM_TOL * max(1, len(stops)):
        out.append(f"route {rid}: distance_km {r['distance_km']} ≠ sum of legs {km:.2f}")
    return out


def _sync_problems(d: dict[str, Any]) -> list[str]:
    handling = d["parameters"].get("handling_min", 0)
    arrival: dict[str, float] = {}
    for r in d["routes"]:
        if r["tier"] == "trunk":
            for s in r["stops"][1:-1]:
                ref = _stop_ref(s)
                arrival[ref] = min(arrival.get(ref, math.inf), s["arrive_min"])
    out = []
    for r in d["routes"]:
        if r["tier"] != "feeder":
            continue
        st = r["depot_site_id"]
        if st not in arrival:
            out.append(f"route {r['id']}: feeder station {st} gets no trunk delivery")
        elif r["depart_min"] + TIME_TOL_MIN < arrival[st] + handling:
            out.append(f"route {r['id']}: leaves {st} at {r['depart_min']} before the trunk "
                       f"arrives ({arrival[st]}) plus handling {handling} min")
    return out


def _coverage_problems(d: dict[str, Any]) -> list[str]:
    cov = d["coverage"]
    kind = {v["id"]: v["kind"] for v in d["villages"]}
    visited = set()
    for r in d["routes"]:
        if r["tier"] in ("feeder", "direct"):
            visited |= {s["village_id"] for s in r["stops"] if s.get("village_id")}
    v_total = sum(1 for k in kind.values() if k == "village")
    v_daily = sum(1 for v in visited if kind.get(v) == "village")
    station_of = {s["id"]: s["township_id"] for s in d["sites"] if s["kind"] == "township_station"}
    served_towns = set()
    for r in d["routes"]:
        if r["tier"] in ("trunk", "direct"):
            served_towns |= {station_of[x] for x in map(_stop_ref, r["stops"]) if x in station_of}
    out = []
    checks = [("villages_total", v_total), ("villages_daily", v_daily),
              ("townships_total", len(d["townships"])), ("townships_daily", len(served_towns))]
    for key, actual in checks:
        if cov[key] != actual:
            out.append(f"coverage: {key} claims {cov[key]} but the plan gives {actual}")
    share = v_daily / v_total if v_total else 0.0
    if abs(cov["village_share"] - share) > 1e-3:
        out.append(f"coverage: village_share claims {cov['village_share']} but is {share:.4f}")
    return out


def check_plan(plan: Plan | dict[str, Any]) -> None:
    """Raise :class:`PlanValidationError` listing every problem, if any."""
    problems = validate_plan(plan)
    if problems:
        shown = "\n  ".join(problems[:30])
        more = f"\n  … 另有 {len(problems) - 30} 项 and {len(problems) - 30} more" \
            if len(problems) > 30 else ""
        raise PlanValidationError(f"规划文件未通过校验，共 {len(problems)} 项问题："
                                  f"\n  {shown}{more}",
                                  f"the plan failed {len(problems)} check(s) (listed above)",
                                  problems=problems)
