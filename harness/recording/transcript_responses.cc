// The Responses API's side of the transcript: POST /responses, streamed (response.* events) or
// not (the response object), placed in turns by the previous_response_id chain or, for
// stateless requests, by the user messages and function calls of the input.
#include <fmt/format.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "harness/recording/conversations.h"
#include "harness/recording/transcript_decode.h"
#include "json/json_text.h"

namespace agentreplay::harness::transcript {
namespace {

using rapidjson::Value;

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsUserMessage(const Value& item) {
  const std::string_view type = json::GetString(item, "type", "message");
  return type == "message" && json::GetString(item, "role") == "user";
}

// What the request's input says about where it sits.
struct InputFacts {
  std::size_t user_messages = 0;
  std::string user;                      // the last user message's text
  std::size_t call_runs_after_user = 0;  // runs of consecutive function_call items
  std::vector<std::string> call_ids_after_user;
};

InputFacts ReadInput(const Value& body) {
  InputFacts facts;
  const Value* input = json::Member(body, "input");
  if (input == nullptr) return facts;
  if (input->IsString()) {
    facts.user_messages = 1;
    facts.user = std::string(input->GetString(), input->GetStringLength());
    return facts;
  }
  if (!input->IsArray()) return facts;
  bool in_run = false;
  for (const auto& item : input->GetArray()) {
    if (!item.IsObject()) continue;
    if (IsUserMessage(item)) {
      ++facts.user_messages;
      facts.user = ContentText(json::Member(item, "content"));
      facts.call_runs_after_user = 0;
      facts.call_ids_after_user.clear();
      in_run = false;
      continue;
    }
    const bool call = json::GetString(item, "type") == "function_call";
    if (call) {
      if (!in_run) ++facts.call_runs_after_user;
      facts.call_ids_after_user.emplace_back(json::GetString(item, "call_id"));
    }
    in_run = call;
  }
  return facts;
}

// The instructions a request gives: "instructions", else its system or developer messages.
std::string InstructionsOf(const Value& body) {
  if (auto text = json::GetString(body, "instructions"); !text.empty()) return std::string(text);
  const Value* input = json::GetArray(body, "input");
  if (input == nullptr) return {};
  std::string out;
  for (const auto& item : input->GetArray()) {
    if (!item.IsObject()) continue;
    const std::string_view role = json::GetString(item, "role");
    if (role != "system" && role != "developer") continue;
    if (!out.empty()) out += "\n\n";
    out += ContentText(json::Member(item, "content"));
  }
  return out;
}

class ResponsesDecoder {
 public:
  explicit ResponsesDecoder(Context& ctx) : ctx_(ctx) {}

  Status Run() {
    const auto& exchanges = ctx_.cassette.exchanges;
    for (std::size_t i = 0; i < exchanges.size(); ++i) {
      const auto& e = exchanges[i];
      const bool model =
          e.request.method == "POST" && EndsWith(PathOf(e.request.target), "/responses");
      if (!model) {
        if (RuntimeOfTarget(e.request.target) == "responses") {
          ctx_.out.quick_replies.push_back(e.response.headers_at);
        }
        continue;
      }
      if (Status s = Request(i); !s) return s;
    }
    return {};
  }

 private:
  Place PlaceOf(const Value& body, const InputFacts& input) {
    std::optional<Place> base;
    if (auto it = places_.find(std::string(json::GetString(body, "previous_response_id")));
        it != places_.end()) {
      base = it->second;
    } else if (json::Member(body, "previous_response_id") != nullptr ||
               json::Member(body, "conversation") != nullptr) {
      base = last_;  // the chain (or conversation) continues from outside what we know
    }
    if (base) {
      return input.user_messages > 0 ? Place{base->turn + 1, 0} : Place{base->turn, base->step + 1};
    }
    if (input.user_messages == 0) {
      return last_ ? Place{last_->turn, last_->step + 1} : Place{0, 0};
    }
    Place place{input.user_messages - 1, input.call_runs_after_user};
    std::optional<std::size_t> latest;
    for (const auto& id : input.call_ids_after_user) {
      auto it = calls_.find(id);
      if (it != calls_.end() && it->second.turn == place.turn) {
        latest = std::max(latest.value_or(0), it->second.step);
      }
    }
    if (latest) place.step = *latest + 1;
    return place;
  }

  Status Request(std::size_t index) {
    const auto& e = ctx_.cassette.exchanges[index];
    const rapidjson::Document body = RequestJson(e.request);
    if (ctx_.out.instructions.empty()) ctx_.out.instructions = InstructionsOf(body);
    const InputFacts input = ReadInput(body);
    const Place place = PlaceOf(body, input);
    if (!IsSuccess(e.response)) {
      ctx_.attempts.Error(place, input.user, ErrorAttempt(index, e));
      ctx_.out.quick_replies.push_back(e.response.headers_at);  // an answer without model work
      return {};
    }
    TranscriptStep step;
    std::string response_id;
    if (IsEventStream(e.response)) {
      step = NewStep(ctx_.cassette, index, StepTiming::kStreamed);
      if (Status s = Stream(index, step, response_id); !s) return s;
    } else {
      step = NewStep(ctx_.cassette, index, StepTiming::kWhole);
      rapidjson::Document doc;
      if (!ParseJson(BodyText(e.response), doc) || !doc.IsObject()) {
        return ctx_.Fail(index, "/response/chunks", "the response body is not a JSON object");
      }
      const Duration at = BodyCompletedAt(e.response);
      response_id = json::GetString(doc, "id");
      WholeResponse(doc, at, step);
      if (const std::string_view status = json::GetString(doc, "status");
          status == "queued" || status == "in_progress") {
        ctx_.Note(
            fmt::format("exchange {}: a background response ({}) is not followed; its "
                        "output is what this body shows",
                        index, status));
      }
    }
    CompleteStep(step);
    for (const auto& call : step.tool_calls) calls_[call.id] = place;
    if (!response_id.empty()) places_[response_id] = place;
    last_ = place;
    ctx_.attempts.Step(place, input.user, std::move(step));
    return {};
  }

  // The output items of a completed response object, all arriving at `at`.
  void Items(const Value& output, Duration at, TranscriptStep& step) {
    for (const auto& item : output.GetArray()) {
      if (!item.IsObject()) continue;
      const std::string_view type = json::GetString(item, "type");
      if (type == "message") {
        const Value* content = json::GetArray(item, "content");
        if (content == nullptr) continue;
        for (const auto& part : content->GetArray()) {
          if (!part.IsObject()) continue;
          const std::string_view part_type = json::GetString(part, "type");
          if (part_type == "output_text" || part_type == "refusal") {
            step.refusal = step.refusal || part_type == "refusal";
            AddText(step, at, json::GetString(part, part_type == "refusal" ? "refusal" : "text"));
          }
          Citations(json::GetArray(part, "annotations"), step);
        }
      } else if (type == "function_call") {
        TranscriptToolCall call;
        call.id = json::GetString(item, "call_id");
        call.name = json::GetString(item, "name");
        call.arguments = json::GetString(item, "arguments");
        call.started_at = at;
        step.tool_calls.push_back(std::move(call));
      } else if (type == "reasoning") {
        for (const char* key : {"summary", "content"}) {
          const Value* parts = json::GetArray(item, key);
          if (parts == nullptr) continue;
          for (const auto& part : parts->GetArray()) {
            if (part.IsObject()) AddReasoning(step, at, json::GetString(part, "text"));
          }
        }
      } else if (EndsWith(type, "_call")) {
        HostedToolUse use = Hosted(item);
        use.started_at = at;
        use.ended_at = at;
        step.hosted.push_back(std::move(use));
      }
    }
  }

  void WholeResponse(const Value& response, Duration at, TranscriptStep& step) {
    if (const Value* output = json::GetArray(response, "output")) Items(*output, at, step);
    step.usage = UsageOf(json::GetObject(response, "usage"), "input_tokens", "output_tokens");
    EndStep(step, at, json::GetString(response, "status", "completed"));
  }

  static void Citations(const Value* annotations, TranscriptStep& step) {
    if (annotations == nullptr) return;
    for (const auto& a : annotations->GetArray()) {
      if (a.IsObject() && json::GetString(a, "type") == "file_citation") {
        AddCitation(step, json::GetString(a, "filename"));
      }
    }
  }

  // A hosted tool item (file_search_call, web_search_call, ...): kind, id, queries, results.
  static HostedToolUse Hosted(const Value& item) {
    HostedToolUse use;
    const std::string_view type = json::GetString(item, "type");
    use.kind = std::string(type.substr(0, type.size() - 5));  // without "_call"
    use.id = json::GetString(item, "id");
    if (const Value* queries = json::GetArray(item, "queries")) {
      for (const auto& q : queries->GetArray()) {
        if (q.IsString()) use.queries.emplace_back(q.GetString(), q.GetStringLength());
      }
    }
    if (const Value* action = json::GetObject(item, "action")) {  // web_search
      if (auto query = json::GetString(*action, "query"); !query.empty()) {
        use.queries.emplace_back(query);
      }
    }
    if (const Value* results = json::GetArray(item, "results")) {
      for (const auto& r : results->GetArray()) {
        if (r.IsObject() && !json::GetString(r, "filename").empty()) {
          use.results.emplace_back(json::GetString(r, "filename"));
        }
      }
    }
    use.input = json::GetString(item, use.kind == "mcp" ? "arguments" : "code");
    use.name = json::GetString(item, "name");
    use.server_label = json::GetString(item, "server_label");
    if (const Value* outputs = json::GetArray(item, "outputs")) {  // code_interpreter
      for (const auto& o : outputs->GetArray()) {
        if (o.IsObject()) use.output += json::GetString(o, "logs");
      }
    } else {
      use.output = json::GetString(item, "output");
    }
    use.failed =
        json::GetString(item, "status") == "failed" || !json::GetString(item, "error").empty();
    return use;
  }

  Status Stream(std::size_t index, TranscriptStep& step, std::string& response_id) {
    const std::vector<TimedEvent> events = TimedSseEvents(ctx_.cassette.exchanges[index].response);
    if (events.empty()) return ctx_.Fail(index, "/response/chunks", "the stream has no events");
    std::map<std::string, std::size_t> calls;   // item id → index into step.tool_calls
    std::map<std::string, std::size_t> hosted;  // item id → index into step.hosted
    std::map<int64_t, std::string> item_ids;    // output_index → item id
    bool started = false;
    bool ended = false;
    for (std::size_t k = 0; k < events.size() && !ended; ++k) {
      if (events[k].data == "[DONE]") continue;  // not sent by Responses; some proxies add it
      rapidjson::Document doc;
      bool ok = false;
      if (Status s = ParseEventData(ctx_, index, events, k, doc, ok); !s) return s;
      if (!ok || !doc.IsObject()) continue;
      const Duration at = events[k].at;
      const std::string_view type = json::GetString(doc, "type", events[k].type);
      std::string item_id(json::GetString(doc, "item_id"));
      if (item_id.empty()) item_id = item_ids[json::GetInt(doc, "output_index", -1)];
      if (type == "response.created" || type == "response.in_progress") {
        if (!started) step.response_start = at;
        started = true;
        if (const Value* r = json::GetObject(doc, "response")) {
          response_id = json::GetString(*r, "id");
        }
      } else if (type == "response.output_item.added" || type == "response.output_item.done") {
        const Value* item = json::GetObject(doc, "item");
        if (item == nullptr) continue;
        const std::string id(json::GetString(*item, "id"));
        item_ids[json::GetInt(doc, "output_index", -1)] = id;
        const std::string_view item_type = json::GetString(*item, "type");
        const bool done = type == "response.output_item.done";
        // A custom tool call is the client's to run, like a function call; its free-text
        // input stands for the arguments.
        if (item_type == "function_call" || item_type == "custom_tool_call") {
          const bool custom = item_type == "custom_tool_call";
          auto [it, fresh] = calls.try_emplace(id, step.tool_calls.size());
          if (fresh) step.tool_calls.push_back(TranscriptToolCall{});
          TranscriptToolCall& call = step.tool_calls[it->second];
          if (fresh) call.started_at = at;
          if (call.id.empty()) call.id = json::GetString(*item, "call_id");
          if (call.name.empty()) call.name = json::GetString(*item, "name");
          if (done && call.arguments.empty()) {
            call.arguments = json::GetString(*item, custom ? "input" : "arguments");
          }
        } else if (EndsWith(item_type, "_call")) {
          auto [it, fresh] = hosted.try_emplace(id, step.hosted.size());
          if (fresh) {
            step.hosted.push_back(Hosted(*item));
            step.hosted.back().started_at = at;
          }
          HostedToolUse& use = step.hosted[it->second];
          if (done) {
            HostedToolUse final_form = Hosted(*item);
            if (!final_form.queries.empty()) use.queries = std::move(final_form.queries);
            if (!final_form.results.empty()) use.results = std::move(final_form.results);
            if (!use.ended_at) use.ended_at = at;
          }
        } else if (item_type == "message" && done) {
          if (const Value* content = json::GetArray(*item, "content")) {
            for (const auto& part : content->GetArray()) {
              if (part.IsObject()) Citations(json::GetArray(part, "annotations"), step);
            }
          }
        }
      } else if (type == "response.output_text.delta" || type == "response.refusal.delta") {
        step.refusal = step.refusal || type == "response.refusal.delta";
        AddText(step, at, json::GetString(doc, "delta"));
      } else if (type == "response.function_call_arguments.delta" ||
                 type == "response.function_call_arguments.done" ||
                 type == "response.custom_tool_call_input.delta" ||
                 type == "response.custom_tool_call_input.done") {
        auto it = calls.find(item_id);
        if (it == calls.end()) continue;
        TranscriptToolCall& call = step.tool_calls[it->second];
        if (type.ends_with(".delta")) {
          AddArgumentPiece(step, call, at, json::GetString(doc, "delta"));
        } else {
          call.arguments = json::GetString(
              doc, type == "response.custom_tool_call_input.done" ? "input" : "arguments");
        }
      } else if (type == "response.reasoning_summary_text.delta" ||
                 type == "response.reasoning_text.delta") {
        AddReasoning(step, at, json::GetString(doc, "delta"));
      } else if (type == "response.output_text.annotation.added") {
        if (const Value* a = json::GetObject(doc, "annotation");
            a != nullptr && json::GetString(*a, "type") == "file_citation") {
          AddCitation(step, json::GetString(*a, "filename"));
        }
      } else if (type == "response.completed" || type == "response.incomplete" ||
                 type == "response.failed") {
        const Value* r = json::GetObject(doc, "response");
        if (r != nullptr) {
          if (response_id.empty()) response_id = json::GetString(*r, "id");
          step.usage = UsageOf(json::GetObject(*r, "usage"), "input_tokens", "output_tokens");
        }
        EndStep(step, at, type.substr(std::string_view("response.").size()));
        ended = true;
      } else if (type == "error") {
        ctx_.Note(fmt::format("exchange {}: the stream reports an error: {}", index,
                              json::GetString(doc, "message", json::GetString(doc, "code"))));
        EndStep(step, at, "failed");
        ended = true;
      } else {
        // Hosted tool progress: response.file_search_call.searching, .completed, ...
        auto it = hosted.find(item_id);
        if (it != hosted.end() && EndsWith(type, ".completed") &&
            !step.hosted[it->second].ended_at) {
          step.hosted[it->second].ended_at = at;
        }
      }
    }
    if (!ended) {
      ctx_.Note(fmt::format("exchange {}: the stream ends without response.completed", index));
      EndStep(step, events.back().at, "");
    }
    return {};
  }

  Context& ctx_;
  std::map<std::string, Place> places_;  // response id → where it sits
  std::map<std::string, Place> calls_;   // call id → the step that issued it
  std::optional<Place> last_;
};

}  // namespace

Status DecodeResponses(Context& ctx) { return ResponsesDecoder(ctx).Run(); }

}  // namespace agentreplay::harness::transcript
