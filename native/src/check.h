// Argument checks shared by the ops: each failure names the op, the argument and its shape.
#pragma once
#include <string>
#include <type_traits>
#include <vector>

#include "tensor.h"

namespace gems {

class ArgCheck {
 public:
  explicit ArgCheck(const char* op) : op_(op) {}

  [[noreturn]] void fail(const std::string& message) const;
  // A defined float32 (or, when allowed, float64) tensor of exactly `shape`.
  void tensor(AtenTensorHandle t, const char* name, const std::vector<int64_t>& shape,
              bool need_contiguous = true, bool allow_float64 = false) const;
  void same_device(AtenTensorHandle t, const char* name, AtenTensorHandle ref, const char* ref_name) const;
  // `message` is built only on failure: a string, or a callable returning one.
  template <typename Message>
  void require(bool ok, Message&& message) const {
    if (ok) return;
    if constexpr (std::is_invocable_v<Message>)
      fail(message());
    else
      fail(std::string(message));
  }

 private:
  const char* op_;
};

std::string shape_str(const std::vector<int64_t>& shape);

}  // namespace gems
