"""Large-neighbourhood search over visit-day patterns for :mod:`ruralnet.routing.periodic`.

One iteration (Ropke & Pisinger 2006 style, on patterns rather than single
visits):

1. **destroy**: take ``k`` clients off *all* their days — random clients,
   related ones (the nearest to a random seed client), the dearest to serve
   (largest removal saving over their days, with noise), or every client of
   one route of one day;
2. **repair**: put them back one by one (most constrained first, random
   ties), each on the allowed pattern whose days give the least total
   cheapest-insertion cost (each day: the best feasible position in its
   routes — loads checked at every point for two-way loads, travel plus
   service within the vehicle's limit — or a new vehicle when one is free),
   with a small random noise on the pattern costs;
3. **accept** by record-to-record travel: the new week is kept when it
   costs at most ``(1 + δ)`` × the best week, ``δ`` falling linearly from
   ``delta0`` to 0 over the phase; the best week is always kept.

**Overloads** (with a ``repair``, one trip per vehicle): insertions may
also overload a route, priced at ``λ`` per kg over its capacity and ``λ_t``
per second over its time limit (``λ`` starts at the week's cost per kg
delivered, ``λ_t`` at the cost of one distance unit; both are multiplied or
divided by 1.3 every 50 accepted weeks so that about half of them are
overloaded). Overloaded weeks may be accepted and searched from; one that
would be a new best has its overloaded days re-routed by ``repair`` (the day
solver, cached per day's visits) and becomes the best only when every route
then fits. Without this, a day that the best weeks fill to the last kilo
(Cordeau's p08: 990 of 5 × 200 kg on one day) is out of the search's reach,
since every single insertion must fit the current routes.

Insertion costs of a day are computed for all its arcs at once (numpy),
with per-arc prefix/suffix load maxima, so an iteration costs milliseconds.

Several trips per vehicle (``VehicleType.max_trips > 1``, sequences that are
:class:`~ruralnet.routing.trips.Trips`): a vehicle's arcs are those of all its
trips, each trip with its own load profile (the vehicle unloads and reloads
at the depot between trips), and the time slack is the vehicle's (all
trips' travel and service plus ``reload_s`` between trips, within its
limit). Besides a position in a trip, a client may open a **new trip** of a
vehicle that has fewer than ``max_trips`` (its cost: the out-and-back
distance; its time: the reload plus the out-and-back), or a new vehicle.
The routes repaired here are insertion routes; :func:`ruralnet.routing.periodic.solve_periodic`
re-optimises the changed days with the day solver afterwards.

``week`` is the search state of :mod:`ruralnet.routing.periodic` (its
``dist``, ``travel``, ``unit``, ``fixed``, ``cap``, ``num``, ``limit``,
``service``, ``load`` and ``route_ok``); routes of a day are lists of
``(vehicle_type, [clients])``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from ruralnet.routing.trips import Trips, copy_seq, single, trips_of, without_client

__all__ = ["lns_patterns"]

Day = list[tuple[int, list[int]]]


class _RouteInfo:
    """One vehicle's arcs (all its trips), load maxima, time slack and cost (cached).

    ``trip`` and ``pos`` give, per arc, its trip and its position in the
    trip (an insertion on arc ``k`` of a trip puts the client at ``k``);
    ``pm``/``sm`` are the load maxima before/after each arc *within its trip*.
    """

    __slots__ = ("a", "b", "pm", "sm", "slack", "cost", "dab", "trip", "pos", "n_trips", "peak",
                 "excess")

    def __init__(self, w, t: int, seq: Sequence[int], loads: dict):
        trips = trips_of(seq)
        self.n_trips = len(trips)
        a, b, pm, sm, trip, pos, peak = [], [], [], [], [], [], []
        dur = w.reload[t] * (len(trips) - 1)
        excess = 0.0
        for i, tr in enumerate(trips):
            nodes = np.array([0] + [c + 1 for c in tr] + [0], dtype=np.int64)
            dl = np.array([loads[c][0] for c in tr], dtype=float)
            pk = np.array([loads[c][1] for c in tr], dtype=float)
            prof = np.concatenate([[dl.sum()], dl.sum() + np.cumsum(pk - dl)])
            a.append(nodes[:-1])
            b.append(nodes[1:])
            pm.append(np.maximum.accumulate(prof))
            sm.append(np.maximum.accumulate(prof[::-1])[::-1])
            trip.append(np.full(len(tr) + 1, i, dtype=np.int64))
            peak.append(np.full(len(tr) + 1, prof.max()))
            excess += max(0.0, float(prof.max()) - w.cap[t])
            pos.append(np.arange(len(tr) + 1))
            dur += int(w.travel[t][nodes[:-1], nodes[1:]].sum() + w.service[nodes].sum())
        cat = np.concatenate
        self.a, self.b, self.pm, self.sm = cat(a), cat(b), cat(pm), cat(sm)
        self.trip, self.pos, self.peak = cat(trip), cat(pos), cat(peak)
        self.excess = excess
        self.dab = w.dist[self.a, self.b]
        self.slack = w.limit[t] - dur
        self.cost = w.fixed[t] + w.unit[t] * float(self.dab.sum())


class _Arcs:
    """All arcs of one day's routes with what an insertion on each must respect."""

    def __init__(self, w, day: Day, infos: list[_RouteInfo]):
        self.used = np.zeros(len(w.num), dtype=np.int64)
        for t, _ in day:
            self.used[t] += 1
        if not day:
            self.a = np.zeros(0, dtype=np.int64)
            return
        cat = np.concatenate
        self.a = cat([x.a for x in infos])
        self.b = cat([x.b for x in infos])
        self.dab = cat([x.dab for x in infos])
        self.pm = cat([x.pm for x in infos])
        self.peak = cat([x.peak for x in infos])
        self.sm = cat([x.sm for x in infos])
        sizes = [len(x.a) for x in infos]
        self.r = np.repeat(np.arange(len(day)), sizes)
        self.trip = cat([x.trip for x in infos])
        self.pos = cat([x.pos for x in infos])
        types = np.array([t for t, _ in day], dtype=np.int64)
        self.type_a = types[self.r]
        self.slack_a = np.array([x.slack for x in infos], dtype=np.int64)[self.r]
        self.cap_a = np.array(w.cap, dtype=float)[self.type_a]
        self.unit_a = np.array(w.unit, dtype=float)[self.type_a]
        self.tab = {int(t): w.travel[t][self.a, self.b] for t in set(types.tolist())}
        # vehicles that may go out once more: (route index, type, slack, trips so far)
        self.more = [(i, t, x.slack, x.n_trips) for i, ((t, _), x) in enumerate(zip(
            day, infos, strict=True)) if x.n_trips < w.max_trips[t]]


def _best_insertion(w, arcs: _Arcs, c: int, load, lam: float = 0.0,
                    lam_t: float = 0.0) -> tuple[float, int, int, int, int]:
    """Return (added cost, route index, vehicle type, trip, position in the trip).

    The route index is -1 for a new vehicle and -2 when nothing fits; the
    trip equals the vehicle's number of trips when ``c`` opens a new one.
    With ``lam > 0`` a position in a route may overload it, at ``lam`` per
    kg of added excess and ``lam_t`` per second over the vehicle's time limit.
    """
    best = (np.inf, -2, -1, -1, -1)
    node = c + 1
    dl, pk = load
    svc = int(w.service[node])
    if arcs.a.size:
        delta = w.dist[arcs.a, node] + w.dist[node, arcs.b] - arcs.dab
        new_peak = np.maximum(arcs.pm + dl, arcs.sm + pk)
        ok = np.ones(len(delta), dtype=bool) if lam > 0 else new_peak <= arcs.cap_a + 1e-9
        late = np.zeros(len(delta))
        for t, tab in arcs.tab.items():
            tr = w.travel[t]
            dt = tr[arcs.a, node] + tr[node, arcs.b] - tab + svc
            mine = arcs.type_a == t
            if lam > 0:
                late = np.where(mine, np.maximum(0, dt - arcs.slack_a)
                                - np.maximum(0, -arcs.slack_a), late)
            else:
                ok &= ~mine | (dt <= arcs.slack_a)
        if ok.any():
            cost = arcs.unit_a * delta
            if lam > 0:
                cost = cost + lam * (np.maximum(0.0, new_peak - arcs.cap_a)
                                     - np.maximum(0.0, arcs.peak - arcs.cap_a)) + lam_t * late
            cost = np.where(ok, cost, np.inf)
            j = int(np.argmin(cost))
            best = (float(cost[j]), int(arcs.r[j]), int(arcs.type_a[j]), int(arcs.trip[j]),
                    int(arcs.pos[j]))
        out_back = float(w.dist[0, node] + w.dist[node, 0])
        for i, t, slack, n_trips in arcs.more:  # a new trip of a vehicle already out
            add = w.unit[t] * out_back
            if add < best[0] and max(dl, pk) <= w.cap[t] + 1e-9 and (
                    w.reload[t] + int(w.travel[t][0, node] + w.travel[t][node, 0]) + svc
                    <= slack):
                best = (add, i, t, n_trips, 0)
    for t in range(len(w.num)):
        if arcs.used[t] < w.num[t]:
            add = w.fixed[t] + w.unit[t] * float(w.dist[0, node] + w.dist[node, 0])
            if add < best[0] and w.route_ok(t, [c], {c: load}):
                best = (add, -1, t, 0, 0)
    return best


def _inserted(w, t: int, seq: Sequence[int], trip: int, pos: int, c: int) -> list[int]:
    """Return ``seq`` with ``c`` at ``pos`` of trip ``trip`` (past the last: a new trip)."""
    trips = trips_of(seq)
    if trip == len(trips):
        trips.append([c])
    else:
        trips[trip].insert(pos, c)
    return Trips(trips) if w.max_trips[t] > 1 else trips[0]


class _State:
    """Pattern choice, per-day routes, loads and costs of one week."""

    def __init__(self, w, choice: Sequence[int], routes: Sequence[Day], cache: dict, sym: bool,
                 lam: float = 0.0, lam_ratio: float = 0.0):
        self.w, self.cache, self.sym, self.lam, self.lam_t = w, cache, sym, lam, lam * lam_ratio
        self.choice = list(choice)
        self.routes = [[(t, copy_seq(s)) for t, s in day] for day in routes]
        self.loads = [dict() for _ in routes]
        for c in range(w.n):
            k = self.choice[c]
            for d in w.p.patterns[c][k]:
                self.loads[d][c] = w.load(c, k, d)
        self.arcs: dict[int, _Arcs] = {}
        self.day_cost = [0.0] * len(routes)
        self.over = [0.0] * len(routes)  # kg over capacity on each day (penalised search)
        for d in range(len(routes)):
            self.touch(d)

    def copy(self) -> _State:
        s = _State.__new__(_State)
        s.w, s.cache, s.sym, s.choice = self.w, self.cache, self.sym, list(self.choice)
        s.lam, s.lam_t, s.over = self.lam, self.lam_t, list(self.over)
        s.routes = [[(t, copy_seq(q)) for t, q in day] for day in self.routes]
        s.loads = [dict(x) for x in self.loads]
        s.day_cost, s.arcs = list(self.day_cost), dict(self.arcs)
        return s

    @property
    def cost(self) -> float:
        return float(sum(self.day_cost))

    def info(self, d: int, t: int, seq: Sequence[int]) -> _RouteInfo:
        key = (d, t, tuple(seq), tuple(getattr(seq, "sizes", ())),
               tuple(self.choice[c] for c in seq))
        got = self.cache.get(key)
        if got is None:
            if len(self.cache) > 200_000:
                self.cache.clear()
            got = self.cache[key] = _RouteInfo(self.w, t, seq, self.loads[d])
        return got

    def touch(self, d: int) -> None:
        infos = [self.info(d, t, s) for t, s in self.routes[d]]
        kg = float(sum(x.excess for x in infos))
        late = float(sum(max(0, -x.slack) for x in infos))
        self.over[d] = kg + late
        self.day_cost[d] = float(sum(x.cost for x in infos)) + self.lam * kg + self.lam_t * late
        self.arcs.pop(d, None)

    def overloaded(self) -> list[int]:
        """Return the days with an overloaded route."""
        return [d for d, x in enumerate(self.over) if x > 1e-9]

    def set_lam(self, lam: float, lam_ratio: float) -> None:
        self.lam, self.lam_t = lam, lam * lam_ratio
        for d in range(len(self.routes)):
            self.touch(d)

    def arcs_of(self, d: int) -> _Arcs:
        got = self.arcs.get(d)
        if got is None:
            infos = [self.info(d, t, s) for t, s in self.routes[d]]
            got = self.arcs[d] = _Arcs(self.w, self.routes[d], infos)
        return got

    def remove(self, c: int) -> bool:
        """Take ``c`` off all its days; False when a shortened route breaks a limit."""
        for d in self.w.p.patterns[c][self.choice[c]]:
            day = []
            for t, q in self.routes[d]:
                s = q
                if c in s:
                    s = without_client(s, c)
                    if s and self.info(d, t, s).slack < min(0, self.info(d, t, q).slack):
                        return False  # only with a non-metric matrix
                if s:
                    day.append((t, s))
            self.routes[d] = day
            del self.loads[d][c]
        for d in self.w.p.patterns[c][self.choice[c]]:
            self.touch(d)
        self.choice[c] = -1
        return True

    def polish(self, days: set[int]) -> None:
        """2-opt every trip of every route of the given days (an overloaded one: no worse load)."""
        for d in days:
            self.routes[d] = [(t, self._polished(d, t, s) if self.sym else s)
                              for t, s in self.routes[d]]
            self.touch(d)

    def _polished(self, d: int, t: int, s):
        now = self.info(d, t, s)
        ex, late = now.excess, max(0, -now.slack)
        if (ex <= 0 and late <= 0) or isinstance(s, Trips):
            return _two_opt_trips(self.w, t, s, self.loads[d])

        def ok(new) -> bool:
            x = _RouteInfo(self.w, t, new, self.loads[d])
            return max(0, -x.slack) <= late and x.excess <= ex + 1e-9
        return _two_opt(self.w, t, s, self.loads[d], ok=ok)

    def insert(self, c: int, rng: np.random.Generator, noise: float) -> bool:
        """Put ``c`` back on its cheapest allowed pattern; False when none is feasible."""
        w = self.w
        best, best_cost = None, np.inf
        for k, pat in enumerate(w.p.patterns[c]):
            total, moves = 0.0, []
            for d in pat:
                add, i, t, trip, pos = _best_insertion(w, self.arcs_of(d), c, w.load(c, k, d),
                                                       self.lam, self.lam_t)
                if i == -2:
                    break
                total += add
                moves.append((d, i, t, trip, pos))
            else:
                score = total * (1 + noise * rng.random())
                if score < best_cost:
                    best, best_cost = (k, moves), score
        if best is None:
            return False
        k, moves = best
        self.choice[c] = k
        for d, i, t, trip, pos in moves:
            self.loads[d][c] = w.load(c, k, d)
            if i == -1:
                self.routes[d].append((t, single(w.max_trips[t], c)))
            else:
                self.routes[d][i] = (t, _inserted(w, t, self.routes[d][i][1], trip, pos, c))
            self.touch(d)
        return True


def _two_opt_trips(w, t: int, seq: Sequence[int], loads: dict) -> list[int]:
    """2-opt each trip of a vehicle; a change is kept when the whole vehicle stays feasible."""
    if not isinstance(seq, Trips):
        return _two_opt(w, t, seq, loads)
    trips = seq.split()
    for i in range(len(trips)):
        trips[i] = _two_opt(w, t, trips[i], loads, ok=lambda new, i=i: w.route_ok(
            t, Trips(trips[:i] + [new] + trips[i + 1:]), loads))
    return Trips(trips)


def _two_opt(w, t: int, seq: list[int], loads: dict, ok=None) -> list[int]:
    """Improve one route (or trip) by 2-opt (symmetric matrices; ``ok`` re-checks the loads)."""
    ok = ok or (lambda new: w.route_ok(t, new, loads))
    if len(seq) < 3:
        return seq
    d = w.dist
    while True:
        nodes = np.array([0] + [c + 1 for c in seq] + [0], dtype=np.int64)
        i, j = np.triu_indices(len(seq), 1)  # reverse seq[i..j]: nodes i+1..j+1
        gain = (d[nodes[i], nodes[i + 1]] + d[nodes[j + 1], nodes[j + 2]]
                - d[nodes[i], nodes[j + 1]] - d[nodes[i + 1], nodes[j + 2]])
        k = int(np.argmax(gain))
        if gain[k] <= 0:
            return seq
        a, b = int(i[k]), int(j[k])
        new = seq[:a] + seq[a:b + 1][::-1] + seq[b + 1:]
        if not ok(new):
            return seq
        seq = new


def _removal_saving(st: _State, c: int) -> float:
    w, total = st.w, 0.0
    for d in w.p.patterns[c][st.choice[c]]:
        for t, s in st.routes[d]:
            if c in s:
                tr = next(x for x in trips_of(s) if c in x)  # neighbours within its trip
                k = tr.index(c)
                prev = 0 if k == 0 else tr[k - 1] + 1
                nxt = 0 if k == len(tr) - 1 else tr[k + 1] + 1
                total += w.unit[t] * float(w.dist[prev, c + 1] + w.dist[c + 1, nxt]
                                           - w.dist[prev, nxt])
                if len(s) == 1:
                    total += w.fixed[t]
    return total


def _destroy(st: _State, rng: np.random.Generator, k: int) -> list[int]:
    w, n = st.w, st.w.n
    how = rng.integers(4)
    if how == 0:
        return [int(c) for c in rng.choice(n, size=k, replace=False)]
    if how == 1:
        seed = int(rng.integers(n))
        near = np.argsort(w.dist[seed + 1, 1:] + w.dist[1:, seed + 1] + rng.random(n))
        return [int(c) for c in near[:k]]
    if how == 2:
        saving = np.array([_removal_saving(st, c) for c in range(n)])
        score = saving * rng.uniform(0.5, 1.5, size=n)
        return [int(c) for c in np.argsort(-score)[:k]]
    days = [d for d, day in enumerate(st.routes) if day]
    d = int(rng.choice(days))
    _, seq = st.routes[d][int(rng.integers(len(st.routes[d])))]
    out = list(seq)
    if len(out) < k:  # fill with the route's nearest other clients
        rest = [c for c in np.argsort(w.dist[seq[0] + 1, 1:]) if c not in out]
        out += [int(c) for c in rest[: k - len(out)]]
    return out[: max(k, len(seq))]


def lns_patterns(w, choice: Sequence[int], routes: Sequence[Day], rng: np.random.Generator,
                 deadline: float, *, delta0: float = 0.01, k_range: tuple[int, int] = (2, 25),
                 noise: float = 0.1, repair=None) -> tuple[list[int], list[Day], float, int]:
    """Run the search until ``deadline``; return the best (choice, routes, cost, iterations).

    The start week must be feasible; the best week returned is feasible
    (each insertion checked). With ``repair`` (``repair(choice, day)`` → the
    day's routes by the day solver, or ``None``), the search may also
    overload routes at a penalty per kg (adapted so that about half the
    weeks accepted are overloaded, as in Cordeau et al. 1997 and Vidal et
    al. 2012); an overloaded week that would be a new best has its
    overloaded days re-routed by ``repair`` and counts once they fit.
    """
    sym = bool((w.dist == w.dist.T).all()) and all((tr == tr.T).all() for tr in w.travel)
    penalised = repair is not None and max(w.max_trips) == 1
    lam = ratio = 0.0
    if penalised:
        kg = sum(max(w.load(c, choice[c], d)) for c in range(w.n)
                 for d in w.p.patterns[c][choice[c]])
        lam = _State(w, choice, routes, {}, sym).cost / max(kg, 1e-9)
        ratio = min(w.unit) / lam  # a second late costs as much as a metre's drive
    cur = _State(w, choice, routes, {}, sym, lam, ratio)
    best = cur.copy()
    tried: dict = {}
    n_acc = n_over = 0
    start = time.perf_counter()
    span = max(deadline - start, 1e-9)
    lo = min(k_range[0], w.n)
    hi = max(lo, min(k_range[1], max(lo, w.n // 4)))
    it = 0
    while time.perf_counter() < deadline:
        it += 1
        trial = cur.copy()
        gone = _destroy(trial, rng, int(rng.integers(lo, hi + 1)))
        if not all(trial.remove(c) for c in gone):
            continue
        order = sorted(gone, key=lambda c: (len(w.p.patterns[c]), rng.random()))
        if not all(trial.insert(c, rng, noise) for c in order):
            continue
        trial.polish({d for c in gone for d in w.p.patterns[c][trial.choice[c]]})
        frac = (time.perf_counter() - start) / span
        if trial.cost <= best.cost * (1 + delta0 * max(0.0, 1 - frac)) + 1e-9:
            if penalised and trial.overloaded() and trial.cost < best.cost - 1e-9:
                _repair(trial, repair, tried)
            cur = trial
            n_acc += 1
            n_over += bool(trial.overloaded())
            if trial.cost < best.cost - 1e-9 and not trial.overloaded():
                best = trial.copy()
        if penalised and n_acc >= 50:  # keep about half the accepted weeks overloaded
            lam *= 1.3 if n_over > 0.5 * n_acc else 1 / 1.3
            n_acc = n_over = 0
            for st in (cur, best):
                st.set_lam(lam, ratio)
    return best.choice, best.routes, best.cost, it


def _repair(st: _State, repair, tried: dict) -> None:
    """Re-route the overloaded days of ``st`` with the day solver (cached per day's visits)."""
    w = st.w
    for d in st.overloaded():
        key = (d, tuple(sorted((c, st.choice[c]) for c in st.loads[d])))
        if key not in tried:
            tried[key] = repair(list(st.choice), d)
        got = tried[key]
        used = np.bincount([t for t, _ in got], minlength=len(w.num)) if got else np.zeros(1)
        if got is None or (used > np.asarray(w.num)[:len(used)]).any() or any(
                not w.route_ok(t, s, st.loads[d]) for t, s in got):
            return
        st.routes[d] = [(t, copy_seq(s)) for t, s in got]
        st.touch(d)
