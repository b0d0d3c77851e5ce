// A thin C++ view of libtorch tensor handles: owning handles (Tensor) with RAII deletion,
// shape/dtype/device queries that check every ABI error code, and readable shape strings
// for error messages.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "torch_abi.h"

namespace gems {

enum class Device { Cpu, Cuda };

// Owns one AtenTensorHandle (deleted on destruction). Borrowed handles are wrapped with
// Tensor::borrow(), which takes a new reference, so callers' handles are never consumed.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(AtenTensorHandle owned) : h_(owned) {}
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  Tensor(Tensor&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Tensor& operator=(Tensor&& o) noexcept;
  ~Tensor();

  static Tensor borrow(AtenTensorHandle h);  // new reference to the caller's tensor
  AtenTensorHandle get() const { return h_; }
  AtenTensorHandle release() { return std::exchange(h_, nullptr); }
  Tensor ref() const { return borrow(h_); }  // another owning reference (for the dispatcher)
  explicit operator bool() const { return h_ != nullptr; }

 private:
  AtenTensorHandle h_ = nullptr;
};

// Turns autograd off for the ops' in-place and out= calls (which autograd refuses on tensors
// that require grad) and restores the caller's mode on exit.
class NoGradGuard {
 public:
  NoGradGuard() : previous_(aoti_torch_grad_mode_is_enabled()) { aoti_torch_grad_mode_set_enabled(false); }
  ~NoGradGuard() { aoti_torch_grad_mode_set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Read-only facts about a tensor (borrowed handle).
int64_t dim(AtenTensorHandle t);
std::vector<int64_t> sizes(AtenTensorHandle t);
std::vector<int64_t> strides(AtenTensorHandle t);
int64_t size(AtenTensorHandle t, int64_t d);
int32_t dtype(AtenTensorHandle t);
Device device(AtenTensorHandle t);
int32_t device_index(AtenTensorHandle t);
bool is_contiguous(AtenTensorHandle t);  // row-major dense
float* data_f32(AtenTensorHandle t);
double* data_f64(AtenTensorHandle t);
std::string describe(AtenTensorHandle t);  // "[384, 128] float32 cpu", for messages

// New tensors.
Tensor empty(const std::vector<int64_t>& shape, int32_t dtype, Device dev, int32_t index);
Tensor empty_like_f32(AtenTensorHandle like, const std::vector<int64_t>& shape);
void copy_into(AtenTensorHandle dst, AtenTensorHandle src);

// Throws GemsError("<what>: libtorch call failed") when rc is not success.
void check_abi(AOTITorchError rc, const char* what);

}  // namespace gems
