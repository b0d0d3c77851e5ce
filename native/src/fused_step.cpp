// The fused multi-subspace step (gems.h: gems_fused_step).
//
// Everything in the reduced space is stored rank-major, R rows of L = max(m, n) entries, so
// the three subspaces are contiguous row blocks in both of GaLore's cases:
//   m >= n (right bases B, R x n):  P_k = B_k G_k^T     (r_k x m),  D = N^T B
//   m <  n (left bases A,  m x R):  P_k = A_k^T G_k     (r_k x n),  D = A N
// Projections are three GEMMs (each gradient has its own basis); Adam, gating and scaling for
// all three subspaces are one elementwise kernel; the back-projection and the weight update
// W <- (1 - lr wd) W - lr D are one in-place GEMM (addmm) against the concatenated basis.
#include <algorithm>
#include <cmath>
#include <string>

#include "aten.h"
#include "check.h"
#include "cuda_dispatch.h"
#include "errors.h"
#include "kernels.h"
#include "ops.h"
#include "workspace.h"

namespace gems {

namespace {

struct Shape {
  int64_t m, n, rank_sum, long_side;
  bool right;  // m >= n: bases are rows of right singular vectors
};

Shape validate(const StepArgs& a) {
  ArgCheck c("gems.fused_step");
  c.require(a.weight != nullptr, "weight is missing (null tensor handle)");
  c.require(dim(a.weight) == 2,
            [&] { return std::string() + "weight must be a 2-D matrix, got " + describe(a.weight); });
  const int64_t m = size(a.weight, 0), n = size(a.weight, 1);
  c.tensor(a.weight, "weight", {m, n});
  Shape s{m, n, a.rank_shared + 2 * a.rank_task, std::max(m, n), m >= n};

  c.require(a.count_search >= 0 && a.count_rec >= 0 && a.count_search + a.count_rec > 0, [&] {
    return std::string() + "sample counts must be >= 0 with a positive sum, got count_search=" +
           std::to_string(a.count_search) + " count_rec=" + std::to_string(a.count_rec);
  });
  if (a.count_search > 0) c.tensor(a.grad_search, "grad_search", {m, n});
  if (a.count_rec > 0) c.tensor(a.grad_rec, "grad_rec", {m, n});

  const int64_t full = std::min(m, n);
  c.require(a.rank_shared >= 1 && a.rank_shared <= full, [&] {
    return std::string() + "rank_shared must be in [1, min(m, n) = " + std::to_string(full) +
           "] for weight " + shape_str({m, n}) + ", got " + std::to_string(a.rank_shared);
  });
  c.require(a.rank_task >= 0 && a.rank_task <= full, [&] {
    return std::string() + "rank_task must be in [0, min(m, n) = " + std::to_string(full) + "] for weight " +
           shape_str({m, n}) + ", got " + std::to_string(a.rank_task);
  });
  c.tensor(a.basis, "basis",
           s.right ? std::vector<int64_t>{s.rank_sum, n} : std::vector<int64_t>{m, s.rank_sum});
  c.tensor(a.exp_avg, "exp_avg", {s.rank_sum, s.long_side});
  c.tensor(a.exp_avg_sq, "exp_avg_sq", {s.rank_sum, s.long_side});
  if (a.null_basis) {
    c.require(dim(a.null_basis) == 2 && size(a.null_basis, 0) == m && size(a.null_basis, 1) <= m, [&] {
      return "null_basis must be (m = " + std::to_string(m) + ") x k with 0 <= k <= m, got " +
             describe(a.null_basis);
    });
    c.tensor(a.null_basis, "null_basis", sizes(a.null_basis), false);  // a column view is fine
  }
  const AtenTensorHandle others[] = {a.count_search > 0 ? a.grad_search : nullptr,
                                     a.count_rec > 0 ? a.grad_rec : nullptr,
                                     a.basis,
                                     a.exp_avg,
                                     a.exp_avg_sq,
                                     a.null_basis};
  const char* names[] = {"grad_search", "grad_rec", "basis", "exp_avg", "exp_avg_sq", "null_basis"};
  for (int i = 0; i < 6; ++i)
    if (others[i]) c.same_device(others[i], names[i], a.weight, "weight");

  c.require(a.step >= 1, [&] { return std::string() + "step must be >= 1, got " + std::to_string(a.step); });
  c.require(std::isfinite(a.lr) && a.lr >= 0,
            [&] { return std::string() + "lr must be finite and >= 0, got " + std::to_string(a.lr); });
  c.require(a.beta1 >= 0 && a.beta1 < 1 && a.beta2 >= 0 && a.beta2 < 1, [&] {
    return std::string() + "beta1 and beta2 must be in [0, 1), got " + std::to_string(a.beta1) + ", " +
           std::to_string(a.beta2);
  });
  c.require(a.eps > 0 && std::isfinite(a.eps),
            [&] { return std::string() + "eps must be > 0, got " + std::to_string(a.eps); });
  c.require(std::isfinite(a.alpha), "alpha must be finite");
  c.require(std::isfinite(a.weight_decay) && a.weight_decay >= 0, "weight_decay must be >= 0");
  c.require(std::isfinite(a.gate_search) && std::isfinite(a.gate_rec), "gates must be finite");
  // The kernels run in float: the values must survive the narrowing.
  c.require(float(a.eps) > 0, "eps is below float32's smallest positive value");
  c.require(std::isfinite(float(a.alpha * a.gate_search)) && std::isfinite(float(a.alpha * a.gate_rec)) &&
                std::isfinite(float(a.alpha)) && std::isfinite(float(a.lr * a.weight_decay)),
            "alpha, alpha * gates and lr * weight_decay must be finite in float32");
  return s;
}

// P <- P - (P K) K^T for rank-major rows P (R x m): removes the protected output directions.
// `coeff` (R x k) is preallocated so that this cannot fail for want of memory.
void project_rows_out(AtenTensorHandle p, AtenTensorHandle k, AtenTensorHandle kt, AtenTensorHandle coeff) {
  aten::mm_out(coeff, p, k);
  aten::addmm_out(p, p, coeff, kt, 1.0f, -1.0f);
}

// Zeroes a float32 tensor on its device (an absent task's projected gradient).
void zero(AtenTensorHandle t) { check_abi(aoti_torch_zero_(t), "aten::zero_"); }

// Everything that can fail for a reason other than a programming error happens before the
// Adam kernel writes the moments, so a failed step leaves weight and moments as they were.
void fused_step_checked(const StepArgs& a, const Shape& s) {
  const bool cuda = device(a.weight) == Device::Cuda;
  const int32_t dev_index = device_index(a.weight);
  const int64_t r_sh = a.rank_shared, r_t = a.rank_task;

  // The shared gradient is the sample-weighted mean of the two task gradients.
  Tensor combined;
  AtenTensorHandle grad_shared = a.count_rec == 0 ? a.grad_search : a.grad_rec;
  if (a.count_search > 0 && a.count_rec > 0) {
    combined = scratch(Scratch::SharedGradient, a.weight, {s.m, s.n});
    const double total = double(a.count_search + a.count_rec);
    const float ws = float(a.count_search / total), wr = float(a.count_rec / total);
    float* out = data_f32(combined.get());
    const float* gs = data_f32(a.grad_search);
    const float* gr = data_f32(a.grad_rec);
    if (cuda)
      cuda::combine(out, gs, gr, ws, wr, s.m * s.n, dev_index);
    else
      combine_cpu(out, gs, gr, ws, wr, s.m * s.n);
    grad_shared = combined.get();
  }

  Tensor kt;  // K^T, a view
  if (a.null_basis) kt = aten::transpose(a.null_basis);

  // Left case with a null space: project the bases once, A' = A - K (K^T A); then both the
  // projected gradients A'^T G and the update A' N stay clear of the protected directions.
  Tensor basis = Tensor::borrow(a.basis);
  if (!s.right && a.null_basis) {
    Tensor coeff = aten::mm(kt.get(), a.basis);
    Tensor projected = aten::clone(a.basis);
    aten::addmm_out(projected.get(), projected.get(), a.null_basis, coeff.get(), 1.0f, -1.0f);
    basis = std::move(projected);
  }

  Tensor proj = scratch(Scratch::Projection, a.weight, {s.rank_sum, s.long_side});
  const struct {
    AtenTensorHandle grad;
    int64_t row, rank;
  } blocks[] = {{grad_shared, 0, r_sh},
                {a.count_search > 0 ? a.grad_search : nullptr, r_sh, r_t},
                {a.count_rec > 0 ? a.grad_rec : nullptr, r_sh + r_t, r_t}};
  for (const auto& b : blocks) {
    if (b.rank == 0) continue;
    Tensor out = aten::rows(proj.get(), b.row, b.rank);
    if (!b.grad) {
      zero(out.get());
      continue;
    }
    if (s.right) {
      Tensor basis_rows = aten::rows(basis.get(), b.row, b.rank);
      Tensor grad_t = aten::transpose(b.grad);
      aten::mm_out(out.get(), basis_rows.get(), grad_t.get());
    } else {
      Tensor basis_cols = aten::cols(basis.get(), b.row, b.rank);
      Tensor basis_t = aten::transpose(basis_cols.get());
      aten::mm_out(out.get(), basis_t.get(), b.grad);
    }
  }
  Tensor coeff, protected_part;
  if (a.null_basis) coeff = empty_like_f32(a.weight, {s.rank_sum, size(a.null_basis, 1)});
  if (s.right && a.null_basis) project_rows_out(proj.get(), a.null_basis, kt.get(), coeff.get());
  // Weight decay must not move the protected directions either: decay P W, not W.
  const bool decay_projected = a.null_basis && a.weight_decay > 0 && a.lr > 0;
  if (decay_projected) protected_part = aten::mm(kt.get(), a.weight);  // K^T W, before W changes

  // NaN/Inf in a gradient reaches its projection; refuse before any state changes.
  float* p = data_f32(proj.get());
  const int64_t count = s.rank_sum * s.long_side;
  if (!(cuda ? cuda::all_finite(p, count, dev_index) : all_finite_cpu(p, count)))
    fail("gems.fused_step: the gradients contain NaN or Inf (weight " + shape_str({s.m, s.n}) +
         "); weight and moments left unchanged");

  SubspaceAdamArgs k{};
  k.grad_proj = p;
  k.exp_avg = data_f32(a.exp_avg);
  k.exp_avg_sq = data_f32(a.exp_avg_sq);
  k.rows_sh = r_sh;
  k.rows_task = r_t;
  k.cols = s.long_side;
  k.scale_sh = float(a.alpha);
  k.scale_src = float(a.alpha * a.gate_search);
  k.scale_rec = float(a.alpha * a.gate_rec);
  k.beta1 = float(a.beta1);
  k.beta2 = float(a.beta2);
  k.eps = float(a.eps);
  k.bias_correction1 = float(1.0 - std::pow(a.beta1, double(a.step)));
  k.bias_correction2 = float(1.0 - std::pow(a.beta2, double(a.step)));
  if (cuda)
    cuda::subspace_adam(k, dev_index);
  else
    subspace_adam_cpu(k);

  // Elementwise Adam leaves the null space in the right case: project the directions again.
  if (s.right && a.null_basis) project_rows_out(proj.get(), a.null_basis, kt.get(), coeff.get());

  const float keep = float(1.0 - a.lr * a.weight_decay);
  if (s.right) {
    Tensor dirs_t = aten::transpose(proj.get());  // N^T (m x R)
    aten::addmm_out(a.weight, a.weight, dirs_t.get(), basis.get(), keep, float(-a.lr));
  } else {
    aten::addmm_out(a.weight, a.weight, basis.get(), proj.get(), keep, float(-a.lr));
  }
  if (decay_projected)
    aten::addmm_out(a.weight, a.weight, a.null_basis, protected_part.get(), 1.0f,
                    float(a.lr * a.weight_decay));
}

}  // namespace

void fused_step(const StepArgs& a) {
  NoGradGuard no_grad;
  StepArgs args = a;
  // k = 0: nothing is protected (dim() is checked in validate; guard the size() call here)
  if (a.null_basis && dim(a.null_basis) == 2 && size(a.null_basis, 1) == 0) args.null_basis = nullptr;
  fused_step_checked(args, validate(args));
}

}  // namespace gems
