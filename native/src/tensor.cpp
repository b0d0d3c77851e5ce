#include "tensor.h"

#include <sstream>

#include "errors.h"

namespace gems {

void check_abi(AOTITorchError rc, const char* what) {
  if (rc != 0) fail(std::string(what) + ": libtorch call failed (code " + std::to_string(rc) + ")");
}

Tensor& Tensor::operator=(Tensor&& o) noexcept {
  if (this != &o) {
    if (h_) aoti_torch_delete_tensor_object(h_);
    h_ = std::exchange(o.h_, nullptr);
  }
  return *this;
}

Tensor::~Tensor() {
  if (h_) aoti_torch_delete_tensor_object(h_);  // nothing sensible to do on failure here
}

Tensor Tensor::borrow(AtenTensorHandle h) {
  AtenTensorHandle out = nullptr;
  check_abi(aoti_torch_new_tensor_handle(h, &out), "aoti_torch_new_tensor_handle");
  return Tensor(out);
}

int64_t dim(AtenTensorHandle t) {
  int64_t d = 0;
  check_abi(aoti_torch_get_dim(t, &d), "aoti_torch_get_dim");
  return d;
}

std::vector<int64_t> sizes(AtenTensorHandle t) {
  int64_t* s = nullptr;
  check_abi(aoti_torch_get_sizes(t, &s), "aoti_torch_get_sizes");
  return std::vector<int64_t>(s, s + dim(t));
}

std::vector<int64_t> strides(AtenTensorHandle t) {
  int64_t* s = nullptr;
  check_abi(aoti_torch_get_strides(t, &s), "aoti_torch_get_strides");
  return std::vector<int64_t>(s, s + dim(t));
}

int64_t size(AtenTensorHandle t, int64_t d) { return sizes(t).at(d); }

int32_t dtype(AtenTensorHandle t) {
  int32_t v = 0;
  check_abi(aoti_torch_get_dtype(t, &v), "aoti_torch_get_dtype");
  return v;
}

Device device(AtenTensorHandle t) {
  int32_t v = 0;
  check_abi(aoti_torch_get_device_type(t, &v), "aoti_torch_get_device_type");
  if (v == aoti_torch_device_type_cpu()) return Device::Cpu;
  if (v == aoti_torch_device_type_cuda()) return Device::Cuda;
  fail("unsupported device type " + std::to_string(v) + " (only CPU and CUDA tensors are supported)");
}

int32_t device_index(AtenTensorHandle t) {
  int32_t v = 0;
  check_abi(aoti_torch_get_device_index(t, &v), "aoti_torch_get_device_index");
  return v;
}

bool is_contiguous(AtenTensorHandle t) {
  const auto sz = sizes(t);
  const auto st = strides(t);
  int64_t expected = 1;
  for (int64_t d = (int64_t)sz.size() - 1; d >= 0; --d) {
    if (sz[d] != 1 && st[d] != expected) return false;
    expected *= sz[d];
  }
  return true;
}

float* data_f32(AtenTensorHandle t) {
  void* p = nullptr;
  check_abi(aoti_torch_get_data_ptr(t, &p), "aoti_torch_get_data_ptr");
  return static_cast<float*>(p);
}

double* data_f64(AtenTensorHandle t) {
  void* p = nullptr;
  check_abi(aoti_torch_get_data_ptr(t, &p), "aoti_torch_get_data_ptr");
  return static_cast<double*>(p);
}

static const char* dtype_name(int32_t d) {
  if (d == aoti_torch_dtype_float32()) return "float32";
  if (d == aoti_torch_dtype_float64()) return "float64";
  if (d == aoti_torch_dtype_int64()) return "int64";
  return "non-float32";
}

std::string describe(AtenTensorHandle t) {
  std::ostringstream out;
  out << "[";
  const auto s = sizes(t);
  for (size_t i = 0; i < s.size(); ++i) out << (i ? ", " : "") << s[i];
  out << "] " << dtype_name(dtype(t)) << (device(t) == Device::Cpu ? " cpu" : " cuda");
  if (!is_contiguous(t)) out << " non-contiguous";
  return out.str();
}

Tensor empty(const std::vector<int64_t>& shape, int32_t dt, Device dev, int32_t index) {
  std::vector<int64_t> st(shape.size());
  int64_t stride = 1;
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    st[d] = stride;
    stride *= shape[d];
  }
  const int32_t dev_type = dev == Device::Cpu ? aoti_torch_device_type_cpu() : aoti_torch_device_type_cuda();
  AtenTensorHandle out = nullptr;
  check_abi(aoti_torch_empty_strided((int64_t)shape.size(), shape.data(), st.data(), dt, dev_type,
                                     dev == Device::Cpu ? 0 : index, &out),
            "aoti_torch_empty_strided");
  return Tensor(out);
}

Tensor empty_like_f32(AtenTensorHandle like, const std::vector<int64_t>& shape) {
  return empty(shape, aoti_torch_dtype_float32(), device(like), device_index(like));
}

void copy_into(AtenTensorHandle dst, AtenTensorHandle src) {
  check_abi(aoti_torch_copy_(dst, src, 0), "aten::copy_");
}

}  // namespace gems
