#include "harness/recording/wall_time.h"

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <limits>

namespace agentreplay::harness {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kMaxSeconds =
    std::numeric_limits<int64_t>::max() / kNanosPerSecond - kSecondsPerDay;
constexpr int64_t kMinSeconds = -kMaxSeconds;

// Days since 1970-01-01 of a proleptic Gregorian date, counting in 400-year eras (146097 days
// each) that start on 1 March, so the leap day falls at the end of a year.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;                                          // [0, 399]
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct Civil {
  int64_t year;
  int64_t month;
  int64_t day;
};

// The inverse of DaysFromCivil.
Civil CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool IsLeap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int64_t DaysInMonth(int64_t year, int64_t month) {
  constexpr std::array<int64_t, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// Reads exactly `count` digits at text[pos]; advances pos.
std::optional<int64_t> Digits(std::string_view text, std::size_t& pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int64_t value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool Expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

std::optional<int64_t> ToUnixNanos(int64_t year, int64_t month, int64_t day, int64_t hour,
                                   int64_t minute, int64_t second) {
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {  // 60: a leap second, counted as the next second's start
    return std::nullopt;
  }
  const int64_t seconds =
      DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 + second;
  // Nanoseconds in an int64_t reach from 1677 to 2262; a day of margin keeps the caller's
  // fraction and UTC offset from overflowing either.
  if (seconds < kMinSeconds || seconds > kMaxSeconds) return std::nullopt;
  return seconds * kNanosPerSecond;
}

}  // namespace

std::optional<int64_t> ParseRfc3339(std::string_view text) {
  std::size_t pos = 0;
  const auto year = Digits(text, pos, 4);
  if (!year || !Expect(text, pos, '-')) return std::nullopt;
  const auto month = Digits(text, pos, 2);
  if (!month || !Expect(text, pos, '-')) return std::nullopt;
  const auto day = Digits(text, pos, 2);
  if (!day || pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  const auto hour = Digits(text, pos, 2);
  if (!hour || !Expect(text, pos, ':')) return std::nullopt;
  const auto minute = Digits(text, pos, 2);
  if (!minute || !Expect(text, pos, ':')) return std::nullopt;
  const auto second = Digits(text, pos, 2);
  if (!second) return std::nullopt;
  int64_t fraction_ns = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = kNanosPerSecond / 10;
    const std::size_t first = pos;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      fraction_ns += (text[pos] - '0') * scale;
      scale /= 10;
    }
    if (pos == first) return std::nullopt;
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int64_t sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    const auto offset_hours = Digits(text, pos, 2);
    if (!offset_hours || !Expect(text, pos, ':')) return std::nullopt;
    const auto offset_minutes = Digits(text, pos, 2);
    if (!offset_minutes || *offset_hours > 23 || *offset_minutes > 59) return std::nullopt;
    offset_seconds = sign * (*offset_hours * 3600 + *offset_minutes * 60);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const auto local = ToUnixNanos(*year, *month, *day, *hour, *minute, *second);
  if (!local) return std::nullopt;
  return *local + fraction_ns - offset_seconds * kNanosPerSecond;
}

std::string FormatRfc3339(int64_t unix_ns) {
  int64_t seconds = unix_ns / kNanosPerSecond;
  int64_t fraction = unix_ns % kNanosPerSecond;
  if (fraction < 0) {
    fraction += kNanosPerSecond;
    --seconds;
  }
  int64_t days = seconds / kSecondsPerDay;
  int64_t in_day = seconds % kSecondsPerDay;
  if (in_day < 0) {
    in_day += kSecondsPerDay;
    --days;
  }
  const Civil date = CivilFromDays(days);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", date.year, date.month,
                                date.day, in_day / 3600, in_day / 60 % 60, in_day % 60);
  if (fraction % 1'000'000 == 0 && fraction != 0) {
    out += fmt::format(".{:03}", fraction / 1'000'000);
  } else if (fraction % 1000 == 0 && fraction != 0) {
    out += fmt::format(".{:06}", fraction / 1000);
  } else if (fraction != 0) {
    out += fmt::format(".{:09}", fraction);
  }
  out += 'Z';
  return out;
}

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  // "Tue, 16 Sep 2025 23:14:39 GMT": the day name is redundant and not checked.
  const std::size_t comma = text.find(", ");
  if (comma == std::string_view::npos) return std::nullopt;
  std::size_t pos = comma + 2;
  const auto day = Digits(text, pos, 2);
  if (!day || !Expect(text, pos, ' ') || pos + 3 > text.size()) return std::nullopt;
  constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const std::size_t month_at = kMonths.find(text.substr(pos, 3));
  if (month_at == std::string_view::npos || month_at % 3 != 0) return std::nullopt;
  pos += 3;
  if (!Expect(text, pos, ' ')) return std::nullopt;
  const auto year = Digits(text, pos, 4);
  if (!year || !Expect(text, pos, ' ')) return std::nullopt;
  const auto hour = Digits(text, pos, 2);
  if (!hour || !Expect(text, pos, ':')) return std::nullopt;
  const auto minute = Digits(text, pos, 2);
  if (!minute || !Expect(text, pos, ':')) return std::nullopt;
  const auto second = Digits(text, pos, 2);
  if (!second || text.substr(pos) != " GMT") return std::nullopt;
  return ToUnixNanos(*year, static_cast<int64_t>(month_at / 3) + 1, *day, *hour, *minute, *second);
}

}  // namespace agentreplay::harness
