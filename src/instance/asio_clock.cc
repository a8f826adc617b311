#include "instance/asio_clock.h"

#include <boost/asio/steady_timer.hpp>

namespace converge::instance {
namespace {

class AsioTimer final : public Timer {
 public:
  AsioTimer(boost::asio::io_context& io, std::chrono::milliseconds delay,
            std::function<void()> fire)
      : timer_(io), armed_(std::make_shared<bool>(true)) {
    timer_.expires_after(std::max(delay, std::chrono::milliseconds(0)));
    // A handler already queued when the timer is cancelled still runs, without an error: the
    // shared flag (not the timer, which may be gone) says whether it is still wanted.
    timer_.async_wait([armed = armed_, fire = std::move(fire)](const boost::system::error_code&) {
      if (!*armed) return;
      *armed = false;
      fire();
    });
  }
  ~AsioTimer() override { Cancel(); }

  void Cancel() override {
    *armed_ = false;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  std::shared_ptr<bool> armed_;  // shared with the pending handler, which may outlive us
};

}  // namespace

double AsioClock::Now() const {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::unique_ptr<Timer> AsioClock::After(std::chrono::milliseconds delay,
                                        std::function<void()> fire) {
  return std::make_unique<AsioTimer>(io_, delay, std::move(fire));
}

}  // namespace converge::instance
