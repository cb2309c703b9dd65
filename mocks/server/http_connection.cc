// One connection of the mock HTTP server: read a request, play its WireStream on the
// connection's one timer (each segment pulled, and a lazy body rendered, only as it falls
// due), repeat while the connection stays alive.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mocks/api/openai_error.h"
#include "mocks/server/http_server_impl.h"
#include "mocks/server/wire_writer.h"

namespace agentreplay::mocks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Chat and Responses requests carry whole conversations and tool schemas; the limit only
// stops a broken client from exhausting memory.
constexpr uint64_t kMaxRequestBodyBytes = 64u << 20;

std::string ToString(beast::string_view s) { return {s.data(), s.size()}; }

HttpRequest ToHttpRequest(http::request<http::string_body>&& in) {
  HttpRequest out;
  out.method = ToString(in.method_string());
  out.target = ToString(in.target());
  out.headers.reserve(8);
  for (const auto& field : in) {
    out.headers.push_back({ToString(field.name_string()), ToString(field.value())});
  }
  out.body = std::move(in.body());
  return out;
}

// The server's own answer when a request cannot be handed to the mock at all. It carries
// the standard headers too; its request id is the server's own, not drawn from any seed.
MockResponse ServerError(int status, std::string message) {
  static std::atomic<uint64_t> counter{0};
  OpenAiError error;
  error.status = status;
  error.message = std::move(message);
  error.type = status >= 500 ? "server_error" : "invalid_request_error";
  return MakeErrorResponse(error, fmt::format("req_server{:022x}", ++counter), Duration::zero(),
                           Duration::zero());
}

// A write takes with it the segments already due (never one that is not), at most kMaxBatch,
// so that a connection far behind does not keep a large batch's buffers.
constexpr size_t kMaxBatch = 16;

}  // namespace

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(MockServer::Impl& server, MockServer::Impl::Shard& shard, tcp::socket socket)
      : server_(server), shard_(shard), socket_(std::move(socket)), timer_(shard.io) {
    shard_.connections.insert(this);
    server_.open.fetch_add(1, std::memory_order_relaxed);
  }
  ~Connection() {
    shard_.connections.erase(this);
    server_.open.fetch_sub(1, std::memory_order_relaxed);
  }

  void Start() { ReadRequest(); }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBodyBytes);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(const beast::error_code& ec) {
    if (closed_) return;
    auto receipt = SteadyClock::now();
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      Close();  // the client closed its keep-alive connection
      return;
    }
    if (ec == http::error::body_limit) {
      Play(ServerError(413, "request body too large"), receipt, false);
      return;
    }
    if (ec) {
      // Bytes that are not HTTP get a 400 before the connection closes; other socket errors
      // just close it.
      if (&ec.category() == &http::make_error_code(http::error::bad_target).category()) {
        Play(ServerError(400, "malformed HTTP request: " + ec.message()), receipt, false);
      } else {
        Close();
      }
      return;
    }
    const bool keep_alive = parser_->get().keep_alive();
    HttpRequest request = ToHttpRequest(parser_->release());
    parser_.reset();
    const auto session = FindHeader(request.headers, kSessionHeader);
    session_ = std::string(session.value_or(kDefaultSession));
    if (fresh_) {
      // The scenario's price of opening this connection (TCP and TLS handshakes a loopback
      // socket does not pay): the first request counts as received that much later, as it
      // would have arrived over the modelled network.
      fresh_ = false;
      receipt += server_.ConnectCost(session_);
    }
    MockResponse response;
    std::shared_ptr<SessionSlot> slot;
    try {
      response = server_.Answer(session_, request, receipt, slot);
    } catch (const std::exception& e) {
      spdlog::error("mock server: the mock failed on {} {}: {}", request.method, request.target,
                    e.what());
      response = ServerError(500, std::string("the mock failed: ") + e.what());
    }
    Play(std::move(response), receipt, keep_alive, std::move(slot));
  }

  void Play(MockResponse response, SteadyClock::time_point receipt, bool keep_alive,
            std::shared_ptr<SessionSlot> slot = nullptr) {
    // A lazy body is rendered by its back end, under its lock, as the stream is pulled; the
    // slot keeps that back end alive until the body has been written.
    slot_ = response.lazy != nullptr ? std::move(slot) : nullptr;
    {
      std::unique_lock<std::mutex> lock;
      if (slot_ != nullptr) lock = std::unique_lock(slot_->mutex);
      stream_ = WireStream(std::move(response), server_.options.time_scale, keep_alive);
    }
    tag_ = WriteTagRef();
    if (server_.options.record_writes) {
      tag_.tag = std::make_shared<const WriteTag>(WriteTag{stream_.request_id(), session_});
    }
    receipt_ = receipt;
    Pull();
    Next();
  }

  // Takes the stream's next segment into `ahead_`. A lazy body that fails to render ends the
  // response there: its head is out, so all the client can learn is a truncated body.
  bool Pull() {
    try {
      if (slot_ != nullptr && stream_.renders()) {
        std::lock_guard lock(slot_->mutex);
        has_ahead_ = stream_.Next(ahead_);
      } else {
        has_ahead_ = stream_.Next(ahead_);
      }
    } catch (const std::exception& e) {
      spdlog::error("mock server: the mock failed while streaming {}: {}", stream_.request_id(),
                    e.what());
      has_ahead_ = true;
      ahead_ = WireSegment();
      ahead_.action = WireAction::kFin;
      ahead_.at = Duration::zero();  // due at once
    }
    return has_ahead_;
  }

  SteadyClock::time_point DueOf(Duration at) const {
    return receipt_ + std::chrono::duration_cast<SteadyClock::duration>(at);
  }

  // The instant to wake for a step due at `due`: the end of its grid cell, if any.
  SteadyClock::time_point WakeFor(SteadyClock::time_point due) const {
    const auto grid = std::chrono::duration_cast<SteadyClock::duration>(server_.options.write_grid);
    if (grid <= SteadyClock::duration::zero()) return due;
    const auto since = due - server_.zero;
    const auto cells = (since + grid - SteadyClock::duration(1)) / grid;
    return server_.zero + cells * grid;
  }

  void Next() {
    if (closed_) return;
    if (!has_ahead_) {
      // The response is out: release its state before waiting for the next request.
      stream_ = WireStream();
      slot_.reset();
      tag_ = WriteTagRef();
      if (buffer_.size() > 4096) buffer_.shrink_to_fit();  // idle connections stay small
      ReadRequest();
      return;
    }
    const auto due = DueOf(ahead_.at);
    if (due <= SteadyClock::now()) {
      Fire();
      return;
    }
    timer_.expires_at(WakeFor(due));
    timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      if (ec || self->closed_) return;
      self->Fire();
    });
  }

  // Writes the segment that is due, with any others already due, in one gathered write
  // straight from the segments' own bytes; a segment that ends the connection ends the batch.
  void Fire() {
    const auto now = SteadyClock::now();
    batch_.clear();
    batch_.push_back(std::move(ahead_));
    has_ahead_ = false;
    while (batch_.size() < kMaxBatch && batch_.back().action == WireAction::kWrite) {
      const std::optional<Duration> next = stream_.next_at();
      if (!next || DueOf(*next) > now || !Pull()) break;
      batch_.push_back(std::move(ahead_));
      has_ahead_ = false;
    }
    out_.clear();
    for (const WireSegment& segment : batch_) {
      if (segment.prefix_size > 0) out_.push_back(asio::buffer(segment.prefix_view()));
      if (!segment.payload.empty()) out_.push_back(asio::buffer(segment.payload));
      if (!segment.suffix.empty()) out_.push_back(asio::buffer(segment.suffix));
    }
    const bool more = batch_.back().action == WireAction::kWrite;
    if (out_.empty()) {
      if (more && !has_ahead_) Pull();
      OnWritten({});
      return;
    }
    asio::async_write(socket_, out_,
                      [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                        self->OnWritten(ec);
                      });
    // The next segment is rendered while this write is on its way, not before it.
    if (more && !has_ahead_) Pull();
  }

  void OnWritten(const beast::error_code& ec) {
    if (closed_) return;
    if (ec) {
      Close();  // the client went away mid-response
      return;
    }
    if (tag_.tag != nullptr) {
      const TimePoint written = server_.OnBase(SteadyClock::now());
      server_.RecordWrites(tag_, batch_, receipt_, written);
    }
    const WireAction action = batch_.back().action;
    batch_.clear();  // written bytes are not needed again
    switch (action) {
      case WireAction::kWrite:
        Next();
        return;
      case WireAction::kFin: {
        // FIN now, whatever the client does; the socket goes once the FIN is queued.
        beast::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        Close();
        return;
      }
      case WireAction::kReset: {
        // SO_LINGER with a zero timeout turns close() into an RST.
        beast::error_code ignored;
        socket_.set_option(asio::socket_base::linger(true, 0), ignored);
        closed_ = true;
        timer_.cancel();
        socket_.close(ignored);
        return;
      }
      case WireAction::kStall:
        WatchForPeerClose();
        return;
    }
  }

  // A stalled response writes nothing more; the connection lives until the client gives up
  // (EOF or reset) or the server stops. Whatever the client sends meanwhile is discarded.
  void WatchForPeerClose() {
    socket_.async_read_some(asio::buffer(sink_),
                            [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                              if (self->closed_) return;
                              if (ec) {
                                self->Close();
                              } else {
                                self->WatchForPeerClose();
                              }
                            });
  }

  MockServer::Impl& server_;
  MockServer::Impl::Shard& shard_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string session_;
  bool fresh_ = true;                  // no request has arrived on this connection yet
  WireStream stream_;                  // the response being played
  std::shared_ptr<SessionSlot> slot_;  // its back end, while it renders a lazy body
  WriteTagRef tag_;                    // its write-log names
  WireSegment ahead_;                  // the next segment, when `has_ahead_`
  bool has_ahead_ = false;
  std::vector<WireSegment> batch_;  // being written
  SteadyClock::time_point receipt_{};
  std::vector<asio::const_buffer> out_;
  std::array<char, 512> sink_{};
  bool closed_ = false;
};

void StartConnection(MockServer::Impl& server, MockServer::Impl::Shard& shard, tcp::socket socket) {
  if (shard.stopping) return;  // accepted as the server stopped
  std::make_shared<Connection>(server, shard, std::move(socket))->Start();
}

void CloseConnection(Connection& connection) { connection.Close(); }

}  // namespace agentreplay::mocks
