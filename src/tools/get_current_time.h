// get_current_time: the current date and time in an IANA time zone.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tools/tool_catalog.h"

namespace agentreplay {

std::unique_ptr<Tool> MakeGetCurrentTimeTool();

// The UTC offset and abbreviation in force in `zone` at `t`, read from the system's TZif
// database ($TZDIR or /usr/share/zoneinfo). nullopt when the zone is unknown or unreadable.
// "UTC", "Etc/UTC" and "GMT" need no database.
struct ZoneOffset {
  int32_t utc_offset_seconds = 0;
  std::string abbreviation;
  bool is_dst = false;
};
std::optional<ZoneOffset> LookUpZoneOffset(std::string_view zone, std::chrono::sys_seconds t);

}  // namespace agentreplay
