#include "llm/retry.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace agentreplay {
namespace {

// A body already read to its end, handed on unchanged.
class BufferedBody : public BodyStream {
 public:
  explicit BufferedBody(BodyChunk chunk) : chunk_(std::move(chunk)) {}
  Task<BodyChunk> Next() override {
    if (done_) co_return BodyChunk{{}, true, std::nullopt};
    done_ = true;
    BodyChunk out = std::move(chunk_);
    if (!out.error) out.end = true;
    co_return out;
  }

 private:
  BodyChunk chunk_;
  bool done_ = false;
};

// Retry-After in (possibly fractional) seconds; HTTP dates are not honoured (the API sends
// seconds) and yield nullopt.
std::optional<Duration> RetryAfter(const HttpHeaders& headers) {
  const auto value = FindHeader(headers, "retry-after-ms");
  if (value) {
    double ms = 0;
    auto [p, ec] = std::from_chars(value->data(), value->data() + value->size(), ms);
    if (ec == std::errc() && ms >= 0) return FromMillis(ms);
  }
  const auto seconds = FindHeader(headers, "retry-after");
  if (!seconds) return std::nullopt;
  double s = 0;
  auto [p, ec] = std::from_chars(seconds->data(), seconds->data() + seconds->size(), s);
  if (ec != std::errc() || s < 0) return std::nullopt;
  return FromMillis(s * 1000.0);
}

// Any failure before a response (as the official SDKs retry every connection error; a reply
// that is not HTTP at all, kProtocol malformed_http, is one).
bool IsRetryableError(const Error& e) {
  return e.kind == ErrorKind::kTransport || e.kind == ErrorKind::kTimeout ||
         e.kind == ErrorKind::kProtocol;
}

}  // namespace

bool IsRetryableStatus(int status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

RetryingTransport::RetryingTransport(Transport& inner, Clock& clock, RetryPolicy policy)
    : inner_(inner), clock_(clock), policy_(policy), rng_(policy.seed) {}

Duration RetryingTransport::Delay(int attempt, const HttpResponse& response) {
  if (auto after = RetryAfter(response.headers)) return std::min(*after, policy_.max_delay);
  const double base = static_cast<double>(policy_.base_delay.count()) *
                      std::pow(2.0, static_cast<double>(attempt - 2));
  const double factor =
      policy_.jitter > 0 ? rng_.Uniform(1.0 - policy_.jitter, 1.0 + policy_.jitter) : 1.0;
  const auto delay = Duration(static_cast<Duration::rep>(base * factor));
  return std::min(delay, policy_.max_delay);
}

Task<HttpResponse> RetryingTransport::Send(HttpRequest request) {
  for (int attempt = 1;; ++attempt) {
    // The request is copied for every attempt but the last, which may take it.
    HttpRequest copy = attempt < policy_.max_attempts ? request : std::move(request);
    HttpResponse response = co_await inner_.Send(std::move(copy));
    const bool retryable =
        response.error ? IsRetryableError(*response.error) : IsRetryableStatus(response.status);
    if (!retryable || attempt >= policy_.max_attempts) co_return response;

    // Drain the failed answer so the connection can be reused, keeping it in case this was
    // the last chance after all.
    if (response.body) {
      BodyChunk all = co_await ReadAll(*response.body);
      response.body = std::make_unique<BufferedBody>(std::move(all));
    }
    const Duration wait = Delay(attempt + 1, response);
    SPDLOG_DEBUG("retry: attempt {} failed ({}), waiting {} ms", attempt,
                 response.error ? response.error->reason : fmt::format("HTTP {}", response.status),
                 ToMillis(wait));
    co_await clock_.Sleep(wait);
    ++retries_;
  }
}

}  // namespace agentreplay
