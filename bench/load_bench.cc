// agentreplay_load: how many concurrent streaming sessions the mock HTTP server serves on this
// machine, and how faithfully it keeps the scenario's timing while doing so.
//
//   agentreplay_load --concurrency 1000 --scenario scenarios/long_answer.json --time-scale 1
//
// Starts the server in-process, opens one session per client (own seed), then N asynchronous
// Beast clients (one io_context on a thread of their own) each send a streamed Responses
// request and read it to the end, stamping the instant every HTTP chunk leaves the kernel.
// Fidelity is client arrival − due instant, matched with the server's write log by session,
// request id and body offset; server lateness is write completion − due. Memory is VmRSS
// before the sessions were opened and its peak while they streamed, per session (the
// clients live in the same process, so the figure is an upper bound for the server).
#include <fmt/format.h>
#include <pthread.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "harness/scenario/scenario_loader.h"
#include "mocks/server/http_server.h"

namespace agentreplay {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// Resident memory in KiB (VmRSS or VmHWM from /proc/self/status).
long ProcStatusKiB(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
  }
  return -1;
}

void RaiseFileLimit(size_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min<rlim_t>(std::max<rlim_t>(wanted, limit.rlim_cur), limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted) {
    fmt::print(stderr, "warning: only {} file descriptors (wanted {})\n", limit.rlim_cur, wanted);
  }
}

struct Arrival {
  uint64_t body_end;
  SteadyClock::time_point at;
};

struct ClientResult {
  std::string session;
  std::string request_id;
  int status = 0;
  std::vector<Arrival> arrivals;
  std::string error;
};

// One streaming client: connect, send, read with a Beast parser fed by hand, so the arrival
// stamp is taken right after the bytes leave the kernel, not when the parser gets to them.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(asio::io_context& io, tcp::endpoint server, std::string request, ClientResult& result,
         std::atomic<int>& done)
      : socket_(io), server_(server), request_(std::move(request)), result_(result), done_(done) {
    // The parser keeps a reference to the callback: it lives as long as the client.
    on_chunk_ = [this](uint64_t remain, beast::string_view body, beast::error_code&) {
      body_ += body.size();
      if (remain == body.size()) result_.arrivals.push_back({body_, arrival_});
      return body.size();
    };
    parser_.eager(true);
    parser_.on_chunk_body(on_chunk_);
  }

  void Start() {
    socket_.async_connect(server_, [self = shared_from_this()](const beast::error_code& ec) {
      if (ec) return self->Fail("connect: " + ec.message());
      beast::error_code ignored;
      self->socket_.set_option(tcp::no_delay(true), ignored);
      asio::async_write(self->socket_, asio::buffer(self->request_),
                        [self](const beast::error_code& wec, size_t) {
                          if (wec) return self->Fail("write: " + wec.message());
                          self->request_ = {};
                          self->Read();
                        });
    });
  }

 private:
  void Read() {
    socket_.async_read_some(buffer_.prepare(8192),
                            [self = shared_from_this()](const beast::error_code& ec, size_t n) {
                              self->arrival_ = SteadyClock::now();
                              if (ec) return self->Fail("read: " + ec.message());
                              self->buffer_.commit(n);
                              self->Parse();
                            });
  }

  void Parse() {
    while (buffer_.size() > 0 && !parser_.is_done()) {
      beast::error_code ec;
      const size_t used = parser_.put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) break;
      if (ec) return Fail("parse: " + ec.message());
      if (used == 0) break;
    }
    if (parser_.is_header_done() && result_.status == 0) {
      const auto& head = parser_.get();
      result_.status = static_cast<int>(head.result_int());
      const auto id = head["x-request-id"];
      result_.request_id.assign(id.data(), id.size());
    }
    if (parser_.is_done()) {
      beast::error_code ignored;
      socket_.close(ignored);
      done_.fetch_add(1);
      return;
    }
    Read();
  }

  void Fail(std::string why) {
    result_.error = std::move(why);
    beast::error_code ignored;
    socket_.close(ignored);
    done_.fetch_add(1);
  }

  tcp::socket socket_;
  tcp::endpoint server_;
  std::string request_;
  ClientResult& result_;
  std::atomic<int>& done_;
  beast::flat_buffer buffer_{16384};
  std::function<size_t(uint64_t, beast::string_view, beast::error_code&)> on_chunk_;
  http::response_parser<http::string_body> parser_;
  uint64_t body_ = 0;
  SteadyClock::time_point arrival_{};
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(i, values.size() - 1)];
}

std::string Summary(const std::vector<double>& ms) {
  return fmt::format("p50 {:.3f} ms  p99 {:.3f} ms  max {:.3f} ms", Percentile(ms, 0.5),
                     Percentile(ms, 0.99),
                     ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()));
}

int Main(int argc, char** argv) {
  CLI::App app{"Concurrent streaming sessions against the in-process mock HTTP server"};
  int concurrency = 100;
  std::string scenario_file = std::string(AGENTREPLAY_SCENARIOS_DIR) + "/two_tool_rounds.json";
  double time_scale = 1.0;
  double ramp_ms = 0;
  app.add_option("--concurrency,-n", concurrency, "Concurrent streaming sessions")
      ->check(CLI::Range(1, 100000));
  app.add_option("--scenario", scenario_file, "Scenario file")->check(CLI::ExistingFile);
  app.add_option("--time-scale", time_scale, "Factor on every scripted time")
      ->check(CLI::PositiveNumber);
  app.add_option("--ramp-ms", ramp_ms, "Spread the clients' starts over this long (0: at once)");
  double grid_us = 0;
  app.add_option("--write-grid-us", grid_us,
                 "Server timers wake on a grid this wide (0: at each chunk's due instant)");
  CLI11_PARSE(app, argc, argv);

  auto loaded = harness::LoadScenarioFile(scenario_file);
  if (!loaded) {
    fmt::print(stderr, "{}\n", loaded.error());
    return 2;
  }
  const size_t n = static_cast<size_t>(concurrency);
  RaiseFileLimit(2 * n + 64);  // each session is a client socket and a server socket

  mocks::MockServerOptions options;
  options.scenario = *loaded;
  options.time_scale = time_scale;
  options.write_grid = FromMillis(grid_us / 1000.0);
  auto server = mocks::MockServer::Start(options);
  if (server == nullptr) return 2;
  const long rss_before = ProcStatusKiB("VmRSS");

  for (size_t i = 0; i < n; ++i) {
    server->OpenSession(fmt::format("load-{}", i), *loaded, 1000 + i);
  }
  const std::string user = loaded->turns.empty() ? std::string("hi") : loaded->turns[0].user;
  std::string body = R"({"model":")" + loaded->model + R"(","stream":true,"input":")";
  for (char c : user) body += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  body += R"("})";

  asio::io_context io{1};
  const tcp::endpoint endpoint(asio::ip::make_address(server->host()), server->port());
  std::vector<ClientResult> results(n);
  std::atomic<int> done{0};
  std::vector<std::unique_ptr<asio::steady_timer>> starts;
  const auto t0 = SteadyClock::now();
  for (size_t i = 0; i < n; ++i) {
    results[i].session = fmt::format("load-{}", i);
    std::string request = fmt::format(
        "POST /v1/responses HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n"
        "{}: {}\r\ncontent-length: {}\r\n\r\n{}",
        server->host(), mocks::kSessionHeader, results[i].session, body.size(), body);
    auto client = std::make_shared<Client>(io, endpoint, std::move(request), results[i], done);
    const auto offset =
        std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double, std::milli>(
            ramp_ms * static_cast<double>(i) / static_cast<double>(n)));
    auto& timer = starts.emplace_back(std::make_unique<asio::steady_timer>(io, t0 + offset));
    timer->async_wait([client](const beast::error_code&) { client->Start(); });
  }
  std::thread client_thread([&io] {
    pthread_setname_np(pthread_self(), "load-clients");
    io.run();
  });

  // Sample memory while the streams run; open connections tell the concurrency reached.
  long rss_peak = rss_before;
  uint64_t open_peak = 0;
  while (done.load() < concurrency) {
    rss_peak = std::max(rss_peak, ProcStatusKiB("VmRSS"));
    open_peak = std::max(open_peak, server->connections_open());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double wall_s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  client_thread.join();

  // The last write completions may be logged just after the clients read the bytes.
  size_t expected = 0;
  for (const auto& r : results) expected += r.arrivals.size();
  std::vector<mocks::WriteLogEntry> writes;
  for (int i = 0; i < 200 && writes.size() < expected; ++i) {
    auto more = server->TakeWriteLog();
    writes.insert(writes.end(), more.begin(), more.end());
    if (writes.size() < expected) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::map<std::tuple<std::string, std::string, uint64_t>, const mocks::WriteLogEntry*> by_key;
  for (const auto& w : writes) by_key[{w.session, w.request_id, w.body_end}] = &w;

  std::vector<double> fidelity_ms;
  std::vector<double> lateness_ms;
  size_t errors = 0;
  size_t unmatched = 0;
  std::string first_error;
  for (const auto& r : results) {
    if (!r.error.empty() || r.status != 200) {
      ++errors;
      if (first_error.empty())
        first_error = r.error.empty() ? fmt::format("status {}", r.status) : r.error;
      continue;
    }
    for (const auto& a : r.arrivals) {
      const auto it = by_key.find({r.session, r.request_id, a.body_end});
      if (it == by_key.end()) {
        ++unmatched;
        continue;
      }
      const TimePoint arrival(std::chrono::duration_cast<Duration>(a.at - server->zero()));
      fidelity_ms.push_back(ToMillis(arrival - it->second->due));
      lateness_ms.push_back(ToMillis(it->second->written - it->second->due));
    }
  }
  server->Stop();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  fmt::print("scenario {}  concurrency {}  time scale {}  ramp {} ms  write grid {} us\n",
             loaded->name, concurrency, time_scale, ramp_ms, grid_us);
  fmt::print("sessions ok {}  errors {}{}  peak open connections {}  wall {:.2f} s  cpu {:.2f} s\n",
             n - errors, errors, first_error.empty() ? "" : " (" + first_error + ")", open_peak,
             wall_s, cpu_s);
  // Involuntary switches: how often the OS took a CPU away from us (a busy machine shows
  // up here, and in the fidelity tail, not in our CPU time).
  fmt::print("context switches: voluntary {}  involuntary {}\n", usage.ru_nvcsw, usage.ru_nivcsw);
  fmt::print("chunks {}  unmatched {}  ({:.0f} chunks/s)\n", fidelity_ms.size(), unmatched,
             static_cast<double>(fidelity_ms.size()) / wall_s);
  fmt::print("fidelity (client arrival - due): {}\n", Summary(fidelity_ms));
  fmt::print("server lateness (write done - due): {}\n", Summary(lateness_ms));
  fmt::print("VmRSS before {} KiB  peak {} KiB  per session {:.1f} KiB  (VmHWM {} KiB)\n",
             rss_before, rss_peak,
             static_cast<double>(rss_peak - rss_before) / static_cast<double>(n),
             ProcStatusKiB("VmHWM"));
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace agentreplay

int main(int argc, char** argv) { return agentreplay::Main(argc, argv); }
