"""Write every output of a plan into a folder: plan.json, tables, map, report, exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruralnet._io import atomic_path
from ruralnet.outputs import exports, maps, report
from ruralnet.outputs.timetable import write_timetables
from ruralnet.programme.scorecard import score_plan


def write_outputs(plan: Any, county: Any, folder: Path, *, system: str | None = None) -> list[str]:
    """Write plan.json, route sheets, scorecard, map, report and exports into ``folder``.

    Parameters
    ----------
    plan
        The :class:`ruralnet.plan.document.Plan`.
    county
        The :class:`ruralnet.geo.county.County` it was made for (boundary and
        township territories for the map and the GeoPackage).
    folder
        Existing destination folder.
    system
        Indicator system of the scorecard (default: the county's province system).

    Returns
    -------
    list of str
        File names written.
    """
    plan.to_json(folder / "plan.json")
    card = score_plan(plan.data, system).table
    with atomic_path(folder / "scorecard.csv") as tmp:
        card.to_csv(tmp, index=False, encoding="utf-8-sig")
    exports.write_route_csv(plan, folder / "routes.csv")
    exports.write_geopackage(plan, folder / "plan.gpkg", county=county)
    exports.write_excel(plan, folder / "plan.xlsx", scorecard=card)
    maps.save_map(maps.plan_map(plan, county), folder / "map.html")
    report.write_report(plan, folder / "report.html", county=county, scorecard=card)
    return ["plan.json", "scorecard.csv", "routes.csv", "plan.gpkg", "plan.xlsx", "map.html",
            "report.html"] + write_timetables(plan, folder)
