// Errors inside libgems are C++ exceptions (GemsError); the C entry points catch them and
// keep the message for gems_last_error(). Nothing throws across the C boundary.
#pragma once
#include <stdexcept>
#include <string>

namespace gems {

struct GemsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& message);

// Runs `body`; on an exception stores its message as the thread's last error and returns 1.
template <typename F>
int guarded(F&& body) noexcept;

void set_last_error(const std::string& message) noexcept;
void clear_last_error() noexcept;
const char* last_error() noexcept;

template <typename F>
int guarded(F&& body) noexcept {
  clear_last_error();
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    set_last_error(e.what());
  } catch (...) {
    set_last_error("unknown native error");
  }
  return 1;
}

}  // namespace gems
