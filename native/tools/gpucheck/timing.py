"""The timing section: the fused step against composed torch ops, the GEMM floor and AdamW; refresh."""
import math
import time
import traceback
import torch

from gpucheck import common
from gpucheck.common import log, median_stats, remaining, save
from gpucheck.step import composed_step, step_args, step_inputs


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
    sec = common.RESULTS["sections"].setdefault("timing", {"step": [], "refresh": []})
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

            if ("refresh_basis", "cuda", 0) in common.CRASHES or ("refresh_basis", "cuda", 1) in common.CRASHES:
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
