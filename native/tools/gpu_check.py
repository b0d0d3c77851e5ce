#!/usr/bin/env python3
"""GPU validation of libgems's CUDA path: build, correctness against float64, sanitizer, timings.

Run on a machine with an NVIDIA GPU, python3 with torch (CUDA build), nvcc, CMake:

    bash native/tools/gpu_check.sh            # writes $OUT (default /tmp/gems-gpu-out)

What it does, in order (each section is time-boxed so the JSON is always written):
  1. builds native/ with CMake against the torch in python3 (libgems.so + libgems_cuda.so,
     CUDA architecture of the GPU present) into /tmp/gems-gpu-build; if the ops then crash in a
     probe process (seen with the GPU image's /opt/gcc g++, which links libstdc++ statically),
     rebuilds with /usr/bin/g++ and other settings and keeps the first build that works;
  2. loads libgems.so with torch.ops.load_library and checks gems::fused_step,
     gems::refresh_basis and gems::null_space_basis on CUDA against float64 references written
     here from the method's definition (tests/org/gemsj/testing/StepReference.java, gems.h),
     and against the same op on the CPU, on fresh random inputs (seed printed and saved);
  3. runs compute-sanitizer memcheck on a small case, if compute-sanitizer exists;
  4. times the fused step against the same step composed from torch ops, the step's GEMMs
     alone, and torch.optim.AdamW; and refresh_basis exact vs randomized.
A compact table is printed last; everything goes to $OUT/gpu_check.json. Each job is a module
of gpucheck/ (build, probes, step, refresh, null_space, correctness, sanitizer, timing, summary;
common holds the bounds, the results and the shared helpers); this file is the entry point,
which probes and the sanitizer also run again in child processes.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time

from gpucheck import common
from gpucheck.common import OUT, T0, log, remaining, save
from gpucheck.summary import summarize


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sanitize", action="store_true", help="run the small sanitizer cases only")
    ap.add_argument("--lib", help="an already built libgems.so (skips the build)")
    ap.add_argument("--budget", type=float, default=float(os.environ.get("GEMS_GPU_BUDGET_S", "330")),
                    help="seconds for the whole run; sections are skipped to stay inside")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip: correctness,sanitizer,timing")
    ap.add_argument("--summary-only", help="print the tables of an existing JSON and exit")
    ap.add_argument("--probe", help="run one probe (see PROBES) and exit")
    ap.add_argument("--linalg", action="store_true", help="only measure torch's CUDA SVD/eigh accuracy per driver")
    opts = ap.parse_args()
    if opts.summary_only:
        with open(opts.summary_only) as f:
            common.RESULTS = json.load(f)
        print(summarize())
        return 0

    import torch  # only now: --summary-only needs no torch
    from gpucheck.build import build_working, load
    from gpucheck.correctness import linalg_accuracy, section_correctness
    from gpucheck.probes import run_probe, run_probes
    from gpucheck.sanitizer import finish_sanitizer, sanitize_cases, start_sanitizer
    from gpucheck.timing import section_timing
    torch.backends.cuda.matmul.allow_tf32 = False  # full fp32 GEMMs (torch's default, made explicit)
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    seed = int.from_bytes(os.urandom(4), "little")
    random.seed(seed)
    torch.manual_seed(seed)
    common.RESULTS["seed"] = seed

    if opts.probe:
        run_probe(opts.probe, opts.lib)
        return 0
    if opts.linalg:
        linalg_accuracy()
        return 0
    if opts.sanitize:
        for c in filter(None, os.environ.get("GEMS_CRASHES", "").split(",")):
            op, dev, method = c.split("/")
            common.CRASHES.add((op, dev, int(method)))
        load(opts.lib)
        return 1 if sanitize_cases() else 0

    os.makedirs(OUT, exist_ok=True)
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible to torch")
    props = torch.cuda.get_device_properties(0)
    cap = torch.cuda.get_device_capability(0)
    common.RESULTS["env"] = {"gpu": torch.cuda.get_device_name(0), "sm_count": props.multi_processor_count,
                      "memory_gib": round(props.total_memory / 2 ** 30, 1), "capability": list(cap),
                      "torch": torch.__version__, "cuda": torch.version.cuda, "python": sys.version.split()[0],
                      "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
                      "float32_matmul_precision": torch.get_float32_matmul_precision()}
    try:
        common.RESULTS["env"]["nvidia_smi"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit",
             "--format=csv,noheader"], capture_output=True, text=True, timeout=30).stdout.strip()
        common.RESULTS["env"]["nvcc"] = subprocess.run([shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc", "--version"],
                                                capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[-1]
    except Exception as e:
        common.RESULTS["env"]["tools_error"] = repr(e)
    log("env: %s" % json.dumps(common.RESULTS["env"]))
    log("seed: %d" % seed)
    save()

    lib = opts.lib or build_working("%d%d" % cap, os.cpu_count() or 8)
    save()
    load(lib)
    skip = set(x for x in opts.skip.split(",") if x)
    if "probes" not in skip:
        run_probes(lib)
    san = start_sanitizer(lib) if "sanitizer" not in skip else None
    if "correctness" not in skip:
        section_correctness(opts.budget - 110)  # keep time for the timings
    finish_sanitizer(san, remaining(opts.budget - 100))  # no timing while it runs
    if "timing" not in skip:
        section_timing(opts.budget, skip_step="timing_step" in skip)
    common.RESULTS["seconds"] = round(time.time() - T0, 1)
    save()
    table = summarize()
    with open(os.path.join(OUT, "summary.md"), "w") as f:
        f.write(table + "\n")
    log("")
    log(table)
    c = common.RESULTS["sections"].get("correctness", {})
    allc = c.get("fused_step", []) + c.get("refusal", []) + c.get("refresh_basis", []) + c.get("null_space_basis", [])
    return 0 if allc and all(r.get("pass") for r in allc) else 1


if __name__ == "__main__":
    sys.exit(main())
