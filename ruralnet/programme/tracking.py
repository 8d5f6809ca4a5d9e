"""Read entered indicator values (actuals), track them and project them to the deadline.

Actuals files have one row per figure: ``date, indicator, value[, unit,
note]`` (:func:`read_actuals`); counts are cumulative to the date, rates
(``%``) are the figure reported at that date.

Projection methods (stated in every result row):

``linear``
    Ordinary least squares line ``value = a + b·t`` through the dated
    values (``t`` in days), evaluated at the deadline. Used for counts,
    which are cumulative to each date (trainees, operators, complaints).
``rate``
    The default for rates (``%``: growth rates, shares, satisfaction). A
    rate is not accumulated and not compounded: the projection at the
    deadline is the **latest reported rate, held**. 农产品网络零售额增长
    15 % then 24 % projects to 24 % (short of a 30 % target: at risk), the
    same verdict the scorecard gives; compounding the rate would have
    projected about 100 %.
``compound``
    Compound growth, on request only (``projection = "compound"``): least
    squares on ``ln(value) = a + b·t``, i.e. a constant growth factor
    ``exp(365·b)`` per year, evaluated at the deadline; for a positive
    amount that grows by a steady factor. A series with a value ≤ 0 falls
    back to linear, noted.

At least two dated values are needed to project. A projection status is
``met`` (the latest value already meets the target; for an upper bound
such as complaints ≤ 10 only once the deadline has passed), ``not met`` (the
deadline has passed without it), ``on track`` (the projection meets the
target) or ``at risk`` (it does not), or ``awaiting data``.

Examples
--------
>>> import numpy as np
>>> project_linear(np.array([0.0, 365.0]), np.array([1000.0, 2000.0]), 730.0)
(3000.0, 1000.0)
>>> project_compound(np.array([0.0, 365.0]), np.array([10.0, 20.0]), 730.0)
(40.0, 1.0)
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ruralnet._io import cjk_font
from ruralnet.exceptions import TargetsError
from ruralnet.programme.targets import Indicator, IndicatorSystem, SystemInput, read_table

logger = logging.getLogger(__name__)

PROJECTION_STATUSES = ("met", "not met", "on track", "at risk", "awaiting data")
METHOD_TEXT = {
    "linear": "linear least squares",
    "rate": "rate held (latest reported rate carried to the deadline; not compounded)",
    "compound": "compound growth (log-linear least squares)",
    "none": "not projected",
}


# ---------------------------------------------------------------- actuals files


ACTUALS_COLUMNS = ("date", "indicator", "value")
_BOOL = {"是": 1.0, "否": 0.0, "yes": 1.0, "no": 0.0, "true": 1.0, "false": 0.0, "1": 1.0,
         "0": 0.0}


def read_actuals(source: str | Path | pd.DataFrame, system: IndicatorSystem) -> pd.DataFrame:
    """Read and validate actuals (``date, indicator, value[, unit, note]``) against a system.

    Counts are cumulative to the date; rates (``%``) are the figure
    reported at that date. Rows may also give the value of a system input
    (e.g. ``national_rural_online_retail_growth``).

    Parameters
    ----------
    source
        A CSV path (UTF-8, with or without BOM) or a DataFrame.
    system
        The system the indicator ids belong to.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` (datetime64), ``indicator``, ``value`` (float),
        ``unit``, ``note``, ``line`` (file line), sorted by indicator and date.

    Raises
    ------
    TargetsError
        Missing columns, unknown indicator ids, unparsable dates or values,
        unit mismatches, or dates outside the programme, naming file and line.

    Examples
    --------
    >>> from ruralnet.programme.targets import load_system
    >>> system = load_system("anxi_2018")
    >>> df = pd.DataFrame({"date": ["2018-12-31"], "indicator": ["trainees"],
    ...                    "value": ["1200"]})
    >>> read_actuals(df, system)["value"].tolist()
    [1200.0]
    """
    name, frame = read_table(source)
    missing = [c for c in ACTUALS_COLUMNS if c not in frame.columns]
    if missing:
        raise TargetsError(
            f"{name} 缺少列 {', '.join(missing)}; 需要 date, indicator, value",
            f"{name} lacks column(s) {', '.join(missing)}; need date, indicator, value",
            path=name,
        )
    inputs = {i.id: i for i in system.inputs}
    rows = []
    for pos, rec in enumerate(frame.to_dict("records")):
        line = pos + 2  # header is line 1
        rows.append(_actuals_row(name, line, rec, system, inputs))
    out = pd.DataFrame(rows, columns=["date", "indicator", "value", "unit", "note", "line"])
    out["date"] = pd.to_datetime(out["date"])
    out["value"] = out["value"].astype(float)
    logger.info("read %d actuals rows for %s from %s", len(out), system.id, name)
    return out.sort_values(["indicator", "date"], kind="stable").reset_index(drop=True)


def _actuals_row(
    name: str, line: int, rec: Mapping[str, Any], system: IndicatorSystem,
    inputs: Mapping[str, SystemInput],
) -> dict[str, Any]:
    where_zh, where_en = f"{name} 第{line}行", f"{name} line {line}"
    ind_id = str(rec["indicator"]).strip()
    if ind_id in inputs:
        unit, counted_from, is_bool = inputs[ind_id].unit, None, False
    else:
        try:
            ind = system.indicator(ind_id)
        except TargetsError as exc:
            raise TargetsError(f"{where_zh}: {exc.zh}", f"{where_en}: {exc.en}", path=name,
                               line=line, indicator=ind_id) from None
        unit, counted_from, is_bool = ind.unit, ind.counted_from, ind.unit == "bool"
    when = pd.to_datetime(str(rec["date"]).strip(), errors="coerce", format="ISO8601")
    if pd.isna(when):
        raise TargetsError(f"{where_zh}: 日期 {rec['date']!r} 无法解析 (用 YYYY-MM-DD)",
                   f"{where_en}: date {rec['date']!r} cannot be parsed (use YYYY-MM-DD)",
                   path=name, line=line)
    start = max(system.programme_start, counted_from or system.programme_start)
    if not start <= when.date() <= system.programme_end:
        raise TargetsError(
            f"{where_zh}: 日期 {when.date()} 不在 {ind_id} 的计数期 {start}–"
            f"{system.programme_end} 内",
            f"{where_en}: date {when.date()} is outside the period {start}–"
            f"{system.programme_end} counted for {ind_id}",
            path=name, line=line,
        )
    value = _parse_value(str(rec["value"]).strip(), is_bool)
    if value is None:
        raise TargetsError(f"{where_zh}: 数值 {rec['value']!r} 无效",
                   f"{where_en}: value {rec['value']!r} is not a number"
                   + (" or yes/no" if is_bool else ""), path=name, line=line)
    given_unit = str(rec.get("unit", "") or "").strip()
    if given_unit and given_unit != unit:
        raise TargetsError(
            f"{where_zh}: 单位不符, {ind_id} 的单位是 {unit!r}, 文件写的是 {given_unit!r}",
            f"{where_en}: unit mismatch, {ind_id} is in {unit!r} but the file says "
            f"{given_unit!r}",
            path=name, line=line,
        )
    return {"date": when, "indicator": ind_id, "value": value, "unit": unit,
            "note": str(rec.get("note", "") or ""), "line": line}


def _parse_value(text: str, is_bool: bool) -> float | None:
    if is_bool:
        return _BOOL.get(text.lower())
    try:
        value = float(text.replace(",", "").rstrip("%"))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def input_values(actuals: pd.DataFrame | None, system: IndicatorSystem,
                 given: Mapping[str, float] | None = None) -> dict[str, float]:
    """System inputs from ``given``, else the latest actuals row of the same id."""
    out: dict[str, float] = {}
    for spec in system.inputs:
        if given and spec.id in given:
            out[spec.id] = float(given[spec.id])
        elif actuals is not None:
            rows = actuals[actuals["indicator"] == spec.id]
            if len(rows):
                out[spec.id] = float(rows.sort_values("date")["value"].iloc[-1])
    return out


# ------------------------------------------------------------------ projections


def project_linear(days: np.ndarray, values: np.ndarray, at_day: float) -> tuple[float, float]:
    """Least-squares line through ``(days, values)``, evaluated at ``at_day``.

    Returns
    -------
    tuple of float
        The projected value and the slope per 365 days.
    """
    slope, intercept = _ols(days, values)
    return round(intercept + slope * at_day, 6), round(slope * 365.0, 6)


def project_compound(days: np.ndarray, values: np.ndarray, at_day: float) -> tuple[float, float]:
    """Least-squares compound growth through positive ``values``, evaluated at ``at_day``.

    Returns
    -------
    tuple of float
        The projected value and the growth per 365 days (``1.0`` = doubling).
    """
    slope, intercept = _ols(days, np.log(values))
    return round(math.exp(intercept + slope * at_day), 6), round(math.expm1(slope * 365.0), 6)


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of the least-squares line (centred for accuracy)."""
    xm, ym = float(np.mean(x)), float(np.mean(y))
    slope = float(np.sum((x - xm) * (y - ym)) / np.sum((x - xm) ** 2))
    return slope, ym - slope * xm


@dataclass(frozen=True, eq=False)
class Tracking:
    """Progress of entered indicators.

    Attributes
    ----------
    system_id
        The indicator system.
    county
        County name, for titles.
    as_of
        Date of the latest value considered.
    history
        One row per actuals row: ``date, indicator, value, target,
        meets_target, margin``.
    projections
        One row per indicator with data: ``indicator, name_zh, name_en,
        unit, comparator, target, deadline, n_points, latest_date,
        latest_value, method, projected, growth_or_slope_per_year, status,
        note``.
    """

    system_id: str
    county: str
    as_of: date | None
    history: pd.DataFrame
    projections: pd.DataFrame

    def __post_init__(self) -> None:
        bad = set(self.projections["status"]) - set(PROJECTION_STATUSES)
        if bad:
            raise ValueError(f"status must be one of {PROJECTION_STATUSES}, got {sorted(bad)}")

    def summary(self) -> str:
        """One line per tracked indicator: latest, projection, method and status."""
        lines = [f"{self.county} — {self.system_id}, as of {self.as_of}"]
        for r in self.projections.itertuples():
            proj = "—" if pd.isna(r.projected) else f"{r.projected:,.4g}"
            lines.append(
                f"[{r.status:>13}] {r.name_zh} ({r.indicator}): latest {r.latest_value:,.4g} "
                f"on {r.latest_date}, projected {proj} by {r.deadline} ({r.method}) vs "
                f"target {r.target_text}" + (f" — {r.note}" if r.note else "")
            )
        return "\n".join(lines)


def track(
    actuals: pd.DataFrame | str | Path,
    system: IndicatorSystem,
    *,
    county: str = "",
    inputs: Mapping[str, float] | None = None,
    as_of: date | None = None,
) -> Tracking:
    """Status over time and projection to the deadline of every entered indicator.

    Parameters
    ----------
    actuals
        Actuals CSV path or DataFrame (see :func:`read_actuals`).
    system
        The indicator system.
    county
        County name for titles.
    inputs
        Values of system inputs (national averages) used as targets.
    as_of
        Ignore values after this date; the latest date by default.

    Returns
    -------
    Tracking

    Raises
    ------
    TargetsError
        Malformed actuals.
    """
    frame = actuals if isinstance(actuals, pd.DataFrame) and "line" in actuals else (
        read_actuals(actuals, system))
    values = input_values(frame, system, inputs)
    input_ids = {i.id for i in system.inputs}
    frame = frame[~frame["indicator"].isin(input_ids)]
    if as_of is not None:
        frame = frame[frame["date"].dt.date <= as_of]
    if as_of is None and len(frame):
        as_of = frame["date"].max().date()
    history, projections = [], []
    for ind in system.indicators:
        rows = frame[frame["indicator"] == ind.id].sort_values("date")
        if not len(rows):
            continue
        goal = ind.resolve_target(values)
        for r in rows.itertuples():
            history.append({
                "date": r.date.date(), "indicator": ind.id, "value": r.value, "target": goal,
                "meets_target": None if goal is None else ind.is_met(r.value, goal),
                "margin": float("nan") if goal is None else ind.margin(r.value, goal),
            })
        projections.append(_project(ind, rows, goal, as_of, values))
    result = Tracking(system.id, county, as_of,
                      pd.DataFrame(history, columns=["date", "indicator", "value", "target",
                                                     "meets_target", "margin"]),
                      pd.DataFrame(projections, columns=_PROJECTION_COLUMNS))
    logger.info("tracked %d indicators of %s as of %s", len(projections), system.id, as_of)
    return result


_PROJECTION_COLUMNS = [
    "indicator", "name_zh", "name_en", "unit", "comparator", "target", "target_text",
    "deadline", "n_points", "latest_date", "latest_value", "method", "projected",
    "growth_or_slope_per_year", "status", "note",
]


def _project(ind: Indicator, rows: pd.DataFrame, goal: float | None, as_of: date | None,
             inputs: Mapping[str, float]) -> dict:
    latest = rows.iloc[-1]
    out = {
        "indicator": ind.id, "name_zh": ind.name_zh, "name_en": ind.name_en, "unit": ind.unit,
        "comparator": ind.comparator, "target": goal,
        "target_text": ind.target_text(inputs=inputs), "deadline": ind.deadline,
        "n_points": len(rows), "latest_date": latest["date"].date(),
        "latest_value": float(latest["value"]), "method": METHOD_TEXT["none"],
        "projected": float("nan"), "growth_or_slope_per_year": float("nan"),
        "status": "awaiting data", "note": "",
    }
    method = ind.projection if ind.unit != "bool" else "none"
    values = rows["value"].to_numpy(dtype=float)
    if method == "compound" and (values <= 0).any():
        method, out["note"] = "linear", "a value ≤ 0 cannot grow compoundly; linear used"
    days = (rows["date"] - rows["date"].iloc[0]).dt.days.to_numpy(dtype=float)
    at_day = float((pd.Timestamp(ind.deadline) - rows["date"].iloc[0]).days)
    if method == "rate":
        out["projected"], out["method"] = float(values[-1]), METHOD_TEXT["rate"]
        if len(np.unique(days)) >= 2:
            out["growth_or_slope_per_year"] = project_linear(days, values, 0.0)[1]
    elif method != "none" and len(np.unique(days)) >= 2:
        fit = project_linear if method == "linear" else project_compound
        out["projected"], out["growth_or_slope_per_year"] = fit(days, values, at_day)
        out["method"] = METHOD_TEXT[method]
    elif method != "none":
        out["note"] = "need values on at least two dates to project"
    if goal is None:
        out["note"] = f"target needs input {ind.target_input} (not given)"
        return out
    over = as_of is not None and as_of >= ind.deadline
    # An upper bound (complaints <= 10) met today can still be broken later.
    settled = over or ind.comparator not in ("<=", "<")
    if settled and ind.is_met(out["latest_value"], goal):
        out["status"] = "met"
    elif over:
        out["status"] = "not met"
    elif not math.isnan(out["projected"]) and ind.is_met(out["projected"], goal):
        out["status"] = "on track"
    else:
        out["status"] = "at risk"
    return out


# ------------------------------------------------------------------------ chart




def plot_tracking(tracking: Tracking, *, lang: str | None = None):
    """Plot each tracked indicator: values, projection to the deadline, target.

    Parameters
    ----------
    tracking
        A :class:`Tracking` result.
    lang
        ``"zh"``, ``"en"`` or ``None`` (Chinese when a CJK font is installed).
        Without a CJK font Chinese is replaced by English labels, with a
        warning, rather than drawn as empty boxes.

    Returns
    -------
    matplotlib.figure.Figure
        A figure on an Agg canvas, not attached to pyplot; save it with
        ``fig.savefig(path)``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font = None
    if lang in (None, "zh"):
        font = cjk_font()
        if font is None:
            warnings.warn("no CJK font found (fc-list :lang=zh is empty); chart labels are in "
                          "English. Install e.g. fonts-noto-cjk for Chinese labels.",
                          RuntimeWarning, stacklevel=2)
    use_zh = font is not None
    prop = FontProperties(family=[font, "DejaVu Sans"]) if font else FontProperties()
    proj = tracking.projections
    n = max(len(proj), 1)
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.2 * ncols, 3.2 * nrows), layout="constrained")
    FigureCanvasAgg(fig)  # draw with Agg whatever backend pyplot would pick
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, row in zip(axes, proj.itertuples(), strict=False):
        _plot_one(ax, row, tracking.history, use_zh, prop)
    for ax in axes[len(proj):]:
        ax.set_axis_off()
    title = (f"{tracking.county} {tracking.system_id} 指标进度" if use_zh
             else f"{tracking.county or 'county'} {tracking.system_id}: indicator progress")
    if not use_zh and any(ord(ch) > 0x2E7F for ch in title):
        title = f"{tracking.system_id}: indicator progress"
    fig.suptitle(title, fontproperties=prop)
    return fig


def _plot_one(ax, row, history: pd.DataFrame, use_zh: bool, prop) -> None:
    hist = history[history["indicator"] == row.indicator]
    dates = pd.to_datetime(hist["date"])
    ax.plot(dates, hist["value"], "o-", color="tab:blue",
            label="实际" if use_zh else "actual")
    if not pd.isna(row.projected) and row.method.startswith("rate"):
        ax.plot([dates.iloc[-1], pd.Timestamp(row.deadline)], [row.projected] * 2, "--",
                color="tab:orange", label=("预测" if use_zh else "projection") + " (rate held)")
    elif not pd.isna(row.projected):
        start = dates.iloc[0]
        days = (dates - start).dt.days.to_numpy(dtype=float)
        grid = np.linspace(0.0, float((pd.Timestamp(row.deadline) - start).days), 40)
        slope, intercept = _ols(days, np.log(hist["value"].to_numpy(dtype=float))
                                if row.method.startswith("compound")
                                else hist["value"].to_numpy(dtype=float))
        curve = intercept + slope * grid
        if row.method.startswith("compound"):
            curve = np.exp(curve)
        ax.plot(start + pd.to_timedelta(grid, unit="D"), curve, "--", color="tab:orange",
                label=("预测" if use_zh else "projection") + f" ({row.method.split(' (')[0]})")
    if row.target is not None and not pd.isna(row.target):
        ax.axhline(row.target, color="tab:green", lw=1, label="目标" if use_zh else "target")
    ax.axvline(pd.Timestamp(row.deadline), color="grey", lw=0.8, ls=":")
    name = row.name_zh if use_zh else row.name_en
    ax.set_title(f"{name}\n[{row.status}]", fontsize=9, fontproperties=prop)
    ax.set_ylabel(row.unit, fontproperties=prop)
    ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    ax.legend(fontsize=7, prop=prop)
