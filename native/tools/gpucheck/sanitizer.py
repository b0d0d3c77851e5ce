"""compute-sanitizer memcheck over small cases, run in the background."""
import os
import shutil
import subprocess
import sys
import time

from gpucheck import common
from gpucheck.common import ENTRY, OUT, fmt_err, log, save
from gpucheck.step import check_nan_refusal, check_step_case
from gpucheck.refresh import check_refresh_case
from gpucheck.null_space import check_null_case


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
    sec = common.RESULTS["sections"].setdefault("sanitizer", {})
    cs = find_sanitizer()
    sec["binary"] = cs
    if not cs:
        log("compute-sanitizer: not found")
        return None
    env = dict(os.environ, PYTORCH_NO_CUDA_MEMORY_CACHING="1", PYTHONUNBUFFERED="1",
               GEMS_CRASHES=",".join("/".join(str(x) for x in c) for c in common.CRASHES))
    cmd = [cs, "--tool", "memcheck", "--error-exitcode", "17", "--print-limit", "30", sys.executable,
           ENTRY, "--sanitize", "--lib", lib]
    sec["command"] = " ".join(cmd) + "  (env PYTORCH_NO_CUDA_MEMORY_CACHING=1)"
    logf = open(os.path.join(OUT, "sanitizer.log"), "w")
    log("$ " + sec["command"] + " &")
    p = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    return {"proc": p, "log": logf, "t": time.time()}


def finish_sanitizer(handle, deadline_s):
    if handle is None:
        return
    sec = common.RESULTS["sections"]["sanitizer"]
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
