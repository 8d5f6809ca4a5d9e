"""Administrative divisions of China and county-name resolution.

The tables come from ``data/admin`` (NBS 2023 codes down to village level,
MCA 2025 county and township lists, county renames 1980–2024; see
``data/README.md``). Resolution follows networkx's habit of refusing to
guess: a query names exactly one county-level division or fails with the
candidates and how to qualify them.

Examples
--------
>>> rec = resolve_county("安溪")
>>> rec.code, rec.name, rec.prefecture
('350524', '安溪县', '泉州市')
>>> short_name("松桃苗族自治县")
'松桃'
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ruralnet.exceptions import AmbiguousCountyError, DataError, UnknownCountyError
from ruralnet.settings import settings

logger = logging.getLogger(__name__)

_ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|"
    "拉祜|水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|"
    "塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各"
)
_AUTONOMOUS = re.compile(rf"^(.+?)(?:(?:{_ETHNIC})族)+自治[县旗]$")
_SUFFIXES = ("特区", "林区", "县", "市", "区", "旗")


def short_name(name: str) -> str:
    """Strip the administrative suffix from a county-level name.

    Parameters
    ----------
    name
        A county-level name such as ``"三都水族自治县"`` or ``"安溪县"``.

    Returns
    -------
    str
        The short name (``"三都"``, ``"安溪"``); names that would shrink to a
        single character keep their suffix (``"城区"`` stays ``"城区"``).

    Examples
    --------
    >>> [short_name(n) for n in ("积石山保安族东乡族撒拉族自治县", "六枝特区", "白云区")]
    ['积石山', '六枝', '白云']
    """
    name = name.strip()
    m = _AUTONOMOUS.match(name)
    if m:
        return m.group(1)
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class CountyRecord:
    """One row of the county table: the identity of a county-level division.

    Attributes
    ----------
    code, name, kind
        Six-digit code, official name, kind (county, district, city, …).
    prefecture, province
        Names of the parent prefecture-level division and province.
    village_committees, communities
        Numbers of administrative villages (村委会) and communities (居委会), NBS 2023.
    mca_townships
        Number of township-level units on the MCA 2025 list.
    """

    code: str
    name: str
    kind: str
    prefecture: str
    province: str
    village_committees: int
    communities: int
    mca_townships: int
    nbs_townships: int

    def label(self) -> str:
        """Return ``"安溪县 (350524, 福建省泉州市)"``."""
        pref = self.prefecture if self.prefecture != self.province else ""
        return f"{self.name} ({self.code}, {self.province}{pref})"


def _data_dir() -> Path:
    d = settings.data_dir / "admin"
    if not (d / "counties.csv").exists():
        raise DataError(
            f"找不到内置行政区划数据：{d}。请在仓库中运行 python tools/build_data.py 重建。",
            f"embedded administrative data not found in {d}; rebuild with "
            "`python tools/build_data.py` from the repository.",
        )
    return d


@functools.lru_cache(maxsize=4)
def _counties(data_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(data_dir / "counties.csv", dtype=str, keep_default_na=False)
    df["short"] = df["name"].map(short_name)
    return df


def counties_table() -> pd.DataFrame:
    """Return the table of all county-level divisions (one row per code).

    Returns
    -------
    pandas.DataFrame
        Columns as in ``data/admin/counties.csv`` plus ``short`` (short name).
    """
    return _counties(_data_dir()).copy()


@functools.lru_cache(maxsize=4)
def _renames(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "renames.csv", dtype=str, keep_default_na=False)


def county_record(row: pd.Series) -> CountyRecord:
    """Build a :class:`CountyRecord` from a row of the embedded county table."""
    return CountyRecord(
        code=row["code"], name=row["name"], kind=row["kind"], prefecture=row["prefecture"],
        province=row["province"], village_committees=int(row["village_committees"]),
        communities=int(row["communities"]), mca_townships=int(row["mca_townships"]),
        nbs_townships=int(row["nbs_townships"]),
    )


def _qualify(df: pd.DataFrame, province: str | None, prefecture: str | None) -> pd.DataFrame:
    if province:
        p = province.strip()
        df = df[(df["province"] == p) | (df["province"].map(short_region) == short_region(p))]
    if prefecture:
        p = prefecture.strip()
        df = df[(df["prefecture"] == p) | (df["prefecture"].map(short_region) == short_region(p))]
    return df


def short_region(name: str) -> str:
    """Return a region name without its administrative suffix (福建省 → 福建)."""
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市",
                   "地区", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    m = re.match(rf"^(.+?)(?:(?:{_ETHNIC})族)+自治州$", name)
    if m:
        return m.group(1)
    if name.endswith("州") and len(name) > 2:
        return name[:-1]
    return name


def search_counties(query: str, *, province: str | None = None, limit: int = 20) -> pd.DataFrame:
    """Find county-level divisions whose name or code contains ``query``.

    This is the forgiving search behind ``ruralnet counties``; use
    :func:`resolve_county` to pick exactly one.

    Parameters
    ----------
    query
        Part of a name (``"安溪"``) or code (``"3505"``).
    province
        Restrict to one province (full or short name).
    limit
        Maximum number of rows returned.

    Returns
    -------
    pandas.DataFrame
        Matching rows, exact short-name matches first.
    """
    df = _qualify(_counties(_data_dir()), province, None)
    q = query.strip()
    hit = df[df["name"].str.contains(q, regex=False) | df["code"].str.startswith(q)]
    order = (hit["short"] != short_name(q)).astype(int)
    return hit.assign(_o=order).sort_values(["_o", "code"]).drop(columns="_o").head(limit)


def resolve_county(query: str, *, province: str | None = None,
                   prefecture: str | None = None) -> CountyRecord:
    """Resolve a county name or code to exactly one county-level division.

    Rules, in order: six-digit code; exact official name; exact short name
    after stripping the suffix (…族自治县, 县, 市, 区, 旗, 特区) — never a
    substring; a former name from the renames table (with a warning). A
    former name is refused as ambiguous when a current county has the same
    toneless pinyin (or, for names of three or more characters, differs by
    one character): ``安西`` was 瓜州县's name until 2006 but reads like
    安溪县. The optional qualifiers narrow the candidates.

    Parameters
    ----------
    query
        ``"安溪"``, ``"安溪县"``, ``"350524"``, ``"松桃县"``, ``"水城县"``, …
    province, prefecture
        Qualifiers, full or short names (``"贵州"``, ``"贵阳市"``).

    Returns
    -------
    CountyRecord

    Raises
    ------
    UnknownCountyError
        No division matches; the message lists the closest names.
    AmbiguousCountyError
        Several match; the message lists them and how to qualify the query.

    Examples
    --------
    >>> resolve_county("白云", province="贵州").name
    '白云区'
    """
    q = (query or "").strip()
    if not q:
        raise UnknownCountyError("县名为空，请给出县名或六位代码，例如 --county 安溪",
                                 "empty county name; give a name or 6-digit code, "
                                 "e.g. --county 安溪")
    all_df = _counties(_data_dir())
    df = _qualify(all_df, province, prefecture)
    if re.fullmatch(r"\d{6}", q):
        hit = df[df["code"] == q]
    else:
        hit = df[df["name"] == q]
        if hit.empty:
            hit = df[df["short"] == short_name(q)]
            if len(hit) == 1 and short_name(q) != q and hit.iloc[0]["name"] != q:
                _warn_suffix(q, hit.iloc[0])
        if hit.empty:
            hit = _from_renames(q, df)
    if len(hit) == 1:
        return county_record(hit.iloc[0])
    if len(hit) > 1:
        raise _ambiguous(q, hit)
    raise _unknown(q, all_df, province, prefecture)


def _warn_suffix(query: str, row: pd.Series) -> None:
    ren = _renames(_data_dir())
    past = ren[(ren["old_name"] == query) & (ren["code"] == row["code"])]
    if not past.empty:
        year = past.iloc[0]["renamed_by"]
        warnings.warn(f"{query} 已于 {year} 年更名为 {row['name']} ({row['code']}) | "
                      f"{query} was renamed {row['name']} ({row['code']}) in {year}",
                      stacklevel=3)
    elif short_name(query) != query and not _same_kind(query, row["name"]):
        warnings.warn(f"{query} 按简称匹配到 {row['name']} ({row['code']}) | "
                      f"{query} matched {row['name']} ({row['code']}) by its short name",
                      stacklevel=3)


def _same_kind(a: str, b: str) -> bool:
    return a[-1] == b[-1]


def _from_renames(q: str, df: pd.DataFrame) -> pd.DataFrame:
    ren = _renames(_data_dir())
    hits = ren[(ren["old_name"] == q) | (ren["old_name"].map(short_name) == short_name(q))]
    codes = sorted(set(hits["code"]) & set(df["code"]))
    out = df[df["code"].isin(codes)]
    if len(out) == 1:
        row = out.iloc[0]
        h = hits[hits["code"] == row["code"]].iloc[0]
        alike = _look_alikes(q, df.drop(index=row.name))
        if not alike.empty:
            raise _former_or_look_alike(q, row, h, alike)
        warnings.warn(f"{q} 是旧称（{h['first_year']}–{h['renamed_by']}），现为 {row['name']} "
                      f"({row['code']}) | {q} is a former name; now {row['name']} ({row['code']})",
                      stacklevel=3)
    return out


def _pinyin(text: str) -> str:
    """Toneless pinyin of a name (``"安溪"`` and ``"安西"`` both give ``"anxi"``)."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text))


@functools.lru_cache(maxsize=4)
def _short_pinyin(data_dir: Path) -> pd.Series:
    df = _counties(data_dir)
    return df["short"].map(_pinyin)


def _edit_distance_1(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by exactly one inserted, deleted or changed character."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    long, short = (a, b) if len(a) > len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _look_alikes(q: str, df: pd.DataFrame) -> pd.DataFrame:
    """Return the current counties a planner may have meant by ``q`` (same pinyin, or a typo).

    The pinyin test (toneless) catches homophones of any length (安西/安溪);
    the one-character test applies to short names of three or more
    characters, since nearly every two-character name is one character away
    from dozens of others (安西 → 安义, 安远, 安福 …).
    """
    s = short_name(q)
    pin = _short_pinyin(_data_dir()).reindex(df.index)
    same_sound = pin == _pinyin(s)
    typo = df["short"].map(lambda n: len(s) >= 3 and len(n) >= 3 and _edit_distance_1(s, n))
    return df[same_sound | typo]


def _former_or_look_alike(q: str, row: pd.Series, h: pd.Series,
                          alike: pd.DataFrame) -> AmbiguousCountyError:
    """Refuse a query that names a county only by a former name while a current name is close."""
    region = f"{short_region(row['province'])}"
    first = (f"{row['name']}（{region}，{h['renamed_by']}年前称{h['old_name']}） "
             f"{row['code']}")
    others = [f"{r.name}（{short_region(r.province)}） {r.code}" for r in alike.itertuples()]
    listing = " / ".join([first, *others])
    choose = " 或 ".join(f"--county {n}" for n in [row["name"], *alike["name"]])
    choose += f"；或保留“{q}”并加 --province {region}"
    choose_en = " or ".join(f"--county {n}" for n in [row["name"], *alike["name"]])
    choose_en += f"; or keep '{q}' and add --province {region}"
    return AmbiguousCountyError(
        f"“{q}”只是旧称，而现有县名与它读音相同或只差一字，不猜测：{q} → {listing}。"
        f"请用现名或六位代码指明：{choose}。",
        f"'{q}' is only a former name, and a current county sounds the same or is one character "
        f"off; not guessing: {q} → {row['name']} ({row['province']}, called {h['old_name']} "
        f"before {h['renamed_by']}) / "
        + " / ".join(f"{r.name} ({r.province})" for r in alike.itertuples())
        + f". Give the current name or the 6-digit code: {choose_en}.",
        candidates=[row["code"], *alike["code"]],
    )


def _ambiguous(q: str, hit: pd.DataFrame) -> AmbiguousCountyError:
    lines = [f"  {r.name} {r.code} {r.province}{r.prefecture}" for r in hit.itertuples()]
    provinces = sorted(set(hit["province"]))
    how = (f"--province {provinces[0]}" if len(provinces) == len(hit)
           else f"--prefecture {hit.iloc[0]['prefecture']}")
    listing = "\n".join(lines)
    return AmbiguousCountyError(
        f"“{q}” 对应 {len(hit)} 个县级区划，请用代码或 --province/--prefecture 指明：\n{listing}\n"
        f"例如：--county {hit.iloc[0]['code']} 或 --county {q} {how}",
        f"'{q}' matches {len(hit)} county-level divisions; use the code or qualify it with "
        f"--province/--prefecture (e.g. --county {q} {how})",
        candidates=list(hit["code"]),
    )


def _unknown(q: str, df: pd.DataFrame, province: str | None,
             prefecture: str | None) -> UnknownCountyError:
    names = list(df["name"])
    close = difflib.get_close_matches(q, names, n=5, cutoff=0.5)
    close += [n for n in difflib.get_close_matches(short_name(q), list(df["short"]), n=5,
                                                   cutoff=0.5)
              for n in df.loc[df["short"] == n, "name"]]
    close = list(dict.fromkeys(close))[:5]
    where = "".join(f" {x}" for x in (province, prefecture) if x)
    hint = "，".join(close) if close else "无"
    return UnknownCountyError(
        f"未找到县级区划“{q}”{where}。相近的名称：{hint}。可用 `ruralnet counties {q[:2]}` 查找。",
        f"no county-level division named '{q}'{where}. Closest: {', '.join(close) or 'none'}. "
        f"Search with `ruralnet counties {q[:2]}`.",
        suggestions=close,
    )


def townships_of(code: str) -> pd.DataFrame:
    """Township-level units of a county (NBS 2023), with their kind and MCA 2025 status.

    Parameters
    ----------
    code
        Six-digit county code.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name``, ``county_code``, ``kind``, ``in_mca_2025``.
    """
    df = _townships(_data_dir())
    return df[df["county_code"] == code].reset_index(drop=True)


@functools.lru_cache(maxsize=2)
def _townships(data_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(data_dir / "townships.csv.gz", dtype=str, keep_default_na=False)
    df["in_mca_2025"] = df["in_mca_2025"] == "1"
    return df


def villages_of(code: str) -> pd.DataFrame:
    """Village-level units of a county (NBS 2023).

    Parameters
    ----------
    code
        Six-digit county code.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (12 digits), ``name``, ``kind`` (village, community,
        other) and ``township_code`` (first 9 digits).
    """
    df = _province_villages(_data_dir(), code[:2])
    out = df[df["code"].str.startswith(code)].reset_index(drop=True)
    out["township_code"] = out["code"].str[:9]
    return out


def seats_of(code: str) -> pd.DataFrame:
    """Real township and county seats of a county, matched from GeoNames (CC BY 4.0).

    Parameters
    ----------
    code
        Six-digit county code.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (9-digit township or 6-digit county code), ``level``
        (``township`` or ``county``), ``lon``, ``lat`` (WGS-84),
        ``geonameid``, ``feature`` (GeoNames feature code), ``match`` (how
        the name was matched), ``sizhi`` (box cross-check) and
        ``seat_township`` (the township hosting the county seat, county rows
        only). Empty when none is known or the seats file is absent.

    Examples
    --------
    >>> s = seats_of("350524")
    >>> s.loc[s["code"] == "350524100", ["lon", "lat"]].round(3).values.tolist()
    [[118.182, 25.057]]
    """
    df = _seats(_data_dir())
    return df[df["code"].str.startswith(code)].reset_index(drop=True)


@functools.lru_cache(maxsize=2)
def _seats(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "seats.csv.gz"
    cols = ["code", "level", "lon", "lat", "geonameid", "feature", "match", "sizhi",
            "seat_township"]
    if not path.exists():
        logger.info("no seats file %s: all seats synthetic", path)
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("lon", "lat") else str)
                             for c in cols})
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["lon"] = df["lon"].astype(float)
    df["lat"] = df["lat"].astype(float)
    return df


def township_boxes(code: str) -> pd.DataFrame:
    """Bounding boxes (PyPI ``sizhi``) of a county's townships that have no real seat.

    Only boxes whose centre lies inside the township's own county are kept
    (see ``data/README.md``); the synthetic seat and territory of such a
    township are drawn inside its box.

    Parameters
    ----------
    code
        Six-digit county code.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (9 digits), ``west``, ``south``, ``east``, ``north`` (WGS-84).

    Examples
    --------
    >>> township_boxes("350524")["code"].tolist()  # 龙涓乡 of 安溪
    ['350524205']
    """
    df = _boxes(_data_dir())
    return df[df["code"].str.startswith(code)].reset_index(drop=True)


@functools.lru_cache(maxsize=2)
def _boxes(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "township_boxes.csv.gz"
    if not path.exists():
        return pd.DataFrame({"code": pd.Series(dtype=str), **{
            c: pd.Series(dtype=float) for c in ("west", "south", "east", "north")}})
    df = pd.read_csv(path, dtype={"code": str})
    return df


@functools.lru_cache(maxsize=4)
def _province_villages(data_dir: Path, prov: str) -> pd.DataFrame:
    path = data_dir / "villages" / f"{prov}.csv.gz"
    if not path.exists():
        return pd.DataFrame({"code": [], "name": [], "kind": []}, dtype=str)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def prefecture_counties(name: str, *, province: str | None = None) -> pd.DataFrame:
    """County-level divisions of a prefecture (excluding functional zones).

    Parameters
    ----------
    name
        Prefecture name, full or short (``"铜仁市"``, ``"铜仁"``, ``"楚雄州"``).
    province
        Optional province qualifier.

    Returns
    -------
    pandas.DataFrame
        Rows of the county table.

    Raises
    ------
    UnknownCountyError
        When no prefecture has that name.
    """
    df = _qualify(_counties(_data_dir()), province, None)
    short = df["prefecture"].map(short_region)
    hit = df[(df["prefecture"] == name) | (short == short_region(name))]
    hit = hit[hit["kind"] != "zone"]
    if hit.empty:
        raise UnknownCountyError(f"未找到地级区划“{name}”", f"no prefecture named '{name}'")
    return hit.reset_index(drop=True)
