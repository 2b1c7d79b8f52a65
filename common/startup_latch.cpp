#include "common/startup_latch.hpp"

#include <memory>

namespace sagaflow {

SessionConnected StartupLatch::Party() {
  auto counted = std::make_shared<std::once_flag>();
  return [this, counted] {
    std::call_once(*counted, [this] {
      std::lock_guard lock(mutex_);
      --left_;
      arrived_.notify_all();
    });
  };
}

bool StartupLatch::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [this] { return left_ <= 0; });
}

}  // namespace sagaflow
