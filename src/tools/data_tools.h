// The data tools: entries in the workspace's SQLite database (see EntryStore).
//
//   add_new_data       {category, title, content, content_type?, tags?} → {"id", ...}
//   get_filtered_data  {category?, filters?, limit?, order?} → {"entries", "count", "has_more"}
//   update_data_entry  {id, title?, content?, content_type?, tags?} → {"id", "updated", ...}
//   remove_data_entry  {id} → {"id", "removed": true}
//
// Content is stored as text, never parsed, unless the caller declares content_type json: then
// it must be valid JSON (else invalid_content, naming the error and its position). Empty
// content is allowed for text and Markdown (a note may start empty); it is not valid JSON.
#pragma once

#include <memory>

#include "tools/tool_catalog.h"

namespace agentreplay {

std::unique_ptr<Tool> MakeAddNewDataTool();
std::unique_ptr<Tool> MakeGetFilteredDataTool();
std::unique_ptr<Tool> MakeUpdateDataEntryTool();
std::unique_ptr<Tool> MakeRemoveDataEntryTool();

// Adds the four, in the order above.
void AddDataTools(ToolCatalog& catalog);

}  // namespace agentreplay
