#include "clients/cli/commands.h"

namespace casebridge::cli {

void AddOrderCommands(CLI::App& app, Cli& cli) {}

}  // namespace casebridge::cli
