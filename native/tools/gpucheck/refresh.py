"""gems::refresh_basis: gradients with a spectral gap and the checks against float64."""
import math
import random
import torch

from gpucheck import common
from gpucheck.common import BOUND_DECOMP, BOUND_ENERGY, BOUND_RAND_ENERGY_RATIO
from gpucheck.tensors import ok, orth, poison_allocator, rel


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
    run_cuda = ("refresh_basis", "cuda", method) not in common.CRASHES
    run_cpu = ("refresh_basis", "cpu", method) not in common.CRASHES
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
    if ("refresh_basis", "cuda", 0) in common.CRASHES:
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
