#!/usr/bin/env python3
"""Model table: simdnorm.torch.patch on real models, PyTorch vs simdnorm.

For each model (tests/torch/model_zoo.py: random weights, batch 1, eval
mode, torch.inference_mode) and each thread count (torch.set_num_threads):

- latency of one forward, unpatched -> patched: median of --runs runs, the
  two variants interleaved run by run (so both see the same machine load);
- time in norm ops, unpatched -> patched, from one torch.profiler run of
  each: the CPU time (inclusive) of the outermost norm ops, aten's
  layer_norm / group_norm / batch_norm / instance_norm and simdnorm::*; for
  a user RMSNorm class (not an op in PyTorch 1.13) its module's forward,
  and the SiLU modules that patching fuses into GroupNorm count as norm
  time of the unpatched model;
- the max relative difference of the outputs (max abs difference over the
  unpatched output's max abs), over every run.

A second table runs some models in bfloat16 (the tests' smaller inputs):
the error of PyTorch's and of the patched model's output relative to the
float32 model's, and the latency of one forward with 1 thread.

Usage (from the repository, after building with PyTorch installed):

    PYTHONPATH=build/python python3 bench/torch_models.py [--runs 3]
        [--threads 1,2] [--models resnet50,...] [--small]
        [--bf16-models sd_vae_decoder_stage,...] [--markdown FILE]
"""

import argparse
import copy
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "torch"))

import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile, record_function  # noqa: E402

import model_zoo  # noqa: E402
import simdnorm.torch as st  # noqa: E402

NORM_OPS = {
    "aten::layer_norm", "aten::group_norm", "aten::batch_norm",
    "aten::instance_norm", "aten::native_layer_norm",
    "aten::native_group_norm", "aten::native_batch_norm",
}
RMS_LABEL = "rms_norm_module"
FUSED_LABEL = "activation_fused_when_patched"


def is_norm(name):
    return name in NORM_OPS or name.startswith("simdnorm::") or \
        name in (RMS_LABEL, FUSED_LABEL)


def norm_time_ms(prof):
    """CPU time of the outermost norm ops (nested ones are inside it)."""
    total = 0.0
    for e in prof.events():
        if not is_norm(e.name):
            continue
        parent, nested = e.cpu_parent, False
        while parent is not None:
            if is_norm(parent.name):
                nested = True
                break
            parent = parent.cpu_parent
        if not nested:
            total += e.cpu_time_total
    return total / 1000.0


def label(module, text):
    """Wraps module's forward in a profiler range."""
    forward = module.forward

    def labelled(x):
        with record_function(text):
            return forward(x)
    module.forward = labelled


def label_unpatched(model, report, rms_norm_classes):
    """In the unpatched model, the user RMSNorm modules and the activations
    that patch() fuses into the norm before them count as norm time."""
    for m in model.modules():
        if isinstance(m, tuple(rms_norm_classes)):
            label(m, RMS_LABEL)
    modules = dict(model.named_modules())
    for _, activation in report.fused:
        label(modules[activation], FUSED_LABEL)


def forward(model, x):
    with torch.inference_mode():
        t0 = time.perf_counter()
        out = model(x)
        return out, (time.perf_counter() - t0) * 1000.0


def relative_diff(out, ref):
    scale = ref.double().abs().max().item()
    diff = (out.double() - ref.double()).abs().max().item()
    return diff / (scale if scale > 0 else 1.0)


def measure(name, threads_list, runs, small):
    model, x, kwargs = model_zoo.build(name, small=small)
    patched = copy.deepcopy(model)
    report = st.patch(patched, **kwargs)
    label_unpatched(model, report, kwargs.get("rms_norm_classes", ()))
    row = {"model": name, "shape": "x".join(map(str, x.shape)),
           "replaced": len(report.replaced), "fused": len(report.fused),
           "skipped": len(report.skipped), "rel": 0.0}
    for threads in threads_list:
        torch.set_num_threads(threads)
        norm = {}
        for variant, m in (("torch", model), ("simdnorm", patched)):
            # Also the warm-up: the first run of each variant is profiled.
            forward(m, x)
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                out, _ = forward(m, x)
            norm[variant] = norm_time_ms(prof)
            if variant == "torch":
                ref = out
            else:
                row["rel"] = max(row["rel"], relative_diff(out, ref))
        times = {"torch": [], "simdnorm": []}
        for _ in range(runs):
            ref, t = forward(model, x)
            times["torch"].append(t)
            out, t = forward(patched, x)
            times["simdnorm"].append(t)
            row["rel"] = max(row["rel"], relative_diff(out, ref))
        row[threads] = dict(
            lat_torch=statistics.median(times["torch"]),
            lat_simd=statistics.median(times["simdnorm"]),
            norm_torch=norm["torch"], norm_simd=norm["simdnorm"])
        print("  %s, %d thread(s): %.1f -> %.1f ms, norms %.2f -> %.2f ms" % (
            name, threads, row[threads]["lat_torch"],
            row[threads]["lat_simd"], norm["torch"], norm["simdnorm"]),
            file=sys.stderr, flush=True)
    return row


def measure_bf16(name, small):
    """The model in bfloat16, unpatched and patched: each output's error
    relative to the float32 model's (max abs difference over its max abs),
    and the latency of one forward with 1 thread after a warm-up."""
    model, x, kwargs = model_zoo.build(name, small=small)
    torch.set_num_threads(1)
    ref, _ = forward(model, x)
    unpatched = copy.deepcopy(model).to(torch.bfloat16)
    patched = copy.deepcopy(unpatched)
    report = st.patch(patched, **kwargs)
    xb = x.to(torch.bfloat16)  # keeps the memory format
    row = {"model": name, "shape": "x".join(map(str, x.shape)),
           "replaced": len(report.replaced)}
    for variant, m in (("torch", unpatched), ("simdnorm", patched)):
        forward(m, xb)
        out, t = forward(m, xb)
        row["rel_" + variant] = relative_diff(out, ref)
        row["lat_" + variant] = t
    print("  %s bf16: error vs float32 %.1e -> %.1e, %.0f -> %.0f ms" % (
        name, row["rel_torch"], row["rel_simdnorm"], row["lat_torch"],
        row["lat_simdnorm"]), file=sys.stderr, flush=True)
    return row


def bf16_table(rows):
    lines = ["| model (input), bfloat16 | norms patched | error vs float32 "
             "model: PyTorch → simdnorm | 1T latency ms |",
             "|---|---:|---:|---:|"]
    for r in rows:
        lines.append("| %s (%s) | %d | %.1e → %.1e | %.0f → %.0f |" % (
            r["model"], r["shape"], r["replaced"], r["rel_torch"],
            r["rel_simdnorm"], r["lat_torch"], r["lat_simdnorm"]))
    return "\n".join(lines)


def table(rows, threads_list):
    head = ["model (input)", "norms patched"]
    for t in threads_list:
        head += ["%dT latency ms" % t, "%dT norm ops ms" % t]
    head.append("max rel diff")
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|"]
    for r in rows:
        patched = "%d" % r["replaced"]
        if r["fused"]:
            patched += " (%d +SiLU)" % r["fused"]
        if r["skipped"]:
            patched += ", %d left" % r["skipped"]
        cells = ["%s (%s)" % (r["model"], r["shape"]), patched]
        for t in threads_list:
            c = r[t]
            cells.append("%.1f → %.1f (%.2fx)" % (
                c["lat_torch"], c["lat_simd"], c["lat_torch"] / c["lat_simd"]))
            cells.append("%.2f → %.2f (%.1fx)" % (
                c["norm_torch"], c["norm_simd"],
                c["norm_torch"] / c["norm_simd"] if c["norm_simd"] else 0.0))
        cells.append("%.1e" % r["rel"])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(model_zoo.MODELS))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small", action="store_true",
                        help="the tests' smaller inputs")
    parser.add_argument("--bf16-models",
                        default="sd_vae_decoder_stage,resnet50,llama_decoder_layer",
                        help="models also run in bfloat16 (smaller inputs; "
                             "'' for none)")
    parser.add_argument("--markdown", help="also write the tables here")
    args = parser.parse_args()
    threads_list = [int(t) for t in args.threads.split(",")]
    saved_threads = torch.get_num_threads()
    print("simdnorm.torch model table: %s; PyTorch %s; %d runs per variant "
          "(median)" % (st.info(), torch.__version__, args.runs),
          file=sys.stderr, flush=True)
    rows = [measure(name, threads_list, args.runs, args.small)
            for name in args.models.split(",")]
    text = table(rows, threads_list)
    if args.bf16_models:
        bf16_rows = [measure_bf16(name, True)
                     for name in args.bf16_models.split(",")]
        text += "\n\n" + bf16_table(bf16_rows)
    torch.set_num_threads(saved_threads)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
