// One connection of the mock HTTP server, the answering half: play a request's WireStream on
// the connection's one timer (each segment pulled, and a lazy body rendered, only as it falls
// due), each write under the write timeout, then read the next request (request_reader.cc)
// while the connection stays alive.
#include <spdlog/spdlog.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mocks/server/connection.h"
#include "mocks/server/http_server_impl.h"
#include "mocks/server/wire_writer.h"

namespace agentreplay::mocks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// A write takes with it the segments already due (never one that is not), at most kMaxBatch,
// so that a connection far behind does not keep a large batch's buffers.
constexpr size_t kMaxBatch = 16;

}  // namespace

Connection::Connection(MockServer::Impl& server, MockServer::Impl::Shard& shard, tcp::socket socket)
    : server_(server),
      shard_(shard),
      socket_(std::move(socket)),
      timer_(shard.io),
      deadline_(shard.io) {
  shard_.connections.insert(this);
  server_.open.fetch_add(1, std::memory_order_relaxed);
}

Connection::~Connection() {
  shard_.connections.erase(this);
  server_.open.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  timer_.cancel();
  deadline_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  use_.reset();  // the session's idle time starts; a lazy body's slot_ still holds it if needed
}

void Connection::Play(MockResponse response, SteadyClock::time_point receipt, bool keep_alive,
                      std::shared_ptr<SessionSlot> slot) {
  // A lazy body is rendered by its back end, under its lock, as the stream is pulled; the
  // slot keeps that back end alive until the body has been written.
  slot_ = response.lazy != nullptr ? std::move(slot) : nullptr;
  {
    std::unique_lock<std::mutex> lock;
    if (slot_ != nullptr) lock = std::unique_lock(slot_->mutex);
    stream_ = WireStream(std::move(response), server_.options.time_scale, keep_alive, version_);
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
bool Connection::Pull() {
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

// The instant to wake for a step due at `due`: the end of its grid cell, if any.
SteadyClock::time_point Connection::WakeFor(SteadyClock::time_point due) const {
  const auto grid = std::chrono::duration_cast<SteadyClock::duration>(server_.options.write_grid);
  if (grid <= SteadyClock::duration::zero()) return due;
  const auto since = due - server_.zero;
  const auto cells = (since + grid - SteadyClock::duration(1)) / grid;
  return server_.zero + cells * grid;
}

void Connection::Next() {
  if (closed_) return;
  if (!has_ahead_) {
    // The response is out: release its state (and its session) before waiting for the next
    // request.
    stream_ = WireStream();
    slot_.reset();
    use_.reset();
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
void Connection::Fire() {
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
  WatchWrite();
  asio::async_write(socket_, out_,
                    [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                      self->OnWritten(ec);
                    });
  // The next segment is rendered while this write is on its way, not before it.
  if (more && !has_ahead_) Pull();
}

void Connection::OnWritten(const beast::error_code& ec) {
  writing_ = false;
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
      if (linger_) {
        StartLinger();  // the server's own refusal: make sure the client can read it
        return;
      }
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
      closed_ = true;  // not Close(): its shutdown would send a FIN first
      timer_.cancel();
      deadline_.cancel();
      socket_.close(ignored);
      use_.reset();
      return;
    }
    case WireAction::kStall:
      WatchForPeerClose();
      return;
  }
}

void Connection::WatchWrite() {
  writing_ = true;
  write_started_ = SteadyClock::now();
  if (phase_ != Phase::kWrite) Arm(Phase::kWrite, server_.options.write_timeout);
}

void Connection::OnWriteDeadline() {
  if (!writing_) {
    phase_ = Phase::kNone;  // nothing in flight: the next write arms it again
    return;
  }
  const auto due = write_started_ +
                   std::chrono::duration_cast<SteadyClock::duration>(server_.options.write_timeout);
  const auto now = SteadyClock::now();
  if (now >= due) {
    // The client stopped reading and the socket buffers are full: it holds them no longer.
    server_.timeouts.fetch_add(1, std::memory_order_relaxed);
    Close();
    return;
  }
  Arm(Phase::kWrite, std::chrono::duration_cast<Duration>(due - now));
}

// A stalled response writes nothing more; the connection lives until the client gives up
// (EOF or reset) or the server stops. Whatever the client sends meanwhile is discarded.
void Connection::WatchForPeerClose() {
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

void StartConnection(MockServer::Impl& server, MockServer::Impl::Shard& shard, tcp::socket socket) {
  if (shard.stopping) return;  // accepted as the server stopped
  std::make_shared<Connection>(server, shard, std::move(socket))->Start();
}

void CloseConnection(Connection& connection) { connection.Close(); }

}  // namespace agentreplay::mocks
