"""The whole week as one PyVRP model, letting the solver choose single-day visits.

A client with several one-day patterns ("any one of Mon, Wed, Fri") is a
*mutually exclusive client group* of day copies (PyVRP's ``ClientGroup``:
exactly one copy is visited); clients with a multi-day pattern get one
required copy per day of their current pattern. Each day has its own depot
copy and vehicle types; each day's depot, copies and vehicles get their own
time window on a long clock (day ``d`` starts at ``d`` × the day's span), so a
route leaving day ``d``'s depot cannot serve another day's copy (and such
arcs also cost more than any week). Used by :func:`ruralnet.routing.periodic.solve_periodic`
when the fleet has one speed profile.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ruralnet.routing.model import COST_UNITS_PER_YUAN, LOAD_UNITS_PER_KG

__all__ = ["joint_applies", "solve_week_jointly"]


def joint_applies(patterns: Sequence[Sequence[Sequence[int]]], n_profiles: int) -> bool:
    """Tell whether some client chooses among one-day patterns and the fleet has one speed."""
    return n_profiles == 1 and any(len(p) > 1 and all(len(x) == 1 for x in p) for p in patterns)


def solve_week_jointly(week, choice: Sequence[int], *, time_limit_s: float, seed: int):
    """Solve the week in one model; return ``(choice, routes)`` or ``None`` if none feasible.

    ``week`` is the search state of :mod:`ruralnet.routing.periodic`;
    ``routes[d]`` lists ``(vehicle_type, clients)`` of day ``d``.
    """
    import pyvrp
    from pyvrp.stop import MaxRuntime

    p = week.p
    days, n_t = p.days, len(p.vehicle_types)
    copies: list[tuple[int, int, int]] = []  # (client, day, pattern index)
    groups: list[list[int]] = []
    for c in range(week.n):
        pats = p.patterns[c]
        if len(pats) > 1 and all(len(x) == 1 for x in pats):
            groups.append([len(copies) + k for k in range(len(pats))])
            copies += [(c, x[0], k) for k, x in enumerate(pats)]
        else:
            copies += [(c, d, choice[c]) for d in pats[choice[c]]]
    node_day = np.array(list(range(days)) + [d for _, d, _ in copies])
    node_pt = np.array([0] * days + [c + 1 for c, _, _ in copies])
    dist = week.dist[np.ix_(node_pt, node_pt)]
    travel = week.travel[0][np.ix_(node_pt, node_pt)]
    big = int(week.dist.max()) * (len(node_pt) + 1) + 1
    cross = node_day[:, None] != node_day[None, :]
    dist = np.where(cross, big, dist)
    travel = np.where(cross, big, travel)
    locations = [pyvrp.Location(0.0, 0.0) for _ in node_pt]
    # disjoint time windows per day make a cross-day route infeasible, not just dear
    span = p.depot_late_s - p.depot_early_s + 1
    off = [d * span for d in range(days)]
    depots = [pyvrp.Depot(d, tw_early=off[d] + p.depot_early_s, tw_late=off[d] + p.depot_late_s)
              for d in range(days)]
    group_of = {j: g for g, members in enumerate(groups) for j in members}
    clients = []
    for j, (c, d, k) in enumerate(copies):
        dl, pk = week.load(c, k, d)
        clients.append(pyvrp.Client(days + j, delivery=[round(dl * LOAD_UNITS_PER_KG)],
                                    pickup=[round(pk * LOAD_UNITS_PER_KG)],
                                    service_duration=int(p.service_s[c]),
                                    tw_early=off[d] + p.depot_early_s,
                                    tw_late=off[d] + p.depot_late_s,
                                    required=j not in group_of, group=group_of.get(j)))
    gs = [pyvrp.ClientGroup(list(g), required=True) for g in groups]
    types = []
    for d in range(days):
        for t, vt in enumerate(p.vehicle_types):
            types.append(pyvrp.VehicleType(
                vt.num_available, capacity=[round(vt.capacity_kg * LOAD_UNITS_PER_KG)],
                start_depot=d, end_depot=d, fixed_cost=round(vt.fixed_cost * COST_UNITS_PER_YUAN),
                tw_early=off[d] + max(vt.shift_start_s, p.depot_early_s),
                tw_late=off[d] + min(vt.shift_end_s, p.depot_late_s),
                shift_duration=int(week.limit[t]),
                unit_distance_cost=round(vt.cost_per_km * COST_UNITS_PER_YUAN / 1000)))
    data = pyvrp.ProblemData(locations, clients, depots, types, [dist], [travel], groups=gs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pyvrp.solve(data, MaxRuntime(time_limit_s), seed=seed, display=False)
    if not res.best.is_feasible():
        return None
    new = list(choice)
    routes: list[list[tuple[int, list[int]]]] = [[] for _ in range(days)]
    for r in res.best.routes():
        js = [a.idx for a in r if a.is_client()]  # client indices
        if not js:
            continue
        d, t = divmod(r.vehicle_type(), n_t)
        for j in js:
            c, _, k = copies[j]
            new[c] = k
        routes[d].append((t, [copies[j][0] for j in js]))
    return new, routes
