// The three GEMS operations in C++. c_api.cpp exposes them through the C interface in
// gems.h, torch_library.cpp registers them in libtorch's dispatcher as gems::*.
#pragma once
#include <cstdint>

#include "gems.h"

namespace gems {

struct StepArgs {
  AtenTensorHandle weight = nullptr;
  AtenTensorHandle grad_search = nullptr;
  AtenTensorHandle grad_rec = nullptr;
  int64_t count_search = 0;
  int64_t count_rec = 0;
  AtenTensorHandle basis = nullptr;
  int64_t rank_shared = 0;
  int64_t rank_task = 0;
  AtenTensorHandle exp_avg = nullptr;
  AtenTensorHandle exp_avg_sq = nullptr;
  double gate_search = 0;
  double gate_rec = 0;
  int64_t step = 1;
  double lr = 0;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-6;
  double alpha = 1;
  double weight_decay = 0;
  AtenTensorHandle null_basis = nullptr;
};

void fused_step(const StepArgs& a);

struct RefreshArgs {
  AtenTensorHandle grad = nullptr;
  int64_t rank = 0;
  int method = GEMS_BASIS_EXACT;
  int64_t oversample = 8;
  int64_t power_iters = 2;
  uint64_t seed = 0;
  AtenTensorHandle out = nullptr;
};

// Returns the captured energy fraction.
double refresh_basis(const RefreshArgs& a);

struct NullSpaceArgs {
  AtenTensorHandle second_moment = nullptr;
  int rule = GEMS_NULL_EIGENVALUE;
  double threshold = 2e-2;
  double min_null_fraction = 0.05;
  AtenTensorHandle eigenvectors_out = nullptr;
  AtenTensorHandle eigenvalues_out = nullptr;
};

// Returns the number of protected directions k.
int64_t null_space_basis(const NullSpaceArgs& a);

// Why registering the ops in libtorch's dispatcher failed at load time ("" when it did not).
const char* registration_error();

}  // namespace gems
