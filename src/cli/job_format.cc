#include "cli/job_format.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "cli/job_table.h"
#include "jobspec/duration.h"

namespace converge::cli {
namespace {

using json = nlohmann::json;

struct Field {
  const char* header;
  bool number;  // aligns right unless the spec says otherwise
};

const std::map<std::string, Field>& Fields() {
  static const std::map<std::string, Field> fields = {
      {"id", {"JOBID", true}},        {"userid", {"UID", true}},
      {"username", {"USER", false}},  {"name", {"NAME", false}},
      {"queue", {"QUEUE", false}},    {"state", {"STATE", false}},
      {"state_single", {"S", false}}, {"status", {"STATUS", false}},
      {"status_abbrev", {"ST", false}}, {"result", {"RESULT", false}},
      {"returncode", {"RC", true}},   {"ntasks", {"NTASKS", true}},
      {"nnodes", {"NNODES", true}},   {"nodelist", {"NODELIST", false}},
      {"urgency", {"URG", true}},     {"priority", {"PRI", true}},
      {"duration", {"DURATION", true}}, {"runtime", {"TIME", true}},
      {"t_submit", {"T_SUBMIT", true}}, {"t_run", {"T_RUN", true}},
      {"t_inactive", {"T_INACTIVE", true}}, {"contextual_info", {"INFO", false}},
      {"reason", {"INFO", false}}};
  return fields;
}

// A width or precision: its digits, at most kMostColumns.
size_t Count(const std::string& digits) {
  constexpr size_t kMostColumns = 200;
  size_t value = 0;
  for (char c : digits) value = std::min(kMostColumns, value * 10 + static_cast<size_t>(c - '0'));
  return value;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

std::string Integer(const json& job, const char* key) {
  const auto it = job.find(key);
  return it != job.end() && it->is_number() ? std::to_string(it->get<int64_t>()) : "";
}

std::string Text(const json& job, const char* key) {
  const auto it = job.find(key);
  return it != job.end() && it->is_string() ? it->get<std::string>() : "";
}

double Real(const json& job, const char* key) {
  const auto it = job.find(key);
  return it != job.end() && it->is_number() ? it->get<double>() : 0;
}

// A t_* field: epoch seconds, or a local date with !d; blank when it has not happened.
std::string Time(double epoch, bool date) {
  if (epoch <= 0) return "";
  return date ? FormatTimestamp(epoch) : Number(epoch);
}

std::string Value(const std::string& field, bool date, const json& job, double now) {
  const bool inactive = Text(job, "state") == "INACTIVE";
  if (field == "id") return Integer(job, "id");
  if (field == "userid") return Integer(job, "uid");
  if (field == "username") return Text(job, "user");
  if (field == "name" || field == "queue" || field == "state" || field == "nodelist") {
    return Text(job, field.c_str());  // the API's own names
  }
  if (field == "state_single") return Text(job, "state").substr(0, 1);
  if (field == "status") return inactive ? Upper(Text(job, "result")) : Text(job, "state");
  if (field == "status_abbrev") return StateCode(job);
  if (field == "result") return Upper(Text(job, "result"));
  if (field == "returncode") return inactive ? Integer(job, "exit_code") : "";
  if (field == "ntasks" || field == "nnodes") {
    const std::string count = Integer(job, field.c_str());
    return count == "0" ? "" : count;
  }
  if (field == "urgency" || field == "priority") return Integer(job, "priority");
  if (field == "duration") {
    const double seconds = Real(job, "duration");
    return seconds > 0 ? jobspec::FormatDuration(seconds) : "";
  }
  if (field == "runtime") return RunTime(job, now);
  if (field == "t_submit") return Time(Real(job, "submit_time"), date);
  if (field == "t_run") return Time(Real(job, "start_time"), date);
  if (field == "t_inactive") return inactive ? Time(Real(job, "end_time"), date) : "";
  return Text(job, "reason");  // contextual_info, reason
}

}  // namespace

Result<JobFormat> JobFormat::Parse(const std::string& text) {
  auto bad = [](const std::string& why) { return Status::Invalid("--format", why); };
  JobFormat format;
  Piece piece;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      piece.literal += c;
      ++i;
      continue;
    }
    if (c == '}') return bad("a '}' closes no field (write }} for a brace)");
    if (c != '{') {
      piece.literal += c;
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == std::string::npos) return bad("a '{' is never closed (write {{ for a brace)");
    std::string inside = text.substr(i + 1, close - i - 1);
    i = close;
    std::string spec;
    if (size_t colon = inside.find(':'); colon != std::string::npos) {
      spec = inside.substr(colon + 1);
      inside.resize(colon);
    }
    if (size_t bang = inside.find('!'); bang != std::string::npos) {
      const std::string conversion = inside.substr(bang + 1);
      inside.resize(bang);
      if (conversion != "d") {
        return bad("'!" + conversion + "' in {" + inside + "}: the only conversion is !d");
      }
      if (inside.rfind("t_", 0) != 0) return bad("!d is for the t_* times, not {" + inside + "}");
      piece.date = true;
    }
    if (!Fields().count(inside)) {
      std::string known;
      for (const auto& [name, field] : Fields()) known += (known.empty() ? "" : " ") + name;
      return bad("unknown field {" + inside + "} (fields: " + known + ")");
    }
    piece.field = inside;
    size_t at = 0;
    if (at < spec.size() && (spec[at] == '<' || spec[at] == '>' || spec[at] == '^')) {
      piece.align = spec[at++];
    }
    size_t digits = at;
    while (digits < spec.size() && std::isdigit(static_cast<unsigned char>(spec[digits]))) {
      ++digits;
    }
    if (digits > at) piece.width = Count(spec.substr(at, digits - at));
    at = digits;
    if (at < spec.size() && spec[at] == '.') {
      size_t end = ++at;
      while (end < spec.size() && std::isdigit(static_cast<unsigned char>(spec[end]))) ++end;
      if (end == at) return bad("'" + spec + "' in {" + inside + "}: a '.' needs a number");
      piece.precision = Count(spec.substr(at, end - at));
      at = end;
    }
    if (at != spec.size()) {
      return bad("'" + spec + "' in {" + inside + "}: use [<|>|^][WIDTH][.PRECISION]");
    }
    format.pieces_.push_back(std::move(piece));
    piece = Piece();
  }
  if (!piece.literal.empty()) format.pieces_.push_back(std::move(piece));
  return format;
}

std::string JobFormat::Lay(const Piece& piece, std::string text, bool number) {
  if (text.size() > piece.precision) text.resize(piece.precision);
  if (text.size() >= piece.width) return text;
  const size_t pad = piece.width - text.size();
  const char align = piece.align != 0 ? piece.align : (number ? '>' : '<');
  if (align == '>') return std::string(pad, ' ') + text;
  if (align == '^') return std::string(pad / 2, ' ') + text + std::string(pad - pad / 2, ' ');
  return text + std::string(pad, ' ');
}

std::string JobFormat::Render(bool header, const json& job, double now) const {
  std::string line;
  for (const Piece& piece : pieces_) {
    line += piece.literal;
    if (piece.field.empty()) continue;
    const Field& field = Fields().at(piece.field);
    line += Lay(piece, header ? field.header : Value(piece.field, piece.date, job, now),
                field.number);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + "\n";
}

std::string JobFormat::Header() const { return Render(true, json::object(), 0); }

std::string JobFormat::Row(const json& job, double now) const { return Render(false, job, now); }

}  // namespace converge::cli
