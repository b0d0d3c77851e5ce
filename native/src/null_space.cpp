// Null-space split of an activation second moment (gems.h: gems_null_space_basis).
#include <algorithm>
#include <cmath>
#include <vector>

#include "aten.h"
#include "check.h"
#include "errors.h"
#include "ops.h"

namespace gems {

namespace {

// Number of protected (dominant) directions among eigenvalues sorted in descending order.
int64_t protected_count(const std::vector<double>& desc, int rule, double threshold,
                        double min_null_fraction) {
  const int64_t m = (int64_t)desc.size();
  int64_t k = 0;
  if (rule == GEMS_NULL_EIGENVALUE) {
    while (k < m && desc[k] >= threshold) ++k;
  } else {
    double total = 0;
    for (double v : desc) total += std::max(v, 0.0);
    double kept = 0;
    while (k < m && kept < threshold * total) kept += std::max(desc[k++], 0.0);
  }
  const int64_t min_free = (int64_t)std::ceil(min_null_fraction * double(m) - 1e-9);
  return std::min(k, m - min_free);
}

}  // namespace

int64_t null_space_basis(const NullSpaceArgs& a) {
  NoGradGuard no_grad;
  ArgCheck c("gems.null_space_basis");
  c.require(a.second_moment != nullptr, "second_moment is missing (null tensor handle)");
  c.require(dim(a.second_moment) == 2 && size(a.second_moment, 0) == size(a.second_moment, 1), [&] {
    return std::string() + "second_moment must be a square matrix, got " + describe(a.second_moment);
  });
  const int64_t m = size(a.second_moment, 0);
  // float64 input is decomposed in float64 (an activation second moment summed over many tokens
  // loses its small eigenvalues' digits in float32); the outputs are float32 either way
  c.tensor(a.second_moment, "second_moment", {m, m}, false, /*allow_float64=*/true);
  c.require(a.rule == GEMS_NULL_EIGENVALUE || a.rule == GEMS_NULL_ENERGY, [&] {
    return std::string() + "rule must be GEMS_NULL_EIGENVALUE (0) or GEMS_NULL_ENERGY (1), got " +
           std::to_string(a.rule);
  });
  c.require(
      std::isfinite(a.threshold) && (a.rule == GEMS_NULL_EIGENVALUE || (a.threshold > 0 && a.threshold <= 1)),
      [&] {
        return std::string() + "threshold must be finite, and in (0, 1] for the energy rule, got " +
               std::to_string(a.threshold);
      });
  c.require(a.min_null_fraction >= 0 && a.min_null_fraction < 1, [&] {
    return "min_null_fraction must be in [0, 1), got " + std::to_string(a.min_null_fraction);
  });
  c.tensor(a.eigenvectors_out, "eigenvectors_out", {m, m});
  c.tensor(a.eigenvalues_out, "eigenvalues_out", {m});
  const float* vec = data_f32(a.eigenvectors_out);
  const float* val = data_f32(a.eigenvalues_out);
  c.require(val + m <= vec || vec + m * m <= val, "eigenvectors_out and eigenvalues_out overlap");
  c.same_device(a.eigenvectors_out, "eigenvectors_out", a.second_moment, "second_moment");
  c.same_device(a.eigenvalues_out, "eigenvalues_out", a.second_moment, "second_moment");

  aten::Eigh e = aten::eigh(a.second_moment);  // ascending
  Tensor values = aten::flip(e.values.get(), 0);
  Tensor vectors = aten::flip(e.vectors.get(), 1);
  Tensor host = empty({m}, aoti_torch_dtype_float64(), Device::Cpu, 0);
  copy_into(host.get(), values.get());
  const double* p = data_f64(host.get());
  std::vector<double> desc(p, p + m);
  for (double v : desc)
    if (!std::isfinite(v)) c.fail("second_moment has non-finite eigenvalues (NaN or Inf in the input?)");
  copy_into(a.eigenvalues_out, values.get());
  copy_into(a.eigenvectors_out, vectors.get());
  return protected_count(desc, a.rule, a.threshold, a.min_null_fraction);
}

}  // namespace gems
