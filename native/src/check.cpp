#include "check.h"

#include "errors.h"

namespace gems {

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void ArgCheck::fail(const std::string& message) const { gems::fail(std::string(op_) + ": " + message); }

void ArgCheck::tensor(AtenTensorHandle t, const char* name, const std::vector<int64_t>& shape,
                      bool need_contiguous, bool allow_float64) const {
  if (!t) fail(std::string(name) + " is missing (null tensor handle)");
  bool defined = false;
  check_abi(aoti_torch_is_defined(t, &defined), "aoti_torch_is_defined");
  if (!defined) fail(std::string(name) + " is an undefined tensor");
  int32_t device_type = 0;
  check_abi(aoti_torch_get_device_type(t, &device_type), "aoti_torch_get_device_type");
  if (device_type != aoti_torch_device_type_cpu() && device_type != aoti_torch_device_type_cuda())
    fail(std::string(name) + " must be on a CPU or CUDA device, got device type " +
         std::to_string(device_type));
  if (dtype(t) != aoti_torch_dtype_float32() && !(allow_float64 && dtype(t) == aoti_torch_dtype_float64()))
    fail(std::string(name) + (allow_float64 ? " must be float32 or float64, got " : " must be float32, got ") +
         describe(t));
  if (sizes(t) != shape)
    fail(std::string(name) + " must have shape " + shape_str(shape) + ", got " + describe(t));
  if (need_contiguous && !is_contiguous(t))
    fail(std::string(name) + " must be contiguous, got " + describe(t));
}

void ArgCheck::same_device(AtenTensorHandle t, const char* name, AtenTensorHandle ref,
                           const char* ref_name) const {
  if (device(t) != device(ref) || device_index(t) != device_index(ref))
    fail(std::string(name) + " (" + describe(t) + ") is not on the device of " + ref_name + " (" +
         describe(ref) + ")");
}

}  // namespace gems
