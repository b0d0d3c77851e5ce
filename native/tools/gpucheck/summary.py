"""The compact report of a run's JSON (needs no torch)."""
import json

from gpucheck import common
from gpucheck.common import BOUND_DECOMP, BOUND_STEP, fmt_err, worst


def summarize():
    """Compact tables (markdown) from common.RESULTS; pure Python."""
    lines = []
    sec = common.RESULTS["sections"]
    env = common.RESULTS.get("env", {})
    lines.append("GPU: %s | torch %s | CUDA %s | seed %s" % (env.get("gpu"), env.get("torch"), env.get("cuda"),
                                                           common.RESULTS.get("seed")))
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
