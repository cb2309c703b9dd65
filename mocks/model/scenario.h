// The scenario model: what the scripted model does, runtime-neutral, as plain data.
//
// A scenario describes model behaviour once; the mock renders it into each runtime's wire
// format. It lives with the mock because the mock is what plays it; harness/scenario loads it
// from JSON (format: docs/scenario-format.md, schema: scenarios/schemas/scenario.schema.json).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mocks/model/cassette.h"
#include "mocks/model/distribution.h"
#include "mocks/model/fault_rules.h"

namespace agentreplay::mocks {

inline constexpr const char* kScenarioSchemaV1 = "agentreplay.scenario/v1";

// One function call the model makes in a step.
struct ToolCallScript {
  // Not an aggregate, so that `{name, arguments, chunks}` stays complete as members are added.
  ToolCallScript() = default;
  ToolCallScript(std::string tool, std::string json, int chunks = 1)
      : name(std::move(tool)), arguments(std::move(json)), argument_chunks(chunks) {}

  std::string name;
  // The JSON text the model streams: compact, or with `argument_pieces` their concatenation
  // exactly as recorded (spacing and number spelling included).
  std::string arguments;
  int argument_chunks = 1;  // how many deltas the arguments arrive in (>= 1)
  // The deltas themselves, when they must be exact (a lifted recording). Non-empty: they
  // concatenate to `arguments` and replace the even split into `argument_chunks`.
  std::vector<std::string> argument_pieces;
};

// An error the back end answers with instead of running a step (one per attempt).
struct FaultScript {
  int status = 429;
  double retry_after_s = -1;      // the Retry-After header in seconds; < 0: no header
  std::string type = "requests";  // OpenAI error type, e.g. "requests", "server_error"
  std::string code = "rate_limit_exceeded";
  std::string message = "Rate limit reached. Please try again later.";
};

// The model searching the attached vector store before it answers.
struct FileSearchScript {
  std::string query;
  Dist latency_ms = Dist::Fixed(0);  // the search itself, after the call is issued
  // Names of the documents it finds. Empty: the mock runs `query` against its local index of
  // the scenario's documents and uses what that finds.
  std::vector<std::string> results;
};

// The model reasoning before it answers or calls a tool: the deltas a reasoning model streams
// (its reasoning summary, or the raw reasoning text where the API shows it).
struct ReasoningScript {
  std::vector<std::string> chunks;     // the reasoning deltas, in order (never empty)
  Dist ttfr_ms = Dist::Fixed(0);       // response start → first reasoning delta
  Dist chunk_gap_ms = Dist::Fixed(0);  // between consecutive reasoning deltas
  std::vector<double> gaps_ms;         // exact gaps, one per delta but the first (a recording)
  bool summary = true;                 // a reasoning summary (true) or raw reasoning text
};

// A tool the API runs itself (web search, code interpreter, image generation, an MCP server's
// tool): the model issues it, the API reports its progress, and the answer waits for it.
// file_search has its own script (FileSearchScript) because its results feed citations.
struct HostedToolScript {
  std::string type;                  // web_search, code_interpreter, image_generation, mcp_call
  std::string input;                 // the query, the code, the prompt or the MCP arguments
  std::string output;                // what the tool gave back (MCP output, interpreter logs)
  std::string name;                  // mcp_call: the server's tool name
  std::string server_label;          // mcp_call: the server
  Dist latency_ms = Dist::Fixed(0);  // issued → completed
  bool fails = false;                // the call ends failed (the model answers anyway)
};

// How a step's answer ends early instead of completing.
enum class Incompletion { kNone, kMaxOutputTokens, kContentFilter };

// When a step plays differently, depending on the agent's request.
struct StepCondition {
  std::string tool_not_offered;    // this tool ("file_search" or a function) is not offered
  int tools_offered_at_least = 0;  // the request offers at least this many tools (0: ignore)
};

struct AlternativeStep;

// One model response: optional tool calls, or a text answer (or both, text first).
struct StepScript {
  Dist ttft_ms = Dist::Fixed(0);       // response start → first output token
  Dist chunk_gap_ms = Dist::Fixed(0);  // between consecutive deltas (text and arguments)
  // The gap before each delta after the first, in delta order (text chunks, then each call's
  // argument pieces): one per delta but the first. Non-empty: replaces the chunk_gap_ms draws
  // and consumes no randomness (a recording's exact pace).
  std::vector<double> gaps_ms;
  // Replaces the scenario's latency.processing_ms for this step's response (a recording's time
  // to headers, step by step). Quick replies (errors, retrieves) keep the scenario's.
  std::optional<Dist> processing_ms;
  std::vector<std::string> text_chunks;  // the text deltas; empty when the step has no text
  std::vector<ToolCallScript> tool_calls;
  std::optional<FileSearchScript> file_search;  // searched before any text
  std::optional<ReasoningScript> reasoning;     // reasoned before anything else
  std::vector<HostedToolScript> hosted_tools;   // run after the file search, before any text
  // The text is a refusal (the model declines): rendered as the runtime's refusal field.
  bool refusal = false;
  // The answer is cut off after its text (max_output_tokens, a content filter): the response
  // ends incomplete, which the agent reports as an error with the text kept.
  Incompletion incomplete = Incompletion::kNone;
  // Errors answered to the first attempts at this step, in order (then the step plays).
  std::vector<FaultScript> faults;
  // The first alternative whose condition holds replaces this step (its own faults and
  // alternatives are not consulted again).
  // (A vector of a struct declared below: a std::pair of the incomplete StepScript would not
  // compile with every standard library.)
  std::vector<AlternativeStep> alternatives;
};

struct AlternativeStep {
  StepCondition when;
  StepScript step;
};

// A data entry the agent's workspace starts with (the data tools' SQLite database).
struct DataEntrySeed {
  std::string category;
  std::string title;
  std::string content;  // stored as given: JSON text or plain text
  std::vector<std::string> tags;
};

// What the agent's workspace holds before the first turn.
struct WorkspaceSeed {
  std::vector<DataEntrySeed> entries;
  std::map<std::string, std::string> blobs;  // path relative to the blob store → content
};

// After the turn, the workspace holds (or no longer holds) a matching entry.
struct DataExpectation {
  std::string category;
  std::string title_contains;
  std::string content_contains;
  std::vector<std::string> tags;  // each must be one of the entry's tags
  bool exists = true;
};

struct Expectations {
  std::vector<std::string> answer_contains;  // each must occur in the final answer
  std::vector<std::string> tools_called;     // each must have been called in the turn
  std::optional<bool> file_search_used;      // the model searched the vector store (or not)
  std::vector<DataExpectation> data;         // checked against the workspace after the turn
  // Tool name -> texts one output of that tool must contain (a call that answered with them).
  std::map<std::string, std::vector<std::string>> tool_output_contains;
  // false (the default): a turn whose tools were called is checked for failed tool calls, so
  // that a tool error cannot pass every check silently. true: failures are expected.
  bool tool_errors_allowed = false;
};

// One user message and what the model does with it, step by step.
struct TurnScript {
  std::string user;
  std::vector<StepScript> steps;
  Expectations expect;
};

// Latency parameters of the back end and the network between it and the agent.
struct LatencyModel {
  Dist network_rtt_ms = Dist::Fixed(0);  // half before the server sees the request, half after
  Dist queue_ms = Dist::Fixed(0);        // waiting for capacity before processing starts
  Dist processing_ms = Dist::Fixed(0);   // request handling before the response starts
  double prefill_ms_per_1k_input_tokens = 0.0;  // added to time to first token
  // Opening a connection to the back end, paid by a request that finds no idle keep-alive
  // connection (package pc off: every request): the TCP handshake, then the TLS handshake.
  Dist connect_ms = Dist::Fixed(0);
  Dist tls_handshake_ms = Dist::Fixed(0);
};

struct ToolBehaviour {
  Dist latency_ms = Dist::Fixed(0);  // time inside the tool implementation
  // Progress notes the tool reports while it runs, spread evenly over its latency.
  std::vector<std::string> progress;
  // The agent's timeout for this tool (the deployment's setting); < 0: the agent's default.
  double timeout_ms = -1;
  // The 1st, 2nd, ... call of this tool in a turn takes these instead of latency_ms (a cold
  // cache, then warm ones); calls beyond the list draw latency_ms.
  std::vector<Dist> call_latency_ms;
  // This tool's proxy_router hop, instead of the scenario's proxy_hop_ms (a tool behind a
  // slower service).
  std::optional<Dist> proxy_hop_ms;
};

struct Scenario {
  std::string name;         // unique id (file stem by convention)
  std::string description;  // what the scenario models
  std::string model = "gpt-4o-mini";
  std::string instructions;
  LatencyModel latency;
  std::map<std::string, ToolBehaviour> tools;  // by tool name
  Dist proxy_hop_ms = Dist::Fixed(0);          // the proxy_router hop, per tool call
  // The knowledge base behind file_search: document name → text, indexed by the mock.
  std::map<std::string, std::string> documents;
  WorkspaceSeed workspace;
  std::vector<TurnScript> turns;
  // Faults injected into this scenario's requests (docs/faults.md); `run --faults` appends more.
  std::vector<FaultRule> faults;
  // The variants (and ladder names) that show what this scenario is about, run instead of the
  // default ladder when `run` is given no --variants: a scenario whose point only a package
  // shows (a 429 that only pr answers) names it, so the main job shows that point.
  std::vector<std::string> variants;
  std::string source_path;  // where it was loaded from, for messages

  // Where the behaviour comes from, for the results: "scenario" (written by hand), "lifted"
  // (lifted from a recording) or "cassette" (a recording replayed verbatim), and for the last
  // two the recording's own source ("import:har chrome.har", "record http://...").
  std::string source_kind = "scenario";
  std::string source_origin;
  // Set for a verbatim replay: the back end plays these recorded exchanges instead of rendering
  // `turns` (which then only carry the user messages and the expectations), and only the
  // recorded runtime can replay them.
  std::shared_ptr<const Cassette> recording;
};

}  // namespace agentreplay::mocks
