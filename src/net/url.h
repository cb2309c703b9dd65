// Base URLs of HTTP endpoints ("https://api.openai.com/v1", "http://127.0.0.1:8080").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.h"

namespace agentreplay::net {

struct BaseUrl {
  bool tls = false;   // https
  std::string host;   // name or IP address, without IPv6 brackets
  uint16_t port = 0;  // the scheme's default when the URL gives none
  std::string path;   // without a trailing '/'; empty for the root

  // "host:port" with brackets around an IPv6 address: the pool key and the Host header.
  std::string Authority() const;
  // "scheme://authority" (no path).
  std::string Origin() const;
};

// Parses http:// and https:// URLs without user info, query or fragment; a failure saying
// what is wrong for anything else.
Expected<BaseUrl> ParseBaseUrl(std::string_view url);

// True for "localhost", 127.0.0.0/8 and ::1: endpoints that never leave the machine.
bool IsLoopbackHost(std::string_view host);

}  // namespace agentreplay::net
