#include "results/results_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <sstream>
#include <utility>

#include "results/statistics.h"

namespace agentreplay::results {
namespace {

// A context field that must be equal in every shard of one run, as text for the message. The
// named settings come first: the plan fingerprint covers them too, but "seed differs" says more
// than two hashes do.
struct RunField {
  const char* name;
  std::function<std::string(const Context&)> value;
};

const std::vector<RunField>& RunFields() {
  static const std::vector<RunField> kFields = {
      {"shard count", [](const Context& c) { return std::to_string(c.shard_count); }},
      {"seed", [](const Context& c) { return std::to_string(c.seed); }},
      {"repetitions", [](const Context& c) { return std::to_string(c.repetitions); }},
      {"warmup", [](const Context& c) { return std::to_string(c.warmup); }},
      {"world", [](const Context& c) { return c.world; }},
      {"version", [](const Context& c) { return c.version; }},
      {"git_revision", [](const Context& c) { return c.git_revision; }},
      {"build_type", [](const Context& c) { return c.build_type; }},
      {"planned_cells", [](const Context& c) { return std::to_string(c.planned_cells); }},
      {"plan (scenario files, variants, runtimes or settings)",
       [](const Context& c) { return c.plan; }},
  };
  return kFields;
}

// A plan fingerprint is long; messages show its start, which is enough to tell two apart.
std::string Shown(const std::string& value) {
  if (value.empty()) return "(none)";
  return value.size() > 16 ? "\"" + value.substr(0, 16) + "...\"" : "\"" + value + "\"";
}

// One input: its document and the name it goes by in messages.
struct Input {
  Results results;
  std::string name;
};

// The context of the merged document (see the header).
Context MergedContext(const std::vector<Input>& shards) {
  Context context = shards.front().results.context;
  context.shard_index = 0;
  context.shard_count = 0;
  context.command_line = WithoutShardArgument(context.command_line);
  std::vector<std::string> hosts;
  for (const Input& shard : shards) {
    const Context& c = shard.results.context;
    if (!c.started_at.empty() &&
        (context.started_at.empty() || c.started_at < context.started_at)) {
      context.started_at = c.started_at;
    }
    if (std::find(hosts.begin(), hosts.end(), c.hostname) == hosts.end()) {
      hosts.push_back(c.hostname);
    }
  }
  context.hostname.clear();
  for (const std::string& host : hosts) {
    context.hostname += (context.hostname.empty() ? "" : ",") + host;
  }
  return context;
}

// A single whole-run document or journal: its own document, with what it lacks noted.
Expected<Results> PassThrough(Input input, std::vector<std::string>* notes) {
  Results results = std::move(input.results);
  const int have = static_cast<int>(results.cells.size());
  const int planned = results.context.planned_cells;
  if (notes != nullptr && planned > have) {
    notes->push_back(fmt::format("{}: {} of {} planned cells ({} not run: the run stopped early)",
                                 input.name, have, planned, planned - have));
  }
  CompareWithBaseline(results);
  return results;
}

// Every input a shard of the first one's run, each index once. Inputs come sorted by index.
Status CheckSameRun(const std::vector<Input>& shards) {
  for (const Input& shard : shards) {
    if (shard.results.context.shard_count == 0) {
      return FailIn(shard.name,
                    "a whole run, not a shard: only shards of one run (`run --shard I/N`) merge "
                    "(merge it alone to rebuild its document)");
    }
  }
  const Input& first = shards.front();
  if (first.results.context.planned_cells <= 0) {
    return FailIn(first.name,
                  "the shard does not say how many cells its plan has (context.planned_cells): "
                  "written by an agentreplay without `merge`?");
  }
  for (size_t i = 1; i < shards.size(); ++i) {
    const Input& other = shards[i];
    for (const RunField& field : RunFields()) {
      const std::string mine = field.value(first.results.context);
      const std::string theirs = field.value(other.results.context);
      if (mine == theirs) continue;
      return FailIn(other.name,
                    fmt::format("not a shard of the same run as {}: {} differs ({} here, {} "
                                "there); merge only shards of one `run` command",
                                first.name, field.name, Shown(theirs), Shown(mine)));
    }
    if (other.results.context.shard_index == shards[i - 1].results.context.shard_index) {
      return FailIn(other.name, fmt::format("shard {}/{} given twice (also {})",
                                            other.results.context.shard_index,
                                            other.results.context.shard_count, shards[i - 1].name));
    }
  }
  return {};
}

// Each shard holds the cells of its slice; every shard is present. What is missing is an error,
// or with `allow_partial` a note.
Status CheckComplete(const std::vector<Input>& shards, const MergeOptions& options,
                     std::vector<std::string>* notes) {
  const Context& plan = shards.front().results.context;
  std::vector<Diagnostic> missing;  // one each
  for (const Input& shard : shards) {
    const Context& c = shard.results.context;
    const int want = ShardCellCount(c.planned_cells, c.shard_index, c.shard_count);
    const int have = static_cast<int>(shard.results.cells.size());
    if (have > want) {
      return FailIn(shard.name,
                    fmt::format("shard {}/{} holds {} cells, but its slice of the {} "
                                "planned cells has {}",
                                c.shard_index, c.shard_count, have, c.planned_cells, want));
    }
    if (have < want) {
      missing.push_back(Diagnostic{
          .file = shard.name,
          .pointer = {},
          .message = fmt::format("shard {}/{} holds {} of its {} cells: {} missing (the shard "
                                 "stopped or crashed)",
                                 c.shard_index, c.shard_count, have, want, want - have)});
    }
  }
  size_t next = 0;
  for (int index = 1; index <= plan.shard_count; ++index) {
    if (next < shards.size() && shards[next].results.context.shard_index == index) {
      ++next;
      continue;
    }
    missing.push_back(Diagnostic{
        .file = {},
        .pointer = {},
        .message = fmt::format("shard {}/{} is missing: its {} cells are not merged", index,
                               plan.shard_count,
                               ShardCellCount(plan.planned_cells, index, plan.shard_count))});
  }
  if (missing.empty()) return {};
  if (options.allow_partial) {
    for (const Diagnostic& diagnostic : missing) {
      if (notes != nullptr) notes->push_back(diagnostic.ToString());
    }
    return {};
  }
  missing.push_back(Diagnostic{
      .file = {},
      .pointer = {},
      .message = "incomplete run: rerun what is missing, or merge with --allow-partial"});
  return Failure(std::move(missing));
}

}  // namespace

int ShardCellCount(int planned_cells, int index, int count) {
  if (count <= 0 || index < 1 || index > count || planned_cells <= 0) return 0;
  return planned_cells / count + (index - 1 < planned_cells % count ? 1 : 0);
}

std::string WithoutShardArgument(const std::string& command_line) {
  std::istringstream words(command_line);
  std::string word;
  std::string out;
  bool skip_next = false;
  while (words >> word) {
    if (skip_next) {
      skip_next = false;
      continue;
    }
    if (word == "--shard") {
      skip_next = true;
      continue;
    }
    if (word.starts_with("--shard=")) continue;
    out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

Expected<Results> MergeShards(std::vector<Results> shards, std::vector<std::string> names,
                              const MergeOptions& options, std::vector<std::string>* notes) {
  if (shards.empty()) return Fail("merge: no results files given");
  std::vector<Input> inputs;
  inputs.reserve(shards.size());
  for (size_t i = 0; i < shards.size(); ++i) {
    std::string name = i < names.size() ? std::move(names[i]) : fmt::format("input {}", i + 1);
    inputs.push_back(Input{std::move(shards[i]), std::move(name)});
  }
  if (inputs.size() == 1 && inputs.front().results.context.shard_count == 0) {
    return PassThrough(std::move(inputs.front()), notes);
  }
  std::stable_sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) {
    return a.results.context.shard_index < b.results.context.shard_index;
  });
  if (Status same = CheckSameRun(inputs); !same) return same.failure();
  if (Status complete = CheckComplete(inputs, options, notes); !complete) {
    return complete.failure();
  }

  // Plan index i is cell i / N of shard i % N + 1: walk the plan and take each cell from its
  // shard, skipping what a partial merge lacks.
  const Context& plan = inputs.front().results.context;
  const int count = plan.shard_count;
  std::vector<Input*> by_index(static_cast<size_t>(count) + 1, nullptr);
  for (Input& input : inputs) {
    by_index[static_cast<size_t>(input.results.context.shard_index)] = &input;
  }
  Results merged;
  merged.schema = inputs.front().results.schema;
  merged.context = MergedContext(inputs);
  merged.cells.reserve(static_cast<size_t>(plan.planned_cells));
  for (int i = 0; i < plan.planned_cells; ++i) {
    Input* shard = by_index[static_cast<size_t>(i % count) + 1];
    const auto j = static_cast<size_t>(i / count);
    if (shard == nullptr || j >= shard->results.cells.size()) continue;
    merged.cells.push_back(std::move(shard->results.cells[j]));
  }
  if (notes != nullptr && static_cast<int>(merged.cells.size()) < plan.planned_cells) {
    notes->push_back(
        fmt::format("merged {} of {} planned cells", merged.cells.size(), plan.planned_cells));
  }
  CompareWithBaseline(merged);
  return merged;
}

}  // namespace agentreplay::results
