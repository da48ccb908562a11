#include "clients/cli/commands.h"

namespace casebridge::cli {

void AddChargingCommands(CLI::App& app, Cli& cli) {}

}  // namespace casebridge::cli
