// The aten operations libgems needs, reached through the stable C ABI: views, GEMMs and
// the linear algebra of the basis refresh and null-space split. Each call names the op in
// its error message; inputs are borrowed handles, results are owning Tensors.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor.h"

namespace gems::aten {

// Views sharing storage with `t`.
Tensor transpose(AtenTensorHandle t);                           // 2-D .t()
Tensor rows(AtenTensorHandle t, int64_t start, int64_t count);  // t[start:start+count, :]
Tensor cols(AtenTensorHandle t, int64_t start, int64_t count);  // t[:, start:start+count]
Tensor flat(AtenTensorHandle t);                                // contiguous t viewed as 1-D

Tensor clone(AtenTensorHandle t);  // a copy with the same strides
void mm_out(AtenTensorHandle out, AtenTensorHandle a, AtenTensorHandle b);
// out = beta * self + alpha * a @ b, where out may alias self.
void addmm_out(AtenTensorHandle out, AtenTensorHandle self, AtenTensorHandle a, AtenTensorHandle b,
               float beta, float alpha);
Tensor mm(AtenTensorHandle a, AtenTensorHandle b);
float dot(AtenTensorHandle a, AtenTensorHandle b);  // 1-D tensors

struct Svd {
  Tensor u, s, vh;
};
Svd svd_reduced(AtenTensorHandle a);  // linalg_svd(a, full_matrices=False)
Tensor qr_q(AtenTensorHandle a);      // Q of linalg_qr(a, 'reduced')
struct Eigh {
  Tensor values, vectors;  // ascending eigenvalues, eigenvectors as columns
};
Eigh eigh(AtenTensorHandle a);
Tensor flip(AtenTensorHandle a, int64_t dim);

}  // namespace gems::aten
