// Basis refresh (gems.h: gems_refresh_basis). GaLore's rule picks the smaller side, so both
// cases reduce to the top-r LEFT singular vectors of H = (m >= n ? G^T : G), which is
// min(m, n) x max(m, n); the result is written as rows (right case) or columns (left case).
#include <algorithm>
#include <cmath>
#include <vector>

#include "aten.h"
#include "check.h"
#include "errors.h"
#include "ops.h"

namespace gems {

namespace {

// Deterministic standard normals from a 64-bit seed (splitmix64 + Box-Muller), generated on
// the host so CPU and CUDA runs with one seed draw the same test matrix.
std::vector<float> gaussian(size_t count, uint64_t seed) {
  uint64_t state = seed;
  auto next = [&state] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  auto uniform = [&] {
    return (double((next() >> 11)) + 0.5) * (1.0 / 9007199254740992.0);
  };
  std::vector<float> out(count);
  for (size_t i = 0; i < count; i += 2) {
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double t = 6.283185307179586 * uniform();
    out[i] = float(r * std::cos(t));
    if (i + 1 < count) out[i + 1] = float(r * std::sin(t));
  }
  return out;
}

Tensor gaussian_like(AtenTensorHandle like, int64_t rows, int64_t cols, uint64_t seed) {
  Tensor host = empty({rows, cols}, aoti_torch_dtype_float32(), Device::Cpu, 0);
  const auto values = gaussian(size_t(rows * cols), seed);
  std::copy(values.begin(), values.end(), data_f32(host.get()));
  if (device(like) == Device::Cpu) return host;
  Tensor dev = empty_like_f32(like, {rows, cols});
  copy_into(dev.get(), host.get());
  return dev;
}

// Host copy of a 1-D float tensor's values (singular or eigen values).
std::vector<double> host_values(AtenTensorHandle t) {
  const int64_t count = size(t, 0);
  Tensor host = empty({count}, aoti_torch_dtype_float32(), Device::Cpu, 0);
  copy_into(host.get(), t);
  const float* p = data_f32(host.get());
  return std::vector<double>(p, p + count);
}

double energy_of(const std::vector<double>& singular, int64_t rank, double total) {
  double kept = 0;
  for (int64_t i = 0; i < rank && i < (int64_t)singular.size(); ++i) kept += singular[i] * singular[i];
  return total > 0 ? std::min(1.0, kept / total) : 0.0;
}

}  // namespace

double refresh_basis(const RefreshArgs& a) {
  NoGradGuard no_grad;
  ArgCheck c("gems.refresh_basis");
  c.require(a.grad != nullptr, "grad is missing (null tensor handle)");
  c.require(dim(a.grad) == 2,
            [&] { return std::string() + "grad must be a 2-D matrix, got " + describe(a.grad); });
  const int64_t m = size(a.grad, 0), n = size(a.grad, 1);
  c.tensor(a.grad, "grad", {m, n}, false);
  const int64_t small = std::min(m, n), large = std::max(m, n);
  c.require(a.rank >= 1 && a.rank <= small, [&] {
    return std::string() + "rank must be in [1, min(m, n) = " + std::to_string(small) + "] for grad " +
           shape_str({m, n}) + ", got " + std::to_string(a.rank);
  });
  c.require(a.method == GEMS_BASIS_EXACT || a.method == GEMS_BASIS_RANDOMIZED, [&] {
    return std::string() + "method must be GEMS_BASIS_EXACT (0) or GEMS_BASIS_RANDOMIZED (1), got " +
           std::to_string(a.method);
  });
  c.require(a.oversample >= 0 && a.power_iters >= 0, "oversample and power_iters must be >= 0");
  const bool right = m >= n;
  c.tensor(a.out, "out", right ? std::vector<int64_t>{a.rank, n} : std::vector<int64_t>{m, a.rank}, false);
  c.same_device(a.out, "out", a.grad, "grad");

  Tensor h = right ? aten::transpose(a.grad) : Tensor::borrow(a.grad);  // small x large
  Tensor u;                                                             // small x rank
  double energy = 0;
  if (a.method == GEMS_BASIS_EXACT) {
    aten::Svd svd = aten::svd_reduced(h.get());
    const auto s = host_values(svd.s.get());
    double total = 0;
    for (double v : s) total += v * v;
    energy = energy_of(s, a.rank, total);
    u = aten::cols(svd.u.get(), 0, a.rank);
  } else {
    const int64_t width = std::min(a.rank + a.oversample, small);
    Tensor omega = gaussian_like(a.grad, large, width, a.seed);
    Tensor ht = aten::transpose(h.get());
    Tensor q = aten::qr_q(aten::mm(h.get(), omega.get()).get());  // small x width
    for (int64_t it = 0; it < a.power_iters; ++it) {
      Tensor z = aten::qr_q(aten::mm(ht.get(), q.get()).get());  // large x width
      q = aten::qr_q(aten::mm(h.get(), z.get()).get());
    }
    Tensor qt = aten::transpose(q.get());
    Tensor sketch = aten::mm(qt.get(), h.get());  // width x large
    aten::Svd svd = aten::svd_reduced(sketch.get());
    Tensor dense = empty_like_f32(a.grad, {m, n});  // row-major, whatever grad's strides
    copy_into(dense.get(), a.grad);
    Tensor flat = aten::flat(dense.get());
    const double total = aten::dot(flat.get(), flat.get());
    energy = energy_of(host_values(svd.s.get()), a.rank, total);
    Tensor top = aten::cols(svd.u.get(), 0, a.rank);
    u = aten::mm(q.get(), top.get());
  }
  if (right) {
    Tensor ut = aten::transpose(u.get());
    copy_into(a.out, ut.get());
  } else {
    copy_into(a.out, u.get());
  }
  return energy;
}

}  // namespace gems
