"""Write every output of a plan into a folder: plan.json, tables, maps, annex, exports."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from ruralnet._io import atomic_path, cjk_font
from ruralnet.exceptions import RuralnetWarning
from ruralnet.outputs import docx_report, exports, kml, manifests, maps, print_map, report
from ruralnet.outputs.annex import build_annex
from ruralnet.outputs.frequency_view import write_week_csv
from ruralnet.outputs.timetable import write_timetables
from ruralnet.programme.scorecard import score_plan
from ruralnet.routing.daily_model import default_workers


def write_outputs(plan: Any, county: Any, folder: Path, *, system: str | None = None,
                  lang: str = "zh", basemap: str | None = None,
                  print_maps: bool = True, workers: int | None = None) -> list[str]:
    """Write plan.json, route sheets, scorecard, maps, the annex and exports into ``folder``.

    Parameters
    ----------
    plan
        The :class:`ruralnet.plan.document.Plan`.
    county
        The :class:`ruralnet.geo.county.County` it was made for (boundary and
        township territories for the maps and the GeoPackage).
    folder
        Existing destination folder.
    system
        Indicator system of the scorecard (default: the county's province system).
    lang
        Language of the annex (report.html, report.docx, manifests.html):
        ``"zh"`` (default), ``"en"`` or ``"both"``.
    basemap
        Base tiles of map.html (see :data:`ruralnet.outputs.maps.BASEMAPS`);
        default: OpenStreetMap (the land and township fills keep it readable offline).
    print_maps
        Write the print maps (map_print.*, map_townships.pdf; about half the
        time of this call for a county of 24 townships). The report and the
        Word annex embed the overview map either way.
    workers
        ``2`` or more (default: :func:`~ruralnet.routing.daily_model.default_workers`,
        the usable cores, at most 2): the township annex ``map_townships.pdf``
        is written in a forked process while this one writes the other
        files (see :mod:`ruralnet.outputs.forked`); ``1``: all here. The files
        do not depend on it.

    Returns
    -------
    list of str
        File names written.
    """
    background = (default_workers() if workers is None else workers) > 1
    font = cjk_font()
    if font is None:
        warnings.warn("未安装中文字体，未生成打印图（请安装 fonts-noto-cjk）| no CJK font is "
                      "installed: print maps are not written (install fonts-noto-cjk)",
                      RuralnetWarning, stacklevel=2)
    printed, annex = [], None
    if font is not None and print_maps:  # first, so that the annex's process starts early
        printed, annex = print_map.start_print_maps(plan, county, folder, background=background)
    try:
        files = _write_rest(plan, county, folder, system, lang, basemap, font, printed)
    except BaseException:
        if annex is not None:
            annex.join()  # the caller's error, not a second one from the annex
        raise
    if annex is not None:
        annex.wait()
    return files


def _write_rest(plan: Any, county: Any, folder: Path, system: str | None, lang: str,
                basemap: str | None, font: str | None, printed: list[str]) -> list[str]:
    """Write every file but the print maps (``printed``, already started); return all names."""
    plan.to_json(folder / "plan.json")
    card = score_plan(plan.data, system).table
    with atomic_path(folder / "scorecard.csv") as tmp:
        exports.readable_scorecard(card).to_csv(tmp, index=False, encoding="utf-8-sig")
    exports.write_route_csv(plan, folder / "routes.csv")
    exports.write_geopackage(plan, folder / "plan.gpkg", county=county)
    exports.write_excel(plan, folder / "plan.xlsx", scorecard=card)
    maps.save_map(maps.plan_map(plan, county, basemap=basemap), folder / "map.html")
    files = ["plan.json", "scorecard.csv", "routes.csv", "plan.gpkg", "plan.xlsx", "map.html"]
    files += printed
    png = None
    if font is not None:
        png = (report.png_at_dpi(folder / "map_print.png", 150) if printed
               else report.map_png(plan, county))
    annex = build_annex(plan, scorecard=card, county=county, lang=report.check_lang(lang),
                        map_png=png)  # charts drawn once for report.html and report.docx
    report.write_report(plan, folder / "report.html", county=county, scorecard=card, lang=lang,
                        png=png, annex=annex)
    docx_report.write_docx(plan, folder / "report.docx", county=county, scorecard=card,
                           lang=lang, png=png, annex=annex)
    manifests.write_manifests(plan, folder / "manifests.html", lang=lang)
    kml.write_kml(plan, folder / "plan.kmz", county)
    kml.write_kml(plan, folder / "plan_gcj02.kmz", county, gcj02=True)
    return files + ["report.html", "report.docx", "manifests.html", "plan.kmz",
                    "plan_gcj02.kmz"] + write_timetables(plan, folder) + write_week_csv(
                        plan, folder)
