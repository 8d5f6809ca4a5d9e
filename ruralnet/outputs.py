"""Write every output of a plan into a folder: plan.json, tables, map, report, exports."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any


def write_outputs(plan: Any, county: Any, folder: Path, *, system: str | None = None) -> list[str]:
    """Write plan.json, route sheets, scorecard, map, report and exports into ``folder``.

    Parameters
    ----------
    plan
        The :class:`ruralnet.plan.Plan`.
    county
        The :class:`ruralnet.geography.County` it was made for (boundary and
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
    written = []
    plan.to_json(folder / "plan.json")
    written.append("plan.json")
    scorecard = None
    with contextlib.suppress(ImportError):
        from ruralnet.scorecard import score_plan

        scorecard = score_plan(plan.data, system)
        scorecard.table.to_csv(folder / "scorecard.csv", index=False, encoding="utf-8-sig")
        written.append("scorecard.csv")
    with contextlib.suppress(ImportError):
        from ruralnet import exports

        exports.write_route_csv(plan, folder / "routes.csv")
        exports.write_geopackage(plan, folder / "plan.gpkg", county=county)
        exports.write_excel(plan, folder / "plan.xlsx",
                            scorecard=None if scorecard is None else scorecard.table)
        written += ["routes.csv", "plan.gpkg", "plan.xlsx"]
    with contextlib.suppress(ImportError):
        from ruralnet import maps

        maps.save_map(maps.plan_map(plan, county), folder / "map.html")
        written.append("map.html")
    with contextlib.suppress(ImportError):
        from ruralnet import report

        report.write_report(plan, folder / "report.html", county=county,
                            scorecard=None if scorecard is None else scorecard.table)
        written.append("report.html")
    return written
