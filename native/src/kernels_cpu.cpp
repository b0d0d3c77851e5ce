// OpenMP CPU kernels. Each is one pass over memory; the GEMMs around them go through aten.
#include <cmath>

#include "kernels.h"
#include "subspace_adam.h"

namespace gems {

namespace {
// Below this many elements the OpenMP fork/join costs more than it saves.
constexpr int64_t kParallelGrain = 1 << 15;
}  // namespace

void subspace_adam_cpu(const SubspaceAdamArgs& a) {
  const int64_t rows = a.rows_sh + 2 * a.rows_task;
  const int64_t total = rows * a.cols;
  const float inv_bc1 = 1.0f / a.bias_correction1;
  const float inv_sqrt_bc2 = 1.0f / std::sqrt(a.bias_correction2);
#pragma omp parallel for schedule(static) if (total > kParallelGrain)
  for (int64_t row = 0; row < rows; ++row) {
    const float scale = subspace_row_scale(a, row);
    float* g = a.grad_proj + row * a.cols;
    float* m = a.exp_avg + row * a.cols;
    float* v = a.exp_avg_sq + row * a.cols;
#pragma omp simd
    for (int64_t j = 0; j < a.cols; ++j) {
      g[j] = subspace_adam_element(a, scale, inv_bc1, inv_sqrt_bc2, g[j], m[j], v[j]);
    }
  }
}

void combine_cpu(float* out, const float* a, const float* b, float wa, float wb, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = wa * a[i] + wb * b[i];
}

bool all_finite_cpu(const float* x, int64_t n) {
  int bad = 0;
#pragma omp parallel for reduction(| : bad) schedule(static) if (n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) bad |= !std::isfinite(x[i]);
  return bad == 0;
}

}  // namespace gems
