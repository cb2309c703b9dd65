#include "harness/recording/conversations.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <utility>

#include "harness/recording/cassette_format.h"
#include "harness/scenario/field_reader.h"
#include "json/json_text.h"
#include "sse/sse_decoder.h"

namespace agentreplay::harness {
namespace {

using rapidjson::Value;

constexpr std::string_view kApiResources[] = {
    "responses", "chat",       "threads",       "assistants", "files",      "vector_stores",
    "models",    "embeddings", "completions",   "audio",      "images",     "moderations",
    "batches",   "uploads",    "conversations", "realtime",   "fine_tuning"};

// The API path after its prefix, without the query: "responses/resp_1/input_items" from
// "/v1/responses/resp_1/input_items?limit=5". Prefixes: "/v1/" anywhere in the path (proxies
// put their own segments in front), "/openai/deployments/{name}/" and "/openai/" (Azure).
std::optional<std::string_view> ApiPath(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (const std::size_t v1 = path.find("/v1/"); v1 != std::string_view::npos) {
    return path.substr(v1 + 4);
  }
  constexpr std::string_view kDeployments = "/openai/deployments/";
  if (path.starts_with(kDeployments)) {
    path.remove_prefix(kDeployments.size());
    const std::size_t slash = path.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    return path.substr(slash + 1);
  }
  if (path.starts_with("/openai/")) return path.substr(8);
  return std::nullopt;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// A conversation id may come from a request body, so it is not trusted as part of a file name.
// With no '/' left, and behind the cassette's own name, it cannot climb out of a directory.
std::string SafeName(std::string_view id) {
  std::string out(id);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) c = '_';
  }
  return out;
}

std::string_view StringMember(const Value& obj, std::string_view name) {
  if (!obj.IsObject()) return {};
  const Value* v = FindField(obj, name);
  return v && v->IsString() ? AsView(*v) : std::string_view{};
}

// Calls `visit` with each JSON object the response carries (the body, or each SSE event's data)
// until it returns true.
template <class F>
void VisitResponseJson(const mocks::CassetteResponse& response, F visit) {
  const std::string body = ResponseBody(response);
  if (!IsEventStream(response)) {
    rapidjson::Document doc;
    if (ParseJsonBody(body, doc) && doc.IsObject()) visit(static_cast<const Value&>(doc));
    return;
  }
  std::vector<SseEvent> events;
  SseDecoder decoder;
  decoder.Feed(body, events);
  for (const SseEvent& event : events) {
    rapidjson::Document doc;
    if (ParseJsonBody(event.data, doc) && doc.IsObject() && visit(static_cast<const Value&>(doc))) {
      return;
    }
  }
}

// The id of the response a Responses call produced: a JSON body's "id", or the "response"
// object of the first stream event that has one.
std::string ResponseIdOf(const mocks::CassetteResponse& response) {
  std::string id;
  VisitResponseJson(response, [&](const Value& v) {
    if (StringMember(v, "object") == "response") {
      id = std::string(StringMember(v, "id"));
    } else if (const Value* r = FindField(v, "response"); r && r->IsObject()) {
      id = std::string(StringMember(*r, "id"));
    }
    return !id.empty();
  });
  return id;
}

// The thread a POST /threads or /threads/runs response names.
std::string ThreadCreatedBy(const mocks::CassetteResponse& response) {
  std::string id;
  VisitResponseJson(response, [&](const Value& v) {
    if (StringMember(v, "object") == "thread") {
      id = std::string(StringMember(v, "id"));
    } else {
      id = std::string(StringMember(v, "thread_id"));
    }
    return !id.empty();
  });
  return id;
}

// Each element of a JSON array member of the request body, printed compactly, for comparing
// histories element by element.
std::vector<std::string> ArrayElements(const Value& body, std::string_view member) {
  std::vector<std::string> out;
  const Value* list = body.IsObject() ? FindField(body, member) : nullptr;
  if (!list || !list->IsArray()) return out;
  for (const Value& item : list->GetArray()) out.push_back(json::Compact(item));
  return out;
}

// Conversations that grow by resending their history (Chat messages, stateless Responses
// input). Each conversation's head is the history its latest request sent; a request whose
// history extends a head continues that conversation. Matching heads, not every request, keeps
// a second run of the same opening from joining the first run's finished conversation.
class HistoryMatcher {
 public:
  explicit HistoryMatcher(std::string prefix) : prefix_(std::move(prefix)) {}

  std::string Place(const std::vector<std::string>& history, const std::string& fallback_name) {
    std::size_t best = heads_.size();
    for (std::size_t i = 0; i < heads_.size(); ++i) {
      const auto& head = heads_[i].history;
      const bool extends = !head.empty() && head.size() <= history.size() &&
                           std::equal(head.begin(), head.end(), history.begin());
      if (extends && (best == heads_.size() || head.size() >= heads_[best].history.size())) {
        best = i;
      }
    }
    if (best == heads_.size()) {
      heads_.push_back(
          {{}, fallback_name.empty() ? prefix_ + std::to_string(++count_) : fallback_name});
    }
    if (!history.empty()) heads_[best].history = history;
    return heads_[best].conversation;
  }

 private:
  struct Head {
    std::vector<std::string> history;
    std::string conversation;
  };
  std::string prefix_;
  std::vector<Head> heads_;
  int count_ = 0;
};

class ConversationNamer {
 public:
  // The conversation of `e`, or "" when no rule places it.
  std::string Name(const mocks::CassetteExchange& e) {
    const auto path = ApiPath(e.request.target);
    if (!path) return {};
    const std::vector<std::string_view> seg = Segments(*path);
    if (seg.empty()) return {};
    if (seg[0] == "threads") return Thread(e, seg);
    if (seg[0] == "responses") return Responses(e, seg);
    if (seg.size() >= 2 && seg[0] == "chat" && seg[1] == "completions" && seg.size() == 2) {
      rapidjson::Document body;
      if (!ParseJsonBody(e.request.body, body)) return chat_.Place({}, {});
      return chat_.Place(ArrayElements(body, "messages"), {});
    }
    return {};
  }

 private:
  std::string Thread(const mocks::CassetteExchange& e, const std::vector<std::string_view>& seg) {
    if (seg.size() >= 2 && seg[1] != "runs") return std::string(seg[1]);
    return ThreadCreatedBy(e.response);
  }

  std::string Responses(const mocks::CassetteExchange& e,
                        const std::vector<std::string_view>& seg) {
    if (seg.size() >= 2) {  // GET /responses/{id}, /responses/{id}/input_items, cancel, ...
      const std::string id(seg[1]);
      const auto it = by_response_.find(id);
      return it != by_response_.end() ? it->second : id;
    }
    const std::string own_id = ResponseIdOf(e.response);
    std::string conversation;
    rapidjson::Document body;
    const bool has_body = ParseJsonBody(e.request.body, body) && body.IsObject();
    if (has_body) {
      if (const Value* c = FindField(body, "conversation")) {
        conversation =
            c->IsString() ? std::string(AsView(*c)) : std::string(StringMember(*c, "id"));
      }
      if (conversation.empty()) {
        const std::string previous(StringMember(body, "previous_response_id"));
        if (!previous.empty()) {
          const auto it = by_response_.find(previous);
          conversation = it != by_response_.end() ? it->second : previous;
        }
      }
    }
    if (conversation.empty()) {
      conversation = responses_.Place(
          has_body ? ArrayElements(body, "input") : std::vector<std::string>{}, own_id);
    }
    if (!own_id.empty()) by_response_[own_id] = conversation;
    return conversation;
  }

  std::map<std::string, std::string> by_response_;  // response id → its conversation
  HistoryMatcher chat_{"chat-"};
  HistoryMatcher responses_{"responses-"};
};

}  // namespace

std::string_view RuntimeOfTarget(std::string_view target) {
  const auto path = ApiPath(target);
  if (!path) return {};
  const std::vector<std::string_view> seg = Segments(*path);
  if (seg.empty()) return {};
  if (seg[0] == "responses") return "responses";
  if (seg[0] == "chat" && seg.size() >= 2 && seg[1] == "completions") return "chat";
  if (seg[0] == "threads" || seg[0] == "assistants") return "assistants";
  return {};
}

bool IsOpenAiApiTarget(std::string_view target) {
  const auto path = ApiPath(target);
  if (!path) return false;
  const std::vector<std::string_view> seg = Segments(*path);
  return !seg.empty() && std::find(std::begin(kApiResources), std::end(kApiResources), seg[0]) !=
                             std::end(kApiResources);
}

void AssignConversations(mocks::Cassette& cassette) {
  ConversationNamer namer;
  std::vector<std::string> names;
  names.reserve(cassette.exchanges.size());
  for (const auto& e : cassette.exchanges) {
    // Every exchange goes through the namer, so that ids and histories of exchanges that
    // already have a conversation still place the ones after them.
    std::string name = namer.Name(e);
    names.push_back(e.conversation.empty() ? name : e.conversation);
  }
  // Unplaced exchanges join the next placed one, else the previous one.
  std::string next;
  for (std::size_t i = names.size(); i-- > 0;) {
    if (names[i].empty()) {
      names[i] = next;
    } else {
      next = names[i];
    }
  }
  std::string previous;
  for (std::string& name : names) {
    if (name.empty()) {
      name = previous;
    } else {
      previous = name;
    }
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    cassette.exchanges[i].conversation = std::move(names[i]);
  }
}

std::vector<mocks::Cassette> SplitConversations(const mocks::Cassette& cassette) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const mocks::CassetteExchange*>> groups;
  for (const auto& e : cassette.exchanges) {
    auto [it, inserted] = groups.try_emplace(e.conversation);
    if (inserted) order.push_back(e.conversation);
    it->second.push_back(&e);
  }
  if (order.size() <= 1) return {cassette};
  std::vector<mocks::Cassette> out;
  for (const std::string& conversation : order) {
    mocks::Cassette part = cassette;
    part.exchanges.clear();
    if (!conversation.empty()) part.name = cassette.name + "-" + SafeName(conversation);
    const auto& members = groups[conversation];
    const Duration origin = members.front()->sent_at;
    for (const auto* e : members) {
      part.exchanges.push_back(*e);
      part.exchanges.back().sent_at -= origin;
    }
    out.push_back(std::move(part));
  }
  return out;
}

std::string DetectModel(const mocks::Cassette& cassette) {
  for (const auto& e : cassette.exchanges) {
    rapidjson::Document body;
    if (ParseJsonBody(e.request.body, body)) {
      if (const auto model = StringMember(body, "model"); !model.empty()) {
        return std::string(model);
      }
    }
  }
  std::string model;
  for (const auto& e : cassette.exchanges) {
    VisitResponseJson(e.response, [&](const Value& v) {
      model = std::string(StringMember(v, "model"));
      if (const Value* r = FindField(v, "response"); model.empty() && r && r->IsObject()) {
        model = std::string(StringMember(*r, "model"));
      }
      return !model.empty();
    });
    if (!model.empty()) break;
  }
  return model;
}

}  // namespace agentreplay::harness
