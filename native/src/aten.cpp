#include "aten.h"

#include <cstring>

#include "errors.h"

namespace gems::aten {

namespace {

Tensor strided_view(AtenTensorHandle t, std::vector<int64_t> sz, std::vector<int64_t> st,
                    int64_t extra_offset) {
  AtenTensorHandle out = nullptr;
  check_abi(aoti_torch__reinterpret_tensor(t, (int64_t)sz.size(), sz.data(), st.data(), extra_offset, &out),
            "aten::as_strided");
  return Tensor(out);
}

void require_2d(AtenTensorHandle t, const char* what) {
  if (dim(t) != 2) fail(std::string(what) + ": expected a 2-D tensor, got " + describe(t));
}

StableIValue from_tensor(const Tensor& t) { return reinterpret_cast<StableIValue>(t.ref().release()); }
StableIValue from_bool(bool b) { return b ? 1 : 0; }
StableIValue from_int(int64_t v) {
  StableIValue out = 0;
  std::memcpy(&out, &v, sizeof v);
  return out;
}
StableIValue from_string(const char* s) {
  StringHandle h = nullptr;
  check_abi(torch_new_string_handle(s, std::strlen(s), &h), "torch_new_string_handle");
  return reinterpret_cast<StableIValue>(h);
}

// Calls an aten op through the dispatcher. The stack's tensor inputs are new references
// (the dispatcher consumes them); its outputs come back as owning Tensors.
std::vector<Tensor> call(const char* op, const char* overload, std::vector<StableIValue> stack,
                         size_t outputs, const std::string& context) {
  if (stack.size() < outputs) stack.resize(outputs, 0);
  if (torch_call_dispatcher(op, overload, stack.data(), kTorchAbiVersion) != 0)
    fail(std::string(op) + " failed on " + context);
  std::vector<Tensor> out;
  for (size_t i = 0; i < outputs; ++i) out.emplace_back(reinterpret_cast<AtenTensorHandle>(stack[i]));
  return out;
}

}  // namespace

Tensor transpose(AtenTensorHandle t) {
  require_2d(t, "transpose");
  const auto sz = sizes(t), st = strides(t);
  return strided_view(t, {sz[1], sz[0]}, {st[1], st[0]}, 0);
}

Tensor rows(AtenTensorHandle t, int64_t start, int64_t count) {
  require_2d(t, "rows");
  const auto sz = sizes(t), st = strides(t);
  return strided_view(t, {count, sz[1]}, st, start * st[0]);
}

Tensor cols(AtenTensorHandle t, int64_t start, int64_t count) {
  require_2d(t, "cols");
  const auto sz = sizes(t), st = strides(t);
  return strided_view(t, {sz[0], count}, st, start * st[1]);
}

Tensor flat(AtenTensorHandle t) {
  if (!is_contiguous(t)) fail("flat: tensor is not contiguous: " + describe(t));
  int64_t n = 1;
  for (int64_t s : sizes(t)) n *= s;
  return strided_view(t, {n}, {1}, 0);
}

Tensor clone(AtenTensorHandle t) {
  AtenTensorHandle out = nullptr;
  check_abi(aoti_torch_clone(t, &out), "aten::clone");
  return Tensor(out);
}

void mm_out(AtenTensorHandle out, AtenTensorHandle a, AtenTensorHandle b) {
  if (aoti_torch_mm_out(out, a, b) != 0)
    fail("aten::mm failed on " + describe(a) + " @ " + describe(b) + " -> " + describe(out));
}

void addmm_out(AtenTensorHandle out, AtenTensorHandle self, AtenTensorHandle a, AtenTensorHandle b,
               float beta, float alpha) {
  if (aoti_torch_addmm_out(out, self, a, b, beta, alpha) != 0)
    fail("aten::addmm failed on " + describe(self) + " + " + describe(a) + " @ " + describe(b));
}

Tensor mm(AtenTensorHandle a, AtenTensorHandle b) {
  Tensor out = empty_like_f32(a, {size(a, 0), size(b, 1)});
  mm_out(out.get(), a, b);
  return out;
}

float dot(AtenTensorHandle a, AtenTensorHandle b) {
  Tensor ta = Tensor::borrow(a), tb = Tensor::borrow(b);
  auto out = call("aten::dot", "", {from_tensor(ta), from_tensor(tb)}, 1, describe(a));
  float v = 0;
  check_abi(aoti_torch_item_float32(out[0].get(), &v), "aten::item");
  return v;
}

Svd svd_reduced(AtenTensorHandle a) {
  Tensor ta = Tensor::borrow(a);
  auto out = call("aten::linalg_svd", "", {from_tensor(ta), from_bool(false), 0}, 3, describe(a));
  return {std::move(out[0]), std::move(out[1]), std::move(out[2])};
}

Tensor qr_q(AtenTensorHandle a) {
  Tensor ta = Tensor::borrow(a);
  const StableIValue mode = from_string("reduced");
  auto out = call("aten::linalg_qr", "", {from_tensor(ta), mode}, 2, describe(a));
  return std::move(out[0]);
}

Eigh eigh(AtenTensorHandle a) {
  Tensor ta = Tensor::borrow(a);
  const StableIValue uplo = from_string("L");
  auto out = call("aten::linalg_eigh", "", {from_tensor(ta), uplo}, 2, describe(a));
  return {std::move(out[0]), std::move(out[1])};
}

Tensor flip(AtenTensorHandle a, int64_t dim_index) {
  Tensor ta = Tensor::borrow(a);
  StableListHandle dims = nullptr;
  check_abi(torch_new_list_reserve_size(1, &dims), "torch_new_list_reserve_size");
  check_abi(torch_list_push_back(dims, from_int(dim_index)), "torch_list_push_back");
  auto out = call("aten::flip", "", {from_tensor(ta), reinterpret_cast<StableIValue>(dims)}, 1, describe(a));
  return std::move(out[0]);
}

}  // namespace gems::aten
