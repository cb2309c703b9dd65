#include "net/url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace agentreplay::net {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsIpv6Literal(std::string_view host) { return host.find(':') != std::string_view::npos; }

}  // namespace

std::string BaseUrl::Authority() const {
  std::string h = IsIpv6Literal(host) ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string BaseUrl::Origin() const { return (tls ? "https://" : "http://") + Authority(); }

Expected<BaseUrl> ParseBaseUrl(std::string_view url) {
  BaseUrl out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Fail("not an absolute URL (expected http:// or https://)");
  }
  const std::string scheme = Lower(url.substr(0, scheme_end));
  if (scheme == "https") {
    out.tls = true;
    out.port = 443;
  } else if (scheme == "http") {
    out.port = 80;
  } else {
    return Fail("unsupported scheme '" + scheme + "' (expected http or https)");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Fail("a base URL takes no query or fragment");
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return Fail("a base URL takes no user info");
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return Fail("unterminated IPv6 address");
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Fail("unexpected text after the IPv6 address");
      }
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    return Fail("the URL names no host");
  }
  out.host = Lower(out.host);
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return Fail("bad port '" + std::string(port_text) + "'");
    }
    out.port = static_cast<uint16_t>(value);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.path = std::string(path);
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr v4{};
  const std::string h(host);
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

}  // namespace agentreplay::net
