#include "instance/manual_clock.h"

#include <algorithm>

#include "common/check.h"

namespace converge::instance {

class ManualClock::ManualTimer final : public Timer {
 public:
  ManualTimer(std::weak_ptr<State> state, Key key) : state_(std::move(state)), key_(key) {}
  ~ManualTimer() override { Cancel(); }

  void Cancel() override {
    if (std::shared_ptr<State> state = state_.lock()) state->timers.erase(key_);
  }

 private:
  std::weak_ptr<State> state_;
  Key key_;
};

ManualClock::ManualClock(double start) : start_(start) {}

double ManualClock::Now() const { return start_ + static_cast<double>(state_->now_ms) / 1e3; }

std::unique_ptr<Timer> ManualClock::After(std::chrono::milliseconds delay,
                                          std::function<void()> fire) {
  const Key key{state_->now_ms + std::max<int64_t>(0, delay.count()), state_->next_seq++};
  state_->timers.emplace(key, std::move(fire));
  return std::make_unique<ManualTimer>(state_, key);
}

void ManualClock::Advance(std::chrono::milliseconds delta) {
  CHECK(delta.count() >= 0, "ManualClock::Advance: time cannot go back");
  const int64_t target = state_->now_ms + delta.count();
  while (!state_->timers.empty() && state_->timers.begin()->first.first <= target) {
    auto first = state_->timers.begin();
    state_->now_ms = first->first.first;
    std::function<void()> fire = std::move(first->second);
    state_->timers.erase(first);  // fired: its Timer's Cancel() finds nothing
    fire();
  }
  state_->now_ms = target;
}

size_t ManualClock::pending() const { return state_->timers.size(); }

std::optional<std::chrono::milliseconds> ManualClock::next_due() const {
  if (state_->timers.empty()) return std::nullopt;
  return std::chrono::milliseconds(state_->timers.begin()->first.first - state_->now_ms);
}

}  // namespace converge::instance
