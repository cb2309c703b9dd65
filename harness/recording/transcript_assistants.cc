// The Assistants API's side of the transcript. A run is a sequence of segments: its creation
// plays step 0 of the thread's current turn (user messages - 1), each submit_tool_outputs the
// next step. A segment is streamed (thread.* events, decoded like any stream) or polled: the
// run object comes back queued, and the polls (runs.retrieve, runs.list) show its status over
// time, required_action its function calls, and messages.list its answer. Polled timing is
// estimated as transcript.h says.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/recording/transcript_decode.h"
#include "json/json_text.h"

namespace agentreplay::harness::transcript {
namespace {

using rapidjson::Value;

// The path from its "threads" or "assistants" segment on, without the query.
std::vector<std::string_view> Segments(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> all;
  std::size_t start = 0;
  while (start <= target.size()) {
    const std::size_t slash = std::min(target.find('/', start), target.size());
    if (slash > start) all.push_back(target.substr(start, slash - start));
    start = slash + 1;
  }
  auto it = std::find_if(all.begin(), all.end(),
                         [](std::string_view s) { return s == "threads" || s == "assistants"; });
  return {it, all.end()};
}

// How far a run's status has come within a segment: 0 queued, 1 in_progress, 2 ended.
int Rank(std::string_view status) {
  if (status == "queued") return 0;
  if (status == "in_progress") return 1;
  return 2;
}

struct Observation {
  Duration at{0};  // offset from the segment's send
  int rank = 0;
};

struct Segment {
  Place place;
  std::string user;
  std::string run_id;
  std::size_t exchange = 0;
  bool polled = false;
  bool closed = false;  // the run moved on to its next segment
  TranscriptStep step;  // complete for a streamed segment; timing filled in later when polled
  std::vector<Observation> seen;
  bool ended = false;
};

struct RunMessage {
  int64_t created_at = 0;
  std::size_t order = 0;  // when first seen, oldest first
  std::string text;
};

class AssistantsDecoder {
 public:
  explicit AssistantsDecoder(Context& ctx) : ctx_(ctx) {}

  Status Run() {
    const auto& exchanges = ctx_.cassette.exchanges;
    for (std::size_t i = 0; i < exchanges.size(); ++i) {
      if (Status s = Exchange(i); !s) return s;
    }
    if (ctx_.out.instructions.empty()) ctx_.out.instructions = assistant_instructions_;
    for (auto& segment : segments_) {
      if (segment.polled) FinishPolled(segment);
    }
    for (auto& segment : segments_) {
      ctx_.attempts.Step(segment.place, segment.user, std::move(segment.step));
    }
    return {};
  }

 private:
  Status Exchange(std::size_t i) {
    const auto& e = ctx_.cassette.exchanges[i];
    const auto path = Segments(e.request.target);
    const bool post = e.request.method == "POST";
    const rapidjson::Document body = RequestJson(e.request);
    const std::size_t n = path.size();
    if (post && n == 1 && path[0] == "assistants") {
      if (assistant_instructions_.empty()) {
        assistant_instructions_ = json::GetString(body, "instructions");
      }
    } else if (post && n == 1 && path[0] == "threads") {
      AddUserMessages(json::GetArray(body, "messages"));
    } else if (post && n == 3 && path[2] == "messages") {
      if (json::GetString(body, "role") == "user") AddUser(json::Member(body, "content"));
    } else if (post && ((n == 2 && path[1] == "runs") || (n == 3 && path[2] == "runs"))) {
      if (const Value* thread = json::GetObject(body, "thread")) {
        AddUserMessages(json::GetArray(*thread, "messages"));
      }
      AddUserMessages(json::GetArray(body, "additional_messages"));
      if (ctx_.out.instructions.empty()) {
        ctx_.out.instructions = json::GetString(body, "instructions");
      }
      return StartSegment(i, Place{users_ > 0 ? users_ - 1 : 0, 0}, "");
    } else if (post && n == 5 && path[4] == "submit_tool_outputs") {
      const std::string run(path[3]);
      auto it = std::find_if(segments_.rbegin(), segments_.rend(),
                             [&run](const auto& s) { return s.run_id == run; });
      if (it == segments_.rend()) {
        ctx_.Note(
            fmt::format("exchange {}: tool outputs for run {}, whose creation is not in "
                        "the recording",
                        i, run));
      }
      const Place place = it == segments_.rend() ? Place{users_ > 0 ? users_ - 1 : 0, 1}
                                                 : Place{it->place.turn, it->place.step + 1};
      return StartSegment(i, place, run);
    } else if (!post && n == 3 && path[2] == "messages") {
      ReadMessages(e.response);
    } else if (!post && ((n == 3 && path[2] == "runs") || n == 4)) {
      Observe(i);
    }
    // Everything but a streamed model answer is a quick reply of the API.
    if (!(IsEventStream(e.response) && n >= 2)) {
      ctx_.out.quick_replies.push_back(e.response.headers_at);
    }
    return {};
  }

  void AddUser(const Value* content) {
    ++users_;
    user_ = ContentText(content);
  }

  void AddUserMessages(const Value* messages) {
    if (messages == nullptr) return;
    for (const auto& m : messages->GetArray()) {
      if (m.IsObject() && json::GetString(m, "role") == "user") AddUser(json::Member(m, "content"));
    }
  }

  // A run creation or a submit: a new segment at `place` (of `run`, when known).
  Status StartSegment(std::size_t i, Place place, const std::string& run) {
    const auto& e = ctx_.cassette.exchanges[i];
    if (!IsSuccess(e.response)) {
      ctx_.attempts.Error(place, user_, ErrorAttempt(i, e));
      ctx_.out.quick_replies.push_back(e.response.headers_at);
      return {};
    }
    for (auto& s : segments_) {
      if (s.run_id == run && !run.empty()) s.closed = true;
    }
    Segment segment;
    segment.place = place;
    segment.user = user_;
    segment.run_id = run;
    segment.exchange = i;
    if (IsEventStream(e.response)) {
      segment.step = NewStep(ctx_.cassette, i, StepTiming::kStreamed);
      if (Status s = Stream(i, segment); !s) return s;
      CompleteStep(segment.step);
    } else {
      segment.polled = true;
      segment.step = NewStep(ctx_.cassette, i, StepTiming::kPolled);
      rapidjson::Document doc;
      if (!ParseJson(BodyText(e.response), doc) || !doc.IsObject()) {
        return ctx_.Fail(i, "/response/chunks", "the run object is not JSON");
      }
      if (segment.run_id.empty()) segment.run_id = json::GetString(doc, "id");
      RunInstructions(doc);
      segments_.push_back(std::move(segment));
      See(segments_.back(), doc, i);  // the reply itself shows the run's status
      ctx_.out.quick_replies.push_back(e.response.headers_at);
      return {};
    }
    segments_.push_back(std::move(segment));
    return {};
  }

  void RunInstructions(const Value& run) {
    if (ctx_.out.instructions.empty()) ctx_.out.instructions = json::GetString(run, "instructions");
  }

  // A poll: every run object in the body (one, or a list's data).
  void Observe(std::size_t i) {
    const auto& e = ctx_.cassette.exchanges[i];
    rapidjson::Document doc;
    if (!IsSuccess(e.response) || !ParseJson(BodyText(e.response), doc) || !doc.IsObject()) return;
    const auto see = [&](const Value& run) {
      const std::string id(json::GetString(run, "id"));
      auto it = std::find_if(segments_.rbegin(), segments_.rend(),
                             [&id](const auto& s) { return s.run_id == id; });
      if (it != segments_.rend() && it->polled && !it->closed) See(*it, run, i);
    };
    if (const Value* data = json::GetArray(doc, "data")) {
      for (const auto& run : data->GetArray()) {
        if (run.IsObject()) see(run);
      }
    } else {
      see(doc);
    }
  }

  void See(Segment& segment, const Value& run, std::size_t i) {
    if (segment.ended) return;
    const auto& e = ctx_.cassette.exchanges[i];
    const std::string_view status = json::GetString(run, "status");
    if (status.empty()) return;
    // The server looked halfway through the round trip.
    const Duration looked = e.sent_at + e.response.headers_at / 2 - segment.step.sent_at;
    segment.seen.push_back(Observation{looked, Rank(status)});
    if (Rank(status) < 2) return;
    segment.ended = true;
    segment.step.status = status;
    segment.step.observed_at = e.sent_at + e.response.end_at;
    segment.step.usage =
        UsageOf(json::GetObject(run, "usage"), "prompt_tokens", "completion_tokens");
    const Value* action = json::GetObject(run, "required_action");
    const Value* submit = action ? json::GetObject(*action, "submit_tool_outputs") : nullptr;
    const Value* calls = submit ? json::GetArray(*submit, "tool_calls") : nullptr;
    if (calls == nullptr) return;
    for (const auto& c : calls->GetArray()) {
      if (!c.IsObject()) continue;
      TranscriptToolCall call;
      call.id = json::GetString(c, "id");
      if (const Value* f = json::GetObject(c, "function")) {
        call.name = json::GetString(*f, "name");
        call.arguments = json::GetString(*f, "arguments");
      }
      segment.step.tool_calls.push_back(std::move(call));
    }
  }

  void ReadMessages(const mocks::CassetteResponse& response) {
    rapidjson::Document doc;
    if (!IsSuccess(response) || !ParseJson(BodyText(response), doc) || !doc.IsObject()) return;
    const Value* data = json::GetArray(doc, "data");
    if (data == nullptr) return;
    for (const auto& m : data->GetArray()) {
      if (!m.IsObject() || json::GetString(m, "role") != "assistant") continue;
      const std::string run(json::GetString(m, "run_id"));
      auto& message = messages_[run][std::string(json::GetString(m, "id"))];
      if (message.order == 0) message.order = ++seen_messages_;
      message.created_at = json::GetInt(m, "created_at");
      message.text = ContentText(json::Member(m, "content"));
    }
  }

  // Timing from the observations (transcript.h): each state at the midpoint between the last
  // look that did not show it and the first that did.
  void FinishPolled(Segment& segment) {
    TranscriptStep& step = segment.step;
    const auto reached = [&segment](int rank) -> std::optional<Duration> {
      const auto& seen = segment.seen;
      for (std::size_t k = 0; k < seen.size(); ++k) {
        if (seen[k].rank < rank) continue;
        if (k == 0) return seen[0].at;
        return seen[k - 1].at + (seen[k].at - seen[k - 1].at) / 2;
      }
      return std::nullopt;
    };
    const std::optional<Duration> end = reached(2);
    if (!end) {
      ctx_.Note(fmt::format("exchange {}: no poll shows run {} ending; its step is left empty",
                            segment.exchange, segment.run_id));
      step.end_at = segment.seen.empty() ? step.headers_at : segment.seen.back().at;
      return;
    }
    step.end_at = std::max(*end, step.headers_at);
    step.first_output_at = std::min(reached(1).value_or(step.end_at), step.end_at);
    for (auto& call : step.tool_calls) call.started_at = step.end_at;
    // The answer: the run's assistant messages, oldest first, on the segment that completed.
    const bool last_of_run =
        std::none_of(segments_.begin(), segments_.end(), [&segment](const auto& other) {
          return other.run_id == segment.run_id && other.exchange > segment.exchange;
        });
    if (last_of_run) {
      auto it = messages_.find(segment.run_id);
      if (it != messages_.end()) {
        std::vector<RunMessage> list;
        for (const auto& [id, message] : it->second) list.push_back(message);
        std::sort(list.begin(), list.end(), [](const RunMessage& a, const RunMessage& b) {
          return a.created_at != b.created_at ? a.created_at < b.created_at : a.order > b.order;
        });
        for (const auto& message : list) AddText(step, step.end_at, message.text);
      } else if (step.status == "completed") {
        ctx_.Note(fmt::format("run {}: no messages.list shows its answer", segment.run_id));
      }
    }
    CompleteStep(step);
  }

  Status Stream(std::size_t i, Segment& segment);

  Context& ctx_;
  std::string assistant_instructions_;
  std::size_t users_ = 0;
  std::string user_;
  std::vector<Segment> segments_;
  std::map<std::string, std::map<std::string, RunMessage>> messages_;  // run → id → message
  std::size_t seen_messages_ = 0;
};

// A streamed segment: the thread.* events of one run creation or submit.
Status AssistantsDecoder::Stream(std::size_t i, Segment& segment) {
  TranscriptStep& step = segment.step;
  const std::vector<TimedEvent> events = TimedSseEvents(ctx_.cassette.exchanges[i].response);
  if (events.empty()) return ctx_.Fail(i, "/response/chunks", "the stream has no events");
  step.response_start = events.front().at;
  std::map<std::pair<std::string, int64_t>, std::size_t> calls;   // (step, index) → call
  std::map<std::pair<std::string, int64_t>, std::size_t> hosted;  // (step, index) → use
  std::map<std::string, std::string> file_names;                  // file id → name
  bool ended = false;
  for (std::size_t k = 0; k < events.size() && !ended; ++k) {
    const Duration at = events[k].at;
    const std::string_view type = events[k].type;
    if (type == "done") {
      if (step.status.empty()) EndStep(step, at, "");
      ended = true;
      continue;
    }
    rapidjson::Document doc;
    bool ok = false;
    if (Status s = ParseEventData(ctx_, i, events, k, doc, ok); !s) return s;
    if (!ok || !doc.IsObject()) continue;
    if (type.substr(0, 11) == "thread.run." && type.find(".step.") == std::string_view::npos) {
      if (segment.run_id.empty()) segment.run_id = json::GetString(doc, "id");
      RunInstructions(doc);
      const std::string_view status = type.substr(11);
      if (Rank(status) == 2 && status != "created" && status != "cancelling") {
        EndStep(step, at, status);
        step.usage = UsageOf(json::GetObject(doc, "usage"), "prompt_tokens", "completion_tokens");
        const Value* action = json::GetObject(doc, "required_action");
        const Value* submit = action ? json::GetObject(*action, "submit_tool_outputs") : nullptr;
        const Value* required = submit ? json::GetArray(*submit, "tool_calls") : nullptr;
        for (std::size_t c = 0; required != nullptr && c < required->Size(); ++c) {
          const Value& r = (*required)[static_cast<rapidjson::SizeType>(c)];
          const Value* f = r.IsObject() ? json::GetObject(r, "function") : nullptr;
          if (f == nullptr) continue;
          if (c >= step.tool_calls.size()) {
            step.tool_calls.push_back(TranscriptToolCall{});
            step.tool_calls.back().started_at = at;
          }
          TranscriptToolCall& call = step.tool_calls[c];
          if (call.id.empty()) call.id = json::GetString(r, "id");
          if (call.name.empty()) call.name = json::GetString(*f, "name");
          call.arguments = json::GetString(*f, "arguments");
        }
      }
    } else if (type == "thread.message.delta") {
      const Value* delta = json::GetObject(doc, "delta");
      const Value* content = delta ? json::GetArray(*delta, "content") : nullptr;
      for (std::size_t c = 0; content != nullptr && c < content->Size(); ++c) {
        const Value& part = (*content)[static_cast<rapidjson::SizeType>(c)];
        const Value* text = part.IsObject() ? json::GetObject(part, "text") : nullptr;
        if (text != nullptr) AddText(step, at, json::GetString(*text, "value"));
      }
    } else if (type == "thread.message.completed") {
      const Value* content = json::GetArray(doc, "content");
      for (std::size_t c = 0; content != nullptr && c < content->Size(); ++c) {
        const Value& part = (*content)[static_cast<rapidjson::SizeType>(c)];
        const Value* text = part.IsObject() ? json::GetObject(part, "text") : nullptr;
        const Value* notes = text ? json::GetArray(*text, "annotations") : nullptr;
        for (std::size_t a = 0; notes != nullptr && a < notes->Size(); ++a) {
          const Value& note = (*notes)[static_cast<rapidjson::SizeType>(a)];
          const Value* cite = note.IsObject() ? json::GetObject(note, "file_citation") : nullptr;
          if (cite == nullptr) continue;
          auto name = file_names.find(std::string(json::GetString(*cite, "file_id")));
          if (name != file_names.end()) AddCitation(step, name->second);
        }
      }
    } else if (type == "thread.run.step.delta" || type == "thread.run.step.completed") {
      const std::string step_id(json::GetString(doc, "id"));
      const bool completed = type == "thread.run.step.completed";
      const Value* delta = completed ? &doc : json::GetObject(doc, "delta");
      const Value* details = delta ? json::GetObject(*delta, "step_details") : nullptr;
      const Value* list = details ? json::GetArray(*details, "tool_calls") : nullptr;
      for (std::size_t c = 0; list != nullptr && c < list->Size(); ++c) {
        const Value& tc = (*list)[static_cast<rapidjson::SizeType>(c)];
        if (!tc.IsObject()) continue;
        const auto key =
            std::make_pair(step_id, json::GetInt(tc, "index", static_cast<int64_t>(c)));
        const std::string_view kind = json::GetString(tc, "type");
        if (kind == "function") {
          if (completed) continue;  // the arguments are known from the deltas
          auto [it, fresh] = calls.try_emplace(key, step.tool_calls.size());
          if (fresh) {
            step.tool_calls.push_back(TranscriptToolCall{});
            step.tool_calls.back().started_at = at;
          }
          TranscriptToolCall& call = step.tool_calls[it->second];
          if (auto id = json::GetString(tc, "id"); !id.empty()) call.id = id;
          if (const Value* f = json::GetObject(tc, "function")) {
            if (auto name = json::GetString(*f, "name"); !name.empty()) call.name = name;
            AddArgumentPiece(step, call, at, json::GetString(*f, "arguments"));
          }
          continue;
        }
        if (kind.empty()) continue;
        auto [it, fresh] = hosted.try_emplace(key, step.hosted.size());
        if (fresh && completed) {  // a step of an earlier segment completing
          hosted.erase(it);
          continue;
        }
        if (fresh) {
          step.hosted.push_back(HostedToolUse{});
          step.hosted.back().kind = kind;
          step.hosted.back().id = json::GetString(tc, "id");
          step.hosted.back().started_at = at;
        }
        HostedToolUse& use = step.hosted[it->second];
        if (const Value* code = json::GetObject(tc, "code_interpreter")) {
          // The code arrives in deltas of `input`; the completed step repeats all of it.
          const std::string_view input = json::GetString(*code, "input");
          use.input = completed ? std::string(input) : use.input + std::string(input);
          if (const Value* outputs = json::GetArray(*code, "outputs"); outputs && completed) {
            use.output.clear();
            for (const auto& o : outputs->GetArray()) {
              if (o.IsObject()) use.output += json::GetString(o, "logs");
            }
          }
        }
        if (!completed) continue;
        use.ended_at = at;
        const Value* search = json::GetObject(tc, "file_search");
        const Value* results = search ? json::GetArray(*search, "results") : nullptr;
        for (std::size_t r = 0; results != nullptr && r < results->Size(); ++r) {
          const Value& result = (*results)[static_cast<rapidjson::SizeType>(r)];
          if (!result.IsObject()) continue;
          const std::string name(json::GetString(result, "file_name"));
          if (name.empty()) continue;
          use.results.push_back(name);
          file_names[std::string(json::GetString(result, "file_id"))] = name;
        }
      }
    } else if (type == "error") {
      ctx_.Note(fmt::format("exchange {}: the stream reports an error: {}", i,
                            json::GetString(doc, "message")));
      EndStep(step, at, "failed");
      ended = true;
    }
  }
  if (step.status.empty()) {
    if (!ended) EndStep(step, events.back().at, "");
    ctx_.Note(fmt::format("exchange {}: the run's stream ends without its final state", i));
  }
  return {};
}

}  // namespace

Status DecodeAssistants(Context& ctx) { return AssistantsDecoder(ctx).Run(); }

}  // namespace agentreplay::harness::transcript
