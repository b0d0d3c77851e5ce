// Elementwise kernels of the fused step. The CPU versions live in kernels_cpu.cpp; the CUDA
// versions with the same arguments live in ../cuda/kernels_cuda.cu (libgems_cuda.so).
#pragma once
#include <cstdint>

namespace gems {

// Adam inside the three subspaces at once. The projected gradients are stored rank-major:
// rows [0, rows_sh) are the shared subspace, the next rows_task rows the search subspace,
// the last rows_task rows the recommendation subspace; each row has `cols` entries.
// On return `grad_proj` holds the back-projection coefficients scale_k * m_hat / (sqrt(v_hat) + eps).
struct SubspaceAdamArgs {
  float* grad_proj;
  float* exp_avg;
  float* exp_avg_sq;
  int64_t rows_sh;
  int64_t rows_task;
  int64_t cols;
  float scale_sh;   // alpha
  float scale_src;  // alpha * gate_src
  float scale_rec;  // alpha * gate_rec
  float beta1;
  float beta2;
  float eps;
  float bias_correction1;  // 1 - beta1^t
  float bias_correction2;  // 1 - beta2^t
};

void subspace_adam_cpu(const SubspaceAdamArgs& a);

// out = wa * a + wb * b over n contiguous floats (the shared gradient from the two task ones).
void combine_cpu(float* out, const float* a, const float* b, float wa, float wb, int64_t n);

// true when none of the n contiguous floats is NaN or infinite.
bool all_finite_cpu(const float* x, int64_t n);

}  // namespace gems
