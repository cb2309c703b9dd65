// What the binary knows about the terminal it prints to: whether a stream is one, and how wide
// it is. The console report fits that width, and progress is shown only where a person watches.
#pragma once

#include <cstddef>
#include <cstdio>

namespace agentreplay::app {

// The width reports without --wide fit when no terminal or COLUMNS says otherwise: a CI log.
inline constexpr size_t kDefaultConsoleWidth = 120;

// Whether `stream` is a terminal.
bool IsTerminal(std::FILE* stream);

// The console report's width: COLUMNS when it holds a positive number, else the width of the
// terminal stdout is (when it is one), else kDefaultConsoleWidth. `wide`: 0 (no limit).
size_t ConsoleWidth(bool wide);

}  // namespace agentreplay::app
