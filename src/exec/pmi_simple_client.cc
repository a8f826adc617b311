#include "exec/pmi_simple_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace converge::exec {
namespace {

constexpr size_t kMostReplyBytes = 64 * 1024;  // a reply line longer than this is refused

Result<int> IntegerVariable(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') {
    return Status::Invalid(name, "is not set: the task has no PMI-1 server (PMI_FD)");
  }
  int value = 0;
  const char* end = text + std::strlen(text);
  auto [at, error] = std::from_chars(text, end, value);
  if (error != std::errc() || at != end || value < 0) {
    return Status::Invalid(name, std::string("is not a number >= 0: ") + text);
  }
  return value;
}

bool WireSafe(const std::string& text) {
  return !text.empty() && text.find_first_of(" \n\r\t") == std::string::npos;
}

}  // namespace

std::optional<std::string> PmiField(const std::string& line, const std::string& key) {
  const std::string wanted = key + "=";
  for (size_t start = 0; start < line.size();) {
    size_t end = line.find(' ', start);
    if (end == std::string::npos) end = line.size();
    if (line.compare(start, wanted.size(), wanted) == 0) {
      return line.substr(start + wanted.size(), end - start - wanted.size());
    }
    start = end + 1;
  }
  return std::nullopt;
}

Result<PmiSimpleClient> PmiSimpleClient::FromEnvironment() {
  Result<int> fd = IntegerVariable("PMI_FD");
  if (!fd.ok()) return fd.status();
  Result<int> rank = IntegerVariable("PMI_RANK");
  if (!rank.ok()) return rank.status();
  Result<int> size = IntegerVariable("PMI_SIZE");
  if (!size.ok()) return size.status();
  if (*size < 1 || *rank >= *size) {
    return Status::Invalid("PMI_RANK", "is not below PMI_SIZE");
  }
  return Connect(*fd, *rank, *size);
}

Result<PmiSimpleClient> PmiSimpleClient::Connect(int fd, int rank, int size) {
  PmiSimpleClient client(fd, rank, size);
  CONVERGE_RETURN_IF_ERROR(client.Handshake());
  return client;
}

PmiSimpleClient::PmiSimpleClient(PmiSimpleClient&& other) noexcept
    : fd_(other.fd_),
      rank_(other.rank_),
      size_(other.size_),
      kvsname_(std::move(other.kvsname_)),
      max_key_(other.max_key_),
      max_value_(other.max_value_),
      input_(std::move(other.input_)),
      finalized_(other.finalized_) {
  other.fd_ = -1;
}

PmiSimpleClient::~PmiSimpleClient() {
  if (fd_ < 0) return;
  if (!finalized_) Finalize();
  ::close(fd_);
}

Status PmiSimpleClient::Handshake() {
  CONVERGE_RETURN_IF_ERROR(Send("cmd=init pmi_version=1 pmi_subversion=1"));
  Result<std::string> init = Await("response_to_init");
  if (!init.ok()) return init.status();
  if (PmiField(*init, "rc") != "0") {
    return Status(Code::kUnavailable, "the PMI server refused init: " + *init);
  }
  CONVERGE_RETURN_IF_ERROR(Send("cmd=get_maxes"));
  Result<std::string> maxes = Await("maxes");
  if (!maxes.ok()) return maxes.status();
  max_key_ = std::strtoul(PmiField(*maxes, "keylen_max").value_or("64").c_str(), nullptr, 10);
  max_value_ = std::strtoul(PmiField(*maxes, "vallen_max").value_or("1024").c_str(), nullptr, 10);
  CONVERGE_RETURN_IF_ERROR(Send("cmd=get_my_kvsname"));
  Result<std::string> name = Await("my_kvsname");
  if (!name.ok()) return name.status();
  std::optional<std::string> kvsname = PmiField(*name, "kvsname");
  if (!kvsname || kvsname->empty()) {
    return Status(Code::kUnavailable, "the PMI server named no KVS: " + *name);
  }
  kvsname_ = *kvsname;
  return Status::Ok();
}

Status PmiSimpleClient::Put(const std::string& key, const std::string& value) {
  if (!WireSafe(key) || key.size() > max_key_) {
    return Status::Invalid("PMI key", "must be 1 to " + std::to_string(max_key_) +
                                          " bytes without spaces: " + key);
  }
  if (!WireSafe(value) || value.size() > max_value_) {
    return Status::Invalid("PMI value of " + key, "must be 1 to " + std::to_string(max_value_) +
                                                       " bytes without spaces");
  }
  CONVERGE_RETURN_IF_ERROR(
      Send("cmd=put kvsname=" + kvsname_ + " key=" + key + " value=" + value));
  Result<std::string> reply = Await("put_result");
  if (!reply.ok()) return reply.status();
  if (PmiField(*reply, "rc") != "0") {
    return Status(Code::kUnavailable, "PMI put of " + key + " failed: " + *reply);
  }
  return Status::Ok();
}

Status PmiSimpleClient::Barrier() {
  CONVERGE_RETURN_IF_ERROR(Send("cmd=barrier_in"));
  Result<std::string> reply = Await("barrier_out");
  if (!reply.ok()) return reply.status();
  if (PmiField(*reply, "rc").value_or("0") != "0") {
    return Status(Code::kUnavailable, "PMI barrier failed: " + *reply);
  }
  return Status::Ok();
}

Result<std::string> PmiSimpleClient::Get(const std::string& key) {
  if (!WireSafe(key) || key.size() > max_key_) {
    return Status::Invalid("PMI key", "must be 1 to " + std::to_string(max_key_) +
                                          " bytes without spaces: " + key);
  }
  CONVERGE_RETURN_IF_ERROR(Send("cmd=get kvsname=" + kvsname_ + " key=" + key));
  Result<std::string> reply = Await("get_result");
  if (!reply.ok()) return reply.status();
  if (PmiField(*reply, "rc") != "0") {
    return Status(Code::kNotFound, "no rank put the PMI key", key);
  }
  std::optional<std::string> value = PmiField(*reply, "value");
  if (!value) return Status(Code::kUnavailable, "PMI get of " + key + " had no value: " + *reply);
  return *value;
}

Status PmiSimpleClient::Finalize() {
  if (finalized_) return Status(Code::kInternal, "PMI was finalized already");
  finalized_ = true;
  CONVERGE_RETURN_IF_ERROR(Send("cmd=finalize"));
  Result<std::string> reply = Await("finalize_ack");
  return reply.ok() ? Status::Ok() : reply.status();
}

Status PmiSimpleClient::Abort(int exit_code, const std::string& why) {
  std::string message = why.substr(0, std::min<size_t>(why.size(), max_value_));
  for (char& c : message) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') c = '_';
  }
  finalized_ = true;  // nothing follows an abort
  return Send("cmd=abort exitcode=" + std::to_string(exit_code) +
              (message.empty() ? "" : " message=" + message));
}

Status PmiSimpleClient::Send(const std::string& line) {
  if (fd_ < 0) return Status(Code::kUnavailable, "PMI connection is closed");
  const std::string bytes = line + "\n";
  for (size_t done = 0; done < bytes.size();) {
    // send(MSG_NOSIGNAL): a server that went away is an error, not a SIGPIPE.
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status(Code::kUnavailable, std::string("PMI write: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::string> PmiSimpleClient::Await(const std::string& command) {
  const std::string wanted = "cmd=" + command;
  for (;;) {
    for (size_t newline; (newline = input_.find('\n')) != std::string::npos;) {
      std::string line = input_.substr(0, newline);
      input_.erase(0, newline + 1);
      if (line.rfind(wanted, 0) == 0 && (line.size() == wanted.size() || line[wanted.size()] == ' ')) {
        return line;
      }
      if (line.rfind("cmd=error", 0) == 0) {
        return Status(Code::kUnavailable, "the PMI server answered: " + line);
      }
      // Anything else (e.g. unsolicited "cmd=set" lines) is not what we wait for.
    }
    if (input_.size() > kMostReplyBytes) {
      return Status(Code::kUnavailable, "the PMI server sent a line longer than " +
                                            std::to_string(kMostReplyBytes) + " bytes");
    }
    char buffer[4096];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return Status(Code::kUnavailable, "the PMI server closed the connection");
    if (n < 0) return Status(Code::kUnavailable, std::string("PMI read: ") + std::strerror(errno));
    input_.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace converge::exec
