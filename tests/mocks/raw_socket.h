// Raw loopback sockets for the mock server's tests: a client that sends exactly the bytes a
// test writes (broken, slow or hostile ones too) and reads exactly what the server sends.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace agentreplay::mocks::raw {

using SteadyClock = std::chrono::steady_clock;

inline int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

inline bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

struct Received {
  std::string bytes;
  bool closed = false;  // FIN or reset
  SteadyClock::duration waited{};
};

// Reads until the peer closes, `until` appears, or `timeout` passes.
inline Received Receive(int fd, std::chrono::milliseconds timeout, std::string_view until = {}) {
  Received r;
  const auto start = SteadyClock::now();
  char buffer[65536];
  while (until.empty() || r.bytes.find(until) == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(start + timeout - SteadyClock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.bytes.append(buffer, static_cast<size_t>(n));
  }
  r.waited = SteadyClock::now() - start;
  return r;
}

// Reads one response with a Content-Length body (or until the peer closes).
inline Received ReceiveOne(int fd) {
  Received r;
  char buffer[65536];
  const auto start = SteadyClock::now();
  while (SteadyClock::now() - start < std::chrono::seconds(5)) {
    const size_t head_end = r.bytes.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const size_t at = r.bytes.find("content-length: ");
      if (at != std::string::npos && at < head_end &&
          r.bytes.size() >= head_end + 4 + std::stoul(r.bytes.substr(at + 16))) {
        break;
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.bytes.append(buffer, static_cast<size_t>(n));
  }
  r.waited = SteadyClock::now() - start;
  return r;
}

inline size_t Count(const std::string& haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace agentreplay::mocks::raw
