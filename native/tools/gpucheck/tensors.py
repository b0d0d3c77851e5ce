"""Helpers on tensors: relative errors, orthonormal bases, allocator poisoning."""
import math
import torch

from gpucheck.common import worst


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
