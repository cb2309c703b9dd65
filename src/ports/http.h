// Plain HTTP message types shared by the transport port, the mock backend and the servers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentreplay {

struct HttpHeader {
  std::string name;
  std::string value;
};

using HttpHeaders = std::vector<HttpHeader>;

// Case-insensitive lookup of the first header called `name`; nullopt when absent.
std::optional<std::string_view> FindHeader(const HttpHeaders& headers, std::string_view name);

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form path and query, e.g. "/v1/responses"
  HttpHeaders headers;
  std::string body;
};

}  // namespace agentreplay
