// CUDA versions of the elementwise kernels in src/kernels_cpu.cpp, built into
// libgems_cuda.so. libgems loads this library only when it meets a CUDA tensor, and calls it
// through the C entry points below on the stream libtorch reports as current.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>

#include "kernels.h"
#include "subspace_adam.h"

namespace {

__global__ void subspace_adam_kernel(gems::SubspaceAdamArgs a, float inv_bc1, float inv_sqrt_bc2) {
  const int64_t rows = a.rows_sh + 2 * a.rows_task;
  const int64_t total = rows * a.cols;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
       i += (int64_t)gridDim.x * blockDim.x) {
    float m = a.exp_avg[i], v = a.exp_avg_sq[i];
    a.grad_proj[i] = gems::subspace_adam_element(a, gems::subspace_row_scale(a, i / a.cols), inv_bc1, inv_sqrt_bc2,
                                                 a.grad_proj[i], m, v);
    a.exp_avg[i] = m;
    a.exp_avg_sq[i] = v;
  }
}

__global__ void combine_kernel(float* out, const float* x, const float* y, float wx, float wy, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    out[i] = wx * x[i] + wy * y[i];
}

__global__ void non_finite_kernel(const float* x, int64_t n, int* flag) {
  int bad = 0;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    bad |= !isfinite(x[i]);
  if (bad) atomicOr(flag, 1);
}

constexpr int kThreads = 256;

int grid_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return (int)(blocks < 65535 * 8 ? (blocks > 0 ? blocks : 1) : 65535 * 8);
}

int report(cudaError_t e, const char* what, char* err, size_t err_len) {
  if (e == cudaSuccess) return 0;
  std::snprintf(err, err_len, "%s: CUDA error %s", what, cudaGetErrorString(e));
  return 1;
}

// Makes the tensors' device current for the launch and restores the caller's afterwards.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    ok_ = cudaGetDevice(&previous_) == cudaSuccess &&
          (previous_ == device || cudaSetDevice(device) == cudaSuccess);
  }
  ~DeviceGuard() {
    if (ok_) cudaSetDevice(previous_);
  }
  bool ok() const { return ok_; }

 private:
  int previous_ = 0;
  bool ok_ = false;
};

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int gems_cuda_subspace_adam(const gems::SubspaceAdamArgs* a,
                                                                   int device, void* stream, char* err,
                                                                   size_t err_len) {
  DeviceGuard guard(device);
  if (!guard.ok()) return report(cudaErrorInvalidDevice, "subspace_adam set device", err, err_len);
  const int64_t total = (a->rows_sh + 2 * a->rows_task) * a->cols;
  subspace_adam_kernel<<<grid_for(total), kThreads, 0, (cudaStream_t)stream>>>(
      *a, 1.0f / a->bias_correction1, 1.0f / sqrtf(a->bias_correction2));
  return report(cudaGetLastError(), "subspace_adam kernel launch", err, err_len);
}

__attribute__((visibility("default"))) int gems_cuda_combine(float* out, const float* x, const float* y,
                                                             float wx, float wy, int64_t n, int device,
                                                             void* stream, char* err, size_t err_len) {
  DeviceGuard guard(device);
  if (!guard.ok()) return report(cudaErrorInvalidDevice, "combine set device", err, err_len);
  combine_kernel<<<grid_for(n), kThreads, 0, (cudaStream_t)stream>>>(out, x, y, wx, wy, n);
  return report(cudaGetLastError(), "combine kernel launch", err, err_len);
}

// Writes 1 to *all_finite when no element is NaN or infinite. Synchronises the stream.
__attribute__((visibility("default"))) int gems_cuda_all_finite(const float* x, int64_t n, int device,
                                                                void* stream, int* all_finite, char* err,
                                                                size_t err_len) {
  DeviceGuard guard(device);
  if (!guard.ok()) return report(cudaErrorInvalidDevice, "all_finite set device", err, err_len);
  int* flag = nullptr;
  cudaStream_t s = (cudaStream_t)stream;
  if (report(cudaMallocAsync(&flag, sizeof(int), s), "all_finite alloc", err, err_len)) return 1;
  int host = 0;
  int rc = report(cudaMemsetAsync(flag, 0, sizeof(int), s), "all_finite memset", err, err_len);
  if (!rc) {
    non_finite_kernel<<<grid_for(n), kThreads, 0, s>>>(x, n, flag);
    rc = report(cudaGetLastError(), "all_finite kernel launch", err, err_len);
  }
  if (!rc)
    rc = report(cudaMemcpyAsync(&host, flag, sizeof(int), cudaMemcpyDeviceToHost, s), "all_finite copy", err,
                err_len);
  const int free_rc = report(cudaFreeAsync(flag, s), "all_finite free", err, err_len);
  if (!rc) rc = free_rc;
  if (!rc) rc = report(cudaStreamSynchronize(s), "all_finite sync", err, err_len);
  *all_finite = host == 0;
  return rc;
}

}  // extern "C"
