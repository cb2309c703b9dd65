// Logging set-up. The core logs through spdlog's default logger; nothing on a hot path logs
// above debug, and debug calls are cheap when the level is off.
#pragma once

#include <string_view>

namespace agentreplay {

// Accepts trace, debug, info, warn, error, critical, off. Returns false for anything else.
bool ConfigureLogging(std::string_view level);

}  // namespace agentreplay
