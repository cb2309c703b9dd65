#include "mocks/server/listener.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

namespace agentreplay::mocks {

bool OpenListener(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, uint16_t port,
                  std::string_view who) {
  namespace asio = boost::asio;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    spdlog::error("{}: '{}' is not an IP address: {}", who, host, ec.message());
    return false;
  }
  const asio::ip::tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    spdlog::error("{}: cannot listen on {}:{}: {}", who, host, port, ec.message());
    return false;
  }
  return true;
}

}  // namespace agentreplay::mocks
