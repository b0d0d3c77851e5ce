// Reaches the CUDA kernels in libgems_cuda.so, loaded on first use from the directory that
// holds libgems itself, and libtorch's current CUDA stream (from libtorch_cuda.so, which the
// host has already loaded when it hands us CUDA tensors). Nothing here links CUDA, so libgems
// loads on machines without it.
#pragma once
#include <cstdint>

#include "kernels.h"

namespace gems::cuda {

bool available();  // libgems_cuda.so found and loaded
void subspace_adam(const SubspaceAdamArgs& a, int32_t device_index);
void combine(float* out, const float* x, const float* y, float wx, float wy, int64_t n, int32_t device_index);
bool all_finite(const float* x, int64_t n, int32_t device_index);

}  // namespace gems::cuda
