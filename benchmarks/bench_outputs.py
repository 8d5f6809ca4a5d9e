"""Time writing a plan's output files, file by file (issue 19, part 3: the output part).

Usage::

    nice -n 10 python benchmarks/bench_outputs.py                      # 安溪, this tree
    nice -n 10 python benchmarks/bench_outputs.py --baseline ../base   # and an older checkout
    nice -n 10 python benchmarks/bench_outputs.py --plan /tmp/anxi.pkl # re-use a pickled plan

The county's plan (:func:`ruralnet.plan_county` on the embedded default,
seed 0) is built once in this process and pickled (``--plan`` keeps the
pickle for later runs: delete it after a change to the plan code or data).
Then each source tree (``--baseline`` first, if given, then this one) runs
:func:`ruralnet.outputs.write.write_outputs` on the same pickled plan in a
fresh subprocess, ``--repeat`` times, alternating the trees so both see the
same machine load.

Per file: every output is written through ``ruralnet._io.atomic_path``,
whose last step is ``os.replace(tmp, path)``. The worker wraps
``os.replace`` and records the wall clock and the process CPU time at each
rename, so a file's figure is the time since the previous file was finished
(work shared by several files - drawing the print map, importing
matplotlib - counts for the first file that needs it). ``import`` is the
import of the writer module itself, before the clock starts. CPU seconds
are the evidence on a shared machine; the load average is printed before
and after each run. Every run gets an empty cache folder
(``RURALNET_CACHE_DIR``), as on a first run; with ``--warm`` the repeats of
a tree share one, as a second run for the same county does (the CJK faces
cut for the PDFs are re-used).

Measured 2026-12-01 on 安溪 (443 行政村, 24 townships; 2 shared cores, load
average 5.2-6.2 during the run, so wall seconds are about twice a quiet
machine's), one run each, empty cache folders; before = ed55601, after =
this branch. CPU seconds of ``write_outputs``::

    file                 before   after
    plan.xlsx              1.24    0.56
    map.html               1.83    1.56
    map_print.png          2.31    3.03   (A4 overview drawn; noisy: 1.95-2.96 in other runs)
    CJK faces cut             -    3.01   (regular + bold, once; 0 with a warm cache)
    map_print.pdf          2.85    0.70
    map_print_A3.pdf       2.98    0.94
    map_townships.pdf     19.94    9.61
    report.html            1.54    1.11
    report.docx            1.61    1.00
    other 7 files          0.82    0.63
    total                 35.10   22.15   (wall 67.3 -> 42.7 s)

The 5 s target for all outputs is not met: the 25-page township annex
(about 60 labels a page with white halos, each laid out and drawn by
matplotlib's PDF backend) is 9.6 s of the 22.

Third session (2026-12-01 evening): ``write_outputs`` writes the annex in a
forked process (:mod:`ruralnet.outputs.forked`) started as soon as the
overview is drawn and the faces cut, beside the PNG, the PDFs and every
other file. Same pickled 安溪 plan, empty cache folders, one run each, load
average 4.1-4.4, nice 10: ``--workers 1`` wall 72.7 s, CPU 23.7 s (annex
11.4 s of it); default (2 processes) wall 60.3 s, CPU 23.7 s of which the
annex process 11.8 s. CPU is unchanged; on a quiet 2-core machine the wall
time would fall towards the larger of the two processes (about 12 s), which
was not measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def worker(plan_pickle: Path, out: Path, workers: int | None = None) -> dict:
    """Write every output of the pickled plan into ``out``; return per-file wall and CPU seconds."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    t0, c0 = time.perf_counter(), time.process_time()
    import ruralnet
    from ruralnet.outputs.write import write_outputs

    t_import, c_import = time.perf_counter() - t0, time.process_time() - c0
    with open(plan_pickle, "rb") as f:
        plan, county = pickle.load(f)
    marks: list[tuple[str, float, float]] = []
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        real_replace(src, dst, *args, **kwargs)
        marks.append((Path(dst).name, time.perf_counter(), time.process_time()))

    os.replace = replace
    t0, c0 = time.perf_counter(), time.process_time()
    k0 = _children_cpu()
    import inspect

    known = "workers" in inspect.signature(write_outputs).parameters  # not in older trees
    try:
        files = write_outputs(plan, county, out, **({"workers": workers} if known and workers
                                                     is not None else {}))
    finally:
        os.replace = real_replace
    t1, c1 = time.perf_counter(), time.process_time()
    forked = _children_cpu() - k0  # the forked township annex (its files' marks are not seen)
    per_file, last_t, last_c = [], t0, c0
    for name, t, c in marks:
        if name.endswith(".otf"):  # a CJK face cut for the PDFs (ruralnet.outputs.print_fonts)
            name = f"(CJK face cut: {name.split('-')[-1]})"
        per_file.append({"file": name, "wall_s": t - last_t, "cpu_s": c - last_c})
        last_t, last_c = t, c
    per_file.append({"file": "(after the last file)", "wall_s": t1 - last_t, "cpu_s": c1 - last_c})
    return {"source": str(Path(ruralnet.__file__).resolve().parent.parent),
            "import_wall_s": t_import, "import_cpu_s": c_import,
            "wall_s": t1 - t0, "cpu_s": c1 - c0 + forked, "forked_cpu_s": forked,
            "files": files, "per_file": per_file,
            "sizes": {p.name: p.stat().st_size for p in out.iterdir() if p.is_file()}}


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _run(src: Path, plan_pickle: Path, cache: Path, workers: int | None = None) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "RURALNET_CACHE_DIR":
           str(cache), "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, __file__, "--worker", str(plan_pickle), tmp]
        cmd += [] if workers is None else ["--workers", str(workers)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp)
    if proc.returncode:
        raise SystemExit(f"{src}: writer failed\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _build(county: str, path: Path) -> None:
    import ruralnet

    t0 = time.perf_counter()
    c = ruralnet.load_county(county)
    plan = ruralnet.plan_county(c)
    with open(path, "wb") as f:
        pickle.dump((plan, c), f)
    print(f"planned {county} in {time.perf_counter() - t0:.1f} s (pickled to {path})", flush=True)


def _table(rows: dict[str, dict]) -> None:
    names = list(rows)
    order: list[str] = []
    for r in reversed(list(rows.values())):  # the newest tree's order of writing first
        for p in r["per_file"]:
            if p["file"] not in order:
                order.append(p["file"])
    head = "".join(f"{n + ' wall':>16}{n + ' CPU':>16}" for n in names)
    print(f"{'file':<24}{head}")

    def cell(r: dict, name: str) -> str:
        hit = [p for p in r["per_file"] if p["file"] == name]
        if not hit:
            return f"{'-':>16}{'-':>16}"
        return f"{hit[0]['wall_s']:>16.2f}{hit[0]['cpu_s']:>16.2f}"

    for name in order:
        print(f"{name:<24}" + "".join(cell(rows[n], name) for n in names))
    print(f"{'total write_outputs':<24}" + "".join(
        f"{r['wall_s']:>16.2f}{r['cpu_s']:>16.2f}" for r in rows.values()))
    print(f"{'import of the writer':<24}" + "".join(
        f"{r['import_wall_s']:>16.2f}{r['import_cpu_s']:>16.2f}" for r in rows.values()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--county", default="安溪")
    ap.add_argument("--plan", type=Path, help="pickle of (plan, county): re-used if it exists")
    ap.add_argument("--baseline", type=Path, help="source tree of the old writer (a checkout)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--warm", action="store_true",
                    help="keep each tree's cache folder between repeats (default: a new, empty "
                    "cache folder for every run, as on a first run)")
    ap.add_argument("--json", type=Path, help="write all runs as JSON here")
    ap.add_argument("--workers", type=int, help="write_outputs(workers=...): 1 writes the "
                    "township annex in this process (per-file figures for it); default the "
                    "writer's own (this tree: a forked annex on 2 cores); ignored by older trees")
    ap.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        print(json.dumps(worker(*a.worker, a.workers), ensure_ascii=False))
        return 0
    print(f"load average before: {_load()} (cores: {os.cpu_count()})", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        plan_pickle = a.plan or Path(tmp) / "plan.pkl"
        if not plan_pickle.exists():
            _build(a.county, plan_pickle)
        trees = ({"before": a.baseline.resolve()} if a.baseline else {}) | {"after": HERE}
        runs: list[dict] = []
        for i in range(a.repeat):
            rows = {}
            for label, src in trees.items():
                cache = Path(tmp) / (f"cache-{label}" if a.warm else f"cache-{label}-{i}")
                row = _run(src, plan_pickle, cache, a.workers)
                row["label"], row["load_after"] = label, _load()
                rows[label] = row
                runs.append(row)
                print(f"run {i + 1} {label} ({row['source']}): write_outputs wall "
                      f"{row['wall_s']:.2f} s, CPU {row['cpu_s']:.2f} s (forked annex "
                      f"{row.get('forked_cpu_s', 0.0):.2f}); load average after "
                      f"{row['load_after']}", flush=True)
            _table(rows)
            if "before" in rows:
                b, n = rows["before"], rows["after"]
                print(f"CPU before/after {b['cpu_s']:.2f}/{n['cpu_s']:.2f} s "
                      f"({b['cpu_s'] / n['cpu_s']:.1f}x); wall {b['wall_s']:.2f}/{n['wall_s']:.2f}"
                      f" s; files {'same' if b['files'] == n['files'] else 'DIFFER'}", flush=True)
    print(f"load average after: {_load()}")
    if a.json:
        a.json.write_text(json.dumps(runs, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
