#include "cuda_dispatch.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "errors.h"

namespace gems::cuda {

namespace {

using AdamFn = int (*)(const SubspaceAdamArgs*, int, void*, char*, size_t);
using CombineFn = int (*)(float*, const float*, const float*, float, float, int64_t, int, void*, char*,
                          size_t);
using FiniteFn = int (*)(const float*, int64_t, int, void*, int*, char*, size_t);
using StreamFn = int32_t (*)(int32_t, void**);

struct Library {
  AdamFn adam = nullptr;
  CombineFn combine = nullptr;
  FiniteFn finite = nullptr;
  std::string why_missing;
};

std::string own_directory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&own_directory), &info) == 0 || !info.dli_fname) return "";
  std::string path = info.dli_fname;
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

const Library& library() {
  static Library lib;
  static std::once_flag once;
  std::call_once(once, [] {
    const std::string path = own_directory() + "libgems_cuda.so";
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libgems_cuda.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      lib.why_missing = "libgems_cuda.so not loadable (" + std::string(e ? e : path) +
                        "); this build of libgems has no CUDA kernels";
      return;
    }
    lib.adam = reinterpret_cast<AdamFn>(dlsym(h, "gems_cuda_subspace_adam"));
    lib.combine = reinterpret_cast<CombineFn>(dlsym(h, "gems_cuda_combine"));
    lib.finite = reinterpret_cast<FiniteFn>(dlsym(h, "gems_cuda_all_finite"));
    if (!lib.adam || !lib.combine || !lib.finite) lib.why_missing = "libgems_cuda.so lacks its entry points";
  });
  return lib;
}

const Library& require() {
  const Library& lib = library();
  if (!lib.why_missing.empty()) fail(lib.why_missing);
  return lib;
}

void* current_stream(int32_t device_index) {
  static StreamFn fn = [] {
    void* h = dlopen("libtorch_cuda.so", RTLD_NOW | RTLD_NOLOAD);
    return h ? reinterpret_cast<StreamFn>(dlsym(h, "aoti_torch_get_current_cuda_stream")) : nullptr;
  }();
  if (!fn) fail("CUDA tensor given but libtorch_cuda.so (aoti_torch_get_current_cuda_stream) is not loaded");
  void* stream = nullptr;
  if (fn(device_index, &stream) != 0) fail("aoti_torch_get_current_cuda_stream failed");
  return stream;
}

void check(int rc, const char* err) {
  if (rc != 0) fail(err);
}

}  // namespace

bool available() { return library().why_missing.empty(); }

void subspace_adam(const SubspaceAdamArgs& a, int32_t device_index) {
  char err[512] = {0};
  check(require().adam(&a, device_index, current_stream(device_index), err, sizeof err), err);
}

void combine(float* out, const float* x, const float* y, float wx, float wy, int64_t n,
             int32_t device_index) {
  char err[512] = {0};
  check(require().combine(out, x, y, wx, wy, n, device_index, current_stream(device_index), err, sizeof err),
        err);
}

bool all_finite(const float* x, int64_t n, int32_t device_index) {
  char err[512] = {0};
  int ok = 0;
  check(require().finite(x, n, device_index, current_stream(device_index), &ok, err, sizeof err), err);
  return ok != 0;
}

}  // namespace gems::cuda
