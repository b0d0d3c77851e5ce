// The C entry points of gems.h: each runs its op under gems::guarded, which turns any C++
// exception into a non-zero return and a message for gems_last_error().
#include <malloc.h>

#include "cuda_dispatch.h"
#include "errors.h"
#include "gems.h"
#include "ops.h"

extern "C" {

const char* gems_last_error(void) { return gems::last_error(); }

int gems_cuda_available(void) { return gems::cuda::available() ? 1 : 0; }

int64_t gems_native_heap_bytes(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 info = mallinfo2();
  return (int64_t)(info.uordblks + info.hblkhd);
#else
  return -1;
#endif
}

const char* gems_registration_error(void) { return gems::registration_error(); }

int gems_fused_step(AtenTensorHandle weight, AtenTensorHandle grad_search, AtenTensorHandle grad_rec,
                    int64_t count_search, int64_t count_rec, AtenTensorHandle basis, int64_t rank_shared,
                    int64_t rank_task, AtenTensorHandle exp_avg, AtenTensorHandle exp_avg_sq,
                    double gate_search, double gate_rec, int64_t step, double lr, double beta1, double beta2,
                    double eps, double alpha, double weight_decay, AtenTensorHandle null_basis) {
  return gems::guarded([&] {
    gems::StepArgs a;
    a.weight = weight;
    a.grad_search = grad_search;
    a.grad_rec = grad_rec;
    a.count_search = count_search;
    a.count_rec = count_rec;
    a.basis = basis;
    a.rank_shared = rank_shared;
    a.rank_task = rank_task;
    a.exp_avg = exp_avg;
    a.exp_avg_sq = exp_avg_sq;
    a.gate_search = gate_search;
    a.gate_rec = gate_rec;
    a.step = step;
    a.lr = lr;
    a.beta1 = beta1;
    a.beta2 = beta2;
    a.eps = eps;
    a.alpha = alpha;
    a.weight_decay = weight_decay;
    a.null_basis = null_basis;
    gems::fused_step(a);
  });
}

int gems_refresh_basis(AtenTensorHandle grad, int64_t rank, int method, int64_t oversample,
                       int64_t power_iters, uint64_t seed, AtenTensorHandle out, double* energy) {
  return gems::guarded([&] {
    if (!energy) gems::fail("gems.refresh_basis: energy output pointer is null");
    *energy = gems::refresh_basis({grad, rank, method, oversample, power_iters, seed, out});
  });
}

int gems_null_space_basis(AtenTensorHandle second_moment, int rule, double threshold,
                          double min_null_fraction, AtenTensorHandle eigenvectors_out,
                          AtenTensorHandle eigenvalues_out, int64_t* protected_count) {
  return gems::guarded([&] {
    if (!protected_count) gems::fail("gems.null_space_basis: protected_count output pointer is null");
    *protected_count = gems::null_space_basis(
        {second_moment, rule, threshold, min_null_fraction, eigenvectors_out, eigenvalues_out});
  });
}

}  // extern "C"
