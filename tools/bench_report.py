#!/usr/bin/env python3
"""Summarize simdnorm_bench JSON output: a markdown table and a PNG chart.

Benchmark names are <case>/<impl>/threads:<n>, with impl an ISA target
(AVX3, AVX2, ...), "oneDNN" or "scalar". Per thread count, the table has one
row per case and one column per implementation; a cell is the case's time
over a memcpy of the same bytes measured in the same run (x_memcpy: 1.00x is
the memory floor) and its bandwidth (x read once + y written once). "best"
is the fastest ISA target, "vs oneDNN" how many times faster it is than
oneDNN (its faster run of 1 and all threads), "goal" the speed the case
should reach and whether it does (ratio limit; all threads also no slower
than 1 thread; at least 1.5x faster than oneDNN where it has the op).

Given two files (e.g. default and tuned tuning tables), cells show both
ratios, first -> second, and the chart puts the runs side by side.

Usage:
  bench_report.py RUN.json [SECOND.json] [--labels default,tuned]
                  [--markdown OUT.md] [--png OUT.png]
"""

import argparse
import json
import math
import os
import re
import statistics
import sys

PEERS = ("oneDNN", "scalar")
L2_BYTES = 1 << 20  # per core on the reference machine
MIB = 1 << 20


def load_run(path):
    """{(case, threads): {impl: entry}} with entry = dict(ratio, gbps, error)
    and the context of the run."""
    with open(path) as f:
        data = json.load(f)
    benchmarks = data.get("benchmarks", [])
    has_median = any(b.get("aggregate_name") == "median" for b in benchmarks)
    samples = {}
    for b in benchmarks:
        if has_median:
            if b.get("aggregate_name") != "median":
                continue
            name = b.get("run_name", b["name"])
        else:
            if b.get("run_type", "iteration") != "iteration":
                continue
            name = b.get("run_name", b["name"])
        name = re.sub(r"/(real_time|manual_time)$", "", name)
        parts = name.split("/")
        if len(parts) < 3 or not parts[-1].startswith("threads:"):
            continue
        threads = int(parts[-1].split(":")[1])
        impl = parts[-2]
        case = "/".join(parts[:-2])
        samples.setdefault((case, threads, impl), []).append(b)
    cells = {}
    for (case, threads, impl), runs in samples.items():
        errors = [r for r in runs if r.get("error_occurred")]
        good = [r for r in runs if not r.get("error_occurred")]
        if not good:
            entry = {"error": errors[0].get("error_message", "failed")}
        else:
            entry = {
                "ratio": statistics.median(r["x_memcpy"] for r in good),
                "gbps": statistics.median(r["bytes_per_second"] for r in good)
                / 1e9,
                "time": statistics.median(
                    r["real_time"] * unit_seconds(r) for r in good),
            }
        cells.setdefault((case, threads), {})[impl] = entry
    return cells, data.get("context", {})


def unit_seconds(run):
    return {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[
        run.get("time_unit", "ns")]


def tensor_bytes(case):
    """fp32 bytes of the tensor from the shape in the case name."""
    for part in case.split("/"):
        if re.fullmatch(r"\d+(x\d+)+", part):
            return 4 * math.prod(int(d) for d in part.split("x"))
    return 0


def goal(case):
    """Limit on x_memcpy the case must reach (on the best ISA)."""
    size = tensor_bytes(case)
    if case.startswith("BatchNormTraining") and size > L2_BYTES:
        return 1.6  # must read x twice from memory
    if size >= MIB:
        return 1.15
    return 3.0


def order_impls(cells, context):
    targets = [t for t in context.get("simdnorm_targets", "").split(",") if t]
    seen = []
    for row in cells.values():
        for impl in row:
            if impl not in seen:
                seen.append(impl)
    isas = [t for t in targets if t in seen]
    isas += [i for i in seen if i not in isas and i not in PEERS]
    peers = [p for p in PEERS if p in seen]
    return isas, peers


def best_isa(row, isas):
    ok = [(row[i]["ratio"], i) for i in isas if i in row and "ratio" in row[i]]
    return min(ok) if ok else None


def best_dnnl(cells, case, threads):
    """oneDNN's faster run of 1 and `threads` threads: the peer at its best
    (OpenMP teams stall when cores are shared with other processes)."""
    found = [cells.get((case, t), {}).get("oneDNN") for t in {1, threads}]
    found = [e for e in found if e and "ratio" in e]
    return min(found, key=lambda e: e["ratio"]) if found else None


def slower_than_one_thread(multi, single):
    """Whether the all-threads run is slower than the single-thread one.
    Its memcpy reference is never slower than the single-thread one, so a
    lower x_memcpy settles it; otherwise compare times (5% noise margin)."""
    if not single or "ratio" not in single:
        return False
    if multi["ratio"] <= single["ratio"] * 1.05:
        return False
    return multi["time"] > single["time"] * 1.05


def fmt_cell(entries):
    """entries: one entry per run (None if absent)."""
    if all(e is None for e in entries):
        return ""
    if all(e is None or "error" in e for e in entries):
        msg = next(e["error"] for e in entries if e is not None)
        return "skipped" if len(msg) > 40 else f"skipped ({msg})"
    ratios = " → ".join(
        f"{e['ratio']:.2f}x" if e and "ratio" in e else "–" for e in entries)
    last = next(e for e in reversed(entries) if e and "ratio" in e)
    return f"{ratios} · {last['gbps']:.1f} GB/s"


def table(runs, labels, threads, isas, peers):
    """Markdown table for one thread count over all runs."""
    cases = []
    for cells, _ in runs:
        for case, t in cells:
            if t == threads and case not in cases:
                cases.append(case)
    head = ["case"] + isas + peers + ["best", "vs oneDNN", "goal"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for case in cases:
        rows = [cells.get((case, threads), {}) for cells, _ in runs]
        cols = [case]
        for impl in isas + peers:
            cols.append(fmt_cell([r.get(impl) for r in rows]))
        bests, vs, status = [], [], []
        limit = goal(case)
        for run_index, row in enumerate(rows):
            b = best_isa(row, isas)
            if b is None:
                bests.append("–")
                vs.append("–")
                status.append("–")
                continue
            ratio, isa = b
            bests.append(f"{ratio:.2f}x {isa}")
            dnnl = best_dnnl(runs[run_index][0], case, threads)
            # Ratio of the two x_memcpy: each against a memcpy measured next
            # to it, so load from other processes cancels out.
            speedup = dnnl["ratio"] / ratio if dnnl else None
            vs.append(f"{speedup:.2f}x" if speedup else "–")
            ok = ratio <= limit
            if threads > 1 and slower_than_one_thread(
                    row[isa], runs[run_index][0].get((case, 1), {}).get(isa)):
                ok = False
            if speedup is not None and speedup < 1.5:
                ok = False
            status.append("ok" if ok else "MISS")
        cols.append(" → ".join(bests))
        cols.append(" → ".join(vs))
        cols.append(f"≤{limit:g}x: " + " → ".join(status))
        lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines)


def chart(runs, labels, thread_counts, isas, peers, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    impls = isas + peers
    cases = []
    for cells, _ in runs:
        for case, _t in cells:
            if case not in cases:
                cases.append(case)
    fig, axes = plt.subplots(
        len(thread_counts), len(runs), squeeze=False, sharey=True,
        figsize=(max(10, 0.55 * len(cases) * len(runs) + 4),
                 4.5 * len(thread_counts)))
    width = 0.8 / max(1, len(impls))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ri, (cells, _) in enumerate(runs):
        for ti, threads in enumerate(thread_counts):
            ax = axes[ti][ri]
            for ii, impl in enumerate(impls):
                xs, ys = [], []
                for ci, case in enumerate(cases):
                    e = cells.get((case, threads), {}).get(impl)
                    if e and "ratio" in e:
                        xs.append(ci + (ii - (len(impls) - 1) / 2) * width)
                        ys.append(e["ratio"])
                ax.bar(xs, ys, width, label=impl,
                       color=colors[ii % len(colors)])
            ax.axhline(1.0, color="black", linewidth=0.8)
            ax.set_yscale("log")
            # A stalled peer (1000x and more) would flatten everything else.
            ax.set_ylim(0.3, 300)
            ax.set_xticks(range(len(cases)))
            ax.set_xticklabels(cases, rotation=60, ha="right", fontsize=7)
            ax.set_title(f"{labels[ri]}: threads:{threads}")
            ax.grid(axis="y", which="both", alpha=0.3)
            if ri == 0:
                ax.set_ylabel("time / memcpy of the same bytes")
    axes[0][-1].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", metavar="RUN.json",
                        help="one or two simdnorm_bench --benchmark_out files")
    parser.add_argument("--labels", default=None,
                        help="comma-separated run names (default, tuned)")
    parser.add_argument("--markdown", "-o", default=None,
                        help="write the table here (default: stdout)")
    parser.add_argument("--png", default=None, help="write the chart here")
    args = parser.parse_args(argv)
    if len(args.runs) > 2:
        parser.error("at most two runs")
    labels = (args.labels.split(",") if args.labels else
              ["default", "tuned"][:len(args.runs)])
    if len(args.runs) == 1 and not args.labels:
        labels = ["run"]
    if len(labels) != len(args.runs):
        parser.error("one label per run")

    if args.png:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            # python3 may be another interpreter than Debian's, which has
            # python3-matplotlib: rerun the script with that one.
            debian = "/usr/bin/python3"
            if os.path.exists(debian) and os.path.realpath(
                    sys.executable) != os.path.realpath(debian):
                os.execv(debian, [debian, os.path.abspath(__file__)] + argv)
            raise

    runs = [load_run(p) for p in args.runs]
    merged = {}
    for cells, _ in runs:
        merged.update(cells)
    isas, peers = order_impls(merged, runs[0][1])
    thread_counts = sorted({t for cells, _ in runs for _c, t in cells})

    out = []
    ctx = runs[0][1]
    out.append("# simdnorm benchmark summary\n")
    out.append(
        f"Host: {ctx.get('host_name', '?')}, {ctx.get('num_cpus', '?')} "
        f"CPUs, targets {ctx.get('simdnorm_targets', '?')}, oneDNN "
        f"{ctx.get('onednn', '?')}. Cells: time / memcpy of the same bytes "
        "(x_memcpy, 1.00x = memory floor) · GB/s of x read + y written.")
    if len(runs) == 2:
        out.append(f"Two runs: {labels[0]} → {labels[1]}.")
    for threads in thread_counts:
        out.append(f"\n## threads:{threads}\n")
        out.append(table(runs, labels, threads, isas, peers))
    text = "\n".join(out) + "\n"
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    if args.png:
        chart(runs, labels, thread_counts, isas, peers, args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
