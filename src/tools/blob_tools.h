// The file tools: the workspace's blob store (see BlobStore for how paths are confined).
//
//   list_blobs           {prefix?} → {"files": [{"path","size","modified"}], "count", "truncated"}
//   read_blob_file       {path, max_bytes?} → {"path","size","encoding","content","truncated"}
//   upload_data_or_file  {path, content, encoding?, overwrite?} → {"path","size","created"}
//   manage_files         {action: move|copy|delete, path, to?} → {"action","path"[,"to"]}
//
// read_blob_file returns text as is ("encoding":"utf8") and anything that is not UTF-8, or
// holds a NUL byte, as base64 ("encoding":"base64"); upload takes either.
#pragma once

#include <memory>

#include "tools/tool_catalog.h"

namespace agentreplay {

std::unique_ptr<Tool> MakeListBlobsTool();
std::unique_ptr<Tool> MakeReadBlobFileTool();
std::unique_ptr<Tool> MakeUploadDataOrFileTool();
std::unique_ptr<Tool> MakeManageFilesTool();

// Adds the four, in the order above.
void AddBlobTools(ToolCatalog& catalog);

}  // namespace agentreplay
