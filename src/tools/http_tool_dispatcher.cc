#include "tools/http_tool_dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

#include "json/json_text.h"
#include "tools/tool_catalog.h"

namespace agentreplay {
namespace {

// Long enough to show what a misbehaving router said, short enough for a log line.
constexpr size_t kMaxQuotedBody = 200;

ToolOutput DispatchFailed(const ToolCall& call, std::string_view message) {
  spdlog::debug("tool hop: {} ({}) failed: {}", call.name, call.call_id, message);
  ToolResult err = ToolError("dispatch_failed", message);
  ToolOutput out;
  out.call_id = call.call_id;
  out.output = std::move(err.output);
  out.is_error = true;
  return out;
}

// What a non-200 answer says: the router's error message when it sent its error shape,
// otherwise the start of the body.
std::string DescribeFailure(int status, std::string_view body) {
  rapidjson::Document doc;
  if (json::Parse(body, doc) && doc.IsObject()) {
    if (const rapidjson::Value* error = json::GetObject(doc, "error")) {
      const std::string_view message = json::GetString(*error, "message");
      if (!message.empty()) return fmt::format("proxy_router answered {}: {}", status, message);
    }
  }
  return fmt::format("proxy_router answered {}: {}", status, body.substr(0, kMaxQuotedBody));
}

// The fields of a 200 answer, checked strictly: a wrong answer must not pass as a tool output.
struct Answer {
  std::string call_id;
  std::string output;
  bool is_error = false;
  int64_t exec_us = 0;
};

Status ParseAnswer(std::string_view body, Answer& answer) {
  rapidjson::Document doc;
  if (auto parsed = json::Parse(body, doc); !parsed) {
    return Fail("answer is not valid JSON: " + parsed.error());
  }
  if (!doc.IsObject()) return Fail("answer is not a JSON object");
  const auto call_id = doc.FindMember("call_id");
  const auto output = doc.FindMember("output");
  const auto is_error = doc.FindMember("is_error");
  const auto exec_us = doc.FindMember("exec_us");
  if (call_id == doc.MemberEnd() || !call_id->value.IsString() || output == doc.MemberEnd() ||
      !output->value.IsString() || is_error == doc.MemberEnd() || !is_error->value.IsBool() ||
      exec_us == doc.MemberEnd() || !exec_us->value.IsInt64() || exec_us->value.GetInt64() < 0) {
    return Fail("answer lacks call_id, output, is_error or exec_us");
  }
  answer.call_id.assign(call_id->value.GetString(), call_id->value.GetStringLength());
  answer.output.assign(output->value.GetString(), output->value.GetStringLength());
  answer.is_error = is_error->value.GetBool();
  answer.exec_us = exec_us->value.GetInt64();
  return {};
}

}  // namespace

HttpToolDispatcher::HttpToolDispatcher(Transport& transport, Clock& clock, std::string path_prefix)
    : transport_(transport), clock_(clock), target_(std::move(path_prefix) + "/tool_calls") {}

std::string HttpToolDispatcher::RequestBody(const ToolCall& call) {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::Key(w, "call_id");
  json::String(w, call.call_id);
  json::Key(w, "name");
  json::String(w, call.name);
  json::Key(w, "arguments");
  json::String(w, call.arguments);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Task<ToolOutput> HttpToolDispatcher::Dispatch(const ToolCall& call) {
  HttpRequest request;
  request.method = "POST";
  request.target = target_;
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = RequestBody(call);

  const TimePoint start = clock_.Now();
  HttpResponse response = co_await transport_.Send(std::move(request));
  if (response.error || !response.body) {
    co_return DispatchFailed(call, response.error ? fmt::format("{}: {}", response.error->reason,
                                                                response.error->message)
                                                  : std::string("no response body"));
  }
  BodyChunk body = co_await ReadAll(*response.body);
  if (body.error) {
    co_return DispatchFailed(
        call, fmt::format("answer broke: {}: {}", body.error->reason, body.error->message));
  }
  if (response.status != 200)
    co_return DispatchFailed(call, DescribeFailure(response.status, body.bytes));
  Answer answer;
  if (auto parsed = ParseAnswer(body.bytes, answer); !parsed) {
    co_return DispatchFailed(call, parsed.error());
  }
  if (answer.call_id != call.call_id) {
    // A connection that mixed up answers must not hand one call's output to another.
    co_return DispatchFailed(call, fmt::format("answer is for call '{}'", answer.call_id));
  }

  ToolOutput out;
  out.call_id = call.call_id;
  out.output = std::move(answer.output);
  out.is_error = answer.is_error;
  // The router measures on its own clock. The critical path splits this dispatch interval
  // into execution and overhead, so execution is capped at what the agent's clock saw: the
  // overhead never goes negative, even with a coarse or frozen agent clock.
  const Duration round_trip = std::max(Duration::zero(), clock_.Now() - start);
  out.exec_time = std::min<Duration>(std::chrono::microseconds(answer.exec_us), round_trip);
  co_return out;
}

}  // namespace agentreplay
