#include "tools/timestamp.h"

#include <fmt/format.h>

#include <cstdint>

namespace agentreplay {
namespace {

// Reads exactly `digits` decimal digits at `pos`, advancing it.
std::optional<int> Digits(std::string_view s, size_t& pos, size_t digits) {
  if (pos + digits > s.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return value;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::string FormatUtcTimestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd(day);
  const hh_mm_ss hms(ms - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

std::optional<std::string> NormalizeTimestamp(std::string_view s) {
  using namespace std::chrono;
  size_t pos = 0;
  const auto y = Digits(s, pos, 4);
  if (!y || !Expect(s, pos, '-')) return std::nullopt;
  const auto mo = Digits(s, pos, 2);
  if (!mo || !Expect(s, pos, '-')) return std::nullopt;
  const auto d = Digits(s, pos, 2);
  if (!d) return std::nullopt;
  const year_month_day ymd{year(*y), month(static_cast<unsigned>(*mo)),
                           day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int64_t millis = 0;
  minutes offset{0};
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    const auto h = Digits(s, pos, 2);
    if (!h || !Expect(s, pos, ':')) return std::nullopt;
    const auto mi = Digits(s, pos, 2);
    if (!mi) return std::nullopt;
    hour = *h;
    minute = *mi;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      const auto sec = Digits(s, pos, 2);
      if (!sec) return std::nullopt;
      second = *sec;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        // Any number of fraction digits; milliseconds kept, the rest truncated.
        int64_t scale = 100;
        const size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          millis += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == start) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    if (pos < s.size()) {
      const char zone = s[pos++];
      if (zone == 'Z' || zone == 'z') {
        // UTC
      } else if (zone == '+' || zone == '-') {
        const auto oh = Digits(s, pos, 2);
        if (!oh || !Expect(s, pos, ':')) return std::nullopt;
        const auto om = Digits(s, pos, 2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset = hours(*oh) + minutes(*om);
        if (zone == '-') offset = -offset;
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != s.size()) return std::nullopt;
  const auto t = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) +
                 milliseconds(millis) - offset;
  return FormatUtcTimestamp(time_point_cast<system_clock::duration>(t));
}

}  // namespace agentreplay
