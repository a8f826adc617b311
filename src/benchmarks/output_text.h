// Reading numbers out of a benchmark's text output (hpcc's summary, LAMMPS's log, sysbench's
// report). Pure; never throws, whatever the text.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace converge::benchmarks {

// The lines of `text`, without their "\n" or "\r\n" (a last line without "\n" included).
std::vector<std::string_view> Lines(std::string_view text);

// `text` without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view text);

// The finite number that `text` is, all of it ("1.5", "-1", "2.2e-07"); nullopt for anything
// else ("", "1.5s", "nan", "inf").
std::optional<double> ParseNumber(std::string_view text);

// The number that starts `text` after spaces, up to the first character that cannot continue
// it ("4270.76 per second" -> 4270.76, "1.0002s" -> 1.0002); nullopt when none starts it.
std::optional<double> LeadingNumber(std::string_view text);

// The text after the first occurrence of `key` in `line`, or nullopt when `key` is absent.
std::optional<std::string_view> After(std::string_view line, std::string_view key);

}  // namespace converge::benchmarks
