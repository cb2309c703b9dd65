// Opening a listening socket for the loopback servers of mocks/ (the mock's HTTP server and the
// proxy_router): parse the address, bind, listen. Asio is in this header, so only those
// servers' .cc files include it.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace agentreplay::mocks {

// Opens `acceptor` on host:port (0 picks a free port) with SO_REUSEADDR, so a server can
// restart on the port of one that just stopped (its connections linger in TIME_WAIT). On
// failure logs why, prefixed by `who`, and returns false.
bool OpenListener(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, uint16_t port,
                  std::string_view who);

}  // namespace agentreplay::mocks
