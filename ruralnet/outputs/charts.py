"""Charts of the report and the Word annex, drawn with matplotlib's Agg canvas (no pyplot).

Labels are Chinese when a CJK font is installed (``fc-list :lang=zh``) and
English otherwise, so a server without CJK fonts prints no empty boxes.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from ruralnet.plan.document import Plan


def fonts(font: str | None) -> Any:
    """Return a context in which matplotlib draws with ``font`` first (no global change)."""
    import matplotlib

    if not font:
        return contextlib.nullcontext()
    return matplotlib.rc_context({"font.sans-serif": [font, *matplotlib.rcParams[
        "font.sans-serif"]], "font.family": "sans-serif", "axes.unicode_minus": False})


def label(zh: str, en: str, font: str | None) -> str:
    """Return the Chinese label when a CJK font is present, else the English one."""
    return zh if font else en


def png_bytes(fig: Any, dpi: int = 110) -> bytes:
    """Render a figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def fleet_chart(plan: Plan, *, font: str | None = None) -> bytes | None:
    """Draw the fleet-versus-coverage chart as PNG bytes, or None when the plan has no curve.

    Vehicles (left axis) and daily cost (right axis) against the coverage
    target; infeasible targets are marked ×; the plan's own point is a star.
    """
    curve = plan.data.get("fleet_curve") or []
    if not curve:
        return None
    with fonts(font):
        return _draw_fleet(plan, curve, font)


def _draw_fleet(plan: Plan, curve: list[dict[str, Any]], font: str | None) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6.5, 3.2))
    ax = fig.subplots()
    ok = [c for c in curve if c.get("feasible", True)]
    bad = [c for c in curve if not c.get("feasible", True)]
    ax.plot([100 * c["target"] for c in ok], [c["vehicles"] for c in ok], "o-", color="#2563eb",
            label=label("车辆数", "vehicles", font))
    if bad:  # no vehicle count for an infeasible target: mark it on the x axis
        ax.plot([100 * c["target"] for c in bad], [0.03] * len(bad), "x", color="#b91c1c",
                ms=10, mew=2, transform=ax.get_xaxis_transform(), clip_on=False,
                label=label("不可行", "infeasible", font))
    vehicles = len({r.get("vehicle") or r["id"] for r in plan.routes()})  # not trips
    ax.plot([100 * plan.coverage["village_share"]], [vehicles], "*", ms=14,
            color="#ca8a04", label=label("本方案车辆数", "this plan (vehicles)", font))
    ax.set_xlabel(label("行政村每日覆盖目标（%）", "daily village coverage target (%)", font))
    ax.set_ylabel(label("车辆（辆）", "vehicles", font))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = ax.get_legend_handles_labels()
    costs = [(100 * c["target"], c["cost"]) for c in ok if c.get("cost") is not None]
    if costs:
        ax2 = ax.twinx()
        ax2.plot(*zip(*costs, strict=True), "s--", color="#16a34a", ms=4,
                 label=label("日成本", "cost / day", font))
        ax2.set_ylabel(label("日成本（元）", "cost per day (CNY)", font))
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4,
              fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return png_bytes(fig)
