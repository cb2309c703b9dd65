// The Chat Completions side of the transcript: POST /chat/completions, streamed
// (chat.completion.chunk data lines, [DONE]) or not (the chat.completion object), placed by
// the request's messages: turn = user messages - 1, step = assistant messages with tool_calls
// since the last user message, as the mock places them.
#include <fmt/format.h>

#include <map>
#include <string>
#include <utility>

#include "harness/recording/conversations.h"
#include "harness/recording/transcript_decode.h"
#include "json/json_text.h"

namespace agentreplay::harness::transcript {
namespace {

using rapidjson::Value;

struct MessageFacts {
  std::size_t user_messages = 0;
  std::size_t tool_rounds = 0;  // assistant messages with tool_calls since the last user one
  std::string user;
  std::string instructions;  // the system or developer messages before the first user one
};

MessageFacts ReadMessages(const Value& body) {
  MessageFacts facts;
  const Value* messages = json::GetArray(body, "messages");
  if (messages == nullptr) return facts;
  for (const auto& m : messages->GetArray()) {
    if (!m.IsObject()) continue;
    const std::string_view role = json::GetString(m, "role");
    if (role == "user") {
      ++facts.user_messages;
      facts.tool_rounds = 0;
      facts.user = ContentText(json::Member(m, "content"));
    } else if (role == "assistant") {
      const Value* calls = json::GetArray(m, "tool_calls");
      if (calls != nullptr && !calls->Empty()) ++facts.tool_rounds;
    } else if ((role == "system" || role == "developer") && facts.user_messages == 0) {
      if (!facts.instructions.empty()) facts.instructions += "\n\n";
      facts.instructions += ContentText(json::Member(m, "content"));
    }
  }
  return facts;
}

// The first choice (index 0, else the first listed), or nullptr.
const Value* FirstChoice(const Value& doc) {
  const Value* choices = json::GetArray(doc, "choices");
  if (choices == nullptr || choices->Empty()) return nullptr;
  for (const auto& c : choices->GetArray()) {
    if (c.IsObject() && json::GetInt(c, "index", 0) == 0) return &c;
  }
  return (*choices)[0].IsObject() ? &(*choices)[0] : nullptr;
}

std::string StatusOf(std::string_view finish_reason) {
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "requires_action";
  if (finish_reason == "length" || finish_reason == "content_filter") return "incomplete";
  return "completed";
}

class ChatDecoder {
 public:
  explicit ChatDecoder(Context& ctx) : ctx_(ctx) {}

  Status Run() {
    const auto& exchanges = ctx_.cassette.exchanges;
    for (std::size_t i = 0; i < exchanges.size(); ++i) {
      const auto& e = exchanges[i];
      const std::string_view target = e.request.target;
      const std::string_view path = target.substr(0, target.find('?'));
      const bool model = e.request.method == "POST" && path.size() >= 17 &&
                         path.substr(path.size() - 17) == "/chat/completions";
      if (!model) {
        if (RuntimeOfTarget(e.request.target) == "chat") {
          ctx_.out.quick_replies.push_back(e.response.headers_at);
        }
        continue;
      }
      if (Status s = Request(i); !s) return s;
    }
    return {};
  }

 private:
  Status Request(std::size_t index) {
    const auto& e = ctx_.cassette.exchanges[index];
    const rapidjson::Document body = RequestJson(e.request);
    const MessageFacts facts = ReadMessages(body);
    if (ctx_.out.instructions.empty()) ctx_.out.instructions = facts.instructions;
    const Place place{facts.user_messages > 0 ? facts.user_messages - 1 : 0, facts.tool_rounds};
    if (!IsSuccess(e.response)) {
      ctx_.attempts.Error(place, facts.user, ErrorAttempt(index, e));
      ctx_.out.quick_replies.push_back(e.response.headers_at);  // an answer without model work
      return {};
    }
    TranscriptStep step;
    if (IsEventStream(e.response)) {
      step = NewStep(ctx_.cassette, index, StepTiming::kStreamed);
      if (Status s = Stream(index, step); !s) return s;
    } else {
      step = NewStep(ctx_.cassette, index, StepTiming::kWhole);
      rapidjson::Document doc;
      if (!ParseJson(BodyText(e.response), doc) || !doc.IsObject()) {
        return ctx_.Fail(index, "/response/chunks", "the response body is not a JSON object");
      }
      Whole(doc, BodyCompletedAt(e.response), step);
    }
    CompleteStep(step);
    ctx_.attempts.Step(place, facts.user, std::move(step));
    return {};
  }

  static void Whole(const Value& doc, Duration at, TranscriptStep& step) {
    std::string status = "completed";
    if (const Value* choice = FirstChoice(doc)) {
      status = StatusOf(json::GetString(*choice, "finish_reason"));
      if (const Value* message = json::GetObject(*choice, "message")) {
        AddText(step, at, json::GetString(*message, "content"));
        step.refusal = step.refusal || !json::GetString(*message, "refusal").empty();
        AddText(step, at, json::GetString(*message, "refusal"));
        AddReasoning(step, at, json::GetString(*message, "reasoning_content"));
        if (const Value* calls = json::GetArray(*message, "tool_calls")) {
          for (const auto& c : calls->GetArray()) {
            if (!c.IsObject()) continue;
            TranscriptToolCall call;
            call.id = json::GetString(c, "id");
            call.started_at = at;
            if (const Value* f = json::GetObject(c, "function")) {
              call.name = json::GetString(*f, "name");
              call.arguments = json::GetString(*f, "arguments");
            }
            step.tool_calls.push_back(std::move(call));
          }
        }
      }
    }
    step.usage = UsageOf(json::GetObject(doc, "usage"), "prompt_tokens", "completion_tokens");
    EndStep(step, at, status);
  }

  Status Stream(std::size_t index, TranscriptStep& step) {
    const std::vector<TimedEvent> events = TimedSseEvents(ctx_.cassette.exchanges[index].response);
    if (events.empty()) return ctx_.Fail(index, "/response/chunks", "the stream has no events");
    std::map<int64_t, std::size_t> calls;  // tool_calls index → index into step.tool_calls
    std::string status;
    bool done = false;
    for (std::size_t k = 0; k < events.size() && !done; ++k) {
      const Duration at = events[k].at;
      if (events[k].data == "[DONE]") {
        EndStep(step, at, status.empty() ? "completed" : status);
        done = true;
        continue;
      }
      rapidjson::Document doc;
      bool ok = false;
      if (Status s = ParseEventData(ctx_, index, events, k, doc, ok); !s) return s;
      if (!ok || !doc.IsObject()) continue;
      if (auto usage =
              UsageOf(json::GetObject(doc, "usage"), "prompt_tokens", "completion_tokens")) {
        step.usage = usage;
      }
      if (const Value* error = json::GetObject(doc, "error")) {
        ctx_.Note(fmt::format("exchange {}: the stream reports an error: {}", index,
                              json::GetString(*error, "message")));
        status = "failed";
        continue;
      }
      const Value* choice = FirstChoice(doc);
      if (choice == nullptr) continue;
      if (auto finish = json::GetString(*choice, "finish_reason"); !finish.empty()) {
        status = StatusOf(finish);
      }
      const Value* delta = json::GetObject(*choice, "delta");
      if (delta == nullptr) continue;
      AddText(step, at, json::GetString(*delta, "content"));
      step.refusal = step.refusal || !json::GetString(*delta, "refusal").empty();
      AddText(step, at, json::GetString(*delta, "refusal"));
      AddReasoning(step, at, json::GetString(*delta, "reasoning_content"));
      const Value* tool_calls = json::GetArray(*delta, "tool_calls");
      if (tool_calls == nullptr) continue;
      for (const auto& c : tool_calls->GetArray()) {
        if (!c.IsObject()) continue;
        const int64_t key = json::GetInt(c, "index", static_cast<int64_t>(calls.size()));
        auto [it, fresh] = calls.try_emplace(key, step.tool_calls.size());
        if (fresh) {
          step.tool_calls.push_back(TranscriptToolCall{});
          step.tool_calls.back().started_at = at;
        }
        TranscriptToolCall& call = step.tool_calls[it->second];
        if (auto id = json::GetString(c, "id"); !id.empty()) call.id = id;
        if (const Value* f = json::GetObject(c, "function")) {
          if (auto name = json::GetString(*f, "name"); !name.empty()) call.name += name;
          AddArgumentPiece(step, call, at, json::GetString(*f, "arguments"));
        }
      }
    }
    if (!done) {
      ctx_.Note(fmt::format("exchange {}: the stream ends without [DONE]", index));
      EndStep(step, events.back().at, status);
    }
    return {};
  }

  Context& ctx_;
};

}  // namespace

Status DecodeChat(Context& ctx) { return ChatDecoder(ctx).Run(); }

}  // namespace agentreplay::harness::transcript
