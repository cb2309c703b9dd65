#include "tools/tool_catalog.h"

#include "json/json_text.h"
#include "tools/blob_tools.h"
#include "tools/data_tools.h"
#include "tools/get_current_time.h"

namespace agentreplay {

std::chrono::system_clock::time_point ToolContext::WallNow() const {
  const Duration since_origin =
      clock != nullptr ? clock->Now().time_since_epoch() : Duration::zero();
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          wall_origin.time_since_epoch() + since_origin));
}

Workspace* ToolContext::GetWorkspace() const {
  if (workspace != nullptr) return workspace;
  return open_workspace ? open_workspace() : nullptr;
}

ToolResult ToolError(std::string_view type, std::string_view message) {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::Key(w, "error");
  w.StartObject();
  json::Key(w, "type");
  json::String(w, type);
  json::Key(w, "message");
  json::String(w, message);
  w.EndObject();
  w.EndObject();
  return ToolResult{std::string(buffer.GetString(), buffer.GetSize()), true};
}

void ToolCatalog::Add(std::unique_ptr<Tool> tool) { tools_.push_back(std::move(tool)); }

Tool* ToolCatalog::Find(std::string_view name) const {
  for (const auto& t : tools_) {
    if (t->spec().name == name) return t.get();
  }
  return nullptr;
}

std::vector<ToolSpec> ToolCatalog::Specs() const {
  std::vector<ToolSpec> out;
  out.reserve(tools_.size());
  for (const auto& t : tools_) out.push_back(t->spec());
  return out;
}

bool ToolCatalog::Wrap(std::string_view name,
                       const std::function<std::unique_ptr<Tool>(std::unique_ptr<Tool>)>& wrap) {
  for (auto& t : tools_) {
    if (t->spec().name == name) {
      t = wrap(std::move(t));
      return true;
    }
  }
  return false;
}

ToolCatalog MakeDefaultCatalog() {
  ToolCatalog catalog;
  catalog.Add(MakeGetCurrentTimeTool());
  AddDataTools(catalog);
  AddBlobTools(catalog);
  return catalog;
}

}  // namespace agentreplay
