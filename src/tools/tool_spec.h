// What the model is told about a tool: sent with every request that offers it.
#pragma once

#include <string>

namespace agentreplay {

struct ToolSpec {
  std::string name;
  std::string description;
  std::string parameters;  // JSON Schema of the arguments, as compact JSON text
};

}  // namespace agentreplay
