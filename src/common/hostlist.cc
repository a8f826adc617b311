#include "common/hostlist.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace converge {

namespace {

constexpr size_t kMaxDigits = 18;  // keeps every number below 2^63

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// One parsed range "lo-hi" (hi == lo for a single number); width > 0 pads to that width.
struct Range {
  int64_t lo = 0;
  int64_t hi = 0;
  size_t width = 0;
};

Result<int64_t> ParseNumber(std::string_view digits, std::string_view whole) {
  if (digits.empty()) return Status::Invalid("", "empty number in '" + std::string(whole) + "'");
  if (digits.size() > kMaxDigits) {
    return Status::Invalid("", "number too long in '" + std::string(whole) + "'");
  }
  for (char c : digits) {
    if (!IsDigit(c)) {
      return Status::Invalid(
          "", "unexpected character '" + std::string(1, c) + "' in '" + std::string(whole) + "'");
    }
  }
  int64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

// Parses "1-3,5,07-09" into ranges.
Result<std::vector<Range>> ParseRanges(std::string_view text) {
  std::vector<Range> ranges;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) return Status::Invalid("", "empty range in '" + std::string(text) + "'");
    size_t dash = item.find('-');
    std::string_view lo_text = item.substr(0, dash);
    std::string_view hi_text = dash == std::string_view::npos ? lo_text : item.substr(dash + 1);
    Result<int64_t> lo = ParseNumber(lo_text, text);
    if (!lo.ok()) return lo.status();
    Result<int64_t> hi = ParseNumber(hi_text, text);
    if (!hi.ok()) return hi.status();
    if (*lo > *hi) {
      return Status::Invalid("", "range '" + std::string(item) + "' runs backwards");
    }
    Range range{*lo, *hi, 0};
    if (lo_text.size() > 1 && lo_text[0] == '0') range.width = lo_text.size();
    ranges.push_back(range);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ranges;
}

std::string Padded(int64_t value, size_t width) {
  std::string digits = std::to_string(value);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

// Writes sorted unique values as "a-b,c" with padding.
std::string FormatRanges(const std::vector<int64_t>& values, size_t width) {
  std::string out;
  for (size_t i = 0; i < values.size();) {
    size_t j = i;
    while (j + 1 < values.size() && values[j + 1] == values[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += Padded(values[i], width);
    if (j > i) out += '-' + Padded(values[j], width);
    i = j + 1;
  }
  return out;
}

// Splits on commas that are not inside brackets. Fails on unbalanced or nested brackets.
Result<std::vector<std::string_view>> SplitTerms(std::string_view text) {
  std::vector<std::string_view> terms;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ',';
    if (c == '[') {
      if (++depth > 1) return Status::Invalid("", "nested '[' in '" + std::string(text) + "'");
    } else if (c == ']') {
      if (--depth < 0) return Status::Invalid("", "unmatched ']' in '" + std::string(text) + "'");
    } else if (c == ',' && depth == 0) {
      std::string_view term = text.substr(start, i - start);
      if (term.empty()) return Status::Invalid("", "empty name in '" + std::string(text) + "'");
      terms.push_back(term);
      start = i + 1;
    }
  }
  if (depth != 0) return Status::Invalid("", "unmatched '[' in '" + std::string(text) + "'");
  return terms;
}

int64_t RangeTotal(const std::vector<Range>& ranges) {
  int64_t total = 0;
  for (const Range& range : ranges) {
    total += range.hi - range.lo + 1;
    if (total > kMaxExpansion) return total;
  }
  return total;
}

Status TooLarge(std::string_view text) {
  return Status::Invalid("", "'" + std::string(text).substr(0, 64) + "' expands to more than " +
                                 std::to_string(kMaxExpansion) + " items");
}

}  // namespace

std::string CompressHostlist(std::vector<std::string> names) {
  // Output items in order of first appearance: a plain name, or a prefix whose numbers
  // (value, width; width 0 = unpadded) are collected in `numbered`.
  struct Item {
    bool plain = false;
    std::string text;
  };
  std::vector<Item> order;
  std::map<std::string, std::vector<std::pair<int64_t, size_t>>> numbered;
  for (const std::string& name : names) {
    size_t digits = 0;
    while (digits < name.size() && IsDigit(name[name.size() - 1 - digits])) ++digits;
    if (digits == 0 || digits > kMaxDigits) {
      order.push_back({true, name});
      continue;
    }
    std::string prefix = name.substr(0, name.size() - digits);
    std::string_view number(name.data() + prefix.size(), digits);
    size_t width = (digits > 1 && number[0] == '0') ? digits : 0;
    int64_t value = 0;
    std::from_chars(number.data(), number.data() + number.size(), value);
    auto [it, inserted] = numbered.try_emplace(prefix);
    if (inserted) order.push_back({false, prefix});
    it->second.emplace_back(value, width);
  }

  std::string out;
  auto append = [&out](const std::string& item) {
    if (!out.empty()) out += ',';
    out += item;
  };
  for (const Item& item : order) {
    if (item.plain) {
      append(item.text);
      continue;
    }
    const std::string& key = item.text;
    std::vector<std::pair<int64_t, size_t>>& entries = numbered[key];
    // Unpadded numbers with exactly a padded group's digit count join that group.
    std::map<size_t, std::vector<int64_t>> by_width;
    for (const auto& [value, width] : entries) by_width[width];
    for (const auto& [value, width] : entries) {
      size_t target = width;
      if (width == 0) {
        size_t digits = std::to_string(value).size();
        if (digits > 1 && by_width.count(digits)) target = digits;
      }
      by_width[target].push_back(value);
    }
    for (auto& [width, values] : by_width) {
      if (values.empty()) continue;
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      if (values.size() == 1) {
        append(key + Padded(values[0], width));
      } else {
        append(key + "[" + FormatRanges(values, width) + "]");
      }
    }
  }
  return out;
}

Result<std::vector<std::string>> ExpandHostlist(std::string_view hostlist) {
  std::vector<std::string> names;
  if (hostlist.empty()) return names;
  Result<std::vector<std::string_view>> terms = SplitTerms(hostlist);
  if (!terms.ok()) return terms.status();
  for (std::string_view term : *terms) {
    size_t open = term.find('[');
    if (open == std::string_view::npos) {
      if (term.find(']') != std::string_view::npos) {
        return Status::Invalid("", "unmatched ']' in '" + std::string(hostlist) + "'");
      }
      if (static_cast<int64_t>(names.size()) >= kMaxExpansion) return TooLarge(hostlist);
      names.emplace_back(term);
      continue;
    }
    size_t close = term.find(']', open);
    std::string_view prefix = term.substr(0, open);
    std::string_view suffix = term.substr(close + 1);
    if (suffix.find_first_of("[]") != std::string_view::npos) {
      return Status::Invalid("", "more than one bracket group in '" + std::string(term) + "'");
    }
    Result<std::vector<Range>> ranges = ParseRanges(term.substr(open + 1, close - open - 1));
    if (!ranges.ok()) return ranges.status();
    if (static_cast<int64_t>(names.size()) + RangeTotal(*ranges) > kMaxExpansion) {
      return TooLarge(hostlist);
    }
    for (const Range& range : *ranges) {
      for (int64_t value = range.lo; value <= range.hi; ++value) {
        std::string name(prefix);
        name += Padded(value, range.width);
        name += suffix;
        names.push_back(std::move(name));
      }
    }
  }
  return names;
}

std::string CompressIds(std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  CHECK(ids.empty() || ids.front() >= 0, "CompressIds needs non-negative ids");
  return FormatRanges(ids, 0);
}

Result<std::vector<int64_t>> ExpandIds(std::string_view idset) {
  std::vector<int64_t> ids;
  if (idset.size() >= 2 && idset.front() == '[' && idset.back() == ']') {
    idset = idset.substr(1, idset.size() - 2);
  }
  if (idset.empty()) return ids;
  Result<std::vector<Range>> ranges = ParseRanges(idset);
  if (!ranges.ok()) return ranges.status();
  if (RangeTotal(*ranges) > kMaxExpansion) return TooLarge(idset);
  for (const Range& range : *ranges) {
    for (int64_t value = range.lo; value <= range.hi; ++value) ids.push_back(value);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace converge
