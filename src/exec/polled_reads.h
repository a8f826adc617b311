// PolledReads: the bookkeeping of a TaskService that polls the read ends of its streams. One
// poll round appends the read ends still open (`read_fd >= 0`) and remembers whose they are,
// so that the round's results reach the right stream.
// Single-threaded (the shim's loop).
#pragma once

#include <poll.h>

#include <cstddef>
#include <span>
#include <vector>

namespace converge::exec {

class PolledReads {
 public:
  // Appends a POLLIN entry to `fds` for each of `streams` (anything with an int `read_fd`)
  // whose read end is open.
  template <class Streams>
  void Add(const Streams& streams, std::vector<pollfd>& fds) {
    polled_.clear();
    size_t index = 0;
    for (const auto& stream : streams) {
      if (stream.read_fd >= 0) {
        fds.push_back({stream.read_fd, POLLIN, 0});
        polled_.push_back(index);
      }
      ++index;
    }
  }

  // Calls `ready(i)` for the index into the streams of each entry of the last Add that has
  // events; `fds` are those entries, in order.
  template <class Ready>
  void ForEachReady(std::span<const pollfd> fds, Ready&& ready) const {
    for (size_t i = 0; i < fds.size() && i < polled_.size(); ++i) {
      if (fds[i].revents != 0) ready(polled_[i]);
    }
  }

 private:
  std::vector<size_t> polled_;
};

}  // namespace converge::exec
