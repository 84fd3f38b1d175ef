#!/usr/bin/env python3
"""`kafka-playground run` against the simulation inside it (BENCHMARKS.md, "The CLI's `run`").

Runs every variant once per round, in turn (so the machine's load hits them alike), and
prints, per variant, the medians of wall time, CPU time (user + system) and maximum RSS of
the process, taken from `wait4`'s rusage (microseconds, where `/usr/bin/time` rounds to
10 ms), with the ratios to the first variant (`sim_once`, the simulation alone).

    cargo build --release --bin kafka-playground --example sim_once
    python3 benches/cli_run_rounds.py [ROUNDS] [--before DIR]

`--before DIR` adds the rows of another build's `kafka-playground` and `sim_once` copied
into DIR (e.g. main's, to compare). Outputs go to files under $TMPDIR (the report to a
file, as a user's `> report.json` would).
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
args = sys.argv[1:]
before = None
if "--before" in args:
    i = args.index("--before")
    before = args[i + 1]
    del args[i : i + 2]
rounds = int(args[0]) if args else 9
tmp = tempfile.mkdtemp(prefix="cli_run_rounds.")
report, journal = os.path.join(tmp, "report.json"), os.path.join(tmp, "journal.json")
R = "target/release"
B = "benches/standard-scenario.json"
run = lambda kp, *more: [kp, "run", B, "--seed", "1", *more]
variants = [
    ("sim_once (the simulation)", [f"{R}/examples/sim_once"], os.devnull),
    ("sim_once --final-state", [f"{R}/examples/sim_once", "1", "--final-state"], os.devnull),
    ("run", run(f"{R}/kafka-playground"), report),
    ("run --summary", run(f"{R}/kafka-playground", "--summary"), report),
    ("run --journal", run(f"{R}/kafka-playground", "--journal", journal), report),
    ("run --summary --journal", run(f"{R}/kafka-playground", "--summary", "--journal", journal), report),
    ("run > /dev/null", run(f"{R}/kafka-playground"), os.devnull),
]
if before:
    variants += [
        ("before: sim_once --final-state", [f"{before}/sim_once", "1", "--final-state"], os.devnull),
        ("before: run", run(f"{before}/kafka-playground"), report),
        ("before: run --summary", run(f"{before}/kafka-playground", "--summary"), report),
    ]
seen = {name: [] for name, _, _ in variants}
for _ in range(rounds):
    for name, cmd, out in variants:
        for f in (report, journal):
            if os.path.exists(f):
                os.remove(f)
        start = time.perf_counter()
        with open(out, "wb") as o:
            child = subprocess.Popen(cmd, stdout=o, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(child.pid, 0)
        if status != 0:
            sys.exit(f"{name}: exit status {status}")
        seen[name].append((time.perf_counter() - start, ru.ru_utime, ru.ru_stime, ru.ru_maxrss / 1024))
base = None
print("| variant | wall | CPU (user + sys) | max RSS | / simulation (CPU, RSS) |")
print("|---|---:|---:|---:|---:|")
for name, _, _ in variants:
    v = seen[name]
    med = lambda f: statistics.median(f(x) for x in v)
    wall, user, sys_, cpu, rss = med(lambda x: x[0]), med(lambda x: x[1]), med(lambda x: x[2]), med(lambda x: x[1] + x[2]), med(lambda x: x[3])
    base = base or (cpu, rss)
    print(f"| {name} | {wall:.3f} s | {cpu:.3f} s ({user:.3f} + {sys_:.3f}) | {rss:.1f} MB | {cpu / base[0]:.2f}×, {rss / base[1]:.2f}× |")
# The outputs (a 64 MB report, a 77 MB journal) are not kept.
shutil.rmtree(tmp)
