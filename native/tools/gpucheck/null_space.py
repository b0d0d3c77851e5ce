"""gems::null_space_basis: second moments and the checks of the split rule."""
import math
import torch

from gpucheck import common
from gpucheck.common import BOUND_DECOMP, BOUND_STEP, EPS32, ref_protected_count
from gpucheck.tensors import ok, orth, poison_allocator, rel


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
    if ("null_space_basis", "cuda", 0) in common.CRASHES or ("null_space_basis", "cpu", 0) in common.CRASHES:
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
