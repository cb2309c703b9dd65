// Where a Prometheus Pushgateway push goes: the gateway's address parsed from --push and the
// grouping path /metrics/job/<job>[/<label>/<value>...]. Plain data and string work only; the
// HTTP PUT itself is done by the command line with the harness's HTTP client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/expected.h"

namespace agentreplay::reports {

struct PushTarget {
  std::string host;
  uint16_t port = 80;
  std::string path_prefix;  // the URL's path without a trailing slash, e.g. "" or "/gateway"
};

// Parses "http://host[:port][/path]". Only http is supported (a Pushgateway is usually on the
// local network or behind a proxy); anything else fails.
Expected<PushTarget> ParsePushUrl(std::string_view url);

// The request target for a push: prefix + "/metrics/job/<job>" + "/<label>/<value>" per
// grouping label. Values that are empty or contain '/' use the gateway's base64 form
// ("<label>@base64/<url-safe base64>"); other values are percent-encoded.
std::string PushPath(const PushTarget& target, std::string_view job,
                     const std::vector<std::pair<std::string, std::string>>& grouping);

}  // namespace agentreplay::reports
