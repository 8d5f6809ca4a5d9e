"""Exact facility-location models on OR-Tools MathOpt (the engine of :mod:`ruralnet.siting.county`).

Generic models over a cost matrix (rows = clients, columns = candidate
sites), each with optional quotas over subgroups (the covering models and the
GeoDataFrame door live in :mod:`ruralnet.siting.county`):

* uncapacitated facility location / p-median (:func:`solve_facility_location`,
  :func:`solve_p_median`): the *radius* formulation of Cornuéjols, Nemhauser
  and Wolsey (1980) as used by Elloumi (2010) and García, Labbé and Marín
  (2011), written in chained form so that it has O(clients × candidates)
  nonzeros, preceded by an exact Lagrangian reduction: reduced-cost fixing
  (Beasley 1985), then probing, which forces each candidate open in turn and
  closes it when even then the bound reaches the incumbent; with a fixed
  count of at most ``TREE_MAX_P`` sites the probing is replaced by the
  Lagrangian branch and bound of :mod:`ruralnet.siting.branching`, which
  proves small-p instances whose LP bound stays below the optimum (the
  door that picks the engine per shape is :mod:`ruralnet.siting.exact`);
* single-sourcing capacitated facility location
  (:func:`solve_capacitated_facility_location`): assignment formulation.

Each model is a mixed-integer programme solved to proven optimality (or to
the time limit, with its proven gap) by HiGHS through MathOpt; SCIP and CP-SAT
can be chosen instead. Models are written as MathOpt ``ModelProto`` messages
built from numpy arrays, which avoids a Python call per nonzero.

Why this module is long: the exact models (p-median, facility location, covering) share
the MathOpt model builder and the Lagrangian reduction and probing that prove them.
"""

from __future__ import annotations

import datetime
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt

from ruralnet._clock import clock_bit
from ruralnet._io import quiet_native_stdout
from ruralnet._validate import bad_value, cost_matrix, nonneg_vector
from ruralnet.exceptions import InfeasibleError, RuralnetError
from ruralnet.siting.branching import branch_and_bound
from ruralnet.siting.local_search import greedy, interchange

logger = logging.getLogger(__name__)

TREE_MAX_P = 20  # p-median with at most this many sites: branch and bound instead of the MIP

Status = Literal["optimal", "feasible"]
_SOLVERS = {"highs": mathopt.SolverType.HIGHS, "scip": mathopt.SolverType.GSCIP,
            "cp_sat": mathopt.SolverType.CP_SAT}



@dataclass(frozen=True)
class SolveParams:
    """How to solve a siting model.

    Attributes
    ----------
    time_limit_s
        Wall-clock limit for one model, preprocessing included (> 0).
    solver
        ``"highs"`` (default), ``"scip"`` or ``"cp_sat"``; all ship with OR-Tools.
    preprocess
        Run the Lagrangian bound and exact candidate fixing before the MIP
        (uncapacitated models without quotas only).
    seed
        Random seed handed to the solver (same seed, same answer).

    Examples
    --------
    >>> SolveParams(time_limit_s=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ruralnet.exceptions.ParameterError: 参数 time_limit_s 必须满足 > 0，实际为 0 | time_limit_s ...
    """

    time_limit_s: float = 10.0
    solver: str = "highs"
    preprocess: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise bad_value("time_limit_s", "> 0", self.time_limit_s)
        if self.solver not in _SOLVERS:
            raise bad_value("solver", f"one of {sorted(_SOLVERS)}", self.solver)
        if not isinstance(self.seed, int) or self.seed < 0:
            raise bad_value("seed", "an integer >= 0", self.seed)


@dataclass(frozen=True)
class Quota:
    """A hard quota over a subgroup, e.g. "≥50% of poor villages host a station".

    Attributes
    ----------
    name
        Label used in messages, e.g. ``"poor villages"``.
    members
        Indices of the group's members: candidate columns when ``on="sites"``,
        client rows when ``on="covered"``.
    min_share
        Required share of the group, in (0, 1].
    group_size
        Size of the whole group (denominator of the share); defaults to
        ``len(members)``. Set it when some members cannot host at all.
    on
        ``"sites"``: that many members must be opened; ``"covered"``: that many
        members must be covered (covering models only).

    Examples
    --------
    >>> Quota("poor", (0, 2, 5), 0.5).required
    2
    """

    name: str
    members: tuple[int, ...]
    min_share: float
    group_size: int | None = None
    on: Literal["sites", "covered"] = "sites"

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", tuple(int(m) for m in self.members))
        if not 0 < self.min_share <= 1:
            raise bad_value("Quota.min_share", "in (0, 1]", self.min_share)
        if self.on not in ("sites", "covered"):
            raise bad_value("Quota.on", "'sites' or 'covered'", self.on)
        if self.group_size is not None and self.group_size < len(set(self.members)):
            raise bad_value("Quota.group_size", f">= number of members {len(self.members)}",
                       self.group_size)

    @property
    def required(self) -> int:
        """Number of members needed: ⌈share × group size⌉."""
        size = len(set(self.members)) if self.group_size is None else self.group_size
        return math.ceil(self.min_share * size - 1e-9)


@dataclass(frozen=True, eq=False)
class FacilityResult:
    """Solution of a siting model.

    Attributes
    ----------
    model
        ``"p_median"``, ``"facility_location"``, ``"capacitated"``,
        ``"max_covering"`` or ``"set_covering"``.
    status
        ``"optimal"`` (proven) or ``"feasible"`` (time limit; see ``gap``).
    objective, bound, gap
        Objective of the solution (re-evaluated on the input data), proven
        bound and relative gap ``|objective − bound| / max(|objective|, 1)``.
    open_sites
        Sorted candidate indices opened.
    assignment
        Candidate index serving each client (nearest open site; the solver's
        choice for the capacitated model), ``-1`` when a covering model leaves
        the client uncovered.
    covered
        Whether each client is within the radius of an open site (covering
        models; ``None`` otherwise).
    solve_time_s
        Wall-clock seconds, preprocessing included.
    solver
        Engine name, with ``"+lagrangian"`` when the reduction ran.
    certificate
        How the bound was proven (e.g. the Lagrangian root bound and the
        completed branch-and-bound tree); empty when the solver's own bound.
    candidate_geometry, client_geometry
        GeoSeries when the model came through a GeoDataFrame door.
    """

    model: str
    status: Status
    objective: float
    bound: float
    open_sites: tuple[int, ...]
    assignment: np.ndarray
    solve_time_s: float
    solver: str
    covered: np.ndarray | None = None
    certificate: str = ""
    candidate_geometry: Any = field(default=None, repr=False)
    client_geometry: Any = field(default=None, repr=False)

    @property
    def gap(self) -> float:
        """Relative gap between objective and bound (0 when optimal)."""
        return abs(self.objective - self.bound) / max(abs(self.objective), 1.0)

    def summary(self) -> str:
        """One paragraph for people."""
        lines = [f"{self.model}: {self.status}, objective {self.objective:,.2f}, "
                 f"bound {self.bound:,.2f}, gap {100 * self.gap:.3f}%, "
                 f"{self.solve_time_s:.2f} s ({self.solver})",
                 f"open sites ({len(self.open_sites)}): {list(self.open_sites)}"]
        if self.covered is not None:
            lines.append(f"clients covered: {int(self.covered.sum())}/{len(self.covered)}")
        return "\n".join(lines)

    def to_geodataframe(self) -> Any:
        """Open sites as a GeoDataFrame (``site``, ``n_clients``, geometry).

        Raises
        ------
        ValueError
            When the model was solved from a bare cost matrix (no geometry).
        """
        if self.candidate_geometry is None:
            raise ValueError("no geometry known: solve through solve_from_geodataframe "
                             "to get a GeoDataFrame back")
        import geopandas as gpd

        sites = list(self.open_sites)
        counts = [int((self.assignment == j).sum()) for j in sites]
        return gpd.GeoDataFrame({"site": sites, "n_clients": counts},
                                geometry=self.candidate_geometry.iloc[sites].to_numpy(),
                                crs=self.candidate_geometry.crs)


# --------------------------------------------------------------------------- MIP plumbing


class Mip:
    """Collect a MIP as numpy chunks and emit a MathOpt ``ModelProto``."""

    def __init__(self) -> None:
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.obj: list[np.ndarray] = []
        self.n_vars = 0
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.row_lb: list[float] = []
        self.row_ub: list[float] = []
        self.offset = 0.0

    def add_vars(self, n: int, lb: Any, ub: Any, integer: bool, obj: Any = 0.0) -> np.ndarray:
        """Add ``n`` variables with bounds and objective; return their indices."""
        self.lb.append(np.broadcast_to(np.asarray(lb, float), (n,)))
        self.ub.append(np.broadcast_to(np.asarray(ub, float), (n,)))
        self.integer.append(np.full(n, integer))
        self.obj.append(np.broadcast_to(np.asarray(obj, float), (n,)))
        ids = np.arange(self.n_vars, self.n_vars + n)
        self.n_vars += n
        return ids

    def add_rows(self, rows: np.ndarray, cols: np.ndarray, vals: Any, lb: Any, ub: Any,
                 n_rows: int) -> None:
        """Add ``n_rows`` rows; ``rows`` are 0-based within this block."""
        base = len(self.row_lb)
        self.rows.append(np.asarray(rows, np.int64) + base)
        self.cols.append(np.asarray(cols, np.int64))
        self.vals.append(np.broadcast_to(np.asarray(vals, float), (len(rows),)))
        self.row_lb.extend(np.broadcast_to(np.asarray(lb, float), (n_rows,)).tolist())
        self.row_ub.extend(np.broadcast_to(np.asarray(ub, float), (n_rows,)).tolist())

    def add_row(self, cols: Any, vals: Any, lb: float, ub: float) -> None:
        """Add one linear constraint ``lb <= vals · x[cols] <= ub``."""
        cols = np.asarray(cols, np.int64)
        self.add_rows(np.zeros(len(cols), np.int64), cols, vals, lb, ub, 1)

    def proto(self, maximize: bool) -> model_pb2.ModelProto:
        """Return the model as a MathOpt ``ModelProto``."""
        mp = model_pb2.ModelProto()
        v = mp.variables
        v.ids.extend(range(self.n_vars))
        v.lower_bounds.extend(np.concatenate(self.lb).tolist())
        v.upper_bounds.extend(np.concatenate(self.ub).tolist())
        v.integers.extend(np.concatenate(self.integer).tolist())
        obj = np.concatenate(self.obj)
        nz = np.flatnonzero(obj)
        mp.objective.maximize = maximize
        mp.objective.offset = self.offset
        mp.objective.linear_coefficients.ids.extend(nz.tolist())
        mp.objective.linear_coefficients.values.extend(obj[nz].tolist())
        n_rows = len(self.row_lb)
        mp.linear_constraints.ids.extend(range(n_rows))
        mp.linear_constraints.lower_bounds.extend(self.row_lb)
        mp.linear_constraints.upper_bounds.extend(self.row_ub)
        if n_rows:
            # MathOpt wants the matrix row-major, sorted and without duplicates.
            mat = sp.csr_matrix((np.concatenate(self.vals), (np.concatenate(self.rows),
                                 np.concatenate(self.cols))), shape=(n_rows, self.n_vars))
            mat.sum_duplicates()
            mat.sort_indices()
            coo = mat.tocoo()
            keep = coo.data != 0
            m = mp.linear_constraint_matrix
            m.row_ids.extend(coo.row[keep].tolist())
            m.column_ids.extend(coo.col[keep].tolist())
            m.coefficients.extend(coo.data[keep].tolist())
        return mp


@dataclass
class _MipOutcome:
    status: Status
    objective: float
    bound: float
    values: np.ndarray


def solve_mip(mip: Mip, *, maximize: bool, params: SolveParams, time_limit_s: float,
               integral: bool) -> _MipOutcome:
    """Solve with MathOpt; raise when infeasible or when no solution is found in time."""
    model = mathopt.Model.from_model_proto(mip.proto(maximize))
    sp_ = mathopt.SolveParameters(
        time_limit=datetime.timedelta(seconds=max(time_limit_s, 0.05)),
        relative_gap_tolerance=1e-9,
        # integral objectives: any gap below 1 proves optimality
        absolute_gap_tolerance=0.999 if integral else 1e-6,
        random_seed=params.seed)
    if params.solver == "highs":
        sp_.highs.int_options["threads"] = 1  # HiGHS refuses MathOpt's generic `threads`
    else:
        sp_.threads = 1
    if params.solver == "highs":  # no log on the console (MathOpt's default, made explicit)
        sp_.highs.bool_options["output_flag"] = False
        sp_.highs.bool_options["log_to_console"] = False
    with quiet_native_stdout():  # HiGHS's MIP code also printf()s debug lines
        res = mathopt.solve(model, _SOLVERS[params.solver], params=sp_)
    reason = res.termination.reason
    if reason == mathopt.TerminationReason.FEASIBLE or (
            reason == mathopt.TerminationReason.NO_SOLUTION_FOUND):
        if res.termination.limit == mathopt.Limit.TIME:  # optimality not proven in time
            clock_bit("mip", time_limit_s)
    if reason in (mathopt.TerminationReason.INFEASIBLE,
                  mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED):
        raise InfeasibleError(
            "模型无可行解：各项约束（配额、容量、数量）无法同时满足",
            "the model is infeasible: its quotas, capacities and site counts cannot all "
            "hold together; relax one of them", binding="combination")
    if not res.has_primal_feasible_solution():
        raise RuralnetError(
            f"在 {time_limit_s:.1f} 秒内未找到可行解，请放宽时间限制",
            f"no solution found within {time_limit_s:.1f} s ({reason.name}); "
            "raise time_limit_s", reason=reason.name)
    values = _values(res, mip.n_vars)
    status: Status = "optimal" if reason == mathopt.TerminationReason.OPTIMAL else "feasible"
    bound = res.termination.objective_bounds.dual_bound
    return _MipOutcome(status, float(res.objective_value()), float(bound), values)


def _values(res: Any, n: int) -> np.ndarray:
    sol = res.solutions[0].primal_solution
    out = np.zeros(n)
    for var, val in sol.variable_values.items():
        out[var.id] = val
    return out


# --------------------------------------------------------------------------- checks


def check_site_quotas(quotas: Sequence[Quota], allowed: np.ndarray, max_open: int) -> None:
    """Refuse quotas that cannot hold, with the figures (before any solving)."""
    for q in quotas:
        if q.on != "sites":
            continue
        if any(m < 0 or m >= len(allowed) for m in q.members):
            raise bad_value(f"Quota {q.name!r} members", f"candidate indices < {len(allowed)}",
                       q.members)
        usable = int(allowed[list(set(q.members))].sum()) if q.members else 0
        size = q.group_size if q.group_size is not None else len(set(q.members))
        pct = f"{100 * q.min_share:g}%"
        if usable < q.required:
            raise InfeasibleError(
                f"配额“{q.name}”无法满足：只有 {usable} 个候选点，{q.name}共 {size} 个，"
                f"{pct} 需要 {q.required} 个",
                f"quota {q.name!r} cannot be met: only {usable} candidates among {size} "
                f"{q.name}; {pct} needs {q.required}",
                binding=q.name, candidates=usable, group_size=size, required=q.required)
        if q.required > max_open:
            raise InfeasibleError(
                f"配额“{q.name}”需要 {q.required} 个站点，但最多只能开设 {max_open} 个",
                f"quota {q.name!r} needs {q.required} sites but at most {max_open} may open",
                binding=q.name, required=q.required, max_open=max_open)


def add_site_quotas(mip: Mip, y_of: np.ndarray, quotas: Sequence[Quota]) -> None:
    """Add the quotas on open sites (at least / at most so many of a group)."""
    for q in quotas:
        if q.on == "sites":
            cols = y_of[list(set(q.members))]
            cols = cols[cols >= 0]
            mip.add_row(cols, 1.0, q.required, np.inf)


def is_integral(*arrays: np.ndarray) -> bool:
    """Return whether every finite entry of the arrays is a whole number."""
    return all(np.array_equal(a[np.isfinite(a)], np.round(a[np.isfinite(a)])) for a in arrays)


def cardinality(min_open: int, max_open: int | None, m: int) -> tuple[int, int]:
    """Return the checked ``(min_open, max_open)`` for ``m`` candidates."""
    hi = m if max_open is None else max_open
    if not 0 <= min_open <= hi <= m or hi < 1:
        raise bad_value("min_open/max_open", f"0 <= min_open <= max_open <= {m} candidates, "
                   "max_open >= 1", (min_open, max_open))
    return min_open, hi


def _unreachable_clients(c: np.ndarray) -> None:
    dead = np.flatnonzero(~np.isfinite(c).any(axis=1))
    if len(dead):
        shown = dead[:10].tolist()
        raise InfeasibleError(
            f"{len(dead)} 个需求点没有任何可用候选点（费用全为无穷）：{shown}",
            f"{len(dead)} clients have no usable candidate (every cost is inf): {shown}",
            binding="reachability", clients=dead.tolist())


# --------------------------------------------------------------------------- uncapacitated


def _ufl_cost(c: np.ndarray, w: np.ndarray, f: np.ndarray, sites: np.ndarray) -> float:
    d = c[:, sites].min(axis=1)
    return float(f[sites].sum() + np.where(w > 0, w * d, 0.0).sum())


def nearest_open(c: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Return, per client, the open site nearest to it."""
    return sites[np.argmin(c[:, sites], axis=1)]


def _proven(lb: float, ub: float, integral: bool) -> bool:
    if lb >= ub:  # also lb = inf: nothing beats ub
        return True
    if integral:
        return math.ceil(lb - 1e-6) >= ub - 1e-9
    return lb >= ub - 1e-9 * max(1.0, abs(ub))


@dataclass
class _Lagrange:
    lb: float
    ub: float
    best: np.ndarray
    closed: np.ndarray
    lam: np.ndarray


def _lagrangian(wc: np.ndarray, f: np.ndarray, lo: int, hi: int, ub: float, best: np.ndarray,
                integral: bool, deadline: float, lam: np.ndarray | None = None,
                closed: np.ndarray | None = None) -> _Lagrange:
    """Subgradient on the relaxed assignment rows; fix candidates that cannot beat ``ub``.

    For multipliers λ the relaxed problem opens the ``k`` candidates with the
    smallest ρ_j = f_j + Σ_i min(0, w_i c_ij − λ_i) (``lo ≤ k ≤ hi``). Forcing a
    closed candidate j open raises that bound by at least ρ_j minus the best
    ρ it can replace; when the raised bound exceeds the incumbent ``ub``, no
    solution better than ``ub`` opens j, so j is removed (Beasley 1985).
    """
    m = wc.shape[1]
    if lam is None:
        lam = np.sort(wc, axis=1)[:, min(1, m - 1)].copy()
    closed = np.zeros(m, bool) if closed is None else closed.copy()
    best_lb, best_lam, pi, stall = -np.inf, lam, 2.0, 0
    tol = 1e-9 * max(1.0, abs(ub))
    live = np.arange(m)
    for _ in range(4000):
        if int((~closed).sum()) < lo:  # nothing left can beat ub: it is optimal
            best_lb = ub
            break
        if 4 * int(closed[live].sum()) > len(live):  # work on the live columns only
            live = np.flatnonzero(~closed)
            sub, f_live = wc[:, live], f[live]
        elif len(live) == m:
            sub, f_live = wc, f
        neg = np.minimum(sub - lam[:, None], 0.0)
        rho = neg.sum(axis=0) + f_live
        rho_f = np.where(closed[live], np.inf, rho)
        order = np.argsort(rho_f, kind="stable")
        k = int(np.clip((rho_f < 0).sum(), lo, hi))
        s = order[:k]
        lb = float(lam.sum() + rho_f[s].sum())
        primal = float(f_live[s].sum() + sub[:, s].min(axis=1).sum())
        if primal < ub - tol:
            ub, best = primal, np.sort(live[s])
        last = rho_f[order[k - 1]]
        drop = last if k == hi else max(last, 0.0)
        out = np.ones(len(live), bool)
        out[s] = False
        closed[live[out & (lb + rho - drop > ub + tol)]] = True
        if lb > best_lb + 1e-9:
            best_lb, best_lam, stall = lb, lam.copy(), 0
        else:
            stall += 1
            if stall >= 30:
                pi, stall = pi / 2, 0
        if _proven(best_lb, ub, integral) or pi < 1e-3 or time.perf_counter() > deadline:
            break
        g = 1.0 - (neg[:, s] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break
        lam = lam + pi * (ub - lb) / norm * g
    return _Lagrange(best_lb, ub, best, closed, best_lam)


def _swap_search(wc: np.ndarray, f: np.ndarray, sites: np.ndarray,
                 deadline: float) -> tuple[np.ndarray, float]:
    """Best-improvement swap (Teitz–Bart) local search, vectorised per site removed."""
    s = list(sites)
    m = wc.shape[1]
    cur = float(f[s].sum() + wc[:, s].min(axis=1).sum())
    while time.perf_counter() < deadline:
        sub = wc[:, s]
        if len(s) > 1:
            two = np.argpartition(sub, 1, axis=1)[:, :2]
            r = np.arange(len(sub))
            a, b = sub[r, two[:, 0]], sub[r, two[:, 1]]
            first = np.where(a <= b, two[:, 0], two[:, 1])
            d1, d2 = np.minimum(a, b), np.maximum(a, b)
        else:
            first = np.zeros(len(sub), int)
            d1, d2 = sub[:, 0], np.full(len(sub), np.inf)
        cand = np.setdiff1d(np.arange(m), s)
        if len(cand) == 0:
            break
        move, gain = None, 1e-9 * max(1.0, abs(cur))
        for pos in range(len(s)):
            base = np.where(first == pos, d2, d1)
            tot = np.minimum(wc[:, cand], base[:, None]).sum(axis=0) + f[cand]
            tot += f[s].sum() - f[s[pos]]
            k = int(np.argmin(tot))
            if cur - tot[k] > gain:
                move, gain = (pos, int(cand[k]), float(tot[k])), cur - tot[k]
        if move is None:
            break
        s[move[0]], cur = move[1], move[2]
    return np.sort(np.array(s)), cur


def _radius_model(c: np.ndarray, w: np.ndarray, f: np.ndarray, lo: int, hi: int,
                  allowed: np.ndarray, quotas: Sequence[Quota]) -> tuple[Mip, np.ndarray]:
    """Chained radius formulation over the allowed candidates.

    For client i with sorted distinct distances D_1 < … < D_K, u_k ∈ [0, 1]
    means "served within D_k": u_k ≤ u_{k−1} + Σ_{j: c_ij = D_k} y_j, u_K = 1,
    and the client costs w_i (D_K − Σ_k (D_{k+1} − D_k) u_k). The chain has the
    LP bound of the cumulative form (u_k ≤ Σ_{c_ij ≤ D_k} y_j) with far fewer
    nonzeros. Levels beyond the (m − lo + 1)-th nearest candidate are dropped:
    one of those is always open.
    """
    cand = np.flatnonzero(allowed)
    mc = len(cand)
    mip = Mip()
    y_of = np.full(len(allowed), -1)
    y = mip.add_vars(mc, 0, 1, True, f[cand])
    y_of[cand] = y
    for i in range(c.shape[0]):
        row = c[i, cand]
        order = np.argsort(row, kind="stable")
        order = order[np.isfinite(row[order])]
        d = row[order]
        cut = mc - max(lo, 1)
        dlim = d[cut] if cut < len(d) else d[-1]
        keep = d <= dlim
        levels = np.unique(d[keep])
        k = len(levels)
        u_lb = np.zeros(k)
        u_lb[-1] = 1.0
        obj = np.zeros(k)
        obj[:-1] = -w[i] * np.diff(levels)
        u = mip.add_vars(k, u_lb, 1, False, obj)
        mip.offset += w[i] * levels[-1]
        lev = np.searchsorted(levels, d[keep])
        rows = np.concatenate([np.arange(k), np.arange(1, k), lev])
        cols = np.concatenate([u, u[:-1], y[order[keep]]])
        vals = np.concatenate([np.ones(k), -np.ones(k - 1), -np.ones(len(lev))])
        mip.add_rows(rows, cols, vals, -np.inf, 0.0, k)
    mip.add_row(y, 1.0, lo, hi)
    add_site_quotas(mip, y_of, quotas)
    return mip, cand


def solve_facility_location(cost: Any, *, weights: Any = None, fixed_cost: Any = None,
                            min_open: int = 1, max_open: int | None = None,
                            quotas: Sequence[Quota] = (),
                            params: SolveParams | None = None) -> FacilityResult:
    """Uncapacitated facility location: open sites, serve every client from its nearest.

    Minimises Σ_j f_j y_j + Σ_i w_i min_{j open} c_ij subject to
    ``min_open ≤ Σ y ≤ max_open`` and site quotas, with the radius formulation
    (see module docstring). Without quotas, a Lagrangian bound, exact
    candidate fixing and probing run first; when the bound meets the
    incumbent, or no candidate left open can beat it, no MIP is needed.

    Parameters
    ----------
    cost
        Clients × candidates matrix, >= 0; ``np.inf`` forbids a pair.
    weights
        Demand weight per client (default 1).
    fixed_cost
        Opening cost per candidate (default 0).
    min_open, max_open
        Bounds on the number of open sites (default 1..all).
    quotas
        :class:`Quota` objects with ``on="sites"``.
    params
        :class:`SolveParams`.

    Returns
    -------
    FacilityResult

    Raises
    ------
    InfeasibleError
        A client has no finite cost, or a quota cannot be met (figures given).

    Examples
    --------
    >>> r = solve_facility_location([[0, 5], [5, 0], [1, 4]], fixed_cost=[6, 6])
    >>> r.open_sites, r.objective, r.status
    ((0,), 12.0, 'optimal')
    """
    return _ufl("facility_location", cost, weights, fixed_cost, min_open, max_open, quotas,
                params or SolveParams())


def solve_p_median(cost: Any, p: int, *, weights: Any = None, quotas: Sequence[Quota] = (),
                   params: SolveParams | None = None) -> FacilityResult:
    """p-median: open exactly ``p`` sites minimising the weighted distance to the nearest.

    Same formulation as :func:`solve_facility_location` with no fixed costs.

    Examples
    --------
    >>> cost = [[0, 4, 9], [3, 0, 5], [9, 5, 0], [8, 4, 1]]
    >>> r = solve_p_median(cost, 2)
    >>> r.open_sites, r.objective, r.assignment.tolist()
    ((0, 2), 4.0, [0, 0, 2, 2])
    """
    return _ufl("p_median", cost, weights, None, p, p, quotas, params or SolveParams())


def _ufl(model: str, cost: Any, weights: Any, fixed_cost: Any, min_open: int,
         max_open: int | None, quotas: Sequence[Quota], params: SolveParams) -> FacilityResult:
    t0 = time.perf_counter()
    deadline = t0 + params.time_limit_s
    c = cost_matrix(cost)
    n, m = c.shape
    w = nonneg_vector(weights, n, "weights", 1.0)
    f = nonneg_vector(fixed_cost, m, "fixed_cost", 0.0)
    lo, hi = cardinality(min_open, max_open, m)
    _unreachable_clients(c)
    if any(q.on != "sites" for q in quotas):
        raise bad_value("quotas", "on='sites' for this model", [q.on for q in quotas])
    check_site_quotas(quotas, np.ones(m, bool), hi)
    integral = is_integral(c, w, f)
    allowed, lag, solver = np.ones(m, bool), None, params.solver
    if params.preprocess and not quotas and np.isfinite(c).all():
        use_tree = lo == hi and lo <= TREE_MAX_P
        lag = _reduce(c * w[:, None], f, max(lo, 1), hi, integral, deadline,
                      probe=not use_tree)
        solver += "+lagrangian"
        logger.info("%s: Lagrangian bound %.2f, incumbent %.2f, %d of %d candidates left",
                    model, lag.lb, lag.ub, int((~lag.closed).sum()), m)
        root = f"Lagrangian bound {lag.lb:.2f}, {int((~lag.closed).sum())} of {m} candidates live"
        if _proven(lag.lb, lag.ub, integral):
            bound = math.ceil(lag.lb - 1e-6) if integral else lag.lb
            return _ufl_result(model, "optimal", c, w, f, lag.best, bound, t0, solver,
                               root + " = incumbent")
        allowed = ~lag.closed
        if use_tree:  # small p: Lagrangian branch and bound instead of the MIP
            tree = branch_and_bound(c * w[:, None], f, lo, np.flatnonzero(allowed), lag.ub,
                                    lag.best, lag.lam, integral, deadline)
            logger.info("%s: branch and bound %s after %d nodes, best %.2f", model,
                        "complete" if tree.complete else "stopped", tree.nodes, tree.cost)
            solver += "+tree"
            how = (f"{root}; branch and bound {'complete' if tree.complete else 'stopped'} "
                   f"after {tree.nodes} nodes")
            if tree.complete:
                return _ufl_result(model, "optimal", c, w, f, tree.sites, tree.cost, t0, solver,
                                   how + ": no solution below the incumbent")
            bound = math.ceil(lag.lb - 1e-6) if integral else lag.lb
            return _ufl_result(model, "feasible", c, w, f, tree.sites, bound, t0, solver, how)
    mip, cand = _radius_model(c, w, f, lo, hi, allowed, quotas)
    logger.info("%s: MIP %d variables, %d rows", model, mip.n_vars, len(mip.row_lb))
    try:
        out = solve_mip(mip, maximize=False, params=params,
                         time_limit_s=deadline - time.perf_counter(), integral=integral)
    except InfeasibleError:
        raise
    except RuralnetError:  # time limit before the MIP found a solution: keep the incumbent
        if lag is None:
            raise
        bound = math.ceil(lag.lb - 1e-6) if integral else lag.lb
        return _ufl_result(model, "feasible", c, w, f, lag.best, bound, t0, solver)
    sites, bound, status = cand[out.values[: len(cand)] > 0.5], out.bound, out.status
    if lag is not None:  # the MIP saw only the live candidates: the incumbent covers the rest
        if lag.ub < _ufl_cost(c, w, f, sites):
            sites = lag.best
        bound = max(lag.lb, min(bound, lag.ub))
        if _proven(bound, _ufl_cost(c, w, f, sites), integral):
            status = "optimal"
    if integral:
        bound = math.ceil(bound - 1e-6)
    return _ufl_result(model, status, c, w, f, sites, bound, t0, solver)


def lagrangian_root(cost: Any, *, weights: Any = None, fixed_cost: Any = None,
                    min_open: int = 1, max_open: int | None = None,
                    params: SolveParams | None = None) -> FacilityResult:
    """Only the root of the exact core: incumbent, Lagrangian bound with fixing, probing.

    ``status == "optimal"`` when that alone proves the incumbent (often so at
    large ``p``, where the bound is tight); otherwise ``"feasible"`` with the
    Lagrangian bound. Costs must be finite; no quotas.

    Examples
    --------
    >>> r = lagrangian_root([[0, 4, 9], [3, 0, 5], [9, 5, 0], [8, 4, 1]], min_open=2,
    ...                     max_open=2)
    >>> r.open_sites, r.objective, r.status
    ((0, 2), 4.0, 'optimal')
    """
    params = params or SolveParams()
    t0 = time.perf_counter()
    c = cost_matrix(cost)
    n, m = c.shape
    w = nonneg_vector(weights, n, "weights", 1.0)
    f = nonneg_vector(fixed_cost, m, "fixed_cost", 0.0)
    lo, hi = cardinality(min_open, max_open, m)
    _unreachable_clients(c)
    if not np.isfinite(c).all():
        raise bad_value("cost", "finite everywhere for the Lagrangian root", "inf entries")
    integral = is_integral(c, w, f)
    lag = _reduce(c * w[:, None], f, max(lo, 1), hi, integral, t0 + params.time_limit_s)
    bound = math.ceil(lag.lb - 1e-6) if integral else lag.lb
    proven = _proven(lag.lb, lag.ub, integral)
    how = (f"Lagrangian bound {lag.lb:.2f}, {int((~lag.closed).sum())} of {m} candidates "
           f"live" + (" = incumbent" if proven else ""))
    return _ufl_result("p_median" if lo == hi else "facility_location",
                       "optimal" if proven else "feasible", c, w, f, lag.best, bound, t0,
                       params.solver + "+lagrangian", how)


def _reduce(wc: np.ndarray, f: np.ndarray, lo: int, hi: int, integral: bool,
            deadline: float, probe: bool = True) -> _Lagrange:
    """Incumbent by greedy and fast interchange, Lagrangian bound with fixing, then probing."""
    share = 0.3 if probe else 0.6  # without probing the root bound is the tree's start
    budget = time.perf_counter() + share * (deadline - time.perf_counter())
    if probe:  # the cheapest columns: the subgradient improves them as it goes
        start = np.sort(np.argsort(wc.sum(axis=0) + f, kind="stable")[:lo])
        ub = float(f[start].sum() + wc[:, start].min(axis=1).sum())
    else:  # the tree prunes against the incumbent: start from a local optimum
        start, ub = interchange(wc, f, greedy(wc, f, lo, hi), lo, hi,
                                time.perf_counter() + 0.1 * (deadline - time.perf_counter()))
    lag = _lagrangian(wc, f, lo, hi, ub, start, integral, budget)
    if _proven(lag.lb, lag.ub, integral):
        return lag
    best, ub = _swap_search(wc, f, lag.best, budget)
    if ub < lag.ub - 1e-9 * max(1.0, abs(ub)):
        again = _lagrangian(wc, f, lo, hi, ub, best, integral, budget, lag.lam, lag.closed)
        lag = _Lagrange(max(lag.lb, min(again.lb, again.ub)), again.ub, again.best,
                        again.closed, again.lam)
    if not probe:  # the branch and bound that follows probes better (and closes as it goes)
        return lag
    probe_until = time.perf_counter() + 0.5 * (deadline - time.perf_counter())
    return _probe(wc, f, lo, hi, lag, integral, probe_until)



def _probe(wc: np.ndarray, f: np.ndarray, lo: int, hi: int, lag: _Lagrange, integral: bool,
           deadline: float) -> _Lagrange:
    """Probing: close each candidate whose forced opening cannot beat the incumbent.

    For each live candidate j (most promising first), the subgradient is rerun
    on the solutions that open j; when that bound reaches the incumbent, j is
    closed for good. After a round that closed some, the bound over the live
    candidates is recomputed: as the min of it and the incumbent, it is a bound
    of the whole problem, and fewer than ``lo`` live candidates proves the
    incumbent optimal. Small p with many candidates is where this pays: one
    forced site moves the bound far more than the reduced-cost test predicts.
    """
    lb, ub, best, closed, lam = lag.lb, lag.ub, lag.best, lag.closed.copy(), lag.lam
    while not _proven(lb, ub, integral) and time.perf_counter() < deadline:
        live = np.flatnonzero(~closed)
        rho = np.minimum(wc[:, live] - lam[:, None], 0.0).sum(axis=0) + f[live]
        n_closed, misses = int(closed.sum()), 0
        for j in live[np.argsort(-rho, kind="stable")]:
            if time.perf_counter() > deadline or misses >= 20:  # the rest look hopeless
                break
            others = np.flatnonzero(~closed)
            bound, sites = _forced_bound(wc, f, lo, hi, others[others != j], int(j), lam, ub)
            primal = float(f[sites].sum() + wc[:, sites].min(axis=1).sum())
            if lo <= len(sites) <= hi and primal < ub - 1e-9 * max(1.0, abs(ub)):
                ub, best = primal, np.sort(sites)  # the probe's relaxed solution is better
            closed[j] = _proven(bound, ub, integral)
            misses = 0 if closed[j] else misses + 1
        logger.debug("probing: %d closed, %d live", int(closed.sum()) - n_closed,
                     int((~closed).sum()))
        if int(closed.sum()) == n_closed:
            break
        if int((~closed).sum()) < lo:  # no solution of the live ones: the incumbent is optimal
            return _Lagrange(ub, ub, best, closed, lam)
        again = _lagrangian(wc, f, lo, hi, ub, best, integral, deadline, lam, closed)
        ub, best, closed, lam = again.ub, again.best, again.closed, again.lam
        lb = max(lb, min(again.lb, ub))
    return _Lagrange(lb, ub, best, closed, lam)


def _forced_bound(wc: np.ndarray, f: np.ndarray, lo: int, hi: int, others: np.ndarray,
                  j: int, lam: np.ndarray, ub: float,
                  iterations: int = 150) -> tuple[float, np.ndarray]:
    """Lagrangian bound of the solutions that open ``j`` and otherwise only ``others``.

    Same relaxation as :func:`_lagrangian` with y_j = 1; λ_i is kept at most
    c_ij, which never lowers the bound (client i can always use j). Also
    returns the sites of the relaxed solution at the best multipliers.
    """
    if len(others) < lo - 1:
        return math.inf, np.array([j])
    cap = wc[:, j]
    if hi == 1:
        return float(f[j] + cap.sum()), np.array([j])
    sub, fo = wc[:, others], f[others]
    lam = np.minimum(lam, cap)
    best, pi, stall, sites = -math.inf, 2.0, 0, np.array([j])
    for _ in range(iterations):
        neg = np.minimum(sub - lam[:, None], 0.0)
        rho = neg.sum(axis=0) + fo
        order = np.argsort(rho, kind="stable")
        s = order[:int(np.clip((rho < 0).sum(), max(lo - 1, 0), hi - 1))]
        lb = float(lam.sum() + f[j] + rho[s].sum())
        if lb > best + 1e-9:
            best, stall, sites = lb, 0, np.append(others[s], j)
        else:
            stall += 1
            if stall >= 20:
                pi, stall = pi / 2, 0
        g = 1.0 - (neg[:, s] < 0).sum(axis=1)
        norm = float(g @ g)
        if best >= ub or pi < 1e-3 or norm == 0:
            break
        lam = np.minimum(lam + pi * (ub - lb) / norm * g, cap)
    return best, sites


def _ufl_result(model: str, status: Status, c: np.ndarray, w: np.ndarray, f: np.ndarray,
                sites: np.ndarray, bound: float, t0: float, solver: str,
                certificate: str = "") -> FacilityResult:
    sites = np.sort(np.asarray(sites, int))
    obj = _ufl_cost(c, w, f, sites)
    if status == "optimal":
        bound = min(bound, obj)
    return FacilityResult(model, status, obj, float(bound), tuple(sites.tolist()),
                          nearest_open(c, sites), time.perf_counter() - t0, solver,
                          certificate=certificate)


# --------------------------------------------------------------------------- capacitated


def solve_capacitated_facility_location(
        cost: Any, demand: Any, capacity: Any, *, fixed_cost: Any = None, min_open: int = 1,
        max_open: int | None = None, quotas: Sequence[Quota] = (),
        params: SolveParams | None = None) -> FacilityResult:
    """Capacitated facility location with single sourcing.

    Minimises Σ_j f_j y_j + Σ_ij d_i c_ij x_ij with x, y binary,
    Σ_j x_ij = 1, x_ij ≤ y_j, Σ_i d_i x_ij ≤ Q_j y_j, ``min_open ≤ Σ y ≤
    max_open`` and site quotas. ``cost[i, j]`` is the cost of one unit of
    client i's demand served from j.

    Raises
    ------
    InfeasibleError
        Total demand exceeds the largest ``max_open`` capacities, or a client
        fits no candidate (checked before solving, with figures).

    Examples
    --------
    >>> r = solve_capacitated_facility_location(
    ...     [[1, 2], [1, 2], [2, 1]], demand=[2, 2, 2], capacity=[4, 4])
    >>> r.open_sites, r.assignment.tolist(), r.objective
    ((0, 1), [0, 0, 1], 6.0)
    """
    params = params or SolveParams()
    t0 = time.perf_counter()
    c = cost_matrix(cost)
    n, m = c.shape
    d = nonneg_vector(demand, n, "demand", 1.0)
    q = nonneg_vector(capacity, m, "capacity", 0.0)
    f = nonneg_vector(fixed_cost, m, "fixed_cost", 0.0)
    lo, hi = cardinality(min_open, max_open, m)
    ok = np.isfinite(c) & (d[:, None] <= q[None, :])
    misfits = np.flatnonzero(~ok.any(axis=1))
    if len(misfits):
        i = int(misfits[0])
        raise InfeasibleError(
            f"需求点 {i} 的需求 {d[i]:g} 超过任何可达候选点的容量（最大 {q.max():g}）",
            f"client {i} with demand {d[i]:g} fits no reachable candidate (largest capacity "
            f"{q.max():g})", binding="capacity", clients=misfits.tolist())
    best_cap = float(np.sort(q)[::-1][:hi].sum())
    if d.sum() > best_cap + 1e-9:
        raise InfeasibleError(
            f"总需求 {d.sum():g} 超过最多 {hi} 个站点的总容量 {best_cap:g}",
            f"total demand {d.sum():g} exceeds the capacity {best_cap:g} of the {hi} largest "
            "candidates; add capacity or allow more sites",
            binding="capacity", demand=float(d.sum()), capacity=best_cap)
    check_site_quotas(quotas, np.ones(m, bool), hi)
    mip = Mip()
    y = mip.add_vars(m, 0, 1, True, f)
    pi, pj = np.nonzero(ok)
    x = mip.add_vars(len(pi), 0, 1, True, d[pi] * c[pi, pj])
    mip.add_rows(pi, x, 1.0, 1.0, 1.0, n)  # each client served once
    k = np.arange(len(pi))
    mip.add_rows(np.concatenate([k, k]), np.concatenate([x, y[pj]]),
                 np.concatenate([np.ones(len(k)), -np.ones(len(k))]), -np.inf, 0.0, len(k))
    mip.add_rows(np.concatenate([pj, np.arange(m)]), np.concatenate([x, y]),
                 np.concatenate([d[pi], -q]), -np.inf, 0.0, m)  # capacity if open
    mip.add_row(y, 1.0, lo, hi)
    add_site_quotas(mip, y, quotas)
    out = solve_mip(mip, maximize=False, params=params, time_limit_s=params.time_limit_s,
                     integral=is_integral(c, d, f, q))
    chosen = out.values[x] > 0.5
    assignment = np.full(n, -1)
    assignment[pi[chosen]] = pj[chosen]
    sites = np.flatnonzero(out.values[y] > 0.5)
    obj = float(f[sites].sum() + (d * c[np.arange(n), assignment]).sum())
    bound = obj if out.status == "optimal" else min(out.bound, obj)
    return FacilityResult("capacitated", out.status, obj, bound, tuple(sites.tolist()),
                          assignment, time.perf_counter() - t0, params.solver)
