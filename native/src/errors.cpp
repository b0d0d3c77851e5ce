#include "errors.h"

namespace gems {

namespace {
thread_local std::string t_last_error;
}

void fail(const std::string& message) { throw GemsError(message); }

void set_last_error(const std::string& message) noexcept {
  try {
    t_last_error = message;
  } catch (...) {
  }
}

void clear_last_error() noexcept { t_last_error.clear(); }

const char* last_error() noexcept { return t_last_error.c_str(); }

}  // namespace gems
