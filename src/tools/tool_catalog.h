// In-process tools: the implementations, and the catalogue the agent offers the model.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.h"
#include "ports/clock.h"
#include "tools/tool_spec.h"

namespace agentreplay {

class Workspace;

// What a tool may use from its surroundings. Wall time is the clock's time on a calendar
// origin, so a simulated run tells a deterministic time of day.
struct ToolContext {
  Clock* clock = nullptr;
  std::chrono::sys_seconds wall_origin{};  // the calendar instant of the clock's zero
  // The data and file tools' storage; without one they refuse with no_workspace.
  Workspace* workspace = nullptr;
  // Or a provider that creates it on first use: most turns never touch data, and a fresh
  // SQLite workspace per repetition would otherwise dominate a simulated matrix's run time.
  std::function<Workspace*()> open_workspace = nullptr;

  // Where the running call's progress notes go (set per call by the dispatcher; may be empty).
  std::function<void(std::string_view)> progress = nullptr;
  void ReportProgress(std::string_view note) const {
    if (progress) progress(note);
  }

  // `workspace`, else what `open_workspace` gives, else null.
  Workspace* GetWorkspace() const;

  std::chrono::system_clock::time_point WallNow() const;
};

struct ToolResult {
  std::string output;  // JSON text returned to the model
  bool is_error = false;
};

// Builds the structured error a tool returns instead of failing: the model can read it and
// act (e.g. fix its arguments). {"error":{"type":...,"message":...}}
ToolResult ToolError(std::string_view type, std::string_view message);

class Tool {
 public:
  virtual ~Tool() = default;
  virtual const ToolSpec& spec() const = 0;
  // Arguments are the model's JSON text, untrusted: a tool never throws on bad input.
  virtual Task<ToolResult> Run(std::string arguments, ToolContext& context) = 0;
};

class ToolCatalog {
 public:
  void Add(std::unique_ptr<Tool> tool);
  Tool* Find(std::string_view name) const;
  std::vector<ToolSpec> Specs() const;  // in the order tools were added
  // Replaces the tool called `name`, in its place, by `wrap(tool)` (a decorator).
  // Returns false when there is no such tool.
  bool Wrap(std::string_view name,
            const std::function<std::unique_ptr<Tool>(std::unique_ptr<Tool>)>& wrap);

 private:
  std::vector<std::unique_ptr<Tool>> tools_;
};

// The tools the agent ships with.
ToolCatalog MakeDefaultCatalog();

}  // namespace agentreplay
