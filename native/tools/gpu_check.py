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
A compact table is printed last; everything goes to $OUT/gpu_check.json.
"""
import argparse
import ctypes
import datetime
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import traceback

torch = None  # imported in main(), so the pure-Python helpers load without torch

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
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


# ----------------------------------------------------------------------------------------------
# Build and load


def sh(cmd, logf, timeout, env=None):
    log("$ " + " ".join(cmd))
    with open(logf, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout, env=env)
    return p.returncode


def build(arch, jobs, extra=(), build_dir=BUILD_DIR):
    sec = RESULTS["sections"].setdefault("build", {})
    torch_lib = os.path.join(os.path.dirname(torch.__file__), "lib")
    nvcc = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
    logf = os.path.join(OUT, "build.log")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    cfg = ["cmake", "-S", REPO, "-B", build_dir] + gen + [
        "-DCMAKE_BUILD_TYPE=Release",
        "-DGEMS_TORCH_LIB_DIR=" + torch_lib,
        "-DGEMS_CUDA_ARCHITECTURES=" + arch,
        "-DCMAKE_CUDA_COMPILER=" + nvcc,
    ] + list(extra)
    t = time.time()
    rc = sh(cfg, logf, 300)
    if rc == 0:
        rc = sh(["cmake", "--build", build_dir, "-j", str(jobs)], logf, 400)
    sec.update({"rc": rc, "seconds": round(time.time() - t, 1), "torch_lib": torch_lib, "nvcc": nvcc,
                "arch": arch, "command": " ".join(cfg)})
    lib = os.path.join(build_dir, "libgems.so")
    cuda_lib = os.path.join(build_dir, "libgems_cuda.so")
    sec["libgems"] = os.path.exists(lib)
    sec["libgems_cuda"] = os.path.exists(cuda_lib)
    if rc != 0 or not os.path.exists(lib):
        with open(logf) as f:
            tail = f.read()[-6000:]
        log(tail)
        raise SystemExit("build failed (rc %d); see %s" % (rc, logf))
    # The compiler's resource report of the CUDA kernels (registers, spills), for the record.
    try:
        p = subprocess.run([nvcc, "-std=c++17", "-O3", "-arch=sm_" + arch.split(";")[0], "-Xptxas", "-v",
                            "-I", os.path.join(REPO, "native", "src"), "-c",
                            os.path.join(REPO, "native", "cuda", "kernels_cuda.cu"), "-o", "/tmp/gems_k.o"],
                           capture_output=True, text=True, timeout=120)
        sec["ptxas"] = [l for l in p.stderr.splitlines() if "registers" in l or "spill" in l]
    except Exception as e:  # informational only
        sec["ptxas"] = "failed: %r" % e
    return lib


def probe_ok(name, lib):
    p = subprocess.run([sys.executable, "-X", "faulthandler", os.path.abspath(__file__), "--probe", name, "--lib", lib],
                       capture_output=True, text=True, timeout=120)
    return p.returncode == 0 and ("probe %s: returned" % name) in p.stdout, (p.stdout + p.stderr)[-1500:]


def toolchain_facts(lib):
    facts = {}
    for key, cmd in (("ldd", ["ldd", lib]), ("needed", ["readelf", "-d", lib]),
                     ("cxx_candidates", ["bash", "-c", "which -a g++ c++; ls -l /usr/bin/g++* 2>/dev/null; "
                                                      "readlink -f $(command -v g++)"]),
                     ("size", ["size", lib]),
                     ("static_stdcxx", ["bash", "-c", "g++ -dumpspecs | grep -n -i -B1 -A1 'static-libstdc\\|stdc++' "
                                                      "| head -20"])):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            out = p.stdout + p.stderr
            if key == "needed":
                out = "\n".join(l for l in out.splitlines() if "NEEDED" in l)
            facts[key] = out.strip()[-1500:]
        except Exception as e:
            facts[key] = repr(e)
    return facts


def build_working(arch, jobs):
    """Builds as configured; if a probe of the ops that format messages with iostreams crashes
    (seen with the device's /opt/gcc toolchain), tries other build settings and keeps the first
    that works. Every try is recorded."""
    sec = RESULTS["sections"].setdefault("build", {})
    lib = build(arch, jobs)
    good, out = probe_ok("refresh_exact_cpu", lib)
    tries = [{"variant": "default", "probe_ok": good, "facts": toolchain_facts(lib), "probe_output": None if good else out}]
    log("build default: probe %s" % ("ok" if good else "CRASHED"))
    if not good:
        log(json.dumps(tries[0]["facts"], indent=1))
        variants = []
        default_cxx = ""
        try:
            with open(os.path.join(BUILD_DIR, "CMakeCache.txt")) as f:
                for line in f:
                    if line.startswith("CMAKE_CXX_COMPILER:"):
                        default_cxx = os.path.realpath(line.split("=", 1)[1].strip())
        except OSError:
            pass
        tries[0]["cxx"] = default_cxx
        # the system compiler, which links libstdc++ dynamically (as the Maven/CI build does)
        if os.path.exists("/usr/bin/g++") and os.path.realpath("/usr/bin/g++") != default_cxx:
            variants.append(("CXX=/usr/bin/g++", ["-DCMAKE_CXX_COMPILER=/usr/bin/g++"]))
        variants += [("-include iostream", ["-DCMAKE_CXX_FLAGS=-include iostream"]),
                     ("-Wl,-Bsymbolic", ["-DCMAKE_SHARED_LINKER_FLAGS=-Wl,-Bsymbolic"]),
                     ("-include iostream + -Wl,-Bsymbolic", ["-DCMAKE_CXX_FLAGS=-include iostream",
                                                             "-DCMAKE_SHARED_LINKER_FLAGS=-Wl,-Bsymbolic"])]
        for i, (name, extra) in enumerate(variants):
            try:
                vlib = build(arch, jobs, extra, BUILD_DIR + "-v%d" % i)
            except SystemExit as e:
                tries.append({"variant": name, "build_failed": str(e)})
                continue
            vgood, vout = probe_ok("refresh_exact_cpu", vlib)
            tries.append({"variant": name, "flags": extra, "probe_ok": vgood, "facts": toolchain_facts(vlib),
                          "probe_output": None if vgood else vout})
            log("build %s: probe %s" % (name, "ok" if vgood else "CRASHED"))
            if vgood:
                lib = vlib
                break
    sec["tries"] = tries
    sec["used"] = lib
    save()
    return lib


def load(lib):
    torch.ops.load_library(lib)
    c = ctypes.CDLL(lib)
    c.gems_registration_error.restype = ctypes.c_char_p
    c.gems_last_error.restype = ctypes.c_char_p
    reg = c.gems_registration_error().decode()
    cuda_ok = c.gems_cuda_available()
    info = {"registration_error": reg, "cuda_kernels_loaded": bool(cuda_ok)}
    RESULTS["sections"].setdefault("load", {}).update(info)
    log("loaded %s: registration_error=%r cuda kernels=%s" % (lib, reg, bool(cuda_ok)))
    if reg:
        raise SystemExit("ops not registered: " + reg)
    if not cuda_ok:
        raise SystemExit("libgems_cuda.so not loaded by libgems")
    for name in ("fused_step", "refresh_basis", "null_space_basis"):
        try:
            log("  gems::" + str(getattr(torch.ops.gems, name).default._schema))
        except Exception as e:  # informational only
            log("  gems::%s: schema not readable (%r)" % (name, e))
    return c


# ----------------------------------------------------------------------------------------------
# Helpers on tensors


def rel(a, b, denom=None):
    """||a - b||_F / ||b||_F (or / denom), in float64; NaN when a has NaN."""
    d = (a.double() - b.double().to(a.device)).norm().item()
    n = b.double().norm().item() if denom is None else denom
    if n == 0:
        return 0.0 if d == 0 else float("inf")
    return d / n


def rel_blocks(a, b, bounds):
    """worst ||a - b|| / ||b|| over the row blocks [start, end) of the moments."""
    return worst(rel(a[s:e], b[s:e]) for (s, e) in bounds if e > s)


def orth(rows, cols, device):
    return torch.linalg.qr(torch.randn(rows, cols, dtype=torch.float64, device=device)).Q


def poison_allocator(nbytes):
    """Fills blocks of torch's caching allocator with NaN and frees them, so that scratch
    tensors the op allocates (and must fully write) start out as NaN."""
    big = torch.full((max(1, nbytes // 4),), float("nan"), device="cuda")
    small = [torch.full((65536,), float("nan"), device="cuda") for _ in range(48)]  # 256 KiB each
    torch.cuda.synchronize()
    del big, small


def ok(err, bound):
    return err is not None and not math.isnan(err) and err <= bound


# ----------------------------------------------------------------------------------------------
# Fused step: inputs, the op, the float64 reference, the composed torch version


def step_inputs(m, n, rsh, rt, k, ns, nr, dev="cuda"):
    R, L = rsh + 2 * rt, max(m, n)
    right = m >= n
    blocks = []
    for r in (rsh, rt, rt):
        if r > 0:
            blocks.append(orth(n, r, dev).T if right else orth(m, r, dev))
    basis = torch.cat(blocks, 0 if right else 1).float().contiguous()
    return {
        "m": m, "n": n, "rsh": rsh, "rt": rt, "ns": ns, "nr": nr,
        "w": (torch.randn(m, n, device=dev) * 0.02),
        "gs": torch.randn(m, n, device=dev),
        "gr": torch.randn(m, n, device=dev) * 0.5,
        "basis": basis,
        "exp_avg": torch.randn(R, L, device=dev) * 0.1,
        "exp_avg_sq": torch.rand(R, L, device=dev) + 0.01,
        "K": orth(m, k, dev).float().contiguous() if k > 0 else None,
        "gate_s": random.uniform(0.2, 1.0), "gate_r": random.uniform(0.2, 1.0),
        "step": random.randint(1, 50), "lr": 0.05, "b1": 0.9, "b2": 0.999, "eps": 1e-6,
        "alpha": random.uniform(0.5, 1.5), "wd": 0.01,
    }


def step_args(t, device, absent_as_nan=False):
    """Copies of the inputs on `device`, in the op's argument order; W and moments fresh."""
    def mv(x):
        return None if x is None else x.to(device).clone()

    gs = mv(t["gs"]) if t["ns"] > 0 else None
    gr = mv(t["gr"]) if t["nr"] > 0 else None
    if absent_as_nan:  # an absent task's gradient must be ignored entirely, NaN or not
        if gs is None:
            gs = torch.full((t["m"], t["n"]), float("nan"), device=device)
        if gr is None:
            gr = torch.full((t["m"], t["n"]), float("nan"), device=device)
    w, ma, va = mv(t["w"]), mv(t["exp_avg"]), mv(t["exp_avg_sq"])
    args = [w, gs, gr, t["ns"], t["nr"], mv(t["basis"]), t["rsh"], t["rt"], ma, va, t["gate_s"], t["gate_r"],
            t["step"], t["lr"], t["b1"], t["b2"], t["eps"], t["alpha"], t["wd"], mv(t["K"])]
    return args


def run_fused(args):
    torch.ops.gems.fused_step(*args)
    return args[0], args[8], args[9]


def reference_step(t):
    """StepReference.java in float64: explicit P = I - K K^T, full-space back-projection."""
    dd = torch.float64
    m, n = t["m"], t["n"]
    right = m >= n
    dev = t["w"].device
    w = t["w"].to(dd)
    P = torch.eye(m, dtype=dd, device=dev)
    if t["K"] is not None:
        K = t["K"].to(dd)
        P = P - K @ K.T
    zero = torch.zeros(m, n, dtype=dd, device=dev)
    ns, nr = t["ns"], t["nr"]
    gS = t["gs"].to(dd) if ns > 0 else zero
    gR = t["gr"].to(dd) if nr > 0 else zero
    gSh = (gS * ns + gR * nr) / (ns + nr)
    grads = [gSh, gS, gR]
    rsh, rt = t["rsh"], t["rt"]
    offsets, ranks = [0, rsh, rsh + rt], [rsh, rt, rt]
    scales = [t["alpha"], t["alpha"] * t["gate_s"], t["alpha"] * t["gate_r"]]
    b1, b2, step = t["b1"], t["b2"], t["step"]
    bc1, bc2 = 1 - b1 ** step, 1 - b2 ** step
    b = t["basis"].to(dd)
    m0, v0 = t["exp_avg"].to(dd), t["exp_avg_sq"].to(dd)
    newM, newV = m0.clone(), v0.clone()
    update = zero.clone()
    for i in range(3):
        if ranks[i] == 0:
            continue
        g = P @ grads[i]
        o, r = offsets[i], ranks[i]
        bk = b[o:o + r] if right else b[:, o:o + r]
        coords = bk @ g.T if right else bk.T @ g
        mk = m0[o:o + r] * b1 + coords * (1 - b1)
        vk = v0[o:o + r] * b2 + coords * coords * (1 - b2)
        newM[o:o + r] = mk
        newV[o:o + r] = vk
        d = (mk / bc1) / ((vk / bc2).sqrt() + t["eps"]) * scales[i]
        update = update + (d.T @ bk if right else bk @ d)
    W = w - (P @ update) * t["lr"] - (P @ w) * (t["lr"] * t["wd"])
    return W, newM, newV


def composed_step(w, gs, gr, ns, nr, basis, rsh, rt, exp_avg, exp_avg_sq, gate_s, gate_r, step, lr, b1, b2,
                  eps, alpha, wd, K):
    """ComposedStep.java in torch ops (float32): what a trainer writes without the fused op."""
    with torch.no_grad():
        m, n = w.shape
        right = m >= n
        total = ns + nr
        if ns == 0:
            shared = gr
        elif nr == 0:
            shared = gs
        else:
            shared = gs.mul(ns / total).add_(gr, alpha=nr / total)
        b = basis
        if not right and K is not None:
            b = basis - K @ (K.T @ basis)
        grads = [shared, gs if ns > 0 else None, gr if nr > 0 else None]
        offsets, ranks = [0, rsh, rsh + rt], [rsh, rt, rt]
        L = max(m, n)
        blocks = []
        for i in range(3):
            if ranks[i] == 0:
                continue
            o, r = offsets[i], ranks[i]
            if grads[i] is None:
                blocks.append(torch.zeros(r, L, device=w.device))
            elif right:
                blocks.append(b[o:o + r] @ grads[i].T)
            else:
                blocks.append(b[:, o:o + r].T @ grads[i])
        proj = torch.cat(blocks, 0)
        if right and K is not None:
            proj = proj - (proj @ K) @ K.T
        if not torch.isfinite(proj).all().item():
            raise ValueError("composed step: the gradients contain NaN or Inf")
        bc1, bc2 = 1 - b1 ** step, 1 - b2 ** step
        exp_avg.mul_(b1).add_(proj, alpha=1 - b1)
        exp_avg_sq.mul_(b2).addcmul_(proj, proj, value=1 - b2)
        scale = torch.cat([torch.full((rsh, 1), alpha, device=w.device),
                           torch.full((rt, 1), alpha * gate_s, device=w.device),
                           torch.full((rt, 1), alpha * gate_r, device=w.device)], 0)
        dirs = exp_avg.div(bc1).div(exp_avg_sq.div(bc2).sqrt().add(eps)).mul(scale)
        if right and K is not None:
            dirs = dirs - (dirs @ K) @ K.T
        protected = K.T @ w if (K is not None and wd > 0) else None
        w.mul_(1 - lr * wd)
        if right:
            w.addmm_(dirs.T, b, beta=1.0, alpha=-lr)
        else:
            w.addmm_(b, dirs, beta=1.0, alpha=-lr)
        if protected is not None:
            w.addmm_(K, protected, beta=1.0, alpha=lr * wd)


def check_step_case(name, m, n, rsh, rt, k, ns, nr, absent_as_nan=False, wd=None, side_stream=False):
    t = step_inputs(m, n, rsh, rt, k, ns, nr)
    if wd is not None:
        t["wd"] = wd
    W0 = t["w"]
    Wr, Mr, Vr = reference_step(t)
    dref = (Wr - W0.double()).norm().item()
    # Storing W in float32 alone moves it by up to u |W| per element: relative to the update that
    # is u ||W_new|| / ||dW||, a floor no float32 result can go under (large when lr * |D| << |W|).
    floor = EPS32 * Wr.norm().item() / dref
    bound_w = BOUND_STEP + 4 * floor
    res = {"weight_rounding_floor": floor, "weight_update_bound": bound_w}
    res.update({"case": name, "m": m, "n": n, "r_sh": rsh, "r_task": rt, "null_k": k, "counts": [ns, nr],
           "absent_as_nan": absent_as_nan, "side_stream": side_stream, "step": t["step"], "wd": t["wd"]})
    # CUDA op (scratch from NaN-poisoned allocator blocks)
    args = step_args(t, "cuda", absent_as_nan)
    poison_allocator(8 * (rsh + 2 * rt) * max(m, n) * 4 + 8 * m * n * 4)
    if side_stream:
        # The op must run on torch's current stream: the moments arrive on a side stream after a
        # long sleep; a kernel on another stream would read the NaN they hold before the copy.
        good_m = args[8].clone()
        args[8].fill_(float("nan"))
        torch.cuda.synchronize()
        s = torch.cuda.Stream()
        with torch.cuda.stream(s):
            torch.cuda._sleep(200_000_000)
            args[8].copy_(good_m)
            run_fused(args)
        torch.cuda.synchronize()
    else:
        run_fused(args)
        torch.cuda.synchronize()
    Wg, Mg, Vg = args[0], args[8], args[9]
    blocks = [(0, rsh), (rsh, rsh + rt), (rsh + rt, rsh + 2 * rt)]
    res["cuda_vs_f64"] = {"weight_update": rel(Wg, Wr, dref), "exp_avg": rel(Mg, Mr), "exp_avg_sq": rel(Vg, Vr),
                          "exp_avg_worst_block": rel_blocks(Mg, Mr, blocks),
                          "exp_avg_sq_worst_block": rel_blocks(Vg, Vr, blocks)}
    # same inputs again on CUDA: a moving result would be a race
    args2 = step_args(t, "cuda", absent_as_nan)
    run_fused(args2)
    torch.cuda.synchronize()
    res["cuda_rerun_max_abs_diff"] = (args2[0] - Wg).abs().max().item()
    # CPU op, same inputs
    argsc = step_args(t, "cpu", absent_as_nan)
    run_fused(argsc)
    Wc, Mc, Vc = argsc[0], argsc[8], argsc[9]
    dcpu = (Wc.double() - W0.cpu().double()).norm().item()
    res["cpu_vs_f64"] = {"weight_update": rel(Wc, Wr.cpu(), dref), "exp_avg": rel(Mc, Mr.cpu()),
                         "exp_avg_sq": rel(Vc, Vr.cpu())}
    res["cuda_vs_cpu"] = {"weight_update": rel(Wg.cpu(), Wc, dcpu), "exp_avg": rel(Mg.cpu(), Mc),
                          "exp_avg_sq": rel(Vg.cpu(), Vc)}
    # composed torch version (validates the timing baseline and, indirectly, this reference)
    argsp = step_args(t, "cuda")
    composed_step(*argsp)
    res["composed_vs_f64"] = {"weight_update": rel(argsp[0], Wr, dref), "exp_avg": rel(argsp[8], Mr)}
    # null space: the update must not move K^T W
    if t["K"] is not None:
        dW = Wg.double() - W0.double()
        res["null_leak"] = (t["K"].double().T @ dW).norm().item() / dW.norm().item()
    res["worst_cuda"] = worst(list(res["cuda_vs_f64"].values()) + list(res["cuda_vs_cpu"].values()))
    res["finite"] = bool(torch.isfinite(Wg).all() and torch.isfinite(Mg).all() and torch.isfinite(Vg).all())
    def within(metrics):
        return all(ok(v, bound_w if k == "weight_update" else BOUND_STEP) for k, v in metrics.items())

    res["pass"] = (within(res["cuda_vs_f64"]) and within(res["cuda_vs_cpu"]) and within(res["cpu_vs_f64"])
                   and res["finite"] and res["cuda_rerun_max_abs_diff"] <= 1e-6
                   and ("null_leak" not in res or res["null_leak"] < BOUND_STEP))
    return res


def check_nan_refusal(m, n):
    """A NaN / Inf gradient is refused on CUDA and leaves weight and moments unchanged."""
    out = []
    for bad in ("nan", "inf"):
        t = step_inputs(m, n, 4, 2, 0, 5, 3)
        args = step_args(t, "cuda")
        which = 1 if bad == "nan" else 2
        i, j = random.randrange(m), random.randrange(n)
        args[which][i, j] = float(bad)
        before = [args[0].clone(), args[8].clone(), args[9].clone()]
        msg = None
        try:
            run_fused(args)
            torch.cuda.synchronize()
        except Exception as e:  # expected
            msg = " ".join(str(e).split())[:300]
        unchanged = all(torch.equal(a, b) for a, b in zip(before, [args[0], args[8], args[9]]))
        out.append({"case": "refuses %s in grad %s (%dx%d at %d,%d)" % (bad, "search" if which == 1 else "rec",
                                                                         m, n, i, j),
                    "raised": msg is not None, "message": msg, "state_unchanged": unchanged,
                    "pass": msg is not None and "NaN" in msg and unchanged})
    return out


# ----------------------------------------------------------------------------------------------
# Basis refresh


def gapped_gradient(m, n, r):
    """G = U diag(s) V^T with a clear gap after the r-th singular value (built on the CPU in
    float64, returned as float32 on the GPU)."""
    k = min(m, n)
    i = torch.arange(k, dtype=torch.float64)
    s = torch.where(i < r, 0.995 ** i, 0.3 * 0.995 ** (i - r))
    U, V = orth(m, k, "cpu"), orth(n, k, "cpu")
    return ((U * s) @ V.T).float().contiguous().cuda()


def basis_metrics(G, B, right, rank, ref_basis64, energy, exact_energy_ref):
    """All in float64 on the CPU."""
    Gd, Bd = G.double().cpu(), B.double().cpu()
    P = Bd.T @ Bd if right else Bd @ Bd.T
    gram = Bd @ Bd.T if right else Bd.T @ Bd
    eye = torch.eye(rank, dtype=torch.float64)
    captured = (Gd @ Bd.T if right else Bd.T @ Gd).norm().item() ** 2 / Gd.norm().item() ** 2
    Pref = ref_basis64.T @ ref_basis64 if right else ref_basis64 @ ref_basis64.T
    return {
        "projector_vs_f64": (P - Pref).norm().item() / math.sqrt(rank),
        "orthonormality": (gram - eye).norm().item() / math.sqrt(rank),
        "energy_vs_f64": abs(energy - exact_energy_ref),
        "energy_reported_vs_captured": abs(energy - captured),
        "energy": energy,
        "energy_f64": exact_energy_ref,
        "finite": bool(torch.isfinite(B).all()),
    }


def check_refresh_case(m, n, rank, method):
    right = m >= n
    mname = "exact" if method == 0 else "randomized"
    res = {"case": "%s %dx%d r=%d" % (mname, m, n, rank), "m": m, "n": n, "rank": rank, "method": mname}
    run_cuda = ("refresh_basis", "cuda", method) not in CRASHES
    run_cpu = ("refresh_basis", "cpu", method) not in CRASHES
    if not run_cuda:
        res.update({"pass": False, "error": "not run: the CUDA op crashed its probe process (see probes)"})
        return res
    G = gapped_gradient(m, n, rank)
    U, S, Vh = torch.linalg.svd(G.double().cpu(), full_matrices=False)
    ref = Vh[:rank] if right else U[:, :rank]
    s2 = S ** 2
    e_ref = (s2[:rank].sum() / s2.sum()).item()
    shape = (rank, n) if right else (m, rank)
    seed = random.getrandbits(62)
    res["seed"] = seed
    outg = torch.full(shape, float("nan"), device="cuda")
    poison_allocator(16 * m * n * 4)
    eg = torch.ops.gems.refresh_basis(G, rank, method, 8, 2, seed, outg)
    torch.cuda.synchronize()
    res["cuda"] = basis_metrics(G, outg, right, rank, ref, eg, e_ref)
    c = res["cuda"]
    checks = [c["finite"], ok(c["orthonormality"], BOUND_DECOMP), ok(c["energy_reported_vs_captured"], BOUND_ENERGY)]
    if method == 0:
        checks += [ok(c["projector_vs_f64"], BOUND_DECOMP), ok(c["energy_vs_f64"], BOUND_ENERGY)]
        res["worst_cuda"] = max(c["projector_vs_f64"], c["orthonormality"])
    else:
        ratio = c["energy"] / e_ref if e_ref > 0 else float("nan")
        res["energy_ratio_vs_exact"] = ratio
        checks.append(ratio > BOUND_RAND_ENERGY_RATIO)
        res["worst_cuda"] = c["orthonormality"]
    if run_cpu:
        outc = torch.full(shape, float("nan"))
        ec = torch.ops.gems.refresh_basis(G.cpu(), rank, method, 8, 2, seed, outc)
        res["cpu"] = basis_metrics(G, outc, right, rank, ref, ec, e_ref)
        og, oc = outg.double().cpu(), outc.double()
        Pg = og.T @ og if right else og @ og.T
        Pc = oc.T @ oc if right else oc @ oc.T
        res["cuda_vs_cpu_projector"] = rel(Pg, Pc)
        res["cuda_vs_cpu_energy"] = abs(eg - ec)
        checks += [ok(res["cuda_vs_cpu_projector"], BOUND_DECOMP), ok(res["cuda_vs_cpu_energy"], BOUND_ENERGY)]
    else:
        res["cpu"] = "not run: the CPU op crashed its probe process"
    res["pass"] = all(checks)
    return res


def check_refresh_view(m, n, rank):
    """`out` as a block of a concatenated basis: only the block is written."""
    if ("refresh_basis", "cuda", 0) in CRASHES:
        return {"case": "out is a view, %dx%d" % (m, n), "pass": False, "error": "not run: CUDA op crashed its probe"}
    right = m >= n
    G = gapped_gradient(m, n, rank)
    cat = torch.full((3 * rank, n) if right else (m, 3 * rank), 7.0, device="cuda")
    view = cat[rank:2 * rank] if right else cat[:, rank:2 * rank]
    full = torch.full((rank, n) if right else (m, rank), float("nan"), device="cuda")
    e1 = torch.ops.gems.refresh_basis(G, rank, 0, 8, 2, 1, view)
    e2 = torch.ops.gems.refresh_basis(G, rank, 0, 8, 2, 1, full)
    torch.cuda.synchronize()
    others = torch.cat([cat[:rank], cat[2 * rank:]], 0) if right else torch.cat([cat[:, :rank], cat[:, 2 * rank:]], 1)
    untouched = bool((others == 7.0).all())
    v, f = view.double(), full.double()
    same = rel(v.T @ v if right else v @ v.T, f.T @ f if right else f @ f.T)  # projectors: signs may differ
    return {"case": "out is a %s view, %dx%d r=%d" % ("row" if right else "column", m, n, rank),
            "untouched_outside": untouched, "view_vs_contiguous_projector": same, "energy_diff": abs(e1 - e2),
            "pass": untouched and ok(same, BOUND_DECOMP) and abs(e1 - e2) < 1e-6}


# ----------------------------------------------------------------------------------------------
# Null-space split


def second_moment(m):
    """mean(y y^T) with a dominant block of m/8 directions in a random orientation (built on
    the CPU in float64, returned as float32 on the GPU)."""
    k0 = max(1, m // 8)
    i = torch.arange(m, dtype=torch.float64)
    scales = torch.where(i < k0, 0.999 ** i, 0.05 * 0.999 ** i)
    Q = orth(m, m, "cpu")
    N = 4 * m
    Y = (torch.randn(N, m, dtype=torch.float64) * scales) @ Q.T
    return (Y.T @ Y / N).float().contiguous().cuda()


def check_null_case(m, rule, threshold, mnf):
    name = "%s thr=%g min_null=%g, m=%d" % ("eigenvalue" if rule == 0 else "energy", threshold, mnf, m)
    if ("null_space_basis", "cuda", 0) in CRASHES or ("null_space_basis", "cpu", 0) in CRASHES:
        return {"case": name, "m": m, "pass": False, "error": "not run: the op crashed its probe process (see probes)"}
    C = second_moment(m)
    ev64, V64 = torch.linalg.eigh(C.double().cpu())
    ev64, V64 = ev64.cuda(), V64.cuda()
    desc = ev64.flip(0)
    Vd = V64.flip(1)
    desc_l = desc.tolist()
    k_ref = ref_protected_count(desc_l, rule, threshold, mnf)
    poison_allocator(16 * m * m * 4)
    vec, val, k = torch.ops.gems.null_space_basis(C, rule, threshold, mnf)
    torch.cuda.synchronize()
    vec_c, val_c, k_c = torch.ops.gems.null_space_basis(C.cpu(), rule, threshold, mnf)
    k_own = ref_protected_count(val.double().tolist(), rule, threshold, mnf)
    lam_max = desc_l[0]
    res = {"case": "%s thr=%g min_null=%g, m=%d" % ("eigenvalue" if rule == 0 else "energy", threshold, mnf, m),
           "m": m, "rule": rule, "threshold": threshold, "min_null_fraction": mnf,
           "k_cuda": k, "k_cpu": k_c, "k_f64": k_ref, "k_from_own_eigenvalues": k_own}
    res["finite"] = bool(torch.isfinite(vec).all() and torch.isfinite(val).all())
    res["eigenvalues_vs_f64"] = rel(val, desc)
    Vg = vec.double()
    res["residual"] = (C.double() @ Vg - Vg * val.double()).norm().item() / C.double().norm().item()
    res["orthonormality"] = (Vg.T @ Vg - torch.eye(m, dtype=torch.float64, device="cuda")).norm().item() / math.sqrt(m)
    res["eigenvalues_cuda_vs_cpu"] = rel(val.cpu(), val_c)
    # protected subspace, when k is well defined (a gap at k)
    proj_bound = None
    if 0 < k == k_ref < m:
        gap = (desc_l[k - 1] - desc_l[k]) / lam_max
        # eigenvector subspaces move by (backward error) / (relative gap); fp32 eigh's backward
        # error is about sqrt(m) eps ||C|| in practice (c m eps at worst)
        proj_bound = max(BOUND_DECOMP, 4 * math.sqrt(m) * EPS32 / max(gap, 1e-30))
        Kg, Kr, Kc = Vg[:, :k], Vd[:, :k], vec_c.double().cuda()[:, :k]
        Pr = Kr @ Kr.T
        res["protected_projector_vs_f64"] = (Kg @ Kg.T - Pr).norm().item() / math.sqrt(k)
        res["protected_projector_cuda_vs_cpu"] = (Kg @ Kg.T - Kc @ Kc.T).norm().item() / math.sqrt(k)
        res["relative_gap_at_k"] = gap
        res["projector_bound"] = proj_bound
    # k may differ from float64 only when an eigenvalue (or the energy sum) sits at the threshold
    k_ok = (k == k_c == k_own) and (k == k_ref or abs(k - k_ref) <= 1 and _near_threshold(desc_l, rule, threshold))
    res["k_ok"] = k_ok
    res["worst_cuda"] = max(res["eigenvalues_vs_f64"], res["residual"], res["orthonormality"],
                            res.get("protected_projector_vs_f64", 0.0))
    res["pass"] = (res["finite"] and k_ok and ok(res["eigenvalues_vs_f64"], BOUND_STEP)
                   and ok(res["residual"], BOUND_DECOMP) and ok(res["orthonormality"], BOUND_DECOMP)
                   and ok(res["eigenvalues_cuda_vs_cpu"], BOUND_STEP)
                   and (proj_bound is None or (ok(res["protected_projector_vs_f64"], proj_bound)
                                               and ok(res["protected_projector_cuda_vs_cpu"], 2 * proj_bound))))
    return res


def _near_threshold(desc, rule, thr):
    if rule == 0:
        return any(abs(v - thr) <= 1e-5 * max(abs(thr), desc[0]) for v in desc)
    total = sum(max(v, 0.0) for v in desc)
    acc = 0.0
    for v in desc:
        acc += max(v, 0.0)
        if abs(acc - thr * total) <= 1e-5 * total:
            return True
    return False


# ----------------------------------------------------------------------------------------------
# Sections


# Each probe runs one op (or torch's own linear algebra) once, in its own process, so that a
# crash is attributed and the rest of the check still runs. name -> (CRASHES key or None, code)
PROBES = {
    "torch_svd_cuda_f64": (None, "torch.linalg.svd(torch.randn(37, 53, dtype=torch.float64, device='cuda'), full_matrices=False)"),
    "torch_svd_cuda_f32": (None, "torch.linalg.svd(torch.randn(37, 53, device='cuda'), full_matrices=False)"),
    "torch_qr_cuda_f32": (None, "torch.linalg.qr(torch.randn(53, 9, device='cuda'))"),
    "torch_eigh_cuda_f32": (None, "a = torch.randn(37, 37, device='cuda'); torch.linalg.eigh(a @ a.T)"),
    "refresh_exact_cpu": (("refresh_basis", "cpu", 0),
                          "torch.ops.gems.refresh_basis(torch.randn(37, 53), 5, 0, 8, 2, 1, torch.empty(37, 5))"),
    "refresh_randomized_cpu": (("refresh_basis", "cpu", 1),
                               "torch.ops.gems.refresh_basis(torch.randn(37, 53), 5, 1, 8, 2, 1, torch.empty(37, 5))"),
    "refresh_exact_cuda": (("refresh_basis", "cuda", 0),
                           "torch.ops.gems.refresh_basis(torch.randn(37, 53, device='cuda'), 5, 0, 8, 2, 1, "
                           "torch.empty(37, 5, device='cuda'))"),
    "refresh_randomized_cuda": (("refresh_basis", "cuda", 1),
                                "torch.ops.gems.refresh_basis(torch.randn(37, 53, device='cuda'), 5, 1, 8, 2, 1, "
                                "torch.empty(37, 5, device='cuda'))"),
    "null_space_cpu": (("null_space_basis", "cpu", 0),
                       "a = torch.randn(37, 37); torch.ops.gems.null_space_basis(a @ a.T, 0, 0.02, 0.05)"),
    "null_space_cuda": (("null_space_basis", "cuda", 0),
                        "a = torch.randn(37, 37, device='cuda'); torch.ops.gems.null_space_basis(a @ a.T, 0, 0.02, 0.05)"),
}


def run_probe(name, lib):
    """--probe mode: one call, then report."""
    torch.ops.load_library(lib)
    code = PROBES[name][1]
    print("probe %s: %s" % (name, code), flush=True)
    exec(code, {"torch": torch})
    torch.cuda.synchronize()
    print("probe %s: returned" % name, flush=True)


def run_probes(lib):
    """Runs every probe in its own process (in parallel); a crashing one is then run again
    under cuda-gdb for a native backtrace. Fills CRASHES."""
    sec = RESULTS["sections"].setdefault("probes", {})
    t = time.time()
    procs = {}
    for name in PROBES:
        procs[name] = subprocess.Popen([sys.executable, "-X", "faulthandler", os.path.abspath(__file__), "--probe", name,
                                        "--lib", lib], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    crashed = []
    for name, p in procs.items():
        try:
            out, _ = p.communicate(timeout=120)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            rc = "timeout"
        ok_run = rc == 0 and ("probe %s: returned" % name) in out
        sec[name] = {"rc": rc, "ok": ok_run, "output": out[-3000:]}
        log("probe %-24s rc=%s %s" % (name, rc, "ok" if ok_run else "FAILED"))
        if not ok_run:
            log(out[-2500:])
            crashed.append(name)
            if PROBES[name][0]:
                CRASHES.add(PROBES[name][0])
    gdb = shutil.which("cuda-gdb") or ("/usr/local/cuda/bin/cuda-gdb" if os.path.exists("/usr/local/cuda/bin/cuda-gdb")
                                       else None)
    if crashed and gdb:
        gprocs = {}
        for name in crashed[:4]:
            cmd = [gdb, "-q", "-batch", "-ex", "set pagination off", "-ex", "set confirm off", "-ex", "run",
                   "-ex", "bt 40", "--args", sys.executable, os.path.abspath(__file__), "--probe", name, "--lib", lib]
            gprocs[name] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, p in gprocs.items():
            try:
                out, _ = p.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                out, _ = p.communicate()
                out += "\n(cuda-gdb timed out)"
            lines = [l for l in out.splitlines() if l.startswith("#") or "signal" in l.lower() or "probe" in l]
            sec[name]["backtrace"] = "\n".join(lines[-60:])
            log("cuda-gdb backtrace of probe %s:\n%s" % (name, sec[name]["backtrace"]))
    sec["seconds"] = round(time.time() - t, 1)
    sec["crashes"] = sorted("/".join(str(x) for x in c) for c in CRASHES)
    with open(os.path.join(OUT, "probes.log"), "w") as f:
        for name, r in sec.items():
            if isinstance(r, dict):
                f.write("==== %s rc=%s\n%s\n%s\n" % (name, r.get("rc"), r.get("output", ""), r.get("backtrace", "")))
    save()


def linalg_accuracy():
    """--linalg mode: the accuracy of torch's own float32 SVD and eigh on CUDA (per driver /
    backend) against the CPU, on the shapes where refresh_basis and null_space_basis lose
    orthonormality on CUDA. Pure torch: no libgems involved."""
    out = {"svd": [], "eigh": []}
    eye = lambda k: torch.eye(k, dtype=torch.float64)  # noqa: E731

    def orth_err(q):
        q = q.double().cpu()
        return (q.T @ q - eye(q.shape[1])).norm().item() / math.sqrt(q.shape[1])

    for (m, n) in [(129, 300), (384, 384), (384, 1536), (1536, 384)]:
        a = torch.randn(m, n)
        row = {"shape": [m, n], "cpu": orth_err(torch.linalg.svd(a, full_matrices=False)[0])}
        for drv in (None, "gesvd", "gesvdj", "gesvda"):
            try:
                ac = a.cuda()
                torch.linalg.svd(ac, full_matrices=False, driver=drv)
                torch.cuda.synchronize()
                t = time.time()
                U, S, Vh = torch.linalg.svd(ac, full_matrices=False, driver=drv)
                torch.cuda.synchronize()
                row[str(drv)] = {"U_orth": orth_err(U), "Vh_orth": orth_err(Vh.T), "ms": 1e3 * (time.time() - t)}
            except Exception as e:
                row[str(drv)] = {"error": str(e)[:200]}
        out["svd"].append(row)
        log("svd %dx%d: %s" % (m, n, json.dumps(row)))
    for m in (37, 129, 300, 384, 1536):
        y = torch.randn(4 * m, m)
        c = y.T @ y / (4 * m)
        w, v = torch.linalg.eigh(c)
        cd = c.double()
        row = {"m": m, "cpu": {"orth": orth_err(v), "resid": (cd @ v.double() - v.double() * w.double()).norm().item()
                               / cd.norm().item()}}
        for lib in ("cusolver", "magma"):
            try:
                torch.backends.cuda.preferred_linalg_library(lib)
                wg, vg = torch.linalg.eigh(c.cuda())
                torch.cuda.synchronize()
                wg, vg = wg.double().cpu(), vg.double().cpu()
                row[lib] = {"orth": orth_err(vg), "resid": (cd @ vg - vg * wg).norm().item() / cd.norm().item()}
            except Exception as e:
                row[lib] = {"error": str(e)[:200]}
        torch.backends.cuda.preferred_linalg_library("default")
        out["eigh"].append(row)
        log("eigh m=%d: %s" % (m, json.dumps(row)))
    RESULTS["linalg"] = out
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "linalg.json"), "w") as f:
        json.dump(out, f, indent=1)


SHAPES = [(37, 53), (53, 37), (300, 129), (129, 300), (384, 384), (1536, 384), (384, 1536)]


def section_correctness(budget):
    sec = RESULTS["sections"].setdefault("correctness", {"fused_step": [], "refusal": [], "refresh_basis": [],
                                                         "null_space_basis": []})
    t = time.time()
    cases = []
    for (m, n) in SHAPES:
        mn = min(m, n)
        mid_sh, mid_t = max(1, mn // 4), max(1, mn // 8)
        cases += [
            ("r=1", m, n, 1, 1, 0, 5, 3, {}),
            ("r=min, K", m, n, mn, mn, max(1, m // 8), 5, 3, {}),
            ("search absent, K", m, n, mid_sh, mid_t, max(1, m // 6), 0, 4, {}),
            ("rec absent (NaN, count 0)", m, n, mid_sh, mid_t, 0, 7, 0, {"absent_as_nan": True}),
        ]
    cases += [("r_task=0, K, wd=0", 129, 300, 32, 0, 20, 5, 3, {"wd": 0.0}),
              ("r_task=0, rec only", 300, 129, 32, 0, 0, 0, 4, {}),
              ("side stream, K", 300, 129, 32, 16, 20, 5, 3, {"side_stream": True}),
              ("side stream", 129, 300, 32, 16, 0, 5, 3, {"side_stream": True})]
    for (name, m, n, rsh, rt, k, ns, nr, kw) in cases:
        if remaining(budget) < 60:
            sec["skipped_for_time"] = True
            break
        try:
            r = check_step_case(name, m, n, rsh, rt, k, ns, nr, **kw)
        except Exception as e:
            r = {"case": name, "m": m, "n": n, "r_sh": rsh, "r_task": rt, "null_k": k, "pass": False,
                 "error": traceback.format_exc()[-1500:]}
            log("fused_step %s %dx%d FAILED with exception: %s" % (name, m, n, e))
        sec["fused_step"].append(r)
        log("fused_step %-28s %4dx%-4d r_sh=%-4d r_t=%-4d k=%-3d: cuda/f64 %s cuda/cpu %s cpu/f64 %s %s" % (
            name, m, n, rsh, rt, k, fmt_err(worst(r.get("cuda_vs_f64", {"x": float("nan")}).values())),
            fmt_err(worst(r.get("cuda_vs_cpu", {"x": float("nan")}).values())),
            fmt_err(worst(r.get("cpu_vs_f64", {"x": float("nan")}).values())), "ok" if r["pass"] else "FAIL"))
    try:
        for (m, n) in [(37, 53), (1536, 384)]:
            sec["refusal"] += check_nan_refusal(m, n)
    except Exception:
        sec["refusal"].append({"case": "refusal", "pass": False, "error": traceback.format_exc()[-1500:]})
    for r in sec["refusal"]:
        log("fused_step %s: %s" % (r["case"], "ok" if r["pass"] else "FAIL %r" % r))
    save()

    for (m, n) in SHAPES:
        mn = min(m, n)
        for rank in sorted({1, max(1, mn // 4), mn}):
            for method in (0, 1):
                if remaining(budget) < 45:
                    sec["skipped_for_time"] = True
                    break
                try:
                    r = check_refresh_case(m, n, rank, method)
                except Exception:
                    r = {"case": "%d %dx%d r=%d" % (method, m, n, rank), "pass": False,
                         "error": traceback.format_exc()[-1500:]}
                sec["refresh_basis"].append(r)
                c = r.get("cuda", {})
                log("refresh_basis %-26s: proj/f64 %s orth %s dE %s cuda/cpu %s E=%.6f %s" % (
                    r["case"], fmt_err(c.get("projector_vs_f64")), fmt_err(c.get("orthonormality")),
                    fmt_err(c.get("energy_vs_f64")), fmt_err(r.get("cuda_vs_cpu_projector")),
                    c.get("energy", float("nan")), "ok" if r["pass"] else "FAIL"))
    for (m, n, rank) in [(300, 129, 16), (129, 300, 16)]:
        try:
            r = check_refresh_view(m, n, rank)
        except Exception:
            r = {"case": "view %dx%d" % (m, n), "pass": False, "error": traceback.format_exc()[-1500:]}
        sec["refresh_basis"].append(r)
        log("refresh_basis %s: %s" % (r["case"], "ok" if r["pass"] else "FAIL %r" % r))
    save()

    for m in (37, 129, 300, 384, 1536):
        for (rule, thr, mnf) in ((0, 0.02, 0.05), (1, 0.9, 0.05), (0, 1e-12, 0.25)):
            if remaining(budget) < 40:
                sec["skipped_for_time"] = True
                break
            try:
                r = check_null_case(m, rule, thr, mnf)
            except Exception:
                r = {"case": "null m=%d rule=%d" % (m, rule), "pass": False, "error": traceback.format_exc()[-1500:]}
            sec["null_space_basis"].append(r)
            log("null_space_basis %-38s: k=%s/%s/%s eig/f64 %s resid %s orth %s projK %s %s" % (
                r["case"], r.get("k_cuda"), r.get("k_cpu"), r.get("k_f64"), fmt_err(r.get("eigenvalues_vs_f64")),
                fmt_err(r.get("residual")), fmt_err(r.get("orthonormality")),
                fmt_err(r.get("protected_projector_vs_f64")), "ok" if r["pass"] else "FAIL"))
    sec["seconds"] = round(time.time() - t, 1)
    save()


def sanitize_cases():
    """The small run under compute-sanitizer (no timing, no caching allocator)."""
    bad = 0
    for (m, n, rsh, rt, k, ns, nr, nan) in [(37, 53, 4, 2, 5, 5, 3, False), (53, 37, 4, 2, 5, 5, 3, False),
                                            (37, 53, 4, 2, 0, 0, 4, True), (53, 37, 37, 37, 6, 7, 0, True)]:
        r = check_step_case("sanitize", m, n, rsh, rt, k, ns, nr, absent_as_nan=nan)
        bad += not r["pass"]
        log("sanitize fused_step %dx%d: %s (worst %s)" % (m, n, "ok" if r["pass"] else "FAIL", fmt_err(r["worst_cuda"])))
    for r in check_nan_refusal(37, 53):
        bad += not r["pass"]
        log("sanitize %s: %s" % (r["case"], "ok" if r["pass"] else "FAIL"))
    for (m, n, rank, method) in [(37, 53, 5, 0), (53, 37, 5, 1), (37, 53, 5, 1)]:
        r = check_refresh_case(m, n, rank, method)
        skipped = str(r.get("error", "")).startswith("not run")
        bad += not r["pass"] and not skipped
        log("sanitize refresh %s: %s" % (r["case"], "skipped (crashes)" if skipped else "ok" if r["pass"] else "FAIL"))
    r = check_null_case(37, 0, 0.02, 0.05)
    skipped = str(r.get("error", "")).startswith("not run")
    bad += not r["pass"] and not skipped
    log("sanitize null_space %s: %s" % (r["case"], "skipped (crashes)" if skipped else "ok" if r["pass"] else "FAIL"))
    log("SANITIZE-CASES-DONE bad=%d" % bad)
    return bad


def find_sanitizer():
    return shutil.which("compute-sanitizer") or next(
        (p for p in ("/usr/local/cuda/bin/compute-sanitizer", "/usr/local/cuda/compute-sanitizer/compute-sanitizer")
         if os.path.exists(p)), None)


def start_sanitizer(lib):
    """compute-sanitizer memcheck over the small cases, in the background (the correctness
    section runs beside it; it is waited for before any timing starts)."""
    sec = RESULTS["sections"].setdefault("sanitizer", {})
    cs = find_sanitizer()
    sec["binary"] = cs
    if not cs:
        log("compute-sanitizer: not found")
        return None
    env = dict(os.environ, PYTORCH_NO_CUDA_MEMORY_CACHING="1", PYTHONUNBUFFERED="1",
               GEMS_CRASHES=",".join("/".join(str(x) for x in c) for c in CRASHES))
    cmd = [cs, "--tool", "memcheck", "--error-exitcode", "17", "--print-limit", "30", sys.executable,
           os.path.abspath(__file__), "--sanitize", "--lib", lib]
    sec["command"] = " ".join(cmd) + "  (env PYTORCH_NO_CUDA_MEMORY_CACHING=1)"
    logf = open(os.path.join(OUT, "sanitizer.log"), "w")
    log("$ " + sec["command"] + " &")
    p = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    return {"proc": p, "log": logf, "t": time.time()}


def finish_sanitizer(handle, deadline_s):
    if handle is None:
        return
    sec = RESULTS["sections"]["sanitizer"]
    p = handle["proc"]
    try:
        rc = p.wait(timeout=max(1.0, deadline_s))
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)  # its own session: the sanitizer and the python under it
        p.wait()
        rc = "timeout"
    handle["log"].close()
    with open(os.path.join(OUT, "sanitizer.log")) as f:
        text = f.read()
    summary = [l.strip() for l in text.splitlines() if "ERROR SUMMARY" in l]
    done = "SANITIZE-CASES-DONE bad=0" in text
    sec.update({"rc": rc, "seconds": round(time.time() - handle["t"], 1), "summary": summary, "cases_done": done,
                "pass": rc == 0 and done and any(" 0 errors" in l for l in summary)})
    log("compute-sanitizer memcheck: rc=%s %s cases_done=%s (%.0f s)" % (rc, summary, done, sec["seconds"]))
    if not sec["pass"]:
        log(text[-3000:])
    save()


def bench(fns, warmup, reps):
    """Interleaved: each repetition runs every variant once; CUDA events; median ms."""
    for i in range(warmup):
        for f in fns.values():
            f(i)
    torch.cuda.synchronize()
    evs = {k: [] for k in fns}
    for i in range(reps):
        for k, f in fns.items():
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            f(i)
            e.record()
            evs[k].append((s, e))
    torch.cuda.synchronize()
    return {k: median_stats([s.elapsed_time(e) for s, e in v]) for k, v in evs.items()}


def power_law_gradient(m, n, dev="cuda"):
    """Gradient-like matrix: singular values 1/(i+1) (as the CPU benchmark uses)."""
    k = min(m, n)
    s = 1.0 / torch.arange(1, k + 1, dtype=torch.float32, device=dev)
    U = torch.linalg.qr(torch.randn(m, k, device=dev)).Q
    V = torch.linalg.qr(torch.randn(n, k, device=dev)).Q
    return ((U * s) @ V.T).contiguous()


TIMING_SHAPES = [(384, 384, 128, 64), (1536, 384, 128, 64), (384, 1536, 128, 64),
                 (2048, 2048, 512, 256), (2048, 11008, 512, 256), (11008, 2048, 512, 256)]


def section_timing(budget, skip_step=False):
    sec = RESULTS["sections"].setdefault("timing", {"step": [], "refresh": []})
    t0 = time.time()
    for (m, n, rsh, rt) in TIMING_SHAPES:
        if skip_step:
            sec["step_skipped"] = True
            break
        if remaining(budget) < 60:
            sec["skipped_for_time"] = True
            break
        large = m * n > 1_000_000
        set_bytes = 4 * (5 * m * n + 3 * (rsh + 2 * rt) * max(m, n))
        nsets = 2 if large else max(2, min(16, int(math.ceil(200e6 / set_bytes))))
        warmup, reps = (5, 30) if large else (20, 100)
        sets = []
        for _ in range(nsets):
            t = step_inputs(m, n, rsh, rt, max(1, m // 8), 5, 3)
            t["lr"], t["step"] = 1e-3, 10
            a = step_args(t, "cuda")
            K = a[19]
            a_noK = list(a)
            a_noK[19] = None
            p1 = torch.nn.Parameter(t["w"].clone())
            p2 = torch.nn.Parameter(t["w"].clone())
            shared = (t["gs"] * (5 / 8) + t["gr"] * (3 / 8)).contiguous()
            p1.grad = shared.clone()
            p2.grad = shared.clone()
            opt_foreach = torch.optim.AdamW([p1], lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01)
            opt_fused = torch.optim.AdamW([p2], lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01, fused=True)
            proj = torch.empty(rsh + 2 * rt, max(m, n), device="cuda")
            sets.append({"args": a_noK, "argsK": a, "K": K, "opt_foreach": opt_foreach, "opt_fused": opt_fused,
                         "proj": proj})
            del t

        def floor(s):
            # the step's GEMMs alone: three projections into R x max(m, n), one back-projection
            a = s["args"]
            w, gs, gr, basis, proj = a[0], a[1], a[2], a[5], s["proj"]
            right = m >= n
            offs = [(0, rsh, gs), (rsh, rt, gs), (rsh + rt, rt, gr)]
            for (o, r, g) in offs:
                if right:
                    torch.mm(basis[o:o + r], g.T, out=proj[o:o + r])
                else:
                    torch.mm(basis[:, o:o + r].T, g, out=proj[o:o + r])
            if right:
                w.addmm_(proj.T, basis, beta=1.0, alpha=-1e-6)
            else:
                w.addmm_(basis, proj, beta=1.0, alpha=-1e-6)

        fns = {
            "fused": lambda i: torch.ops.gems.fused_step(*sets[i % nsets]["args"]),
            "composed": lambda i: composed_step(*sets[i % nsets]["args"]),
            "gemm_floor": lambda i: floor(sets[i % nsets]),
            "adamw_foreach": lambda i: sets[i % nsets]["opt_foreach"].step(),
            "adamw_fused": lambda i: sets[i % nsets]["opt_fused"].step(),
            "fused_nullK": lambda i: torch.ops.gems.fused_step(*sets[i % nsets]["argsK"]),
            "composed_nullK": lambda i: composed_step(*sets[i % nsets]["argsK"]),
        }
        try:
            r = bench(fns, warmup, reps)
            # the same fused variant a second time, for the spread between two runs of one version
            r2 = bench({"fused": fns["fused"]}, 2, reps)
            ok_finite = all(bool(torch.isfinite(s["args"][0]).all()) for s in sets)
        except Exception:
            sec["step"].append({"shape": [m, n], "error": traceback.format_exc()[-1500:]})
            log("timing %dx%d failed: %s" % (m, n, traceback.format_exc()[-500:]))
            continue
        R = rsh + 2 * rt
        flops = 4.0 * m * n * R  # 3 projections (2 m n r_k each) + back-projection (2 m n R)
        row = {"shape": [m, n], "r_sh": rsh, "r_task": rt, "null_k_for_nullK": max(1, m // 8), "reps": reps,
               "warmup": warmup, "input_sets": nsets, "ms": {k: v for k, v in r.items()},
               "fused_second_run": r2["fused"], "weights_finite_after": ok_finite, "gemm_flops": flops}
        med = {k: v["median"] for k, v in r.items()}
        row["composed_over_fused"] = med["composed"] / med["fused"]
        row["fused_over_floor"] = med["fused"] / med["gemm_floor"]
        row["fused_over_adamw_foreach"] = med["fused"] / med["adamw_foreach"]
        row["fused_over_adamw_fused"] = med["fused"] / med["adamw_fused"]
        row["floor_tflops"] = flops / (med["gemm_floor"] * 1e-3) / 1e12
        row["state_bytes_gems"] = 4 * (R * min(m, n) + 2 * R * max(m, n))
        row["state_bytes_adamw"] = 4 * 2 * m * n
        sec["step"].append(row)
        log("timing %5dx%-5d R=%4d: fused %.3f (again %.3f) composed %.3f floor %.3f adamw %.3f/%.3f fusedK %.3f "
            "composedK %.3f ms" % (m, n, R, med["fused"], r2["fused"]["median"], med["composed"], med["gemm_floor"],
                                   med["adamw_foreach"], med["adamw_fused"], med["fused_nullK"], med["composed_nullK"]))
        del sets, fns
        torch.cuda.empty_cache()
        save()

    for (m, n, rsh, rt) in TIMING_SHAPES:
        if remaining(budget) < 45:
            sec["skipped_for_time"] = True
            break
        large = m * n > 1_000_000
        rank = rsh
        try:
            G = power_law_gradient(m, n)
            shape = (rank, n) if m >= n else (m, rank)
            out_e = torch.empty(shape, device="cuda")
            out_r = torch.empty(shape, device="cuda")
            energies = {}

            def ex(i):
                energies["exact"] = torch.ops.gems.refresh_basis(G, rank, 0, 8, 2, 1, out_e)

            def rnd(i):
                energies["randomized"] = torch.ops.gems.refresh_basis(G, rank, 1, 8, 2, 1 + i, out_r)

            if ("refresh_basis", "cuda", 0) in CRASHES or ("refresh_basis", "cuda", 1) in CRASHES:
                raise RuntimeError("not run: refresh_basis on CUDA crashed its probe process")

            # exact SVDs of the large shapes may take seconds: fewer repetitions when slow
            torch.cuda.synchronize()
            tw = time.time()
            ex(-1)
            torch.cuda.synchronize()
            tw = time.time() - tw
            reps_e = 10 if not large else max(1, min(3, int(8.0 / max(tw, 0.1))))
            re = bench({"exact": ex}, 0, reps_e)
            re["exact"]["first_call_s"] = tw
            rr = bench({"randomized": rnd}, 2, 10 if large else 30)
            # the construction's singular values are 1/(i+1): its top-r energy, in float64
            s2 = [1.0 / (i + 1) ** 2 for i in range(min(m, n))]
            e64 = sum(s2[:rank]) / sum(s2)
            row = {"shape": [m, n], "rank": rank, "oversample": 8, "power_iters": 2,
                   "exact_ms": re["exact"], "randomized_ms": rr["randomized"],
                   "energy_exact": energies["exact"], "energy_randomized": energies["randomized"],
                   "energy_construction": e64, "randomized_share_of_exact": energies["randomized"] / energies["exact"],
                   "speedup": re["exact"]["median"] / rr["randomized"]["median"]}
            sec["refresh"].append(row)
            log("refresh %5dx%-5d r=%d: exact %.1f ms (E=%.5f) randomized %.1f ms (E=%.5f) construction E=%.5f" % (
                m, n, rank, re["exact"]["median"], energies["exact"], rr["randomized"]["median"],
                energies["randomized"], e64))
            del G, out_e, out_r
            torch.cuda.empty_cache()
        except Exception:
            sec["refresh"].append({"shape": [m, n], "error": traceback.format_exc()[-1500:]})
            log("refresh timing %dx%d failed: %s" % (m, n, traceback.format_exc()[-500:]))
        save()
    sec["seconds"] = round(time.time() - t0, 1)


# ----------------------------------------------------------------------------------------------
# Report


def summarize():
    """Compact tables (markdown) from RESULTS; pure Python."""
    lines = []
    sec = RESULTS["sections"]
    env = RESULTS.get("env", {})
    lines.append("GPU: %s | torch %s | CUDA %s | seed %s" % (env.get("gpu"), env.get("torch"), env.get("cuda"),
                                                           RESULTS.get("seed")))
    b = sec.get("build", {})
    lines.append("build: rc=%s in %ss, libgems_cuda=%s" % (b.get("rc"), b.get("seconds"), b.get("libgems_cuda")))
    c = sec.get("correctness", {})
    if c:
        lines.append("")
        lines.append("| op | case | shape | rank | max rel err CUDA vs f64 | CUDA vs CPU | bound | pass |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in c.get("fused_step", []):
            cv = r.get("cuda_vs_f64", {})
            cc = r.get("cuda_vs_cpu", {})
            lines.append("| fused_step | %s | %dx%d | %s/%s k=%s | %s | %s | %.1e | %s |" % (
                r["case"], r["m"], r["n"], r.get("r_sh"), r.get("r_task"), r.get("null_k"),
                fmt_err(worst(cv.values())), fmt_err(worst(cc.values())),
                r.get("weight_update_bound", BOUND_STEP), "ok" if r["pass"] else "FAIL"))
        for r in c.get("refusal", []):
            lines.append("| fused_step | %s | | | | | | %s |" % (r["case"], "ok" if r["pass"] else "FAIL"))
        for r in c.get("refresh_basis", []):
            cu = r.get("cuda", {})
            if cu:
                err = max(cu["projector_vs_f64"], cu["orthonormality"]) if r["method"] == "exact" else cu["orthonormality"]
                lines.append("| refresh_basis | %s | %dx%d | %d | %s (dE %s) | %s | %.0e | %s |" % (
                    r["method"], r["m"], r["n"], r["rank"], fmt_err(err), fmt_err(cu["energy_vs_f64"]),
                    fmt_err(r["cuda_vs_cpu_projector"]), BOUND_DECOMP, "ok" if r["pass"] else "FAIL"))
            else:
                lines.append("| refresh_basis | %s | | | | | | %s |" % (r["case"], "ok" if r["pass"] else "FAIL"))
        for r in c.get("null_space_basis", []):
            lines.append("| null_space_basis | %s | %sx%s | k=%s (f64 %s) | %s | %s | %.0e | %s |" % (
                r["case"].split(", m=")[0], r.get("m"), r.get("m"), r.get("k_cuda"), r.get("k_f64"),
                fmt_err(r.get("worst_cuda")), fmt_err(r.get("eigenvalues_cuda_vs_cpu")), BOUND_DECOMP,
                "ok" if r["pass"] else "FAIL"))
        allc = c.get("fused_step", []) + c.get("refusal", []) + c.get("refresh_basis", []) + c.get("null_space_basis", [])
        lines.append("correctness: %d/%d cases pass" % (sum(1 for r in allc if r.get("pass")), len(allc)))
    s = sec.get("sanitizer", {})
    if s:
        lines.append("compute-sanitizer memcheck: %s" % (
            "pass, " + "; ".join(s.get("summary", [])) if s.get("pass") else json.dumps(s)[:400]))
    t = sec.get("timing", {})
    if t.get("step"):
        lines.append("")
        lines.append("| shape | R | fused ms | composed ms | composed/fused | GEMM floor ms | fused/floor | "
                     "AdamW foreach ms | AdamW fused ms | fused/AdamW(fused) | fused+K ms | composed+K ms |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in t["step"]:
            if "ms" not in r:
                lines.append("| %dx%d | error | | | | | | | | | | |" % tuple(r["shape"]))
                continue
            ms = {k: v["median"] for k, v in r["ms"].items()}
            lines.append("| %dx%d | %d | %.3f | %.3f | %.2fx | %.3f | %.2fx | %.3f | %.3f | %.1fx | %.3f | %.3f |" % (
                r["shape"][0], r["shape"][1], r["r_sh"] + 2 * r["r_task"], ms["fused"], ms["composed"],
                r["composed_over_fused"], ms["gemm_floor"], r["fused_over_floor"], ms["adamw_foreach"],
                ms["adamw_fused"], r["fused_over_adamw_fused"], ms["fused_nullK"], ms["composed_nullK"]))
    if t.get("refresh"):
        lines.append("")
        lines.append("| shape | rank | exact ms | randomized ms | speedup | energy exact | energy randomized | energy of the construction |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in t["refresh"]:
            if "exact_ms" not in r:
                lines.append("| %dx%d | error | | | | | | |" % tuple(r["shape"]))
                continue
            lines.append("| %dx%d | %d | %.1f | %.1f | %.1fx | %.5f | %.5f | %.5f |" % (
                r["shape"][0], r["shape"][1], r["rank"], r["exact_ms"]["median"], r["randomized_ms"]["median"],
                r["speedup"], r["energy_exact"], r["energy_randomized"], r["energy_construction"]))
    return "\n".join(lines)


def main():
    global torch
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
        global RESULTS
        with open(opts.summary_only) as f:
            RESULTS = json.load(f)
        print(summarize())
        return 0

    import torch as _torch
    torch = _torch
    torch.backends.cuda.matmul.allow_tf32 = False  # full fp32 GEMMs (torch's default, made explicit)
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    seed = int.from_bytes(os.urandom(4), "little")
    random.seed(seed)
    torch.manual_seed(seed)
    RESULTS["seed"] = seed

    if opts.probe:
        run_probe(opts.probe, opts.lib)
        return 0
    if opts.linalg:
        linalg_accuracy()
        return 0
    if opts.sanitize:
        for c in filter(None, os.environ.get("GEMS_CRASHES", "").split(",")):
            op, dev, method = c.split("/")
            CRASHES.add((op, dev, int(method)))
        load(opts.lib)
        return 1 if sanitize_cases() else 0

    os.makedirs(OUT, exist_ok=True)
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible to torch")
    props = torch.cuda.get_device_properties(0)
    cap = torch.cuda.get_device_capability(0)
    RESULTS["env"] = {"gpu": torch.cuda.get_device_name(0), "sm_count": props.multi_processor_count,
                      "memory_gib": round(props.total_memory / 2 ** 30, 1), "capability": list(cap),
                      "torch": torch.__version__, "cuda": torch.version.cuda, "python": sys.version.split()[0],
                      "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
                      "float32_matmul_precision": torch.get_float32_matmul_precision()}
    try:
        RESULTS["env"]["nvidia_smi"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit",
             "--format=csv,noheader"], capture_output=True, text=True, timeout=30).stdout.strip()
        RESULTS["env"]["nvcc"] = subprocess.run([shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc", "--version"],
                                                capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[-1]
    except Exception as e:
        RESULTS["env"]["tools_error"] = repr(e)
    log("env: %s" % json.dumps(RESULTS["env"]))
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
    RESULTS["seconds"] = round(time.time() - T0, 1)
    save()
    table = summarize()
    with open(os.path.join(OUT, "summary.md"), "w") as f:
        f.write(table + "\n")
    log("")
    log(table)
    c = RESULTS["sections"].get("correctness", {})
    allc = c.get("fused_step", []) + c.get("refusal", []) + c.get("refresh_basis", []) + c.get("null_space_basis", [])
    return 0 if allc and all(r.get("pass") for r in allc) else 1


if __name__ == "__main__":
    sys.exit(main())
