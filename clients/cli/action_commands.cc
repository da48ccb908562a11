#include "clients/cli/commands.h"

namespace casebridge::cli {

void AddActionCommands(CLI::App& app, Cli& cli) {}

}  // namespace casebridge::cli
