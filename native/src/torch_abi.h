// The few functions of libtorch's stable C ABI that libgems uses, declared by hand because
// the Java jars ship no libtorch headers. Signatures as of torch 2.10
// (torch/csrc/inductor/aoti_torch/c/shim.h, torch/csrc/stable/c/shim.h); every one returns
// AOTI_TORCH_SUCCESS (0) or a failure code, and the callers check it.
#pragma once
#include <cstdint>

#include "gems.h"  // AtenTensorHandle

extern "C" {
using AOTITorchError = int32_t;
using StableIValue = uint64_t;
struct TorchLibraryOpaque;
using TorchLibraryHandle = TorchLibraryOpaque*;
using BoxedKernel = void (*)(StableIValue* stack, uint64_t num_args, uint64_t num_outputs);

int32_t aoti_torch_dtype_float32();
int32_t aoti_torch_dtype_float64();
int32_t aoti_torch_dtype_int64();
int32_t aoti_torch_device_type_cpu();
int32_t aoti_torch_device_type_cuda();

AOTITorchError aoti_torch_get_data_ptr(AtenTensorHandle t, void** ret);
AOTITorchError aoti_torch_get_sizes(AtenTensorHandle t, int64_t** ret);
AOTITorchError aoti_torch_get_strides(AtenTensorHandle t, int64_t** ret);
AOTITorchError aoti_torch_get_dim(AtenTensorHandle t, int64_t* ret);
AOTITorchError aoti_torch_get_dtype(AtenTensorHandle t, int32_t* ret);
AOTITorchError aoti_torch_get_device_type(AtenTensorHandle t, int32_t* ret);
AOTITorchError aoti_torch_get_device_index(AtenTensorHandle t, int32_t* ret);
AOTITorchError aoti_torch_is_defined(AtenTensorHandle t, bool* ret);
AOTITorchError aoti_torch_new_tensor_handle(AtenTensorHandle orig, AtenTensorHandle* ret);
AOTITorchError aoti_torch_delete_tensor_object(AtenTensorHandle t);
AOTITorchError aoti_torch_empty_strided(int64_t ndim, const int64_t* sizes, const int64_t* strides,
                                        int32_t dtype, int32_t device_type, int32_t device_index,
                                        AtenTensorHandle* ret);
AOTITorchError aoti_torch_copy_(AtenTensorHandle self, AtenTensorHandle src, int32_t non_blocking);

AOTITorchError torch_call_dispatcher(const char* op, const char* overload, StableIValue* stack,
                                     uint64_t extension_build_version);

AOTITorchError aoti_torch_library_init_fragment(const char* ns, const char* file, uint32_t line,
                                                TorchLibraryHandle* ret);
AOTITorchError aoti_torch_library_init_impl(const char* ns, const char* dispatch_key, const char* file,
                                            uint32_t line, TorchLibraryHandle* ret);
AOTITorchError aoti_torch_library_def(TorchLibraryHandle lib, const char* schema);
AOTITorchError torch_library_impl(TorchLibraryHandle lib, const char* name, BoxedKernel fn,
                                  uint64_t extension_build_version);
}

namespace gems {
// The ABI version this library was written against: torch 2.10.0.
constexpr uint64_t kTorchAbiVersion = (2ULL << 56) | (10ULL << 48);
}  // namespace gems

extern "C" {
struct StringOpaque;
using StringHandle = StringOpaque*;
struct StableListOpaque;
using StableListHandle = StableListOpaque*;

// A view of self's storage; offset_increment is added to self's storage offset.
AOTITorchError aoti_torch__reinterpret_tensor(AtenTensorHandle self, int64_t ndim, const int64_t* sizes,
                                              const int64_t* strides, int64_t offset_increment,
                                              AtenTensorHandle* ret);
AOTITorchError aoti_torch_clone(AtenTensorHandle self, AtenTensorHandle* ret);
// out = beta * self + alpha * (mat1 @ mat2); out may be self (in place).
AOTITorchError aoti_torch_addmm_out(AtenTensorHandle out, AtenTensorHandle self, AtenTensorHandle mat1,
                                    AtenTensorHandle mat2, float beta, float alpha);
AOTITorchError aoti_torch_mm_out(AtenTensorHandle out, AtenTensorHandle self, AtenTensorHandle mat2);
AOTITorchError aoti_torch_item_float32(AtenTensorHandle t, float* ret);
AOTITorchError torch_new_string_handle(const char* data, size_t length, StringHandle* ret);
AOTITorchError torch_new_list_reserve_size(size_t size, StableListHandle* ret);
AOTITorchError torch_list_push_back(StableListHandle list, StableIValue value);
}

extern "C" {
AOTITorchError aoti_torch_zero_(AtenTensorHandle t);
bool aoti_torch_grad_mode_is_enabled();
void aoti_torch_grad_mode_set_enabled(bool enabled);
AOTITorchError aoti_torch_item_float64(AtenTensorHandle t, double* ret);
}
