// Per-thread scratch buffers for the fused step's large intermediates (the shared gradient,
// the projected gradients). Fresh CPU allocations of this size come from mmap and pay a page
// fault per 4 KiB on every step; reusing one buffer per thread removes that. CUDA tensors use
// libtorch's caching allocator instead. A buffer is held until its thread ends.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor.h"

namespace gems {

enum class Scratch { SharedGradient = 0, Projection = 1 };

// A contiguous float32 tensor of `shape` on the device of `like`, valid until the next call
// for the same slot on this thread. Its contents are undefined.
Tensor scratch(Scratch slot, AtenTensorHandle like, const std::vector<int64_t>& shape);

}  // namespace gems
