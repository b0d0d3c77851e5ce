"""The correctness section: torch's own linalg accuracy, then every op and shape against float64."""
import json
import math
import os
import time
import traceback
import torch

from gpucheck import common
from gpucheck.common import OUT, fmt_err, log, remaining, save, worst
from gpucheck.step import check_nan_refusal, check_step_case
from gpucheck.refresh import check_refresh_case, check_refresh_view
from gpucheck.null_space import check_null_case


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
    common.RESULTS["linalg"] = out
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "linalg.json"), "w") as f:
        json.dump(out, f, indent=1)


SHAPES = [(37, 53), (53, 37), (300, 129), (129, 300), (384, 384), (1536, 384), (384, 1536)]


def section_correctness(budget):
    sec = common.RESULTS["sections"].setdefault("correctness", {"fused_step": [], "refusal": [], "refresh_basis": [],
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
