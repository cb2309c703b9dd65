// agentreplay_load: how many concurrent streaming sessions the mock HTTP server serves on this
// machine, and how faithfully it keeps the scenario's timing while doing so.
//
//   agentreplay_load --concurrency 1000 --scenario scenarios/long_answer.json --time-scale 1
//
// For each scenario (two_tool_rounds and long_answer unless --scenario says otherwise): starts
// the server in this process, opens one session per client (own seed), and forks a client
// process in which N asynchronous Beast clients (one io_context on one thread) each send a
// streamed Responses request and read it to the end, stamping the instant every HTTP chunk
// leaves the kernel. The clients are another process, as an agent would be: their memory, CPU
// and file descriptors are not the server's. Fidelity is client arrival − due instant, matched
// with the server's write log by session, request id and body offset (both processes read the
// same monotonic clock); server lateness is write completion − due. Memory is the server
// process's VmRSS before the sessions were opened and its peak while they streamed, per
// session; it includes the write log the fidelity figures need.
#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
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

// Raises RLIMIT_NOFILE's soft limit towards `wanted` (at most the hard limit); false, with the
// limit named, when `wanted` descriptors are not to be had.
bool RaiseFileLimit(size_t wanted, const char* who) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return true;
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min<rlim_t>(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur >= wanted) return true;
  fmt::print(stderr,
             "error: the {} needs {} file descriptors but RLIMIT_NOFILE allows {} (hard limit "
             "{}); raise it (ulimit -Hn, or nofile in limits.conf) or lower --concurrency\n",
             who, wanted, limit.rlim_cur, limit.rlim_max);
  return false;
}

double CpuSeconds(const rusage& usage) {
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
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

// The client process hands its results back through a pipe, in this plain binary form.
class Writer {
 public:
  explicit Writer(int fd) : fd_(fd) {}
  ~Writer() { Flush(); }
  template <typename T>
  void Put(const T& value) {
    Bytes(&value, sizeof value);
  }
  void Put(const std::string& text) {
    Put(static_cast<uint64_t>(text.size()));
    Bytes(text.data(), text.size());
  }
  void Bytes(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    buffer_.insert(buffer_.end(), p, p + size);
    if (buffer_.size() > (1u << 16)) Flush();
  }
  void Flush() {
    size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

 private:
  int fd_;
  std::vector<char> buffer_;
};

class Reader {
 public:
  explicit Reader(std::vector<char> data) : data_(std::move(data)) {}
  template <typename T>
  bool Get(T& value) {
    if (data_.size() - at_ < sizeof value) return false;
    std::memcpy(&value, data_.data() + at_, sizeof value);
    at_ += sizeof value;
    return true;
  }
  bool Get(std::string& text) {
    uint64_t size = 0;
    if (!Get(size) || data_.size() - at_ < size) return false;
    text.assign(data_.data() + at_, size);
    at_ += size;
    return true;
  }

 private:
  std::vector<char> data_;
  size_t at_ = 0;
};

void WriteResults(Writer& out, const std::vector<ClientResult>& results, double cpu_s) {
  out.Put(cpu_s);
  for (const auto& r : results) {
    out.Put(r.request_id);
    out.Put(static_cast<int64_t>(r.status));
    out.Put(r.error);
    out.Put(static_cast<uint64_t>(r.arrivals.size()));
    for (const auto& a : r.arrivals) {
      out.Put(a.body_end);
      out.Put(static_cast<int64_t>(a.at.time_since_epoch().count()));
    }
  }
}

bool ReadResults(Reader& in, std::vector<ClientResult>& results, double& cpu_s) {
  if (!in.Get(cpu_s)) return false;
  for (auto& r : results) {
    int64_t status = 0;
    uint64_t count = 0;
    if (!in.Get(r.request_id) || !in.Get(status) || !in.Get(r.error) || !in.Get(count)) {
      return false;
    }
    r.status = static_cast<int>(status);
    r.arrivals.resize(count);
    for (auto& a : r.arrivals) {
      int64_t ticks = 0;
      if (!in.Get(a.body_end) || !in.Get(ticks)) return false;
      a.at = SteadyClock::time_point(SteadyClock::duration(ticks));
    }
  }
  return true;
}

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

// What the server's write log holds per body chunk (mocks/server/http_server_impl.h's
// CompactWrite), for the share of the memory figure that the fidelity figures cost.
constexpr size_t kWriteLogEntryBytes = 24;

struct LoadOptions {
  size_t n = 100;
  double time_scale = 1.0;
  double ramp_ms = 0;
  double grid_us = 0;
  bool write_log = true;
  int server_threads = 1;
  bool timeline = false;
};

// The client process: waits for the server's port, streams every session, reports back.
[[noreturn]] void RunClients(const LoadOptions& o, const std::string& body, int go_fd,
                             int result_fd) {
  uint16_t port = 0;
  if (::read(go_fd, &port, sizeof port) != static_cast<ssize_t>(sizeof port) || port == 0) {
    ::_exit(3);
  }
  pthread_setname_np(pthread_self(), "load-clients");
  asio::io_context io{1};
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  std::vector<ClientResult> results(o.n);
  std::atomic<int> done{0};
  std::vector<std::unique_ptr<asio::steady_timer>> starts;
  const auto t0 = SteadyClock::now();
  for (size_t i = 0; i < o.n; ++i) {
    results[i].session = fmt::format("load-{}", i);
    std::string request = fmt::format(
        "POST /v1/responses HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        "{}: {}\r\ncontent-length: {}\r\n\r\n{}",
        mocks::kSessionHeader, results[i].session, body.size(), body);
    auto client = std::make_shared<Client>(io, endpoint, std::move(request), results[i], done);
    const auto offset =
        std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double, std::milli>(
            o.ramp_ms * static_cast<double>(i) / static_cast<double>(o.n)));
    auto& timer = starts.emplace_back(std::make_unique<asio::steady_timer>(io, t0 + offset));
    timer->async_wait([client](const beast::error_code&) { client->Start(); });
  }
  io.run();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  Writer out(result_fd);
  WriteResults(out, results, CpuSeconds(usage));
  out.Flush();
  ::_exit(0);
}

// Reads everything the client process sends until it closes the pipe, sampling the server's
// memory and open connections meanwhile.
std::vector<char> AwaitClients(int fd, const mocks::MockServer& server, long& rss_peak,
                               uint64_t& open_peak) {
  std::vector<char> data;
  char buffer[1 << 16];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 50);
    rss_peak = std::max(rss_peak, ProcStatusKiB("VmRSS"));
    open_peak = std::max(open_peak, server.connections_open());
    if (ready <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return data;
    data.insert(data.end(), buffer, buffer + n);
  }
}

// One scenario at one concurrency; 0 when every session streamed its response.
int RunScenario(const std::string& scenario_file, const LoadOptions& o) {
  auto loaded = harness::LoadScenarioFile(scenario_file);
  if (!loaded) {
    fmt::print(stderr, "{}\n", loaded.error());
    return 2;
  }
  // Each process holds one socket per session, plus a few of its own.
  if (!RaiseFileLimit(o.n + 64, "server")) return 2;
  const std::string user = loaded->turns.empty() ? std::string("hi") : loaded->turns[0].user;
  std::string body = R"({"model":")" + loaded->model + R"(","stream":true,"input":")";
  for (char c : user) body += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  body += R"("})";

  // Fork before any thread starts: the child gets a copy of nothing but this thread.
  int go[2];
  int back[2];
  if (::pipe(go) != 0 || ::pipe(back) != 0) {
    fmt::print(stderr, "error: pipe: {}\n", std::strerror(errno));
    return 2;
  }
  std::fflush(stdout);
  const pid_t child = ::fork();
  if (child < 0) {
    fmt::print(stderr, "error: fork: {}\n", std::strerror(errno));
    return 2;
  }
  if (child == 0) {
    ::close(go[1]);
    ::close(back[0]);
    if (!RaiseFileLimit(o.n + 64, "client process")) ::_exit(2);
    RunClients(o, body, go[0], back[1]);
  }
  ::close(go[0]);
  ::close(back[1]);

  mocks::MockServerOptions options;
  options.scenario = *loaded;
  options.time_scale = o.time_scale;
  options.write_grid = FromMillis(o.grid_us / 1000.0);
  options.record_writes = o.write_log;
  options.threads = o.server_threads;
  auto server = mocks::MockServer::Start(options);
  uint16_t port = server == nullptr ? 0 : server->port();
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const long rss_before = ProcStatusKiB("VmRSS");
  // One scenario shared by every session, as a server playing one scenario to many would.
  const auto shared = std::make_shared<const mocks::Scenario>(*loaded);
  for (size_t i = 0; server != nullptr && i < o.n; ++i) {
    server->OpenSession(fmt::format("load-{}", i), shared, 1000 + i);
  }
  const long rss_sessions = ProcStatusKiB("VmRSS");
  const auto t0 = SteadyClock::now();
  if (::write(go[1], &port, sizeof port) != static_cast<ssize_t>(sizeof port) || port == 0) {
    ::close(go[1]);
    ::close(back[0]);
    ::waitpid(child, nullptr, 0);
    return 2;
  }
  ::close(go[1]);
  long rss_peak = rss_before;
  uint64_t open_peak = 0;
  Reader reader(AwaitClients(back[0], *server, rss_peak, open_peak));
  ::close(back[0]);
  const double wall_s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  int child_status = 0;
  ::waitpid(child, &child_status, 0);
  std::vector<ClientResult> results(o.n);
  for (size_t i = 0; i < o.n; ++i) results[i].session = fmt::format("load-{}", i);
  double client_cpu_s = 0;
  if (!ReadResults(reader, results, client_cpu_s)) {
    fmt::print(stderr, "error: the client process ended without its results (status {})\n",
               child_status);
    return 2;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double server_cpu_s = CpuSeconds(usage) - CpuSeconds(before);

  // The last write completions may be logged just after the clients read the bytes.
  size_t expected = 0;
  for (const auto& r : results) expected += r.arrivals.size();
  std::vector<mocks::WriteLogEntry> writes;
  for (int i = 0; o.write_log && i < 200 && writes.size() < expected; ++i) {
    auto more = server->TakeWriteLog();
    writes.insert(writes.end(), more.begin(), more.end());
    if (writes.size() < expected) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::map<std::tuple<std::string, std::string, uint64_t>, const mocks::WriteLogEntry*> by_key;
  for (const auto& w : writes) by_key[{w.session, w.request_id, w.body_end}] = &w;

  std::vector<double> fidelity_ms;
  std::vector<double> lateness_ms;
  // Where in the run the tail is: fidelity per second of due time, from the first due.
  std::vector<std::vector<double>> by_second;
  TimePoint first_due = TimePoint::max();
  for (const auto& w : writes) first_due = std::min(first_due, w.due);
  size_t errors = 0;
  size_t unmatched = 0;
  std::string first_error;
  for (const auto& r : results) {
    if (!r.error.empty() || r.status != 200) {
      ++errors;
      if (first_error.empty()) {
        first_error = r.error.empty() ? fmt::format("status {}", r.status) : r.error;
      }
      continue;
    }
    for (const auto& a : o.write_log ? r.arrivals : std::vector<Arrival>()) {
      const auto it = by_key.find({r.session, r.request_id, a.body_end});
      if (it == by_key.end()) {
        ++unmatched;
        continue;
      }
      const TimePoint arrival(std::chrono::duration_cast<Duration>(a.at - server->zero()));
      fidelity_ms.push_back(ToMillis(arrival - it->second->due));
      lateness_ms.push_back(ToMillis(it->second->written - it->second->due));
      if (o.timeline) {
        const auto second =
            static_cast<size_t>(std::max(0.0, ToMillis(it->second->due - first_due)) / 1000.0);
        if (by_second.size() <= second) by_second.resize(second + 1);
        by_second[second].push_back(fidelity_ms.back());
      }
    }
  }
  server->Stop();

  fmt::print(
      "scenario {}  concurrency {}  time scale {}  ramp {} ms  write grid {} us  server threads "
      "{}\n",
      loaded->name, o.n, o.time_scale, o.ramp_ms, o.grid_us, o.server_threads);
  fmt::print("sessions ok {}  errors {}{}  peak open connections {}  wall {:.2f} s\n", o.n - errors,
             errors, first_error.empty() ? "" : " (" + first_error + ")", open_peak, wall_s);
  fmt::print("cpu: server {:.2f} s ({:.0f}% of a core)  clients {:.2f} s (their own process)\n",
             server_cpu_s, 100.0 * server_cpu_s / wall_s, client_cpu_s);
  // Involuntary switches: how often the OS took a CPU away from the server (a busy machine
  // shows up here, and in the fidelity tail, not in our CPU time).
  fmt::print("server context switches: voluntary {}  involuntary {}\n",
             usage.ru_nvcsw - before.ru_nvcsw, usage.ru_nivcsw - before.ru_nivcsw);
  fmt::print("chunks {}  unmatched {}  ({:.0f} chunks/s)\n", fidelity_ms.size(), unmatched,
             static_cast<double>(fidelity_ms.size()) / wall_s);
  fmt::print("fidelity (client arrival - due): {}\n", Summary(fidelity_ms));
  fmt::print("server lateness (write done - due): {}\n", Summary(lateness_ms));
  for (size_t i = 0; i < by_second.size(); ++i) {
    fmt::print("  second {:3}: {:7} chunks  fidelity {}\n", i, by_second[i].size(),
               Summary(by_second[i]));
  }
  const auto per_session = [&o](long kib) {
    return static_cast<double>(kib) / static_cast<double>(o.n);
  };
  fmt::print(
      "server VmRSS before {} KiB  peak {} KiB  per session {:.1f} KiB (sessions opened {:.1f}, "
      "write log {:.1f})\n\n",
      rss_before, rss_peak, per_session(rss_peak - rss_before),
      per_session(rss_sessions - rss_before),
      static_cast<double>(writes.size() * kWriteLogEntryBytes) / 1024.0 / static_cast<double>(o.n));
  std::fflush(stdout);
  return errors == 0 && unmatched == 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  CLI::App app{"Concurrent streaming sessions against the in-process mock HTTP server"};
  int concurrency = 100;
  std::vector<std::string> scenario_files = {
      std::string(AGENTREPLAY_SCENARIOS_DIR) + "/two_tool_rounds.json",
      std::string(AGENTREPLAY_SCENARIOS_DIR) + "/long_answer.json"};
  LoadOptions o;
  app.add_option("--concurrency,-n", concurrency, "Concurrent streaming sessions")
      ->check(CLI::Range(1, 100000));
  app.add_option("--scenario", scenario_files, "Scenario files, one run each")
      ->check(CLI::ExistingFile);
  app.add_option("--time-scale", o.time_scale, "Factor on every scripted time")
      ->check(CLI::PositiveNumber);
  app.add_option("--ramp-ms", o.ramp_ms, "Spread the clients' starts over this long (0: at once)");
  app.add_option("--write-grid-us", o.grid_us,
                 "Server timers wake on a grid this wide (0: at each chunk's due instant)");
  app.add_flag("--timeline", o.timeline, "Fidelity per second of the run too");
  app.add_option("--server-threads", o.server_threads, "Server threads (event loops)")
      ->check(CLI::Range(1, 64));
  app.add_flag("!--no-write-log", o.write_log,
               "Serve without the write log (memory without it; no fidelity figures)");
  CLI11_PARSE(app, argc, argv);
  o.n = static_cast<size_t>(concurrency);
  int status = 0;
  for (const auto& file : scenario_files) status = std::max(status, RunScenario(file, o));
  return status;
}

}  // namespace
}  // namespace agentreplay

int main(int argc, char** argv) { return agentreplay::Main(argc, argv); }
