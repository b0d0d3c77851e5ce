"""The fused step: inputs, the op, the float64 reference, the composed torch version, its checks."""
import random
import torch

from gpucheck.common import BOUND_STEP, EPS32, worst
from gpucheck.tensors import ok, orth, poison_allocator, rel, rel_blocks


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
