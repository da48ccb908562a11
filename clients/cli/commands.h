#ifndef CASEBRIDGE_CLIENTS_CLI_COMMANDS_H_
#define CASEBRIDGE_CLIENTS_CLI_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "clients/cli/command_support.h"

namespace casebridge::cli {

// One function per resource group, one file each (<group>_commands.cc).
void AddCaseCommands(CLI::App& app, Cli& cli);
void AddIncidentCommands(CLI::App& app, Cli& cli);
void AddRiskCommands(CLI::App& app, Cli& cli);
void AddShareCommands(CLI::App& app, Cli& cli);
void AddOrderCommands(CLI::App& app, Cli& cli);
void AddChargingCommands(CLI::App& app, Cli& cli);
void AddActionCommands(CLI::App& app, Cli& cli);
void AddAuditCommands(CLI::App& app, Cli& cli);
void AddAdminCommands(CLI::App& app, Cli& cli);
// `casebridge enrol CODE`: a person redeems their enrolment code.
void AddEnrolCommand(CLI::App& app, Cli& cli);

}  // namespace casebridge::cli

#endif  // CASEBRIDGE_CLIENTS_CLI_COMMANDS_H_
