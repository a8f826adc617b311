#include "common/signal_name.h"

#include <signal.h>

#include <cctype>
#include <charconv>

namespace converge {
namespace {

struct Named {
  const char* name;
  int signo;
};

constexpr Named kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP},     {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},       {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},   {"SYS", SIGSYS}};

}  // namespace

Result<int> ParseSignal(const std::string& text) {
  int number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (!text.empty() && error == std::errc() && end == text.data() + text.size()) {
    if (number >= 1 && number <= 64) return number;
    return Status::Invalid("", "'" + text + "' is not a signal (1..64)");
  }
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.rfind("SIG", 0) == 0) upper.erase(0, 3);
  for (const Named& named : kSignals) {
    if (upper == named.name) return named.signo;
  }
  return Status::Invalid("", "'" + text + "' is not a signal (a name such as USR1 or TERM, "
                             "or a number)");
}

std::string SignalName(int signo) {
  for (const Named& named : kSignals) {
    if (named.signo == signo) return named.name;
  }
  return std::to_string(signo);
}

}  // namespace converge
