// Internal to the mock HTTP server: one connection. Reading a request (request_reader.cc:
// under the head and body timeouts, size limits and framing checks, answering the requests it
// refuses itself) and playing its answer (http_connection.cc: the WireStream on the
// connection's timer, each write under the write timeout) share this state. Includes Asio and
// Beast: only the server's .cc files may include it.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mocks/server/http_server_impl.h"
#include "mocks/server/session_table.h"
#include "mocks/server/wire_writer.h"

namespace agentreplay::mocks {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(MockServer::Impl& server, MockServer::Impl::Shard& shard,
             boost::asio::ip::tcp::socket socket);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start() { ReadRequest(); }
  void Close();

 private:
  // What the connection waits for while its deadline runs. kLinger: the end of a refused
  // request's lingering close, or of a cancelled read's handler; either way, close then.
  enum class Phase { kNone, kIdle, kHead, kBody, kWrite, kLinger };

  // ---- request_reader.cc
  void ReadRequest();  // waits for the next request (idle), then reads its head
  void OnReadable(const boost::beast::error_code& ec);
  void ReadHead();
  void OnHead(const boost::beast::error_code& ec);
  void ReadBody();
  void OnBody(const boost::beast::error_code& ec);
  // A read failed: answer what deserves an answer (408, 413, 431, 400) or close.
  void OnReadError(const boost::beast::error_code& ec, bool in_body);
  void OnRequest();
  // The server's own answer to a request it will not hand to the mock; the connection
  // closes after it (lingering, so the client reads it rather than a reset).
  void Reject(int status, std::string message);
  // Runs the deadline of `phase` for `limit` (0: none). Disarm ends it.
  void Arm(Phase phase, Duration limit);
  void Disarm();
  void OnDeadline();
  // After a rejection's last byte: FIN, then discard what the client still sends for a moment
  // before closing (closing with unread bytes would reset the connection, taking the answer
  // with it).
  void StartLinger();
  void Linger();

  // ---- http_connection.cc
  void Play(MockResponse response, SteadyClock::time_point receipt, bool keep_alive,
            std::shared_ptr<SessionSlot> slot = nullptr);
  bool Pull();
  SteadyClock::time_point DueOf(Duration at) const {
    return receipt_ + std::chrono::duration_cast<SteadyClock::duration>(at);
  }
  SteadyClock::time_point WakeFor(SteadyClock::time_point due) const;
  void Next();
  void Fire();
  void OnWritten(const boost::beast::error_code& ec);
  // A write is under way: the write timeout runs from now. Writes are many and short, so the
  // deadline is not re-armed per write; it checks, when it fires, the write in progress then.
  void WatchWrite();
  void OnWriteDeadline();
  void WatchForPeerClose();

  MockServer::Impl& server_;
  MockServer::Impl::Shard& shard_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;     // when the next segment of the answer is due
  boost::asio::steady_timer deadline_;  // the current phase's timeout
  Phase phase_ = Phase::kNone;
  uint64_t deadline_generation_ = 0;  // a deadline that fired after Disarm is stale
  bool timed_out_ = false;            // the deadline cancelled the pending read
  bool writing_ = false;              // a write is in progress, since `write_started_`
  SteadyClock::time_point write_started_{};
  bool linger_ = false;  // the answer being played is a rejection
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  int version_ = 11;  // of the request being answered
  std::string session_;
  SessionUse use_;                     // the session of the request being answered
  bool fresh_ = true;                  // no request has arrived on this connection yet
  WireStream stream_;                  // the response being played
  std::shared_ptr<SessionSlot> slot_;  // its back end, while it renders a lazy body
  WriteTagRef tag_;                    // its write-log names
  WireSegment ahead_;                  // the next segment, when `has_ahead_`
  bool has_ahead_ = false;
  std::vector<WireSegment> batch_;  // being written
  SteadyClock::time_point receipt_{};
  std::vector<boost::asio::const_buffer> out_;
  std::array<char, 512> sink_{};
  uint64_t lingered_ = 0;  // bytes discarded while lingering
  bool closed_ = false;
};

}  // namespace agentreplay::mocks
