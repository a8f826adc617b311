// GET /v1/events: the instance's event stream (instance/event_stream.h) as a list, or with
// ?watch=true as NDJSON lines — the kept events first, then each new one as it comes.
#include <charconv>
#include <cmath>
#include <memory>

#include "instance/event_stream.h"
#include "instance/routes.h"

namespace converge::instance {
namespace {

using api::HttpRequest;
using api::JsonError;
using api::JsonResponse;
using Reply = std::shared_ptr<api::Responder>;

constexpr size_t kMaxListed = 50000;

// `?name=` as a finite number >= 0 (`fallback` when absent), or nullopt after a 400.
std::optional<double> NonNegativeQuery(const HttpRequest& request, const std::string& name,
                                       double fallback, api::Responder& reply) {
  const std::string text = request.Query(name);
  if (text.empty()) return fallback;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value < 0) {
    reply.Reply(JsonError(400, "must be a number >= 0, not '" + text + "'", name));
    return std::nullopt;
  }
  return value;
}

// The filter of the query (since, after, type), or nullopt after a 400.
std::optional<EventFilter> FilterOf(const HttpRequest& request, api::Responder& reply) {
  EventFilter filter;
  std::optional<double> since = NonNegativeQuery(request, "since", 0, reply);
  if (!since) return std::nullopt;
  filter.since = *since;
  std::optional<double> after = NonNegativeQuery(request, "after", 0, reply);
  if (!after) return std::nullopt;
  if (*after != std::floor(*after) || *after > 9.0e15) {
    reply.Reply(JsonError(400, "must be an event number", "after"));
    return std::nullopt;
  }
  filter.after = static_cast<uint64_t>(*after);
  const std::string types = request.Query("type");
  size_t start = 0;
  while (!types.empty() && start <= types.size()) {
    const size_t comma = std::min(types.find(',', start), types.size());
    const std::string kind = types.substr(start, comma - start);
    if (!EventStream::Kinds().count(kind)) {
      reply.Reply(JsonError(400,
                            "'" + kind + "' is not a kind of event (job, service, jobset, "
                            "minicluster, node)",
                            "type"));
      return std::nullopt;
    }
    filter.kinds.insert(kind);
    start = comma + 1;
  }
  return filter;
}

void Events(RouteContext& context, const HttpRequest& request, Reply reply) {
  std::optional<EventFilter> filter = FilterOf(request, *reply);
  if (!filter) return;
  std::optional<double> limit = NonNegativeQuery(request, "limit", 1000, *reply);
  if (!limit) return;
  const size_t count = static_cast<size_t>(std::clamp(*limit, 1.0, double{kMaxListed}));
  EventStream& events = *context.events;
  if (request.Query("watch") != "true") {
    nlohmann::json list = nlohmann::json::array();
    for (const StreamEvent* event : events.Read(*filter, count)) {
      list.push_back(EventStream::ToJson(*event));
    }
    return reply->Reply(JsonResponse(
        200, nlohmann::json{{"events", list}, {"last_seq", events.last_seq()}}.dump()));
  }
  std::shared_ptr<api::Stream> stream = reply->StartStream(200, "application/x-ndjson");
  for (const StreamEvent* event : events.Read(*filter, count)) {
    stream->Write(EventStream::ToJson(*event).dump() + "\n");
  }
  events.Watch(*filter, [stream](const StreamEvent& event) {
    if (stream->closed()) return false;
    stream->Write(EventStream::ToJson(event).dump() + "\n");
    return !stream->closed();
  });
}

}  // namespace

void AddEventRoutes(api::Router& router, RouteContext* c) {
  router.Add({"GET", "/v1/events", "anyone",
              [c](HttpRequest request, Reply reply) { Events(*c, request, std::move(reply)); }});
}

}  // namespace converge::instance
