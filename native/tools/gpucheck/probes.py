"""Probes: each op in its own process first, so a crash is recorded instead of ending the run."""
import os
import shutil
import subprocess
import sys
import time
import torch

from gpucheck import common
from gpucheck.common import ENTRY, OUT, log, save


# Each probe runs one op (or torch's own linear algebra) once, in its own process, so that a
# crash is attributed and the rest of the check still runs. name -> (common.CRASHES key or None, code)
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
    under cuda-gdb for a native backtrace. Fills common.CRASHES."""
    sec = common.RESULTS["sections"].setdefault("probes", {})
    t = time.time()
    procs = {}
    for name in PROBES:
        procs[name] = subprocess.Popen([sys.executable, "-X", "faulthandler", ENTRY, "--probe", name,
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
                common.CRASHES.add(PROBES[name][0])
    gdb = shutil.which("cuda-gdb") or ("/usr/local/cuda/bin/cuda-gdb" if os.path.exists("/usr/local/cuda/bin/cuda-gdb")
                                       else None)
    if crashed and gdb:
        gprocs = {}
        for name in crashed[:4]:
            cmd = [gdb, "-q", "-batch", "-ex", "set pagination off", "-ex", "set confirm off", "-ex", "run",
                   "-ex", "bt 40", "--args", sys.executable, ENTRY, "--probe", name, "--lib", lib]
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
    sec["crashes"] = sorted("/".join(str(x) for x in c) for c in common.CRASHES)
    with open(os.path.join(OUT, "probes.log"), "w") as f:
        for name, r in sec.items():
            if isinstance(r, dict):
                f.write("==== %s rc=%s\n%s\n%s\n" % (name, r.get("rc"), r.get("output", ""), r.get("backtrace", "")))
    save()
