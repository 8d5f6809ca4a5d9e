"""The print map: a static, signable map of the plan for the 实施方案 (PNG, PDF, SVG; A4/A3).

:func:`print_map` draws one matplotlib figure at paper size: the title
(县名 + 物流网络规划图), the county boundary, township territories with their
names, warehouse / station / village-station symbols, villages by service
status, the daily routes drawn along the plan's road paths per tier, a Chinese
legend, a scale bar (``matplotlib-scalebar``), a north arrow, the data-source
and attribution line and — whenever any layer of the plan is synthetic — a
diagonal watermark across the map that survives cropping.

It reads in black and white: tiers differ by line width and dash pattern,
sites by marker shape, daily versus not-daily villages by filled versus hollow
circles. The map is drawn in the county's UTM zone (metres), so the scale bar
is true.

:func:`township_map` draws one 乡镇配送图 per township (its villages named);
:func:`write_print_maps` writes the overview as PNG and PDF (A4, A3) and the
township annex as one multi-page PDF.

Examples
--------
>>> [round(x, 3) for x in paper_size("A4", landscape=True)]
[11.693, 8.268]
>>> attribution_line({"network": {"source": "osm"}, "admin": {"source": "geonames"}})
'数据来源：行政区划 GeoNames（CC BY 4.0）；道路 © OpenStreetMap 贡献者（ODbL）'
>>> attribution_line({"geography": {"source": "synthetic", "counts": {
...     "township_seats": {"geonames": 22, "synthetic": 2}, "villages": {"synthetic": 492}}}})
'数据来源：乡镇驻地 GeoNames（CC BY 4.0）；乡镇驻地、村庄位置 合成（非真实）'
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruralnet._io import atomic_path, cjk_font
from ruralnet.exceptions import ParameterError
from ruralnet.outputs.exports import check_county_matches
from ruralnet.outputs.forked import Forked
from ruralnet.outputs.print_fonts import figure_texts, font_settings, subset_fonts
from ruralnet.outputs.served import village_status
from ruralnet.plan.document import Plan

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ruralnet.geo.county import County

logger = logging.getLogger(__name__)

PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
#: tier → (label, line width pt, dash pattern, colour); widths and dashes carry the meaning in B/W
TIER_LINES = {
    "trunk": ("干线（县仓—乡镇站）", 2.6, "-", "#7f1d1d"),
    "feeder": ("支线（乡镇站—村）", 1.1, (0, (5, 2)), "#1d4ed8"),
    "direct": ("直达线（县仓—村）", 1.1, (0, (1, 1.5)), "#0f766e"),
}
#: site kind → (label, marker, size pt², face colour)
SITE_MARKERS = {
    "county_service_centre": ("县级电子商务公共服务中心", "*", 220, "#6d28d9"),
    "county_warehouse": ("县级仓储配送中心", "s", 150, "#b91c1c"),
    "township_station": ("乡镇中转站", "^", 70, "#1d4ed8"),
    "village_station": ("村级服务站", "D", 14, "#0f766e"),
}
WATERMARK = "合成数据 · 仅供演示\nSYNTHETIC DATA"
HIDDEN_NOTE = "另有{n}个村（社区）因位置密集未标注名称，见 plan.xlsx 村庄表。"
SOURCE_ZH = {"geonames": "GeoNames（CC BY 4.0）", "osm": "© OpenStreetMap 贡献者（ODbL）",
             "user": "规划单位提供", "official": "官方资料", "synthetic": "合成（非真实）",
             "nbs": "国家统计局统计用区划代码"}
FEATURE_ZH = {"township_seats": "乡镇驻地", "county_seat": "县城驻地", "villages": "村庄位置"}
LAYER_ZH = {"admin": "行政区划", "boundary": "县界", "geography": "村庄位置",
            "positions": "村庄位置", "network": "道路", "demand": "需求"}


def paper_size(paper: str, *, landscape: bool) -> tuple[float, float]:
    """Return the figure size in inches of an ISO paper size.

    Raises
    ------
    ParameterError
        For a paper other than A4 or A3.
    """
    if paper not in PAPER_MM:
        raise ParameterError(f"纸张 paper={paper!r} 不支持；可选 {sorted(PAPER_MM)}。",
                             f"paper {paper!r} is not supported; choose one of "
                             f"{sorted(PAPER_MM)}.", paper=paper)
    w, h = PAPER_MM[paper]
    if landscape:
        w, h = h, w
    return w / 25.4, h / 25.4


def _source_key(layer: dict[str, Any]) -> str:
    src = str(layer.get("source", "")).lower()
    text = f"{src} {layer.get('description', '')}".lower()
    if "geonames" in text:
        return "geonames"
    if "openstreetmap" in text or src == "osm":
        return "osm"
    return src


def attribution_line(provenance: dict[str, Any], county: County | None = None) -> str:
    """Return the 数据来源 line: one entry per layer, GeoNames and OSM credited when used."""
    layers = {k: v for k, v in provenance.items() if isinstance(v, dict)}
    if county is not None:
        layers.update({k: {"source": p.source, "description": p.description,
                           "counts": p.counts}
                       for k, p in county.provenance.items() if k not in layers})
    parts: dict[str, list[str]] = {}
    for name, layer in layers.items():
        if isinstance(layer.get("counts"), dict):  # a mixed layer: credit each feature kind
            for kind, by_source in layer["counts"].items():
                for src, n in by_source.items():
                    text = SOURCE_ZH.get("synthetic" if src == "assumed" else src, src)
                    label = FEATURE_ZH.get(kind, kind) if name in ("geography", "positions") \
                        else LAYER_ZH.get(name, name)
                    if n and label not in parts.setdefault(text, []):
                        parts[text].append(label)
            continue
        key = _source_key(layer)
        text = SOURCE_ZH.get(key, str(layer.get("source", "")))
        label = LAYER_ZH.get(name, name)
        if label not in parts.setdefault(text, []):
            parts[text].append(label)
    order = sorted(parts, key=lambda t: (t == SOURCE_ZH["synthetic"], t))
    return "数据来源：" + "；".join(f"{'、'.join(parts[t])} {t}" for t in order)


def fonts_for_print() -> Any:
    """Return the matplotlib settings context of the print map (CJK font, embedded glyphs)."""
    return font_settings(cjk_font())


class _Layers:
    """The plan and county in one metric CRS (the county's UTM zone)."""

    def __init__(self, plan: Plan, county: County | None) -> None:
        import geopandas as gpd
        from shapely.geometry import LineString, Point

        d = plan.data
        pts = gpd.GeoSeries([Point(v["lon"], v["lat"]) for v in d["villages"]]
                            + [Point(s["lon"], s["lat"]) for s in d["sites"]], crs=4326)
        base = county.boundary if county is not None else pts
        self.crs = base.estimate_utm_crs() if len(base) else "EPSG:3857"
        status = village_status(plan)  # the figures' definition (a station's host is daily)
        self.villages = gpd.GeoDataFrame(
            [{**v, "daily": status[v["id"]] == "daily"} for v in d["villages"]],
            geometry=[Point(v["lon"], v["lat"]) for v in d["villages"]], crs=4326,
        ).to_crs(self.crs) if d["villages"] else None
        self.sites = gpd.GeoDataFrame(
            d["sites"], geometry=[Point(s["lon"], s["lat"]) for s in d["sites"]], crs=4326,
        ).to_crs(self.crs) if d["sites"] else None
        pos = {v["id"]: (v["lon"], v["lat"]) for v in d["villages"]}
        pos.update({s["id"]: (s["lon"], s["lat"]) for s in d["sites"]})
        rows, geoms = [], []
        self.along_roads = bool(d["routes"]) and all(r.get("path") for r in d["routes"])
        for r in d["routes"]:
            xy = r.get("path") or [pos[x] for x in (s.get("site_id") or s.get("village_id")
                                                    for s in r["stops"]) if x in pos]
            if len(xy) >= 2:
                rows.append({"id": r["id"], "tier": r["tier"], "towns": self._towns(r, d)})
                geoms.append(LineString(xy))
        self.routes = gpd.GeoDataFrame(rows, geometry=geoms, crs=4326).to_crs(self.crs) \
            if rows else None
        self.boundary = county.boundary.to_crs(self.crs) if county is not None else None
        self.townships = county.townships.to_crs(self.crs) if county is not None else None
        # township codes as text, once: every township page selects by them
        self.town_ids = (self.townships["township_id"].astype(str)
                         if self.townships is not None else None)
        self.village_towns = (self.villages["township_id"].astype(str)
                              if self.villages is not None else None)
        self.site_towns = (self.sites["township_id"].astype(str)
                           if self.sites is not None else None)
        self._paths: dict[int, Any] = {}

    def town_path(self, i: int) -> Any:
        """Return the matplotlib path of township ``i``'s territory (made once, shared by pages)."""
        if i not in self._paths:
            self._paths[i] = _ring_path(self.townships.geometry.iloc[i])
        return self._paths[i]

    @staticmethod
    def _towns(r: dict[str, Any], d: dict[str, Any]) -> set[str]:
        town = {v["id"]: v["township_id"] for v in d["villages"]}
        town.update({s["id"]: s.get("township_id") for s in d["sites"]})
        return {town.get(s.get("site_id") or s.get("village_id")) or "" for s in r["stops"]}


def _halo(width: float = 2.5) -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


def _view_box(ax: Any, margin: float = 0.15) -> Any:
    """Return the axes' view as a shapely box, ``margin`` (share of its width) larger."""
    from shapely.geometry import box

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    pad = margin * (x1 - x0)
    return box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _draw(ax: Any, lay: _Layers, *, focus: str | None, label_villages: bool) -> None:
    """Draw every layer on ``ax``; ``focus`` is a township code whose neighbours are faded.

    On a township page (``focus``), features wholly outside the view (plus a
    margin wider than any label) are not drawn: the axes clip them anyway,
    and leaving them out keeps the 乡镇配送图 PDF small and fast.
    """
    view = _view_box(ax) if focus is not None else None
    if lay.townships is not None:
        towns = lay.townships
        seen = towns.intersects(view).to_numpy() if view is not None else [True] * len(towns)
        shades = ["#f1f5f9", "#e2e8f0", "#f8fafc", "#e5e7eb"]
        for i, row in enumerate(towns.itertuples()):
            if row.geometry is None or row.geometry.is_empty or not seen[i]:
                continue
            faded = focus is not None and str(row.township_id) != focus
            # add_artist, not add_patch: the view is set from the layers' extent, and
            # add_patch's data-limit update walks every vertex in Python
            ax.add_artist(_patch(lay.town_path(i), face="#ffffff" if faded else shades[i % 4],
                                 edge="#6b7280", lw=0.6, ls=(0, (4, 2)), z=1))
        for i, row in enumerate(towns.itertuples()):
            if row.geometry is None or row.geometry.is_empty or not seen[i]:
                continue
            p = row.geometry.representative_point()
            own = focus is None or str(row.township_id) == focus
            ax.text(p.x, p.y, str(row.name), ha="center", va="center", zorder=6,
                    fontsize=(11 if focus else 8.5) if own else 7, color="#111827" if own
                    else "#9ca3af", fontweight="bold" if own else "normal",
                    path_effects=_halo(3), gid="rn-township-label", clip_on=True)
    if lay.boundary is not None:
        lay.boundary.boundary.plot(ax=ax, color="#000000", linewidth=2.0, zorder=2)
    if lay.routes is not None:
        shown = lay.routes.intersects(view) if view is not None else True
        for tier, (_label, lw, ls, colour) in TIER_LINES.items():
            sel = lay.routes[(lay.routes["tier"] == tier) & shown]
            if focus is not None and tier != "trunk":
                sel = sel[sel["towns"].map(lambda t: focus in t)]
            if len(sel):
                sel.plot(ax=ax, color=colour, linewidth=lw, linestyle=ls, zorder=3 if
                         tier != "trunk" else 4, alpha=0.9)
    if lay.villages is not None:
        v = lay.villages
        if focus is not None:
            v = v[lay.village_towns == focus]
        served, unserved = v[v["daily"]], v[~v["daily"]]
        size = 16 if focus else 7
        if len(served):
            served.plot(ax=ax, color="#15803d", markersize=size, edgecolor="#000000",
                        linewidth=0.3, zorder=5)
        if len(unserved):
            unserved.plot(ax=ax, color="#ffffff", markersize=size, edgecolor="#c2410c",
                          linewidth=0.9, zorder=5)
    if lay.sites is not None:
        for kind, (_label, marker, size, colour) in SITE_MARKERS.items():
            s = lay.sites[lay.sites["kind"] == kind]
            if focus is not None and kind != "county_warehouse":
                s = s[lay.site_towns.loc[s.index] == focus]
            if len(s):
                ax.scatter(s.geometry.x, s.geometry.y, marker=marker,
                           s=size * (1.6 if focus and kind == "village_station" else 1),
                           c=colour, edgecolors="#000000", linewidths=0.7, zorder=8)
        wh = lay.sites[lay.sites["kind"] == "county_warehouse"]
        for row in wh.itertuples():
            ax.annotate(str(row.name), (row.geometry.x, row.geometry.y), xytext=(7, -10),
                        textcoords="offset points", fontsize=8, fontweight="bold", zorder=9,
                        path_effects=_halo(2.5))


def _label_villages(ax: Any, lay: _Layers, focus: str | None, size: float = 5.5) -> int:
    """Name the focus township's villages where a label does not overlap one already placed.

    Administrative villages are placed before communities. Returns how many
    names were left out (the footer says so).
    """
    if lay.villages is None:
        return 0
    v = lay.villages
    if focus is not None:
        v = v[lay.village_towns == focus]
    v = v.sort_values("kind", key=lambda k: k != "village", kind="stable")
    fw, _ = ax.figure.get_size_inches()
    x0, x1 = ax.get_xlim()
    per_pt = (x1 - x0) / (ax.get_position(original=True).width * fw * 72)  # metres a point
    placed: list[tuple[float, float, float, float]] = []
    hidden = 0
    for row in v.itertuples():
        x, y = row.geometry.x + 3 * per_pt, row.geometry.y + 2 * per_pt
        box = (x, y, x + len(str(row.name)) * size * per_pt, y + size * 1.2 * per_pt)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
               for b in placed):
            hidden += 1
            continue
        placed.append(box)
        ax.annotate(str(row.name), (row.geometry.x, row.geometry.y), xytext=(3, 2),
                    textcoords="offset points", fontsize=size, zorder=7,
                    path_effects=_halo(1.8), annotation_clip=True, clip_on=True,
                    gid="rn-village-label")
    return hidden


def _patch(path: Any, *, face: str, edge: str, lw: float, ls: Any, z: int) -> Any:
    from matplotlib.patches import PathPatch

    return PathPatch(path, facecolor=face, edgecolor=edge, linewidth=lw, linestyle=ls,
                     zorder=z)


def _ring_path(geom: Any) -> Any:
    """Return a (multi)polygon's rings as one matplotlib path."""
    from matplotlib.path import Path as MPath

    verts, codes = [], []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            xy = list(ring.coords)
            verts += xy
            codes += [MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY]
    return MPath(verts, codes)


def _legend_handles(plan: Plan, focus: bool) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    kinds = {s["kind"] for s in plan.data["sites"]}
    tiers = {r["tier"] for r in plan.data["routes"]}
    h: list[Any] = [Line2D([], [], color="#000000", lw=2.0, label="县界"),
                    Patch(facecolor="#e2e8f0", edgecolor="#6b7280", linestyle="--", lw=0.6,
                          label="乡镇辖区")]
    h += [Line2D([], [], marker=m, ls="", ms=(size ** 0.5) * 0.75, mfc=c, mec="#000000",
                 label=label) for k, (label, m, size, c) in SITE_MARKERS.items() if k in kinds]
    h += [Line2D([], [], color=c, lw=lw, ls=ls, label=label)
          for t, (label, lw, ls, c) in TIER_LINES.items() if t in tiers]
    ms = 5 if focus else 3.5
    h += [Line2D([], [], marker="o", ls="", ms=ms, mfc="#15803d", mec="#000000", mew=0.3,
                 label="每日配送的村"),
          Line2D([], [], marker="o", ls="", ms=ms, mfc="#ffffff", mec="#c2410c", mew=0.9,
                 label="未每日配送的村")]
    return h


def _north_arrow(fig: Any, ax: Any) -> None:
    ax.annotate("", xy=(0.955, 0.975), xytext=(0.955, 0.895), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>,head_width=0.5,head_length=1.0", "lw": 2.2,
                            "color": "#000000"}, zorder=20)
    ax.text(0.955, 0.88, "北\nN", transform=ax.transAxes, ha="center", va="top", fontsize=10,
            fontweight="bold", zorder=20, path_effects=_halo(3), gid="rn-north")


def _frame(plan: Plan, lay: _Layers, *, paper: str, title: str, focus: str | None,
           label_villages: bool, county: County | None) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib_scalebar.scalebar import ScaleBar

    extent = _extent(lay, focus)
    wide = (extent[2] - extent[0]) > 1.15 * (extent[3] - extent[1])
    fig = Figure(figsize=paper_size(paper, landscape=wide))
    scale = 1.0 if paper == "A4" else 1.3
    if wide:
        ax = fig.add_axes((0.03, 0.09, 0.72, 0.8))
        legend_at, legend_loc = (0.77, 0.88), "upper left"
    else:
        ax = fig.add_axes((0.05, 0.2, 0.9, 0.7))
        legend_at, legend_loc = (0.5, 0.19), "upper center"
    ax.set_facecolor("#ffffff")
    _fit(ax, extent)  # the view first: a township page leaves out what lies outside it
    _draw(ax, lay, focus=focus, label_villages=label_villages)
    _fit(ax, extent)
    hidden = _label_villages(ax, lay, focus) if label_villages else 0
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_linewidth(1.2)
    ax.add_artist(ScaleBar(1.0, "m", location="lower left", length_fraction=0.22,
                           box_alpha=0.85, font_properties={"size": 8 * scale},
                           scale_loc="top", border_pad=0.8))
    _north_arrow(fig, ax)
    fig.text(0.5, 0.965, title, ha="center", va="top", fontsize=18 * scale, fontweight="bold",
             gid="rn-title")
    fig.legend(handles=_legend_handles(plan, focus is not None), loc=legend_loc,
               bbox_to_anchor=legend_at, ncol=1 if wide else 3, fontsize=8.5 * scale,
               title="图  例", title_fontsize=10 * scale, frameon=True, edgecolor="#000000",
               fancybox=False)
    route_note = ("线路沿规划路网绘制" if lay.along_roads else "线路按站点间直线示意")
    net = plan.data["provenance"].get("network", {}).get("source")
    if net == "synthetic":
        route_note += "（合成路网，非实际道路）"
    epsg = lay.crs.to_epsg() if hasattr(lay.crs, "to_epsg") else None
    foot = (f"{attribution_line(plan.data['provenance'], county)}。{route_note}。"
            f"坐标系 WGS-84 / UTM（EPSG:{epsg}）。制图：ruralnet，"
            f"{_dt.date.today().isoformat()}。")
    if hidden:
        foot = HIDDEN_NOTE.format(n=hidden) + foot
    fig.text(0.03, 0.025, foot, ha="left", va="bottom", fontsize=6.5 * scale, wrap=True,
             gid="rn-attribution")
    if plan.synthetic:
        layers = "、".join(LAYER_ZH.get(x, x) for x in plan.data["provenance"]
                          .get("synthetic_layers", []))
        ax.text(0.5, 0.5, WATERMARK, transform=ax.transAxes, ha="center", va="center",
                rotation=30, fontsize=46 * scale, color="#b91c1c", alpha=0.22,
                fontweight="bold", zorder=30, gid="rn-watermark")
        fig.text(0.5, 0.925, f"⚠ 本图含合成数据（{layers}），位置与线路不是实际情况，不能用于决策",
                 ha="center", va="top", fontsize=9 * scale, color="#b91c1c",
                 fontweight="bold", gid="rn-synthetic-note")
    return fig


def _extent(lay: _Layers, focus: str | None) -> tuple[float, float, float, float]:
    import numpy as np

    if focus is not None and lay.townships is not None:
        t = lay.townships[lay.town_ids == focus]
        if len(t):
            return tuple(t.total_bounds)  # type: ignore[return-value]
    for layer in (lay.boundary, lay.villages, lay.sites):
        if layer is not None and len(layer):
            b = np.asarray(layer.total_bounds, dtype=float)
            if lay.sites is not None and layer is not lay.sites:
                s = lay.sites.total_bounds
                b = np.array([min(b[0], s[0]), min(b[1], s[1]), max(b[2], s[2]),
                              max(b[3], s[3])])
            return tuple(b)  # type: ignore[return-value]
    return (0.0, 0.0, 1000.0, 1000.0)


def _fit(ax: Any, extent: tuple[float, float, float, float]) -> None:
    """Set limits around ``extent`` with the axes' own aspect ratio (1 m = 1 m both ways)."""
    x0, y0, x1, y1 = extent
    pad = 0.04 * max(x1 - x0, y1 - y0, 1000.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    fw, fh = ax.figure.get_size_inches()
    box = ax.get_position(original=True)
    ratio = (box.height * fh) / (box.width * fw)  # height / width of the axes on paper
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    if h / w > ratio:
        w = h / ratio
    else:
        h = w * ratio
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)
    ax.set_aspect("equal", adjustable="box")


def print_map(plan: Plan, county: County | None = None, *, paper: str = "A4",
              layers: _Layers | None = None) -> Figure:
    """Draw the overview print map of a plan (县名 + 物流网络规划图).

    Parameters
    ----------
    plan
        The plan.
    county
        The plan's county: boundary, township territories and names.
    paper
        ``"A4"`` or ``"A3"``; the orientation follows the county's shape.
    layers
        The plan and county already projected (internal re-use by
        :func:`write_print_maps`); default: projected here.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with :func:`save_figure` (PNG, PDF or SVG by suffix).
    """
    check_county_matches(plan, county)
    paper_size(paper, landscape=False)
    with font_settings(cjk_font()):
        return _frame(plan, layers or _Layers(plan, county), paper=paper,
                      title=f"{plan.county['name']}农村电商物流网络规划图", focus=None,
                      label_villages=False, county=county)


def township_map(plan: Plan, county: County, township_id: str, *, paper: str = "A4",
                 layers: _Layers | None = None) -> Figure:
    """Draw the 乡镇配送图 of one township: its villages named, its stations and routes."""
    check_county_matches(plan, county)
    towns = county.townships
    match = towns[towns["township_id"].astype(str) == str(township_id)]
    if match.empty:
        raise ParameterError(f"{county.name}没有乡镇编号 {township_id}。",
                             f"{county.name} has no township {township_id}.",
                             township_id=township_id)
    name = str(match.iloc[0]["name"])
    with font_settings(cjk_font()):
        return _frame(plan, layers or _Layers(plan, county), paper=paper,
                      title=f"{plan.county['name']}{name}乡镇配送图", focus=str(township_id),
                      label_villages=True, county=county)


def township_maps(plan: Plan, county: County, *, paper: str = "A4",
                  layers: _Layers | None = None) -> Iterator[Figure]:
    """Yield one :func:`township_map` per township, in the county's order."""
    lay = layers or _Layers(plan, county)
    for tid in county.townships["township_id"].astype(str):
        yield township_map(plan, county, tid, paper=paper, layers=lay)


def _format(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf", "svg"):
        raise ParameterError(f"打印图格式 .{fmt} 不支持；请用 .png、.pdf 或 .svg。",
                             f"print map format .{fmt} is not supported; use .png, .pdf or "
                             ".svg.", path=str(path))
    return fmt


def _save(fig: Figure, path: Path, dpi: int) -> Path:
    """Save ``fig`` atomically under the font settings already in force."""
    fmt = _format(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt))
    return path


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 300) -> Path:
    """Save a print-map figure as PNG, PDF or SVG (by suffix), atomically.

    A PDF embeds the CJK faces cut to the figure's characters
    (:mod:`ruralnet.outputs.print_fonts`).
    """
    path = Path(path)
    fmt = _format(path)
    font = cjk_font()
    texts = figure_texts(fig) if fmt == "pdf" else []
    with font_settings(font), subset_fonts(font if fmt == "pdf" else None, texts):
        return _save(fig, path, dpi)


def _metadata(fmt: str) -> dict[str, str] | None:
    if fmt == "pdf":
        return {"Creator": "ruralnet", "Title": "物流网络规划图"}
    return None


def _page_texts(plan: Plan, county: County | None) -> list[str]:
    """Every name a township page may draw beyond the overview's own text."""
    d = plan.data
    names = [v["name"] for v in d["villages"]] + [s["name"] for s in d["sites"]]
    if county is not None:
        names += [f"{plan.county['name']}{n}乡镇配送图" for n in county.townships["name"]]
    return names + [HIDDEN_NOTE.format(n=1234567890)]


def write_print_maps(plan: Plan, county: County | None, folder: str | Path, *,
                     dpi: int = 300) -> list[str]:
    """Write the overview (A4 PNG + PDF, A3 PDF) and the township annex PDF into ``folder``.

    The A4 overview is drawn once and saved as PNG, PDF and the annex's first page; the
    CJK faces are cut once for all three PDF files. Returns the file names: ``map_print.png``,
    ``map_print.pdf``, ``map_print_A3.pdf`` and, with a county, ``map_townships.pdf``.
    """
    return start_print_maps(plan, county, folder, dpi=dpi, background=False)[0]


def start_print_maps(plan: Plan, county: County | None, folder: str | Path, *, dpi: int = 300,
                     background: bool = True) -> tuple[list[str], Forked]:
    """:func:`write_print_maps`, the annex forked (``background``): names and its ``Forked``."""
    folder = Path(folder)
    lay = _Layers(plan, county)
    fig = print_map(plan, county, paper="A4", layers=lay)
    font, texts = cjk_font(), figure_texts(fig) + _page_texts(plan, county)
    town = county is not None and len(county.townships)
    files = ["map_print.png", "map_print.pdf", "map_print_A3.pdf"] + (
        ["map_townships.pdf"] if town else [])
    with font_settings(font), subset_fonts(font, texts):  # the faces are cut here, once
        annex = Forked(_write_annex, (plan, county, fig, lay, texts, folder), background=background
                       ) if town else Forked(lambda: None, (), background=False)
    with font_settings(font):  # the PNG with the full faces
        _save(fig, folder / "map_print.png", dpi)
    with font_settings(font), subset_fonts(font, texts):
        _save(fig, folder / "map_print.pdf", dpi)
        _save(print_map(plan, county, paper="A3", layers=lay), folder / "map_print_A3.pdf", dpi)
    logger.info("print maps of %s: %s", plan.county["name"], ", ".join(files))
    return files, annex


def _write_annex(plan: Plan, county: County, fig: Figure, lay: _Layers, texts: list[str],
                 folder: Path) -> None:
    """Write map_townships.pdf: the overview ``fig``, then one page per township."""
    from matplotlib.backends.backend_pdf import PdfPages

    with font_settings(cjk_font()), subset_fonts(cjk_font(), texts), atomic_path(
            folder / "map_townships.pdf") as tmp:
        with PdfPages(tmp, metadata=_metadata("pdf")) as pdf:
            pdf.savefig(fig)
            for page in township_maps(plan, county, layers=lay):
                pdf.savefig(page)
