// The list and retrieve endpoints of the mock's Assistants API: what a GET sees of messages,
// runs and run steps at the request's arrival, in OpenAI's list shape.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <numeric>
#include <optional>

#include "mocks/api/assistants/assistants_api.h"
#include "mocks/api/assistants/assistants_call.h"
#include "mocks/api/assistants/assistants_renderer.h"
#include "mocks/api/wire_json.h"

namespace agentreplay::mocks {
namespace {

// limit (1..100, default 20; out-of-range values are clamped rather than rejected), order
// (asc or desc, default desc), and the after/before cursors.
struct ListQuery {
  size_t limit = 20;
  bool descending = true;
  std::string after;
  std::string before;
};

ListQuery ReadListQuery(const std::map<std::string, std::string, std::less<>>& query) {
  ListQuery out;
  if (const auto it = query.find("limit"); it != query.end()) {
    long long limit = 20;
    const auto& s = it->second;
    std::from_chars(s.data(), s.data() + s.size(), limit);
    out.limit = static_cast<size_t>(std::clamp(limit, 1LL, 100LL));
  }
  if (const auto it = query.find("order"); it != query.end()) out.descending = it->second != "asc";
  if (const auto it = query.find("after"); it != query.end()) out.after = it->second;
  if (const auto it = query.find("before"); it != query.end()) out.before = it->second;
  return out;
}

struct Page {
  std::vector<size_t> items;  // indices into the caller's list, in display order
  bool has_more = false;
};

// Pages `ids` (in creation order) the way the API's cursors work: `after` starts past that id,
// `before` ends before it (taking the items nearest to it).
Page Paginate(const std::vector<std::string>& ids, const ListQuery& query) {
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (query.descending) std::reverse(order.begin(), order.end());
  const auto position = [&](const std::string& id) -> std::optional<size_t> {
    for (size_t i = 0; i < order.size(); ++i) {
      if (ids[order[i]] == id) return i;
    }
    return std::nullopt;
  };
  size_t begin = 0;
  size_t end = order.size();
  if (!query.after.empty()) {
    if (const auto p = position(query.after)) begin = std::min(end, *p + 1);
  }
  if (!query.before.empty()) {
    if (const auto p = position(query.before)) end = std::max(begin, *p);
  }
  Page page;
  size_t first = begin;
  size_t last = end;
  if (!query.before.empty() && query.after.empty()) {
    first = end - std::min(end - begin, query.limit);
    page.has_more = first > begin;
  } else {
    last = begin + std::min(end - begin, query.limit);
    page.has_more = last < end;
  }
  page.items.assign(order.begin() + static_cast<std::ptrdiff_t>(first),
                    order.begin() + static_cast<std::ptrdiff_t>(last));
  return page;
}

// {"object":"list","data":[...],"first_id","last_id","has_more"}, as recorded.
template <typename WriteItem>
std::string ListBody(const Page& page, const std::vector<std::string>& ids, WriteItem write_item) {
  return PrettyBody([&](PrettyJsonWriter& w) {
    w.StartObject();
    WriteKey(w, "object");
    WriteString(w, "list");
    WriteKey(w, "data");
    w.StartArray();
    for (size_t index : page.items) write_item(w, index);
    w.EndArray();
    WriteKey(w, "first_id");
    if (page.items.empty()) {
      w.Null();
    } else {
      WriteString(w, ids[page.items.front()]);
    }
    WriteKey(w, "last_id");
    if (page.items.empty()) {
      w.Null();
    } else {
      WriteString(w, ids[page.items.back()]);
    }
    WriteKey(w, "has_more");
    w.Bool(page.has_more);
    w.EndObject();
  });
}

}  // namespace

MockResponse AssistantsApi::ListMessages(Call& call) {
  std::optional<OpenAiError> error;
  const ThreadRecord* thread = FindThread(call.path.at(1), error);
  if (thread == nullptr) return call.Fail(*error);
  const auto run_filter = call.query.find("run_id");
  std::vector<const ThreadMessage*> visible;
  std::vector<std::string> ids;
  for (const auto& message : thread->messages) {
    if (!MessageVisibleAt(message, RunOf(message), call.arrival)) continue;
    if (run_filter != call.query.end() && message.run_id != run_filter->second) continue;
    visible.push_back(&message);
    ids.push_back(message.id);
  }
  const Page page = Paginate(ids, ReadListQuery(call.query));
  return call.Json(ListBody(page, ids, [&](PrettyJsonWriter& w, size_t i) {
    WriteMessageObject(w, *visible[i], MessageForm::kObject);
  }));
}

MockResponse AssistantsApi::RetrieveMessage(Call& call) {
  std::optional<OpenAiError> error;
  const ThreadRecord* thread = FindThread(call.path.at(1), error);
  if (thread == nullptr) return call.Fail(*error);
  const std::string& id = call.path.at(3);
  for (const auto& message : thread->messages) {
    if (message.id == id && MessageVisibleAt(message, RunOf(message), call.arrival)) {
      return call.Json(PrettyBody(
          [&](PrettyJsonWriter& w) { WriteMessageObject(w, message, MessageForm::kObject); }));
    }
  }
  return call.Fail(NotFound("message", id));
}

MockResponse AssistantsApi::ListRuns(Call& call) {
  std::optional<OpenAiError> error;
  const ThreadRecord* thread = FindThread(call.path.at(1), error);
  if (thread == nullptr) return call.Fail(*error);
  const Page page = Paginate(thread->run_ids, ReadListQuery(call.query));
  return call.Json(ListBody(page, thread->run_ids, [&](PrettyJsonWriter& w, size_t i) {
    const RunRecord& run = runs_.at(thread->run_ids[i]);
    WriteRunObject(w, run, ViewAt(run, call.arrival));
  }));
}

MockResponse AssistantsApi::RetrieveRun(Call& call) {
  std::optional<OpenAiError> error;
  const ThreadRecord* thread = FindThread(call.path.at(1), error);
  const RunRecord* run = thread == nullptr ? nullptr : FindRun(*thread, call.path.at(3), error);
  if (run == nullptr) return call.Fail(*error);
  const RunView view = ViewAt(*run, call.arrival);
  // Everything the rendered object depends on besides the run itself, which only changes by
  // requests that also change one of these (submit, cancel).
  auto opt = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "-"; };
  std::string key =
      fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", view.status, opt(view.started_at),
                  opt(view.expires_at), opt(view.cancelled_at), opt(view.completed_at),
                  static_cast<const void*>(view.required_action),
                  view.usage ? view.usage->prompt : -1, view.usage ? view.usage->completion : -1);
  if (key != run->cached_view_key) {
    run->cached_body = PrettyBody([&](PrettyJsonWriter& w) { WriteRunObject(w, *run, view); });
    run->cached_view_key = std::move(key);
  }
  return call.Json(run->cached_body);
}

MockResponse AssistantsApi::ListSteps(Call& call) {
  std::optional<OpenAiError> error;
  const ThreadRecord* thread = FindThread(call.path.at(1), error);
  const RunRecord* run = thread == nullptr ? nullptr : FindRun(*thread, call.path.at(3), error);
  if (run == nullptr) return call.Fail(*error);
  std::vector<const RunStep*> visible;
  std::vector<std::string> ids;
  for (const auto& step : run->steps) {
    if (!StepVisibleAt(*run, step, call.arrival)) continue;
    visible.push_back(&step);
    ids.push_back(step.id);
  }
  const Page page = Paginate(ids, ReadListQuery(call.query));
  return call.Json(ListBody(page, ids, [&](PrettyJsonWriter& w, size_t i) {
    WriteStepObject(w, *run, *visible[i], StepViewAt(*run, *visible[i], call.arrival));
  }));
}

MockResponse AssistantsApi::RetrieveStep(Call& call) {
  std::optional<OpenAiError> error;
  const ThreadRecord* thread = FindThread(call.path.at(1), error);
  const RunRecord* run = thread == nullptr ? nullptr : FindRun(*thread, call.path.at(3), error);
  if (run == nullptr) return call.Fail(*error);
  const std::string& id = call.path.at(5);
  for (const auto& step : run->steps) {
    if (step.id == id && StepVisibleAt(*run, step, call.arrival)) {
      return call.Json(PrettyBody([&](PrettyJsonWriter& w) {
        WriteStepObject(w, *run, step, StepViewAt(*run, step, call.arrival));
      }));
    }
  }
  return call.Fail(NotFound("run step", id));
}

}  // namespace agentreplay::mocks
