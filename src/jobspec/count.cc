#include "jobspec/count.h"

#include <charconv>
#include <vector>

namespace converge::jobspec {

namespace {

Result<int64_t> ParseNumber(std::string_view text) {
  int64_t value = 0;
  if (text.empty() || text[0] == '+' || text[0] == '-') {
    return Status::Invalid("", "'" + std::string(text) + "' is not a count");
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    return Status::Invalid("", "'" + std::string(text) + "' is out of range");
  }
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::Invalid("", "'" + std::string(text) + "' is not a count");
  }
  return value;
}

Result<Count> ParseRange(std::string_view text) {
  // min-max[:operand[:operator]]
  Count count;
  count.is_range = true;
  const size_t dash = text.find('-');
  const size_t colon = text.find(':');
  if (dash == std::string_view::npos || (colon != std::string_view::npos && colon < dash)) {
    return Status::Invalid("", "'" + std::string(text) + "' is not a count");
  }
  std::string_view rest = text.substr(dash + 1);
  const size_t colon1 = rest.find(':');
  Result<int64_t> min = ParseNumber(text.substr(0, dash));
  if (!min.ok()) return min.status();
  Result<int64_t> max = ParseNumber(rest.substr(0, colon1));
  if (!max.ok()) return max.status();
  count.min = *min;
  count.max = *max;
  if (colon1 != std::string_view::npos) {
    std::string_view tail = rest.substr(colon1 + 1);
    const size_t colon2 = tail.find(':');
    Result<int64_t> operand = ParseNumber(tail.substr(0, colon2));
    if (!operand.ok()) return operand.status();
    count.operand = *operand;
    if (colon2 != std::string_view::npos) {
      std::string_view op = tail.substr(colon2 + 1);
      if (op != "+" && op != "*" && op != "^") {
        return Status::Invalid("", "operator must be one of '+', '*', '^'");
      }
      count.op = op[0];
    }
  }
  return count;
}

}  // namespace

Result<Count> ParseCountString(std::string_view text) {
  if (text.empty()) return Status::Invalid("", "must not be empty");
  if (text.find(',') != std::string_view::npos) {
    std::vector<int64_t> values;
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      if (comma == std::string_view::npos) comma = text.size();
      std::string_view item = text.substr(start, comma - start);
      const size_t dash = item.find('-');
      int64_t low = 0;
      int64_t high = 0;
      if (dash == std::string_view::npos) {
        Result<int64_t> value = ParseNumber(item);
        if (!value.ok()) return value.status();
        low = high = *value;
      } else {
        Result<int64_t> a = ParseNumber(item.substr(0, dash));
        if (!a.ok()) return a.status();
        Result<int64_t> b = ParseNumber(item.substr(dash + 1));
        if (!b.ok()) return b.status();
        low = *a;
        high = *b;
        if (high < low) return Status::Invalid("", "range '" + std::string(item) + "' is reversed");
      }
      if (static_cast<uint64_t>(high - low) >= kMaxCountValues ||
          values.size() + static_cast<size_t>(high - low) >= kMaxCountValues) {
        return Status::Invalid("", "more than " + std::to_string(kMaxCountValues) + " counts");
      }
      for (int64_t v = low;; ++v) {
        if (!values.empty() && v <= values.back()) {
          return Status::Invalid("", "counts must be strictly increasing");
        }
        values.push_back(v);
        if (v == high) break;
      }
      start = comma + 1;
    }
    Count count;
    count.is_range = true;
    count.min = values.front();
    count.max = values.back();
    count.values = std::move(values);
    return count;
  }
  if (text.back() == '+' && text.find('-') == std::string_view::npos) {
    Result<int64_t> min = ParseNumber(text.substr(0, text.size() - 1));
    if (!min.ok()) return min.status();
    Count count;
    count.is_range = true;
    count.min = *min;
    count.max = Count::kUnbounded;
    return count;
  }
  if (text.find('-') != std::string_view::npos) return ParseRange(text);
  Result<int64_t> value = ParseNumber(text);
  if (!value.ok()) return value.status();
  return Count::Fixed(*value);
}

std::string FormatCountValues(const Count& count) {
  std::string text;
  for (int64_t value : count.values) {
    if (!text.empty()) text += ',';
    text += std::to_string(value);
  }
  return text;
}

Status CheckCount(const Count& count, int64_t minimum) {
  const std::string bound = "must be >= " + std::to_string(minimum);
  if (!count.is_range) {
    if (count.min < minimum) return Status::Invalid("", bound);
    if (count.max != count.min) return Status::Invalid("", "a fixed count must have max == min");
    return Status::Ok();
  }
  if (count.min < 1) return Status::Invalid("min", "must be >= 1");
  if (count.max < count.min) return Status::Invalid("max", "must be >= min");
  if (!count.values.empty()) {
    if (count.values.size() > kMaxCountValues) {
      return Status::Invalid("", "more than " + std::to_string(kMaxCountValues) + " counts");
    }
    for (size_t i = 1; i < count.values.size(); ++i) {
      if (count.values[i] <= count.values[i - 1]) {
        return Status::Invalid("", "counts must be strictly increasing");
      }
    }
    if (count.values.front() != count.min || count.values.back() != count.max) {
      return Status::Invalid("", "min and max must be the first and last of the counts");
    }
    return Status::Ok();
  }
  if (count.op != '+' && count.op != '*' && count.op != '^') {
    return Status::Invalid("operator", "must be one of '+', '*', '^'");
  }
  if (count.operand < 1) return Status::Invalid("operand", "must be >= 1");
  if (count.max == Count::kUnbounded && (count.op != '+' || count.operand != 1)) {
    return Status::Invalid("max", "is required with operator and operand");
  }
  if (count.op == '*' && count.operand < 2) {
    return Status::Invalid("operand", "must be >= 2 with operator '*'");
  }
  if (count.op == '^') {
    if (count.operand < 2) return Status::Invalid("operand", "must be >= 2 with operator '^'");
    if (count.min < 2) return Status::Invalid("min", "must be >= 2 with operator '^'");
  }
  return Status::Ok();
}

}  // namespace converge::jobspec
