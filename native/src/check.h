// Argument checks shared by the ops: each failure names the op, the argument and its shape.
#pragma once
#include <string>
#include <vector>

#include "tensor.h"

namespace gems {

class ArgCheck {
 public:
  explicit ArgCheck(const char* op) : op_(op) {}

  [[noreturn]] void fail(const std::string& message) const;
  // A defined float32 tensor of exactly `shape`, on `device`/`index` when given.
  void tensor(AtenTensorHandle t, const char* name, const std::vector<int64_t>& shape,
              bool need_contiguous = true) const;
  void same_device(AtenTensorHandle t, const char* name, AtenTensorHandle ref, const char* ref_name) const;
  void require(bool ok, const std::string& message) const {
    if (!ok) fail(message);
  }

 private:
  const char* op_;
};

std::string shape_str(const std::vector<int64_t>& shape);

}  // namespace gems
