#include "mocks/server/proxy_router.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <coroutine>
#include <exception>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>

#include "json/json_text.h"
#include "mocks/server/listener.h"
#include "tools/in_process_dispatcher.h"

namespace agentreplay::mocks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kToolCallsPath = "/v1/tool_calls";
// Tool arguments are small; the limit only stops a broken client from exhausting memory.
constexpr uint64_t kMaxRequestBodyBytes = 8u << 20;

// The tools' clock inside the router. Now() comes from the caller's clock when one was given
// (tests freeze it), otherwise from the monotonic clock. Sleep always waits on a timer of the
// router's io_context and resumes the coroutine from the timer's handler, so a sleeping tool
// never blocks the thread that serves every other connection.
class RouterClock final : public Clock {
 public:
  RouterClock(asio::io_context& io, const Clock* time_source, SteadyClock::time_point zero)
      : io_(io), time_source_(time_source), zero_(zero) {}

  TimePoint Now() const override {
    if (time_source_ != nullptr) return time_source_->Now();
    return TimePoint(std::chrono::duration_cast<Duration>(SteadyClock::now() - zero_));
  }

  Task<void> Sleep(Duration d) override {
    // Once stopping, waits end at once so in-flight tools run to completion and the thread
    // can be joined promptly.
    if (d <= Duration::zero() || stopping_) co_return;
    // A named awaiter, not a braced temporary in the co_await (GCC 12 destroys those twice).
    SleepAwaiter awaiter{this, d, nullptr};
    co_await awaiter;
  }

  Task<bool> SleepUnlessCancelled(Duration d, WaitCanceller& canceller) override {
    if (canceller.cancelled()) co_return false;
    if (d <= Duration::zero() || stopping_) co_return true;
    SleepAwaiter awaiter{this, d, &canceller};
    co_await awaiter;
    canceller.ClearHook();
    co_return !canceller.cancelled();
  }

  // Called on the io thread when the router stops: wakes every sleeping tool.
  void CancelAll() {
    stopping_ = true;
    for (asio::steady_timer* timer : timers_) timer->cancel();
  }

 private:
  struct SleepAwaiter {
    RouterClock* clock;
    Duration duration;
    WaitCanceller* canceller = nullptr;  // set for cancellable waits
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> handle) {
      auto timer = std::make_shared<asio::steady_timer>(clock->io_, duration);
      clock->timers_.insert(timer.get());
      if (canceller != nullptr) {
        std::weak_ptr<asio::steady_timer> weak = timer;
        canceller->SetHook([weak] {
          if (auto t = weak.lock()) t->cancel();
        });
      }
      RouterClock* owner = clock;
      // The handler owns the timer; a cancelled wait (router stopping) resumes too.
      timer->async_wait([owner, timer, handle](const beast::error_code&) {
        owner->timers_.erase(timer.get());
        handle.resume();
      });
    }
    void await_resume() const noexcept {}
  };

  asio::io_context& io_;
  const Clock* time_source_;
  SteadyClock::time_point zero_;
  bool stopping_ = false;
  std::unordered_set<asio::steady_timer*> timers_;
};

// Where the router's own clock has its zero, and the calendar instant of that zero. When the
// caller gives neither a clock nor a wall origin, the zero sits on the last whole second of
// the system time, so WallNow() (origin + elapsed) is the real time of day.
struct ClockSetup {
  SteadyClock::time_point zero;
  std::chrono::sys_seconds wall_origin;
};

ClockSetup SetUpClock(const ToolContext& given) {
  const auto steady_now = SteadyClock::now();
  if (given.clock != nullptr || given.wall_origin != std::chrono::sys_seconds{}) {
    return {steady_now, given.wall_origin};
  }
  const auto system_now = std::chrono::system_clock::now();
  const auto whole = std::chrono::floor<std::chrono::seconds>(system_now);
  return {steady_now - std::chrono::duration_cast<SteadyClock::duration>(system_now - whole),
          whole};
}

// Parses a request body into a call; on failure returns why, for the 400 answer.
std::optional<std::string> ParseToolCall(std::string_view body, ToolCall& call) {
  rapidjson::Document doc;
  if (auto parsed = json::Parse(body, doc); !parsed) {
    return "request body is not valid JSON: " + parsed.error();
  }
  if (!doc.IsObject()) return std::string("request body must be a JSON object");
  auto string_field = [&](const char* key, std::string& out) -> std::optional<std::string> {
    const auto it = doc.FindMember(key);
    if (it == doc.MemberEnd() || !it->value.IsString()) {
      return fmt::format("'{}' must be a string", key);
    }
    out.assign(it->value.GetString(), it->value.GetStringLength());
    return std::nullopt;
  };
  if (auto err = string_field("call_id", call.call_id)) return err;
  if (auto err = string_field("name", call.name)) return err;
  if (auto err = string_field("arguments", call.arguments)) return err;
  return std::nullopt;
}

std::string ToolCallAnswer(const ToolOutput& out) {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::Key(w, "call_id");
  json::String(w, out.call_id);
  json::Key(w, "output");
  json::String(w, out.output);
  json::Key(w, "is_error");
  w.Bool(out.is_error);
  json::Key(w, "exec_us");
  w.Int64(std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(out.exec_time).count()));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The router's own errors share the tools' structured error shape.
std::string ErrorAnswer(std::string_view type, std::string_view message) {
  return ToolError(type, message).output;
}

// Beast 1.74 hands out boost::string_view.
std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

class Session;

}  // namespace

struct ProxyRouter::Impl {
  Impl(const ToolCatalog& tools, const ToolContext& given, ProxyRouter::HopDelay delay,
       ClockSetup setup)
      : extra_delay(std::move(delay)),
        clock(io, given.clock, setup.zero),
        dispatcher(tools, RouterContext(given, &clock, setup.wall_origin)) {}

  // The session's tools and workspace (its data and file tools must see what in-process calls
  // would), telling time on the router's own clock. Progress notes do not cross the hop.
  static ToolContext RouterContext(ToolContext given, Clock* clock,
                                   std::chrono::sys_seconds wall_origin) {
    given.clock = clock;
    given.wall_origin = wall_origin;
    given.progress = nullptr;
    return given;
  }

  void Accept();
  void Shutdown();

  ProxyRouter::HopDelay extra_delay;  // per call; null: none
  std::string host;
  uint16_t port = 0;
  std::atomic<uint64_t> accepted{0};
  // Open connections, touched only on the io thread (or after it has been joined). Declared
  // before `io` so it outlives any session that the io_context's destruction releases.
  std::unordered_set<Session*> sessions;
  asio::io_context io{1};  // one thread runs it: no locking inside Asio
  RouterClock clock;
  // The same dispatcher the agent uses in-process, so outputs are byte-identical by
  // construction and exec time is measured at the same boundary.
  InProcessDispatcher dispatcher;
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::thread thread;
};

namespace {

// One connection: read a request, answer it, repeat while the client keeps the connection.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ProxyRouter::Impl& router, tcp::socket socket)
      : router_(router), socket_(std::move(socket)), delay_(router.io) {
    router_.sessions.insert(this);
  }
  ~Session() { router_.sessions.erase(this); }

  void Start() { ReadRequest(); }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    delay_.cancel();
  }

 private:
  struct ToolJob {
    ToolCall call;
    ToolOutput output;
    Duration hop{0};  // the configured hop cost of this call
  };

  static Task<void> RunJob(ToolDispatcher& dispatcher, std::shared_ptr<ToolJob> job) {
    job->output = co_await dispatcher.Dispatch(job->call);
  }

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
    if (ec == http::error::end_of_stream) {
      Close();  // the client closed its keep-alive connection
      return;
    }
    if (ec == http::error::body_limit) {
      Respond(http::status::payload_too_large, ErrorAnswer("invalid_request", "body too large"),
              false);
      return;
    }
    if (ec) {
      // Bytes that are not HTTP get a 400 before the connection closes; socket errors
      // (reset, aborted by Stop) just close it.
      if (&ec.category() == &http::make_error_code(http::error::bad_target).category()) {
        Respond(http::status::bad_request, ErrorAnswer("invalid_request", ec.message()), false);
      } else {
        Close();
      }
      return;
    }
    const auto& request = parser_->get();
    const bool keep_alive = request.keep_alive();
    if (View(request.target()) != kToolCallsPath) {
      Respond(http::status::not_found,
              ErrorAnswer("not_found", fmt::format("no route for {}", View(request.target()))),
              keep_alive);
      return;
    }
    if (request.method() != http::verb::post) {
      Respond(http::status::method_not_allowed,
              ErrorAnswer("invalid_request", "use POST for /v1/tool_calls"), keep_alive);
      return;
    }
    auto job = std::make_shared<ToolJob>();
    if (auto err = ParseToolCall(request.body(), job->call)) {
      Respond(http::status::bad_request, ErrorAnswer("invalid_request", *err), keep_alive);
      return;
    }
    if (router_.extra_delay) job->hop = std::max(Duration::zero(), router_.extra_delay(job->call));
    const Duration there = job->hop / 2;
    if (there <= Duration::zero()) {
      RunTool(std::move(job));
      return;
    }
    // The first half of the hop's cost, before the tool runs.
    delay_.expires_after(there);
    delay_.async_wait([self = shared_from_this(), job](const beast::error_code& wait_ec) mutable {
      if (wait_ec || self->closed_) return;
      self->RunTool(std::move(job));
    });
  }

  // Runs the tool on this thread. It finishes inside Spawn unless it sleeps on the router's
  // clock; either way the answer is written from a posted handler, never from inside the
  // tool's coroutine.
  void RunTool(std::shared_ptr<ToolJob> job) {
    auto self = shared_from_this();
    Spawn(RunJob(router_.dispatcher, job), [self, job](std::exception_ptr error) {
      asio::post(self->router_.io, [self, job, error] { self->OnToolDone(*job, error); });
    });
  }

  void OnToolDone(const ToolJob& job, const std::exception_ptr& error) {
    if (closed_) return;
    const bool keep_alive = parser_->get().keep_alive();
    if (error) {
      std::string what = "tool threw";
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      Respond(http::status::internal_server_error, ErrorAnswer("internal_error", what), keep_alive);
      return;
    }
    std::string answer = ToolCallAnswer(job.output);
    const Duration back = job.hop - job.hop / 2;
    if (back <= Duration::zero()) {
      Respond(http::status::ok, std::move(answer), keep_alive);
      return;
    }
    // The rest of the hop's cost, on a timer so other connections keep being served.
    delay_.expires_after(back);
    delay_.async_wait([self = shared_from_this(), answer = std::move(answer),
                       keep_alive](const beast::error_code& ec) mutable {
      if (ec || self->closed_) return;
      self->Respond(http::status::ok, std::move(answer), keep_alive);
    });
  }

  void Respond(http::status status, std::string body, bool keep_alive) {
    if (closed_) return;
    response_ = {};
    response_.version(11);
    response_.result(status);
    response_.set(http::field::server, "agentreplay-proxy_router");
    response_.set(http::field::content_type, "application/json");
    if (status == http::status::method_not_allowed) response_.set(http::field::allow, "POST");
    response_.keep_alive(keep_alive);
    response_.body() = std::move(body);
    response_.prepare_payload();
    http::async_write(socket_, response_,
                      [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                        self->OnWritten(ec);
                      });
  }

  void OnWritten(const beast::error_code& ec) {
    if (ec || closed_ || !response_.keep_alive()) {
      Close();
      return;
    }
    ReadRequest();
  }

  ProxyRouter::Impl& router_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  asio::steady_timer delay_;
  bool closed_ = false;
};

}  // namespace

void ProxyRouter::Impl::Accept() {
  acceptor.async_accept([this](const beast::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: back off briefly instead of spinning.
      spdlog::warn("proxy_router: accept failed: {}", ec.message());
      accept_retry.expires_after(std::chrono::milliseconds(10));
      accept_retry.async_wait([this](const beast::error_code& wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    accepted.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ignored;
    // Requests and answers are small and latency is what is measured: no Nagle delay.
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(*this, std::move(socket))->Start();
    Accept();
  });
}

void ProxyRouter::Impl::Shutdown() {
  beast::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  clock.CancelAll();
  // Close() never frees a session (pending handlers own them), so iterating is safe.
  for (Session* session : sessions) session->Close();
}

std::unique_ptr<ProxyRouter> ProxyRouter::Start(const ToolCatalog& catalog, ToolContext context,
                                                std::string host, uint16_t port,
                                                Duration extra_delay) {
  HopDelay delay;
  if (extra_delay > Duration::zero()) {
    delay = [extra_delay](const ToolCall&) { return extra_delay; };
  }
  return Start(catalog, std::move(context), std::move(host), port, std::move(delay));
}

std::unique_ptr<ProxyRouter> ProxyRouter::Start(const ToolCatalog& catalog, ToolContext context,
                                                std::string host, uint16_t port, HopDelay delay) {
  auto impl = std::make_unique<Impl>(catalog, context, std::move(delay), SetUpClock(context));
  if (!OpenListener(impl->acceptor, host, port, "proxy_router")) return nullptr;
  impl->port = impl->acceptor.local_endpoint().port();
  impl->host = std::move(host);
  impl->Accept();
  impl->thread = std::thread([raw = impl.get()] {
    try {
      raw->io.run();
    } catch (const std::exception& e) {
      spdlog::critical("proxy_router: event loop failed: {}", e.what());
    }
  });
  return std::unique_ptr<ProxyRouter>(new ProxyRouter(std::move(impl)));
}

ProxyRouter::ProxyRouter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ProxyRouter::~ProxyRouter() { Stop(); }

void ProxyRouter::Stop() {
  if (!impl_->thread.joinable()) return;
  // Shut down from the io thread, then let the loop drain: every in-flight tool coroutine
  // finishes (sleeps were cancelled) and run() returns once no work is left.
  asio::post(impl_->io, [impl = impl_.get()] { impl->Shutdown(); });
  impl_->thread.join();
}

uint16_t ProxyRouter::port() const { return impl_->port; }

std::string ProxyRouter::base_url() const {
  if (impl_->host.find(':') != std::string::npos) {  // an IPv6 literal needs brackets
    return fmt::format("http://[{}]:{}", impl_->host, impl_->port);
  }
  return fmt::format("http://{}:{}", impl_->host, impl_->port);
}

uint64_t ProxyRouter::connections_accepted() const {
  return impl_->accepted.load(std::memory_order_relaxed);
}

}  // namespace agentreplay::mocks
