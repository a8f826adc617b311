// The CLI's way to the instance: one keep-alive connection (CONVERGE_URI or the default
// socket) and calls whose API errors (docs/api.md: {"error", "field"}) come back as Status
// values that print well. Not thread-safe: one Session per thread.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http_client.h"
#include "common/status.h"

namespace converge::cli {

class Session {
 public:
  // Errors: no instance answering (the client's message says where it looked).
  static Result<Session> Open();

  // One JSON call. A non-2xx answer becomes a Status carrying the API's error text and field
  // (404 -> kNotFound, 403 -> kSkip, 422 -> kUnsatisfiable, other 4xx -> kInvalidArgument,
  // 5xx -> kInternal).
  Result<nlohmann::json> Call(const std::string& method, const std::string& target,
                              const std::string& body = "");
  // GET of a text resource (job output): the body, or the API's error as for Call.
  Result<std::string> GetText(const std::string& target);
  // A streamed GET; `on_chunk` gets the body as it arrives. The connection closes at the end
  // (the next call reconnects). REQUIRES: the target answers 200 (check it first: an error
  // body would reach on_chunk). Returns the HTTP status.
  Result<int> Stream(const std::string& target,
                     const std::function<bool(std::string_view chunk)>& on_chunk);

 private:
  explicit Session(std::unique_ptr<api::HttpClient> client) : client_(std::move(client)) {}
  std::unique_ptr<api::HttpClient> client_;
};

// GET /v1/jobs?QUERY, following next_after until the end: every job matching `query`
// ("state=active&user=1000"), ordered by id.
Result<std::vector<nlohmann::json>> ListJobs(Session& session, const std::string& query);

// Blocks until job `id` is inactive (following its eventlog), then returns its object.
Result<nlohmann::json> WaitFor(Session& session, int64_t id);

// `submit --wait` and `batch --wait`: waits for `ids` to end, saying on stderr how each one
// that did not complete ended. Returns 0 when all completed, else the largest exit code among
// them (1 when none has one), as `flux submit --wait` and `sbatch --wait`.
int WaitForAll(Session& session, const std::vector<int64_t>& ids, const std::string& command);

// A --state/--filter list as the API's ?state= list, plus the results an inactive job must
// have (empty: any): flux-jobs' pending (DEPEND, PRIORITY, SCHED) and running (RUN, CLEANUP),
// and the results completed, failed, canceled and timeout, beside the API's own state names.
std::pair<std::string, std::set<std::string>> StateFilter(const std::string& text);

// Seconds since the epoch, from the system clock (for run times in tables).
double WallClockNow();

// `text` escaped for a URL query value.
std::string UrlEncode(const std::string& text);

// The caller as the API's ?user= takes it (the uid, which needs no name lookup).
std::string SelfUser();

// The Status for a non-2xx answer with `body` (the API's {"error","field"} when it parses).
Status ApiError(int http_status, const std::string& body);

// Prints "converge CMD: message (field: x)" to stderr and returns 1.
int Fail(const std::string& command, const Status& status);

}  // namespace converge::cli
