#include "tools/get_current_time.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <vector>

#include "json/json_text.h"
#include "tools/tool_args.h"

namespace agentreplay {
namespace {

constexpr const char* kParameters =
    R"({"type":"object","properties":{"timezone":{"type":"string","description":)"
    R"("IANA time zone name, e.g. Europe/Warsaw or UTC"}},"required":["timezone"],)"
    R"("additionalProperties":false})";

// A zone name may only name a file inside the database: no "..", no absolute path.
bool IsSafeZoneName(std::string_view zone) {
  if (zone.empty() || zone.size() > 64 || zone.front() == '/') return false;
  if (zone.find("..") != std::string_view::npos) return false;
  for (char c : zone) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

int64_t BigEndian(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  // Sign-extend 32-bit fields.
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

// Parses the 64-bit (v2+) body of a TZif file (RFC 8536) and picks the local time type in
// force at `t`. Past the last transition the last type stays in force; the footer rule is
// not evaluated (the database ships explicit transitions well past today).
std::optional<ZoneOffset> ParseTzif(const std::vector<unsigned char>& f, int64_t t) {
  auto header = [&](size_t at, int64_t counts[6]) {
    if (at + 44 > f.size() || f[at] != 'T' || f[at + 1] != 'Z' || f[at + 2] != 'i' ||
        f[at + 3] != 'f') {
      return false;
    }
    for (int i = 0; i < 6; ++i) counts[i] = BigEndian(&f[at + 20 + 4 * static_cast<size_t>(i)], 4);
    return true;
  };
  int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  if (!header(0, c) || f[4] < '2') return std::nullopt;
  const auto v1_size =
      static_cast<size_t>(c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
  const size_t h2 = 44 + v1_size;
  if (!header(h2, c)) return std::nullopt;
  const auto timecnt = static_cast<size_t>(c[3]);
  const auto typecnt = static_cast<size_t>(c[4]);
  const auto charcnt = static_cast<size_t>(c[5]);
  const size_t times_at = h2 + 44;
  const size_t idx_at = times_at + timecnt * 8;
  const size_t types_at = idx_at + timecnt;
  const size_t chars_at = types_at + typecnt * 6;
  if (typecnt == 0 || chars_at + charcnt > f.size()) return std::nullopt;
  size_t type = 0;
  for (size_t i = 0; i < timecnt; ++i) {
    if (BigEndian(&f[times_at + i * 8], 8) > t) break;
    type = f[idx_at + i];
  }
  if (type >= typecnt) return std::nullopt;
  const unsigned char* tt = &f[types_at + type * 6];
  ZoneOffset out;
  out.utc_offset_seconds = static_cast<int32_t>(BigEndian(tt, 4));
  out.is_dst = tt[4] != 0;
  for (size_t i = tt[5]; i < charcnt && f[chars_at + i] != 0; ++i) {
    out.abbreviation.push_back(static_cast<char>(f[chars_at + i]));
  }
  return out;
}

class GetCurrentTimeTool : public Tool {
 public:
  GetCurrentTimeTool()
      : spec_{"get_current_time", "Returns the current date and time in a time zone.",
              kParameters} {}
  const ToolSpec& spec() const override { return spec_; }

  Task<ToolResult> Run(std::string arguments, ToolContext& context) override {
    rapidjson::Document doc;
    if (auto parsed = ParseUntrustedJson(arguments, doc); !parsed) {
      co_return ToolError("invalid_arguments", "arguments are not valid JSON: " + parsed.error());
    }
    if (!doc.IsObject()) co_return ToolError("invalid_arguments", "arguments must be an object");
    const auto tz_it = doc.FindMember("timezone");
    if (tz_it == doc.MemberEnd() || !tz_it->value.IsString()) {
      co_return ToolError("invalid_arguments", "'timezone' must be a string");
    }
    const std::string zone(tz_it->value.GetString(), tz_it->value.GetStringLength());
    const auto now = std::chrono::floor<std::chrono::seconds>(context.WallNow());
    const auto offset = LookUpZoneOffset(zone, now);
    if (!offset) {
      co_return ToolError("unknown_timezone", fmt::format("unknown time zone '{}'", zone));
    }
    const auto local = now + std::chrono::seconds(offset->utc_offset_seconds);
    const auto day = std::chrono::floor<std::chrono::days>(local);
    const std::chrono::year_month_day ymd(day);
    const std::chrono::hh_mm_ss hms(local - day);
    const int off_min = offset->utc_offset_seconds / 60;
    const std::string iso = fmt::format(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
        hms.minutes().count(), hms.seconds().count(), off_min < 0 ? '-' : '+',
        std::abs(off_min) / 60, std::abs(off_min) % 60);

    rapidjson::StringBuffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    json::Key(w, "timezone");
    json::String(w, zone);
    json::Key(w, "local_time");
    json::String(w, iso);
    json::Key(w, "abbreviation");
    json::String(w, offset->abbreviation);
    json::Key(w, "unix_time");
    w.Int64(now.time_since_epoch().count());
    w.EndObject();
    co_return ToolResult{std::string(buffer.GetString(), buffer.GetSize()), false};
  }

 private:
  ToolSpec spec_;
};

}  // namespace

std::optional<ZoneOffset> LookUpZoneOffset(std::string_view zone, std::chrono::sys_seconds t) {
  if (zone == "UTC" || zone == "Etc/UTC" || zone == "GMT" || zone == "Z") {
    return ZoneOffset{0, std::string(zone == "GMT" ? "GMT" : "UTC"), false};
  }
  if (!IsSafeZoneName(zone)) return std::nullopt;
  const char* dir = std::getenv("TZDIR");
  const std::string path =
      fmt::format("{}/{}", dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo", zone);
  // The zone files are read once per process and path: a simulated run asks for the same zone
  // thousands of times a second. A zone that is not there is remembered as missing.
  static std::mutex mutex;
  static std::map<std::string, std::optional<std::vector<unsigned char>>, std::less<>> files;
  std::lock_guard lock(mutex);
  auto it = files.find(path);
  if (it == files.end()) {
    std::optional<std::vector<unsigned char>> bytes;
    if (std::ifstream in(path, std::ios::binary); in) {
      bytes.emplace((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    if (files.size() >= 1024) files.clear();  // bounded: zone names come from the model
    it = files.emplace(path, std::move(bytes)).first;
  }
  if (!it->second) return std::nullopt;
  return ParseTzif(*it->second, t.time_since_epoch().count());
}

std::unique_ptr<Tool> MakeGetCurrentTimeTool() { return std::make_unique<GetCurrentTimeTool>(); }

}  // namespace agentreplay
