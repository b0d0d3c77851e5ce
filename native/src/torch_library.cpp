// Registers the ops in libtorch's dispatcher under the namespace `gems` when libgems is
// loaded, so any libtorch host can call them: torch.ops.gems.fused_step(...) from Python
// after torch.ops.load_library(path), or Dispatcher.findSchemaOrThrow("gems::fused_step")
// from Java. Boxed kernels own their input handles (stable ABI contract) and write outputs
// to stack[0..num_outputs).
#include <cstring>
#include <stdexcept>
#include <string>

#include "aten.h"
#include "errors.h"
#include "ops.h"
#include "tensor.h"

namespace gems {

namespace {

// Reads arguments off a boxed stack, taking ownership of tensor handles.
class Args {
 public:
  explicit Args(StableIValue* stack) : stack_(stack) {}
  Tensor tensor(int i) { return Tensor(reinterpret_cast<AtenTensorHandle>(stack_[i])); }
  Tensor optional_tensor(int i) {  // None is 0; otherwise a heap StableIValue we must delete
    if (stack_[i] == 0) return Tensor();
    auto* boxed = reinterpret_cast<StableIValue*>(stack_[i]);
    Tensor t(reinterpret_cast<AtenTensorHandle>(*boxed));
    delete boxed;
    return t;
  }
  int64_t integer(int i) const {
    int64_t v;
    std::memcpy(&v, &stack_[i], sizeof v);
    return v;
  }
  double real(int i) const {
    double v;
    std::memcpy(&v, &stack_[i], sizeof v);
    return v;
  }

 private:
  StableIValue* stack_;
};

StableIValue box_real(double v) {
  StableIValue out;
  std::memcpy(&out, &v, sizeof v);
  return out;
}

StableIValue box_int(int64_t v) {
  StableIValue out;
  std::memcpy(&out, &v, sizeof v);
  return out;
}

// Dispatcher callers get a plain std::runtime_error (pybind11 and JavaCPP translate it).
template <typename F>
void rethrow_plain(F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    throw std::runtime_error(e.what());
  }
}

void fused_step_boxed(StableIValue* stack, uint64_t, uint64_t) {
  rethrow_plain([&] {
    Args in(stack);
    Tensor weight = in.tensor(0), gs = in.optional_tensor(1), gr = in.optional_tensor(2);
    Tensor basis = in.tensor(5), m = in.tensor(8), v = in.tensor(9), k = in.optional_tensor(19);
    StepArgs a;
    a.weight = weight.get();
    a.grad_search = gs.get();
    a.grad_rec = gr.get();
    a.count_search = in.integer(3);
    a.count_rec = in.integer(4);
    a.basis = basis.get();
    a.rank_shared = in.integer(6);
    a.rank_task = in.integer(7);
    a.exp_avg = m.get();
    a.exp_avg_sq = v.get();
    a.gate_search = in.real(10);
    a.gate_rec = in.real(11);
    a.step = in.integer(12);
    a.lr = in.real(13);
    a.beta1 = in.real(14);
    a.beta2 = in.real(15);
    a.eps = in.real(16);
    a.alpha = in.real(17);
    a.weight_decay = in.real(18);
    a.null_basis = k.get();
    fused_step(a);
  });
}

void refresh_basis_boxed(StableIValue* stack, uint64_t, uint64_t) {
  rethrow_plain([&] {
    Args in(stack);
    Tensor grad = in.tensor(0), out = in.tensor(6);
    const double energy = refresh_basis({grad.get(), in.integer(1), (int)in.integer(2), in.integer(3),
                                         in.integer(4), (uint64_t)in.integer(5), out.get()});
    stack[0] = box_real(energy);
  });
}

void null_space_basis_boxed(StableIValue* stack, uint64_t, uint64_t) {
  rethrow_plain([&] {
    Args in(stack);
    Tensor c = in.tensor(0);
    const int64_t m = dim(c.get()) == 2 ? size(c.get(), 0) : 0;
    Tensor vectors = empty_like_f32(c.get(), {m, m});
    Tensor values = empty_like_f32(c.get(), {m});
    const int64_t k =
        null_space_basis({c.get(), (int)in.integer(1), in.real(2), in.real(3), vectors.get(), values.get()});
    stack[0] = reinterpret_cast<StableIValue>(vectors.release());
    stack[1] = reinterpret_cast<StableIValue>(values.release());
    stack[2] = box_int(k);
  });
}

const char* const kSchemas[] = {
    "fused_step(Tensor(a!) weight, Tensor? grad_search, Tensor? grad_rec, int count_search, "
    "int count_rec, Tensor basis, int rank_shared, int rank_task, Tensor(b!) exp_avg, "
    "Tensor(c!) exp_avg_sq, float gate_search, float gate_rec, int step, float lr, float beta1, "
    "float beta2, float eps, float alpha, float weight_decay, Tensor? null_basis) -> ()",
    "refresh_basis(Tensor grad, int rank, int method, int oversample, int power_iters, int seed, "
    "Tensor(a!) out) -> float",
    "null_space_basis(Tensor second_moment, int rule, float threshold, float min_null_fraction) "
    "-> (Tensor eigenvectors, Tensor eigenvalues, int protected_count)",
};

struct Kernel {
  const char* name;
  BoxedKernel fn;
};
const Kernel kKernels[] = {{"fused_step", &fused_step_boxed},
                           {"refresh_basis", &refresh_basis_boxed},
                           {"null_space_basis", &null_space_basis_boxed}};

// Runs at load time. The library handles are kept for the life of the process (deleting one
// would deregister its ops). A failure (e.g. the ops are already registered by another copy of
// libgems in this process) leaves the C interface fully usable and is reported by
// gems_registration_error(); it must not throw out of a static initializer.
struct Registration {
  std::string error;

  Registration() {
    TorchLibraryHandle defs = nullptr;
    if (aoti_torch_library_init_fragment("gems", __FILE__, __LINE__, &defs) != 0) {
      error = "could not open the torch library fragment 'gems'";
      return;
    }
    for (const char* schema : kSchemas)
      if (aoti_torch_library_def(defs, schema) != 0)
        error += std::string("could not define gems::") + schema + "; ";
    for (const char* key : {"CPU", "CUDA"}) {
      TorchLibraryHandle impls = nullptr;
      if (aoti_torch_library_init_impl("gems", key, __FILE__, __LINE__, &impls) != 0) {
        error += std::string("could not open the ") + key + " implementation library; ";
        continue;
      }
      for (const Kernel& k : kKernels)
        if (torch_library_impl(impls, k.name, k.fn, kTorchAbiVersion) != 0)
          error += std::string("could not register gems::") + k.name + " for " + key + "; ";
    }
  }
};

const Registration registration;

}  // namespace

const char* registration_error() { return registration.error.c_str(); }

}  // namespace gems
