#include "sim/swf.h"

#include <charconv>
#include <cmath>

namespace converge::sim {

namespace {

constexpr const char* kFieldNames[kSwfFieldCount] = {
    "job number",       "submit time",      "wait time",           "run time",
    "allocated processors", "average CPU time", "used memory",     "requested processors",
    "requested time",   "requested memory", "status",              "user id",
    "group id",         "executable number", "queue number",       "partition number",
    "preceding job number", "think time",
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::string Where(int line) { return "line " + std::to_string(line); }

std::string FieldLabel(int field) {
  return "field " + std::to_string(field) + " (" + SwfFieldName(field) + ")";
}

// Parses a whole token as a decimal integer. Returns an error message or empty.
std::string ParseInt(std::string_view token, int64_t* out) {
  const char* begin = token.data();
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(begin, end, *out);
  if (ec == std::errc::result_out_of_range) return "out of range";
  if (ec != std::errc() || ptr != end) return "not an integer";
  return {};
}

std::string ParseReal(std::string_view token, double* out) {
  const char* begin = token.data();
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(begin, end, *out, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) return "out of range";
  if (ec != std::errc() || ptr != end || !std::isfinite(*out)) return "not a number";
  return {};
}

// "; Key: value" -> header entry; MaxProcs/MaxNodes also set the trace's machine size.
Status ParseHeaderLine(std::string_view body, int line, SwfTrace& trace) {
  size_t colon = body.find(':');
  if (colon == std::string_view::npos) return Status::Ok();  // free-form comment
  std::string_view key = Trim(body.substr(0, colon));
  std::string_view value = Trim(body.substr(colon + 1));
  if (key.empty() || key.find_first_of(" \t") != std::string_view::npos) return Status::Ok();
  trace.header.emplace_back(std::string(key), std::string(value));
  std::optional<int64_t>* target = nullptr;
  if (key == "MaxProcs") target = &trace.max_procs;
  if (key == "MaxNodes") target = &trace.max_nodes;
  if (target == nullptr) return Status::Ok();
  int64_t number = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  bool ends_well = ptr == value.data() + value.size() || IsSpace(*ptr) || *ptr == '(';
  if (ec != std::errc() || !ends_well) {
    return Status::Invalid(Where(line), std::string(key) + ": not an integer");
  }
  if (number > 0) *target = number;
  return Status::Ok();
}

Status ParseDataLine(std::string_view text, int line, SwfRecord& record) {
  std::string_view tokens[kSwfFieldCount];
  int count = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && IsSpace(text[pos])) ++pos;
    if (pos >= text.size()) break;
    size_t start = pos;
    while (pos < text.size() && !IsSpace(text[pos])) ++pos;
    if (count < kSwfFieldCount) tokens[count] = text.substr(start, pos - start);
    ++count;
  }
  if (count != kSwfFieldCount) {
    return Status::Invalid(Where(line), "expected " + std::to_string(kSwfFieldCount) +
                                            " fields, found " + std::to_string(count));
  }
  int64_t* ints[kSwfFieldCount] = {
      &record.job_number,      &record.submit_time,    &record.wait_time,  &record.run_time,
      &record.allocated_procs, nullptr,                nullptr,            &record.requested_procs,
      &record.requested_time,  &record.requested_memory, &record.status,   &record.user_id,
      &record.group_id,        &record.executable,     &record.queue,      &record.partition,
      &record.preceding_job,   &record.think_time,
  };
  for (int i = 0; i < kSwfFieldCount; ++i) {
    std::string error;
    if (i == 5) {
      error = ParseReal(tokens[i], &record.avg_cpu_time);
    } else if (i == 6) {
      error = ParseReal(tokens[i], &record.used_memory);
    } else {
      error = ParseInt(tokens[i], ints[i]);
    }
    if (!error.empty()) return Status::Invalid(Where(line), FieldLabel(i + 1) + ": " + error);
  }
  record.line = line;
  return Status::Ok();
}

}  // namespace

const char* SwfFieldName(int field) {
  if (field < 1 || field > kSwfFieldCount) return "unknown field";
  return kFieldNames[field - 1];
}

Result<SwfTrace> ParseSwf(std::string_view text) {
  SwfTrace trace;
  int line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t newline = text.find('\n', pos);
    size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (line == INT32_MAX) return Status::Invalid(Where(line), "too many lines");
    std::string_view body = Trim(raw);
    if (body.empty()) continue;
    if (body.front() == ';') {
      CONVERGE_RETURN_IF_ERROR(ParseHeaderLine(body.substr(1), line, trace));
      continue;
    }
    SwfRecord record;
    CONVERGE_RETURN_IF_ERROR(ParseDataLine(body, line, record));
    trace.records.push_back(record);
  }
  return trace;
}

}  // namespace converge::sim
