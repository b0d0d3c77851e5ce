"""Settings, bounds, the run's results and the small helpers every part of the GPU check shares."""
import datetime
import json
import math
import os
import statistics
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
# the harness's entry: probes and the sanitizer run it again in child processes
ENTRY = os.path.join(REPO, "native", "tools", "gpu_check.py")
OUT = os.environ.get("OUT") or "/tmp/gems-gpu-out"
BUILD_DIR = "/tmp/gems-gpu-build"
T0 = time.time()
EPS32 = 2.0 ** -24  # float32 unit roundoff

# Bounds (relative errors unless said otherwise); the README section quotes them.
BOUND_STEP = 1e-5  # fused step: GEMMs + elementwise in fp32, nothing ill-conditioned
BOUND_DECOMP = 1e-4  # SVD/QR/eigh in fp32: backward error O(n eps) ~ 1e-4 at n = 1536
BOUND_ENERGY = 1e-5  # captured energy, absolute (a ratio in [0, 1])
BOUND_RAND_ENERGY_RATIO = 0.99  # randomized / exact energy (the library's own test criterion)

CRASHES = set()  # (op, device, method) combinations that crashed a probe process; not run in-process
RESULTS = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(), "sections": {}}


def log(*args):
    print(*args, flush=True)


def remaining(budget):
    return budget - (time.time() - T0)


def save():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "gpu_check.json"), "w") as f:
        json.dump(RESULTS, f, indent=1, default=str)


def fmt_err(x):
    if x is None:
        return "-"
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    return "%.1e" % x


def worst(values):
    """max that lets NaN win (a NaN error is the worst error)."""
    values = list(values)
    if not values or any(v is None or math.isnan(v) for v in values):
        return float("nan")
    return max(values)


def median_stats(samples):
    s = sorted(samples)
    n = len(s)
    if n == 0:
        return {"n": 0}
    return {
        "n": n,
        "median": statistics.median(s),
        "min": s[0],
        "p10": s[max(0, int(0.1 * (n - 1)))],
        "p90": s[min(n - 1, int(math.ceil(0.9 * (n - 1))))],
    }


def ref_protected_count(desc, rule, threshold, min_null_fraction):
    """The split rule of null_space.cpp, restated (descending eigenvalues)."""
    m = len(desc)
    k = 0
    if rule == 0:
        while k < m and desc[k] >= threshold:
            k += 1
    else:
        total = sum(max(v, 0.0) for v in desc)
        kept = 0.0
        while k < m and kept < threshold * total:
            kept += max(desc[k], 0.0)
            k += 1
    min_free = int(math.ceil(min_null_fraction * m - 1e-9))
    return min(k, m - min_free)
