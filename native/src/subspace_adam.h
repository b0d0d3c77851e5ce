// The Adam update of one element of the projected gradient, written once for both kernels:
// kernels_cpu.cpp (OpenMP) and ../cuda/kernels_cuda.cu (one thread per element) call it, so the
// two devices compute the same expression.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels.h"

#if defined(__CUDACC__)
#define GEMS_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define GEMS_HOST_DEVICE inline
#endif

namespace gems {

// The scale of a row of the rank-major projected gradient: shared rows first, then search,
// then recommendation.
GEMS_HOST_DEVICE float subspace_row_scale(const SubspaceAdamArgs& a, int64_t row) {
  return row < a.rows_sh ? a.scale_sh : row < a.rows_sh + a.rows_task ? a.scale_src : a.scale_rec;
}

// Updates the moments m and v with gradient g in place; returns the back-projection
// coefficient scale * m_hat / (sqrt(v_hat) + eps), with 1 / bias_correction1 and
// 1 / sqrt(bias_correction2) precomputed by the caller.
GEMS_HOST_DEVICE float subspace_adam_element(const SubspaceAdamArgs& a, float scale, float inv_bc1,
                                             float inv_sqrt_bc2, float g, float& m, float& v) {
  m = a.beta1 * m + (1.0f - a.beta1) * g;
  v = a.beta2 * v + (1.0f - a.beta2) * g * g;
  return scale * (m * inv_bc1) / (sqrtf(v) * inv_sqrt_bc2 + a.eps);
}

}  // namespace gems
