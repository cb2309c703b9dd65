#include "log/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace agentreplay {

bool ConfigureLogging(std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to "off"; only accept "off" when it was asked for.
  if (parsed == spdlog::level::off && level != "off") return false;
  // Logs go to stderr so stdout stays clean for tables and machine-readable output.
  static auto logger = [] {
    auto l = spdlog::stderr_color_mt("agentreplay");
    l->set_pattern("%^[%l]%$ %v");
    spdlog::set_default_logger(l);
    return l;
  }();
  logger->set_level(parsed);
  return true;
}

}  // namespace agentreplay
