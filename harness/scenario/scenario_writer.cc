#include "harness/scenario/scenario_writer.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "core/output_file.h"
#include "harness/scenario/fault_decoder.h"
#include "harness/scenario/scenario_loader.h"
#include "json/json_text.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;

constexpr std::size_t kColumns = 100;

// A JSON value on its way out: scalars already spelt, containers in order. An object's values
// are `items`, each under the key of the same index (no std::pair of the incomplete Node, which
// not every standard library accepts).
struct Node {
  enum class Kind { kScalar, kArray, kObject };
  Kind kind = Kind::kScalar;
  std::string text;               // kScalar: the JSON literal
  std::vector<std::string> keys;  // kObject: the key literals
  std::vector<Node> items;        // kArray: the items; kObject: the values

  static Node Object();
  static Node Array();
  static Node Raw(std::string literal);
};

Node Node::Object() {
  Node n;
  n.kind = Kind::kObject;
  return n;
}
Node Node::Array() {
  Node n;
  n.kind = Kind::kArray;
  return n;
}
Node Node::Raw(std::string literal) {
  Node n;
  n.text = std::move(literal);
  return n;
}

std::string StringLiteral(std::string_view s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

// The shortest spelling that reads back as the same double ("450", "0.15", "26.977001").
Node Number(double value) { return Node::Raw(fmt::format("{}", value)); }
Node Integer(int64_t value) { return Node::Raw(fmt::format("{}", value)); }
Node String(std::string_view s) { return Node::Raw(StringLiteral(s)); }
Node Bool(bool b) { return Node::Raw(b ? "true" : "false"); }

void Add(Node& object, std::string_view key, Node value) {
  object.keys.push_back(StringLiteral(key));
  object.items.push_back(std::move(value));
}

Node StringList(const std::vector<std::string>& list) {
  Node array = Node::Array();
  for (const auto& s : list) array.items.push_back(String(s));
  return array;
}

Node DistNode(const Dist& d) {
  switch (d.kind) {
    case Dist::Kind::kFixed:
      return Number(d.a);
    case Dist::Kind::kLognormal: {
      Node n = Node::Object();
      Add(n, "dist", String("lognormal"));
      Add(n, "median", Number(d.a));
      Add(n, "sigma", Number(d.b));
      return n;
    }
    case Dist::Kind::kUniform: {
      Node n = Node::Object();
      Add(n, "dist", String("uniform"));
      Add(n, "min", Number(d.a));
      Add(n, "max", Number(d.b));
      return n;
    }
  }
  return Number(d.a);
}

bool IsZero(const Dist& d) { return d == Dist::Fixed(0); }

void AddDist(Node& object, std::string_view key, const Dist& d) {
  if (!IsZero(d)) Add(object, key, DistNode(d));
}

// --- Rendering ---

// The value on one line: `{ "a": 1, "b": 2 }`, `[1, 2]`, `{}`.
std::string Inline(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kScalar:
      return n.text;
    case Node::Kind::kArray: {
      std::string out = "[";
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        out += (i == 0 ? "" : ", ") + Inline(n.items[i]);
      }
      return out + "]";
    }
    case Node::Kind::kObject: {
      if (n.items.empty()) return "{}";
      std::string out = "{ ";
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        out += (i == 0 ? "" : ", ") + n.keys[i] + ": " + Inline(n.items[i]);
      }
      return out + " }";
    }
  }
  return n.text;
}

bool AllScalars(const Node& array) {
  return std::all_of(array.items.begin(), array.items.end(),
                     [](const Node& item) { return item.kind == Node::Kind::kScalar; });
}

// Appends `n`, which starts at `column` on a line indented by `indent`.
void Render(const Node& n, std::size_t indent, std::size_t column, std::string& out) {
  const std::string one_line = Inline(n);
  if (n.kind == Node::Kind::kScalar || column + one_line.size() + 1 <= kColumns) {
    out += one_line;
    return;
  }
  const std::string inner(indent + 2, ' ');
  if (n.kind == Node::Kind::kArray && AllScalars(n)) {
    // Filled: as many items per line as fit.
    out += "[\n" + inner;
    std::size_t at = inner.size();
    for (std::size_t i = 0; i < n.items.size(); ++i) {
      const std::string& item = n.items[i].text;
      const bool last = i + 1 == n.items.size();
      if (i > 0) {
        if (at + 1 + item.size() + (last ? 0 : 1) > kColumns) {
          out += "\n" + inner;
          at = inner.size();
        } else {
          out += ' ';
          ++at;
        }
      }
      out += item;
      at += item.size();
      if (!last) {
        out += ',';
        ++at;
      }
    }
    out += "\n" + std::string(indent, ' ') + "]";
    return;
  }
  out += n.kind == Node::Kind::kArray ? "[\n" : "{\n";
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    out += inner;
    if (n.kind == Node::Kind::kArray) {
      Render(n.items[i], indent + 2, inner.size(), out);
    } else {
      out += n.keys[i] + ": ";
      Render(n.items[i], indent + 2, inner.size() + n.keys[i].size() + 2, out);
    }
    out += i + 1 < n.items.size() ? ",\n" : "\n";
  }
  out += std::string(indent, ' ') + (n.kind == Node::Kind::kArray ? "]" : "}");
}

// --- The scenario's objects ---

// A call's arguments as an object: the text parsed and written compactly (which is what the
// loader makes of an object), or the text as a string when it is not an object (a scenario
// built in code; the loader will say so).
Node ArgumentsNode(const std::string& arguments) {
  rapidjson::Document doc;
  if (json::ParseDocument(arguments, doc) || !doc.IsObject()) return String(arguments);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return Node::Raw(std::string(buffer.GetString(), buffer.GetSize()));
}

Node ToolCallNode(const mocks::ToolCallScript& call) {
  Node n = Node::Object();
  Add(n, "name", String(call.name));
  Add(n, "arguments", ArgumentsNode(call.arguments));
  if (!call.argument_pieces.empty()) {
    Add(n, "argument_pieces", StringList(call.argument_pieces));
  } else if (call.argument_chunks != 1) {
    Add(n, "argument_chunks", Integer(call.argument_chunks));
  }
  return n;
}

Node FaultNode(const mocks::FaultScript& fault) {
  Node n = Node::Object();
  Add(n, "status", Integer(fault.status));
  if (fault.retry_after_s >= 0) Add(n, "retry_after_s", Number(fault.retry_after_s));
  Add(n, "type", String(fault.type));
  Add(n, "code", fault.code.empty() ? Node::Raw("null") : String(fault.code));
  Add(n, "message", String(fault.message));
  return n;
}

// Text as "text" when the default split reproduces its chunks, else as explicit "chunks".
void AddText(Node& n, const std::vector<std::string>& chunks) {
  std::string text;
  for (const auto& chunk : chunks) text += chunk;
  if (!text.empty() && SplitTextIntoChunks(text) == chunks) {
    Add(n, "text", String(text));
  } else {
    Add(n, "chunks", StringList(chunks));
  }
}

Node ReasoningNode(const mocks::ReasoningScript& reasoning) {
  Node n = Node::Object();
  AddText(n, reasoning.chunks);
  AddDist(n, "ttfr_ms", reasoning.ttfr_ms);
  if (reasoning.gaps_ms.empty()) {
    AddDist(n, "chunk_gap_ms", reasoning.chunk_gap_ms);
  } else {
    Node gaps = Node::Array();
    for (double gap : reasoning.gaps_ms) gaps.items.push_back(Number(gap));
    Add(n, "gaps_ms", std::move(gaps));
  }
  if (!reasoning.summary) Add(n, "kind", String("text"));
  return n;
}

Node HostedToolNode(const mocks::HostedToolScript& tool) {
  Node n = Node::Object();
  Add(n, "type", String(tool.type));
  if (!tool.input.empty()) Add(n, "input", String(tool.input));
  if (!tool.output.empty()) Add(n, "output", String(tool.output));
  if (!tool.name.empty()) Add(n, "name", String(tool.name));
  if (!tool.server_label.empty()) Add(n, "server_label", String(tool.server_label));
  AddDist(n, "latency_ms", tool.latency_ms);
  if (tool.fails) Add(n, "fails", Bool(true));
  return n;
}

Node StepNode(const mocks::StepScript& step, bool alternative) {
  Node n = Node::Object();
  if (step.processing_ms) Add(n, "processing_ms", DistNode(*step.processing_ms));
  AddDist(n, "ttft_ms", step.ttft_ms);
  if (step.gaps_ms.empty()) {
    AddDist(n, "chunk_gap_ms", step.chunk_gap_ms);
  } else {
    Node gaps = Node::Array();
    for (double gap : step.gaps_ms) gaps.items.push_back(Number(gap));
    Add(n, "gaps_ms", std::move(gaps));
  }
  if (step.file_search) {
    Node search = Node::Object();
    Add(search, "query", String(step.file_search->query));
    AddDist(search, "latency_ms", step.file_search->latency_ms);
    if (!step.file_search->results.empty()) {
      Add(search, "results", StringList(step.file_search->results));
    }
    Add(n, "file_search", std::move(search));
  }
  if (step.reasoning) Add(n, "reasoning", ReasoningNode(*step.reasoning));
  if (!step.hosted_tools.empty()) {
    Node tools = Node::Array();
    for (const auto& tool : step.hosted_tools) tools.items.push_back(HostedToolNode(tool));
    Add(n, "hosted_tools", std::move(tools));
  }
  if (!step.text_chunks.empty()) AddText(n, step.text_chunks);
  if (step.refusal) Add(n, "refusal", Bool(true));
  if (step.incomplete != mocks::Incompletion::kNone) {
    Add(n, "incomplete",
        String(step.incomplete == mocks::Incompletion::kContentFilter ? "content_filter"
                                                                      : "max_output_tokens"));
  }
  if (!step.tool_calls.empty()) {
    Node calls = Node::Array();
    for (const auto& call : step.tool_calls) calls.items.push_back(ToolCallNode(call));
    Add(n, "tool_calls", std::move(calls));
  }
  if (alternative) return n;
  if (!step.faults.empty()) {
    Node faults = Node::Array();
    for (const auto& fault : step.faults) faults.items.push_back(FaultNode(fault));
    Add(n, "faults", std::move(faults));
  }
  if (!step.alternatives.empty()) {
    Node list = Node::Array();
    for (const auto& alt : step.alternatives) {
      Node when = Node::Object();
      if (!alt.when.tool_not_offered.empty()) {
        Add(when, "tool_not_offered", String(alt.when.tool_not_offered));
      }
      if (alt.when.tools_offered_at_least > 0) {
        Add(when, "tools_offered_at_least", Integer(alt.when.tools_offered_at_least));
      }
      Node a = Node::Object();
      Add(a, "when", std::move(when));
      Add(a, "step", StepNode(alt.step, true));
      list.items.push_back(std::move(a));
    }
    Add(n, "alternatives", std::move(list));
  }
  return n;
}

Node ExpectNode(const mocks::Expectations& expect) {
  Node n = Node::Object();
  if (!expect.answer_contains.empty()) {
    Add(n, "answer_contains", StringList(expect.answer_contains));
  }
  if (!expect.tools_called.empty()) Add(n, "tools_called", StringList(expect.tools_called));
  if (expect.file_search_used) Add(n, "file_search_used", Bool(*expect.file_search_used));
  if (!expect.data.empty()) {
    Node list = Node::Array();
    for (const auto& data : expect.data) {
      Node d = Node::Object();
      Add(d, "category", String(data.category));
      if (!data.title_contains.empty()) Add(d, "title_contains", String(data.title_contains));
      if (!data.content_contains.empty()) {
        Add(d, "content_contains", String(data.content_contains));
      }
      if (!data.tags.empty()) Add(d, "tags", StringList(data.tags));
      if (!data.exists) Add(d, "exists", Bool(false));
      list.items.push_back(std::move(d));
    }
    Add(n, "data", std::move(list));
  }
  if (!expect.tool_output_contains.empty()) {
    Node tools = Node::Object();
    for (const auto& [name, texts] : expect.tool_output_contains) {
      Add(tools, name, StringList(texts));
    }
    Add(n, "tool_output_contains", std::move(tools));
  }
  if (expect.tool_errors_allowed) Add(n, "tool_errors_allowed", Bool(true));
  return n;
}

Node TurnNode(const mocks::TurnScript& turn) {
  Node n = Node::Object();
  Add(n, "user", String(turn.user));
  Node steps = Node::Array();
  for (const auto& step : turn.steps) steps.items.push_back(StepNode(step, false));
  Add(n, "steps", std::move(steps));
  Node expect = ExpectNode(turn.expect);
  if (!expect.items.empty()) Add(n, "expect", std::move(expect));
  return n;
}

Node WorkspaceNode(const mocks::WorkspaceSeed& workspace) {
  Node n = Node::Object();
  if (!workspace.entries.empty()) {
    Node entries = Node::Array();
    for (const auto& entry : workspace.entries) {
      Node e = Node::Object();
      Add(e, "category", String(entry.category));
      Add(e, "title", String(entry.title));
      Add(e, "content", String(entry.content));
      if (!entry.tags.empty()) Add(e, "tags", StringList(entry.tags));
      entries.items.push_back(std::move(e));
    }
    Add(n, "entries", std::move(entries));
  }
  if (!workspace.blobs.empty()) {
    Node blobs = Node::Object();
    for (const auto& [path, content] : workspace.blobs) Add(blobs, path, String(content));
    Add(n, "blobs", std::move(blobs));
  }
  return n;
}

// A fault rule: the kind, the selection where it is not the default, then the kind's
// parameters (FaultRuleFields lists which it takes): the required ones always, the others
// where they differ from their defaults.
Node FaultRuleNode(const mocks::FaultRule& rule) {
  Node n = Node::Object();
  Add(n, "kind", String(mocks::FaultKindName(rule.kind)));
  if (rule.endpoint != "*") Add(n, "endpoint", String(rule.endpoint));
  if (!rule.requests.empty()) {
    Node list = Node::Array();
    for (std::size_t index : rule.requests) {
      list.items.push_back(Integer(static_cast<int64_t>(index)));
    }
    Add(n, "requests", std::move(list));
  }
  if (rule.probability != 1.0) Add(n, "probability", Number(rule.probability));
  const ObjectFields& fields = FaultRuleFields()[static_cast<std::size_t>(rule.kind)];
  for (std::string_view name : fields.known) {
    const bool required =
        std::find(fields.required.begin(), fields.required.end(), name) != fields.required.end();
    const auto number = [&](double value, bool set) {
      if (required || set) Add(n, name, Number(value));
    };
    const auto integer = [&](int64_t value) {
      if (required || value != 0) Add(n, name, Integer(value));
    };
    if (name == "latency_ms") number(rule.latency_ms, rule.latency_ms != 0);
    if (name == "jitter_ms") number(rule.jitter_ms, rule.jitter_ms != 0);
    if (name == "delay_ms") number(rule.delay_ms, rule.delay_ms != 0);
    if (name == "timeout_ms") number(rule.timeout_ms, rule.timeout_ms != 0);
    if (name == "after_ms") number(rule.after_ms, rule.after_ms != 0);
    if (name == "delay_us") number(rule.delay_us, rule.delay_us != 0);
    if (name == "rate_kbps") integer(rule.rate_kbps);
    if (name == "average_size") integer(rule.average_size);
    if (name == "size_variation") integer(rule.size_variation);
    if (name == "bytes") integer(rule.bytes);
    if (name == "status") Add(n, name, Integer(rule.status));
    if (name == "retry_after_s" && rule.retry_after_s >= 0) {
      Add(n, name, Number(rule.retry_after_s));
    }
    if (name == "after_events" && rule.after_events) {
      Add(n, name, Integer(static_cast<int64_t>(*rule.after_events)));
    }
    if (name == "type" && rule.type) Add(n, name, String(*rule.type));
    if (name == "code" && rule.code) {
      Add(n, name, rule.code->empty() ? Node::Raw("null") : String(*rule.code));
    }
    if (name == "message" && rule.message) Add(n, name, String(*rule.message));
  }
  return n;
}

Node ScenarioNode(const mocks::Scenario& s) {
  Node n = Node::Object();
  Add(n, "schema", String(mocks::kScenarioSchemaV1));
  Add(n, "name", String(s.name));
  Add(n, "description", String(s.description));
  Add(n, "model", String(s.model));
  if (!s.instructions.empty()) Add(n, "instructions", String(s.instructions));
  if (s.source_kind != "scenario" || !s.source_origin.empty()) {
    Node source = Node::Object();
    Add(source, "kind", String(s.source_kind));
    if (!s.source_origin.empty()) Add(source, "origin", String(s.source_origin));
    Add(n, "source", std::move(source));
  }
  Node latency = Node::Object();
  AddDist(latency, "network_rtt_ms", s.latency.network_rtt_ms);
  AddDist(latency, "queue_ms", s.latency.queue_ms);
  AddDist(latency, "processing_ms", s.latency.processing_ms);
  if (s.latency.prefill_ms_per_1k_input_tokens != 0) {
    Add(latency, "prefill_ms_per_1k_input_tokens",
        Number(s.latency.prefill_ms_per_1k_input_tokens));
  }
  AddDist(latency, "connect_ms", s.latency.connect_ms);
  AddDist(latency, "tls_handshake_ms", s.latency.tls_handshake_ms);
  if (!latency.items.empty()) Add(n, "latency", std::move(latency));
  if (!s.tools.empty()) {
    Node tools = Node::Object();
    for (const auto& [name, tool] : s.tools) {
      Node t = Node::Object();
      AddDist(t, "latency_ms", tool.latency_ms);
      if (!tool.call_latency_ms.empty()) {
        Node calls = Node::Array();
        for (const auto& d : tool.call_latency_ms) calls.items.push_back(DistNode(d));
        Add(t, "call_latency_ms", std::move(calls));
      }
      if (tool.proxy_hop_ms) Add(t, "proxy_hop_ms", DistNode(*tool.proxy_hop_ms));
      if (!tool.progress.empty()) Add(t, "progress", StringList(tool.progress));
      if (tool.timeout_ms >= 0) Add(t, "timeout_ms", Number(tool.timeout_ms));
      Add(tools, name, std::move(t));
    }
    Add(n, "tools", std::move(tools));
  }
  AddDist(n, "proxy_hop_ms", s.proxy_hop_ms);
  if (!s.documents.empty()) {
    Node documents = Node::Object();
    for (const auto& [name, text] : s.documents) Add(documents, name, String(text));
    Add(n, "documents", std::move(documents));
  }
  Node workspace = WorkspaceNode(s.workspace);
  if (!workspace.items.empty()) Add(n, "workspace", std::move(workspace));
  Node turns = Node::Array();
  for (const auto& turn : s.turns) turns.items.push_back(TurnNode(turn));
  Add(n, "turns", std::move(turns));
  if (!s.faults.empty()) {
    Node faults = Node::Array();
    for (const auto& rule : s.faults) faults.items.push_back(FaultRuleNode(rule));
    Add(n, "faults", std::move(faults));
  }
  if (!s.variants.empty()) Add(n, "variants", StringList(s.variants));
  return n;
}

}  // namespace

std::string ScenarioToJson(const mocks::Scenario& scenario) {
  std::string out;
  Render(ScenarioNode(scenario), 0, 0, out);
  out += '\n';
  return out;
}

Status WriteScenarioFile(const std::filesystem::path& path, const mocks::Scenario& scenario) {
  return WriteFileAtomically(path, ScenarioToJson(scenario));
}

}  // namespace agentreplay::harness
