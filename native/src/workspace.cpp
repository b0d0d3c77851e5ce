#include "workspace.h"

#include "aten.h"

namespace gems {

namespace {
struct ThreadBuffers {
  Tensor buffer[2];
  int64_t capacity[2] = {0, 0};
};
thread_local ThreadBuffers t_buffers;
}  // namespace

Tensor scratch(Scratch slot, AtenTensorHandle like, const std::vector<int64_t>& shape) {
  if (device(like) != Device::Cpu) return empty_like_f32(like, shape);
  int64_t count = 1;
  for (int64_t s : shape) count *= s;
  const int i = static_cast<int>(slot);
  if (count < 1) count = 1;
  if (!t_buffers.buffer[i] || t_buffers.capacity[i] < count) {
    t_buffers.capacity[i] = 0;
    t_buffers.buffer[i] = Tensor();  // free the old one first; a failed allocation leaves none
    t_buffers.buffer[i] = empty({count}, aoti_torch_dtype_float32(), Device::Cpu, 0);
    t_buffers.capacity[i] = count;
  }
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= shape[d];
  }
  AtenTensorHandle view = nullptr;
  check_abi(aoti_torch__reinterpret_tensor(t_buffers.buffer[i].get(), (int64_t)shape.size(), shape.data(),
                                           strides.data(), 0, &view),
            "aten::as_strided");
  return Tensor(view);
}

}  // namespace gems
