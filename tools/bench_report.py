#!/usr/bin/env python3
"""Summarize simdnorm_bench JSON output: markdown tables and a PNG chart.

Benchmark names are <case>/<impl>/threads:<n>, with impl an ISA target
(AVX3, AVX2, ...), "oneDNN", "PyTorch" or "scalar". x_memcpy is a case's
time over a memcpy of the same bytes measured next to it in the same run
(1.00x is the memory floor); "best" is the fastest ISA target of a case.

The report starts with the worst cases per op (and layout), per thread
count, over every case of the run (suite, shape classes, alignment sweep):
  - the worst best-ISA x_memcpy among problems whose x is 1 MiB or more,
    and among smaller problems;
  - the worst ratio of the best-ISA time to the fastest peer's (oneDNN or
    PyTorch, each at the faster of 1 and n threads); above 1.00x a peer is
    faster;
  - for the alignment sweep, the worst ratio of a case with offset
    buffers (x+A,y+B) to the same shape with aligned ones.
Then the goals, with a MISS line for every case that misses one, then one
table per thread count with every implementation of every case (the
alignment sweep in a table of its own).

Given two files (e.g. default and tuned tuning tables), table cells show
both ratios, first -> second; the summary, the goals and the chart cover
each run. Peers do not depend on the tuning table: a run without a peer
(e.g. filtered out with --benchmark_filter='-/(oneDNN|PyTorch|scalar)/')
is compared with that peer's measurements in the other run.

Usage:
  bench_report.py RUN.json [SECOND.json] [--labels default,tuned]
                  [--markdown OUT.md] [--png OUT.png] [--print-summary]
"""

import argparse
import json
import math
import os
import re
import statistics
import sys

PEERS = ("oneDNN", "PyTorch", "scalar")
FAST_PEERS = ("oneDNN", "PyTorch")  # the ones to beat (scalar is a baseline)
ROW_OPS = ("LayerNorm", "RMSNorm")
LAYOUTS = ("NCHW", "NHWC", "NC")
MIB = 1 << 20
SWEEP_SUFFIX = re.compile(r"/x\+\d+,y\+\d+$")

# The goals: key -> what is checked.
GOALS = {
    "mem1": "threads:1, x ≥ 1 MiB: ≤ 1.25x memcpy",
    "mem1_16bit": "threads:1, bf16/fp16 x ≥ 1 MiB: ≤ 1.2x memcpy of its own bytes",
    "row4096": "threads:1, one row of 4096 (LayerNorm, RMSNorm): ≤ 2.5x",
    "small": "threads:1, LayerNorm and BatchNorm inference [32, 64]: ≤ 3x",
    "bnt_small": "threads:1, BatchNorm batch statistics [32, 64]: ≤ 5x",
    "cols7": "threads:1, rows of 7 columns: ≤ 8x",
    "peer": "no peer (oneDNN, PyTorch) faster, any thread count",
    "threads": "threads:n no slower than threads:1 (absolute time, 5% "
               "noise margin)",
    "memn": "threads:n, x ≥ 1 MiB: ≤ 1.3x the n-thread memcpy",
}


def load_run(path):
    """{(case, threads): {impl: entry}} with entry = dict(ratio, gbps, time)
    or dict(error), and the context of the run."""
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


# ------------------------------------------------------------ case names
# <Op>/<dtype>[/<layout>]/<shape>[/G<groups>][/x+A,y+B]; dtype "f32-s8"
# etc. for a quantized output (x's type, then y's).
DTYPE_BYTES = {"f32": 4, "bf16": 2, "f16": 2}


def case_dims(case):
    for part in case.split("/"):
        if re.fullmatch(r"\d+(x\d+)+", part):
            return [int(d) for d in part.split("x")]
    return []


def is_dtype_label(part):
    return part.split("-")[0] in DTYPE_BYTES


def dtype_of(case):
    parts = case.split("/")
    return parts[1] if len(parts) > 1 and is_dtype_label(parts[1]) else "f32"


def is_quantized(case):
    return "-" in dtype_of(case)


def tensor_bytes(case):
    """Bytes of x, from the shape and storage type in the case name."""
    dims = case_dims(case)
    x_type = dtype_of(case).split("-")[0]
    return DTYPE_BYTES[x_type] * math.prod(dims) if dims else 0


def op_of(case):
    return case.split("/")[0]


def layout_of(case):
    parts = case.split("/")
    return parts[2] if len(parts) > 2 and parts[2] in LAYOUTS else ""


def op_group(case):
    """"LayerNorm", "LayerNorm bf16", "GroupNorm NHWC", ..."""
    group = op_of(case)
    if dtype_of(case) != "f32":
        group += " " + dtype_of(case)
    layout = layout_of(case)
    return f"{group} {layout}" if layout else group


def short_case(case):
    """The case name without op, dtype and layout (given by its group)."""
    parts = case.split("/")[1:]
    return "/".join(p for p in parts
                    if not is_dtype_label(p) and p not in LAYOUTS)


def is_sweep(case):
    return SWEEP_SUFFIX.search(case) is not None


def aligned_case(case):
    return SWEEP_SUFFIX.sub("", case)


def ok_entry(e):
    return e is not None and "ratio" in e and e["ratio"] > 0


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
    ok = [(row[i]["ratio"], i) for i in isas if ok_entry(row.get(i))]
    return min(ok) if ok else None


def fastest_peer(cells, case, threads, ours):
    """(our time / the fastest peer's time, peer, its threads) or None.
    Each peer runs at the faster of 1 and `threads` threads (an OpenMP team
    stalls when the cores are shared with other processes). Absolute times
    compare: both were measured seconds apart in one process. Not through
    x_memcpy: the peers' OpenMP teams keep spinning after each call and slow
    the memcpy measured next to them (2-thread reference copies of 185 to
    735 us for the same 10 MB on one machine), which made the peers look
    up to 3x faster than their times say."""
    best = None
    for t in sorted({1, threads}, reverse=True):
        for peer in FAST_PEERS:
            e = cells.get((case, t), {}).get(peer)
            if not ok_entry(e):
                continue
            vs = ours["time"] / e["time"]
            if best is None or vs > best[0]:
                best = (vs, peer, t)
    return best


def slower_than_one_thread(multi, single):
    """Whether the all-threads run is slower than the single-thread one.
    Its memcpy reference is never slower than the single-thread one, so a
    lower x_memcpy settles it; otherwise compare times (5% noise margin)."""
    if not ok_entry(single):
        return False
    if multi["ratio"] <= single["ratio"] * 1.05:
        return False
    return multi["time"] > single["time"] * 1.05


def memcpy_goal(case, threads):
    """(goal key, limit on the best-ISA x_memcpy) of a case, or None."""
    op, dims = op_of(case), case_dims(case)
    if is_quantized(case):  # reported, no goal of their own
        return None
    if threads > 1:
        return ("memn", 1.3) if tensor_bytes(case) >= MIB else None
    if tensor_bytes(case) >= MIB:
        if dtype_of(case) != "f32":
            return ("mem1_16bit", 1.2)
        return ("mem1", 1.25)
    if dtype_of(case) != "f32":  # the latency goals are fp32's
        return None
    if op in ROW_OPS and dims == [1, 4096]:
        return ("row4096", 2.5)
    if dims == [32, 64] and (op == "LayerNorm" or
                             op == "BatchNormInference"):
        return ("small", 3.0)
    if dims == [32, 64] and op == "BatchNormTraining":
        return ("bnt_small", 5.0)
    if op in ROW_OPS and len(dims) == 2 and dims[1] == 7:
        return ("cols7", 8.0)
    return None


def peer_label(peer, peer_threads, threads):
    return peer if peer_threads == threads else f"{peer}@{peer_threads}t"


def evaluate(cells, case, threads, isas):
    """What the report says about one case at one thread count: best ISA,
    fastest peer, ratio to the aligned case and the goal checks, each
    check (goal key, ok, text)."""
    row = cells.get((case, threads), {})
    ev = {"case": case, "threads": threads, "best": best_isa(row, isas),
          "peer": None, "vs_aligned": None, "checks": []}
    if ev["best"] is None:
        return ev
    ratio, isa = ev["best"]
    ours = row[isa]
    goal = memcpy_goal(case, threads)
    if goal:
        key, limit = goal
        ev["checks"].append(
            (key, ratio <= limit, f"{ratio:.2f}x memcpy > {limit:g}x ({isa})"))
    ev["peer"] = fastest_peer(cells, case, threads, ours)
    if ev["peer"]:
        vs, peer, peer_threads = ev["peer"]
        ev["checks"].append(
            ("peer", vs <= 1.0,
             f"{peer_label(peer, peer_threads, threads)} is {vs:.2f}x faster"))
    if threads > 1:
        one = best_isa(cells.get((case, 1), {}), isas)
        if one:
            single = cells[(case, 1)][one[1]]
            slower = slower_than_one_thread(ours, single)
            ev["checks"].append(
                ("threads", not slower,
                 f"{ours['time'] * 1e6:.1f} us with {threads} threads > "
                 f"{single['time'] * 1e6:.1f} us with 1"))
    if is_sweep(case):
        aligned = cells.get((aligned_case(case), threads), {}).get(isa)
        if ok_entry(aligned):
            ev["vs_aligned"] = ratio / aligned["ratio"]
    return ev


def borrow_peers(cell_runs):
    """Each run's cells for evaluation: a peer the run has not measured at
    all is taken from the other run."""
    out = []
    for ri, cells in enumerate(cell_runs):
        have = {impl for row in cells.values() for impl in row}
        merged = {key: dict(row) for key, row in cells.items()}
        for oi, other in enumerate(cell_runs):
            if oi == ri:
                continue
            for key, row in other.items():
                for peer in FAST_PEERS:
                    if peer not in have and peer in row:
                        merged.setdefault(key, {})[peer] = row[peer]
        out.append(merged)
    return out


def evaluate_run(cells, isas):
    return [evaluate(cells, case, threads, isas)
            for case, threads in cells]


def misses(ev):
    return [(key, text) for key, ok, text in ev["checks"] if not ok]


# ------------------------------------------------------------ summary


def worst_cases(evals):
    """{(group, threads): dict(big, small, peer, align)}, each the worst
    (value, text) or None."""
    out = {}
    for ev in evals:
        if ev["best"] is None:
            continue
        slot = out.setdefault((op_group(ev["case"]), ev["threads"]),
                              dict(big=None, small=None, peer=None,
                                   align=None))
        name = short_case(ev["case"])
        ratio, isa = ev["best"]
        size_key = "big" if tensor_bytes(ev["case"]) >= MIB else "small"
        candidates = [(size_key, ratio, f"{name} ({isa})")]
        if ev["peer"]:
            vs, peer, peer_threads = ev["peer"]
            candidates.append(
                ("peer", vs,
                 f"{name} vs {peer_label(peer, peer_threads, ev['threads'])}"))
        if ev["vs_aligned"] is not None:
            candidates.append(("align", ev["vs_aligned"], name))
        for key, value, text in candidates:
            if slot[key] is None or value > slot[key][0]:
                slot[key] = (value, text)
    return out


def group_order(groups):
    ops = ["LayerNorm", "RMSNorm", "GroupNorm", "InstanceNorm",
           "BatchNormInference", "BatchNormTraining"]

    def key(g):
        op, _, layout = g.partition(" ")
        return (ops.index(op) if op in ops else len(ops), op,
                LAYOUTS.index(layout) if layout in LAYOUTS else -1)
    return sorted(groups, key=key)


def summary_table(worst):
    head = ["op", "threads", "x ≥ 1 MiB: worst x_memcpy",
            "x < 1 MiB: worst x_memcpy", "worst time / fastest peer",
            "worst offset / aligned"]
    lines = ["| " + " | ".join(head) + " |",
             "|---|---:|" + "|".join(["---"] * 4) + "|"]
    groups = group_order({g for g, _t in worst})
    thread_counts = sorted({t for _g, t in worst})
    for threads in thread_counts:
        for group in groups:
            slot = worst.get((group, threads))
            if slot is None:
                continue
            cols = [group, str(threads)]
            for key in ("big", "small", "peer", "align"):
                cols.append(f"**{slot[key][0]:.2f}x** {slot[key][1]}"
                            if slot[key] else "–")
            lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines)


def goals_text(evals):
    lines = []
    failing = []
    for key, description in GOALS.items():
        checked = [(ev, ok, text) for ev in evals
                   for k, ok, text in ev["checks"] if k == key]
        if not checked:
            lines.append(f"- {description}: no such case in this run")
            continue
        missed = [(ev, text) for ev, ok, text in checked if not ok]
        if missed:
            lines.append(f"- {description}: **MISS** ({len(missed)} of "
                         f"{len(checked)} cases)")
        else:
            lines.append(f"- {description}: ok ({len(checked)} cases)")
        failing += [(ev, key, text) for ev, text in missed]
    if failing:
        lines.append("")
        lines.append("```")
        for ev, key, text in sorted(
                failing, key=lambda f: (f[0]["threads"], f[0]["case"])):
            lines.append(f"MISS threads:{ev['threads']} {ev['case']}: {text}")
        lines.append("```")
    return "\n".join(lines)


# ------------------------------------------------------------ tables


def fmt_cell(entries):
    """entries: one entry per run (None if absent)."""
    if all(e is None for e in entries):
        return ""
    if all(e is None or "error" in e for e in entries):
        msg = next(e["error"] for e in entries if e is not None)
        return "skipped" if len(msg) > 40 else f"skipped ({msg})"
    ratios = " → ".join(
        f"{e['ratio']:.2f}x" if ok_entry(e) else "–" for e in entries)
    last = next(e for e in reversed(entries) if ok_entry(e))
    return f"{ratios} · {last['gbps']:.1f} GB/s"


def table(cell_runs, evals_by_run, threads, cases, all_isas, peers, sweep):
    """Markdown table of `cases` at one thread count over all runs, with
    the columns of the ISA targets (of `all_isas`) and peers they have."""
    present = {impl for cells in cell_runs for case in cases
               for impl in cells.get((case, threads), {})}
    isas = [i for i in all_isas if i in present]
    peers = [p for p in peers if p in present]
    head = (["case"] + isas + peers + ["best"] +
            (["vs aligned"] if sweep else []) +
            ["time / fastest peer", "goals"])
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for case in cases:
        rows = [cells.get((case, threads), {}) for cells in cell_runs]
        evs = [evals.get((case, threads)) for evals in evals_by_run]
        cols = [case]
        for impl in isas + peers:
            cols.append(fmt_cell([r.get(impl) for r in rows]))
        bests, aligned, vs, status = [], [], [], []
        for ev in evs:
            if ev is None or ev["best"] is None:
                bests.append("–")
                aligned.append("–")
                vs.append("–")
                status.append("–")
                continue
            bests.append(f"{ev['best'][0]:.2f}x {ev['best'][1]}")
            aligned.append(f"{ev['vs_aligned']:.2f}x"
                           if ev["vs_aligned"] is not None else "–")
            if ev["peer"]:
                value, peer, peer_threads = ev["peer"]
                vs.append(f"{value:.2f}x "
                          f"{peer_label(peer, peer_threads, threads)}")
            else:
                vs.append("–")
            missed = misses(ev)
            status.append("ok" if not missed else
                          "MISS: " + "; ".join(text for _k, text in missed))
        cols.append(" → ".join(bests))
        if sweep:
            cols.append(" → ".join(aligned))
        cols.append(" → ".join(vs))
        cols.append(" → ".join(status))
        lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------ chart


def chart(worsts, labels, path):
    """Per run and thread count, a bar group per op: its worst x_memcpy
    (x ≥ 1 MiB and smaller) and its worst time / fastest peer."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    thread_counts = sorted({t for w in worsts for _g, t in w})
    groups = group_order({g for w in worsts for g, _t in w})
    series = [("big", "worst x_memcpy, x ≥ 1 MiB"),
              ("small", "worst x_memcpy, x < 1 MiB"),
              ("peer", "worst time / fastest peer")]
    fig, axes = plt.subplots(
        len(thread_counts), len(worsts), squeeze=False, sharey=True,
        figsize=(max(9, 0.75 * len(groups) * len(worsts) + 3),
                 4.2 * len(thread_counts)))
    width = 0.8 / len(series)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ri, worst in enumerate(worsts):
        for ti, threads in enumerate(thread_counts):
            ax = axes[ti][ri]
            for si, (key, label) in enumerate(series):
                xs, ys = [], []
                for gi, group in enumerate(groups):
                    slot = worst.get((group, threads))
                    if slot and slot[key]:
                        xs.append(gi + (si - (len(series) - 1) / 2) * width)
                        ys.append(slot[key][0])
                ax.bar(xs, ys, width, label=label, color=colors[si])
            ax.axhline(1.0, color="black", linewidth=0.8)
            ax.set_yscale("log")
            # A stalled run (1000x and more) would flatten everything else.
            ax.set_ylim(0.1, 300)
            ax.set_xticks(range(len(groups)))
            ax.set_xticklabels(groups, rotation=45, ha="right", fontsize=8)
            ax.set_title(f"{labels[ri]}: threads:{threads}")
            ax.grid(axis="y", which="both", alpha=0.3)
            if ri == 0:
                ax.set_ylabel("worst case (lower is better)")
    axes[0][-1].legend(fontsize=7)
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
    parser.add_argument("--print-summary", action="store_true",
                        help="with --markdown: also print the worst cases "
                        "and goals to stdout")
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
    cell_runs = [cells for cells, _ in runs]
    merged = {}
    for cells in cell_runs:
        for key, row in cells.items():
            merged.setdefault(key, {}).update(row)
    isas, peers = order_impls(merged, runs[0][1])
    thread_counts = sorted({t for cells in cell_runs for _c, t in cells})
    evals = [evaluate_run(cells, isas) for cells in borrow_peers(cell_runs)]
    evals_by_key = [{(ev["case"], ev["threads"]): ev for ev in run_evals}
                    for run_evals in evals]
    worsts = [worst_cases(run_evals) for run_evals in evals]

    out = []
    ctx = runs[0][1]
    out.append("# simdnorm benchmark summary\n")
    out.append(
        f"Host: {ctx.get('host_name', '?')}, {ctx.get('num_cpus', '?')} "
        f"CPUs, targets {ctx.get('simdnorm_targets', '?')}, oneDNN "
        f"{ctx.get('onednn', '?')}, PyTorch {ctx.get('pytorch', '?')}. "
        "x_memcpy: time / memcpy of the same bytes (1.00x = memory floor); "
        "best: the fastest ISA target; peers: oneDNN and PyTorch, each at "
        "the faster of 1 and n threads (@1t when that was 1 thread).")
    if len(runs) == 2:
        out.append(f"Two runs: {labels[0]} → {labels[1]}.")
    for ri, cells in enumerate(cell_runs):
        have = {impl for row in cells.values() for impl in row}
        borrowed = [p for p in FAST_PEERS if p not in have and p in peers]
        if borrowed and len(runs) == 2:
            out.append(f"The {labels[ri]} run compares with "
                       f"{' and '.join(borrowed)} as measured in the "
                       f"{labels[1 - ri]} run.")
    for label, worst, run_evals in zip(labels, worsts, evals):
        suffix = f" ({label})" if len(runs) == 2 else ""
        out.append(f"\n## Worst cases per op{suffix}\n")
        out.append(
            "Over every case of the run (suite, shape classes, alignment "
            "sweep): the worst best-ISA x_memcpy among problems whose x is "
            "at least 1 MiB and among smaller ones, the worst best-ISA time "
            "over the fastest peer's (above 1.00x a peer is faster), and "
            "the worst time with offset buffers over the same shape "
            "aligned.\n")
        out.append(summary_table(worst))
        out.append(f"\n## Goals{suffix}\n")
        out.append(goals_text(run_evals))
    summary_end = len(out)
    cases = []
    for cells in cell_runs:
        for case, _t in cells:
            if case not in cases:
                cases.append(case)
    for threads in thread_counts:
        for sweep in (False, True):
            subset = [c for c in cases if is_sweep(c) == sweep and any(
                (c, threads) in cells for cells in cell_runs)]
            if sweep:
                # Each offset case next to its aligned one.
                subset = sorted(subset, key=lambda c: cases.index(
                    aligned_case(c)) if aligned_case(c) in cases else 0)
            if not subset:
                continue
            title = "alignment sweep, " if sweep else ""
            out.append(f"\n## {title}threads:{threads}\n")
            out.append(table(cell_runs, evals_by_key, threads, subset, isas,
                             peers, sweep))
    text = "\n".join(out) + "\n"
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
        if args.print_summary:
            sys.stdout.write("\n".join(out[:summary_end]) + "\n")
    else:
        sys.stdout.write(text)
    if args.png:
        chart(worsts, labels, args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
