#include "reports/pushgateway.h"

#include <fmt/format.h>

#include <charconv>

namespace agentreplay::reports {
namespace {

// RFC 4648 section 5 (URL- and file-name-safe alphabet), with padding as the gateway expects.
std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                       (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                       static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

std::string Segment(std::string_view label, std::string_view value) {
  if (value.empty() || value.find('/') != std::string_view::npos) {
    // The gateway's documented form for an empty value is a lone "=".
    return fmt::format("/{}@base64/{}", label, value.empty() ? "=" : Base64Url(value));
  }
  return fmt::format("/{}/{}", label, PercentEncode(value));
}

}  // namespace

Expected<PushTarget> ParsePushUrl(std::string_view url) {
  auto fail = [](std::string message) { return Fail(std::move(message)); };
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return fail(fmt::format("push URL '{}' must start with http:// (https is not supported)", url));
  }
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  PushTarget target;
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (path.ends_with('/')) path.remove_suffix(1);
    target.path_prefix = std::string(path);
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail(fmt::format("push URL '{}': credentials in the URL are not supported", url));
  }
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(fmt::format("push URL '{}': bad host", url));
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
  } else {
    const size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (host.empty()) return fail(fmt::format("push URL '{}' has no host", url));
  target.host = std::string(host);
  if (!authority.empty()) {
    if (authority.front() != ':') return fail(fmt::format("push URL '{}': bad host", url));
    const std::string_view digits = authority.substr(1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535) {
      return fail(fmt::format("push URL '{}': bad port", url));
    }
    target.port = static_cast<uint16_t>(port);
  }
  return target;
}

std::string PushPath(const PushTarget& target, std::string_view job,
                     const std::vector<std::pair<std::string, std::string>>& grouping) {
  std::string path = target.path_prefix + "/metrics" + Segment("job", job);
  for (const auto& [label, value] : grouping) path += Segment(label, value);
  return path;
}

}  // namespace agentreplay::reports
