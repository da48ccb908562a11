// casebridge: the command-line client of the Casebridge server.
//
//   casebridge [global options] <group> <command> [arguments]
//
// Every workflow of every agency, one group per resource. `casebridge`
// alone lists the groups, `casebridge <group>` its commands, and --help on
// any command shows its options and an example.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"

namespace {

using casebridge::cli::Cli;
using casebridge::cli::ExitCode;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string WorkingDir() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) == nullptr ? "." : buf;
}

// The deepest command the user named (for "casebridge case" alone).
CLI::App* Deepest(CLI::App* app) {
  for (CLI::App* sub : app->get_subcommands()) return Deepest(sub);
  return app;
}

void AddGlobalOptions(CLI::App& app, Cli& cli) {
  app.add_option("--server", cli.connection.server,
                 "host:port of the server (env CASEBRIDGE_SERVER)")
      ->capture_default_str()
      ->envname("CASEBRIDGE_SERVER");
  app.add_option("--token", cli.connection.token,
                 "bearer token (default: env CASEBRIDGE_TOKEN)");
  app.add_option("--as", cli.connection.as,
                 "act as a demo user, from .casebridge/demo-tokens.json "
                 "(e.g. pc.hughes, cps.okafor, council.patel, auditor.shah)");
  app.add_option("--tokens-file", cli.connection.tokens_file,
                 "demo tokens file for --as (env CASEBRIDGE_DEMO_TOKENS)");
  app.add_option("-o,--output", cli.output, "table, json (protobuf JSON) or name")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "name"}));
  app.add_flag("--tls", cli.connection.tls, "connect with TLS (system roots)");
  app.add_option("--tls-ca", cli.connection.tls_ca, "PEM CA to trust (turns TLS on)");
  app.add_option("--tls-cert", cli.connection.tls_cert,
                 "PEM client certificate, for mutual TLS");
  app.add_option("--tls-key", cli.connection.tls_key, "PEM key of --tls-cert");
  app.add_option("--tls-server-name", cli.connection.tls_server_name,
                 "name expected in the server certificate");
  app.add_option_function<double>(
         "--timeout",
         [&cli](double seconds) { cli.connection.timeout = absl::Seconds(seconds); },
         "seconds to wait for each call (default 30)")
      ->check(CLI::PositiveNumber);
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli(std::cout, std::cerr);
  cli.env_token = Env("CASEBRIDGE_TOKEN");
  cli.working_dir = WorkingDir();
  cli.saved_token_path = casebridge::cli::SavedTokenPath();

  CLI::App app{
      "casebridge: the Casebridge command line. Police, the CPS, councils, "
      "health trusts and victim services share stalking cases.",
      "casebridge"};
  app.fallthrough();
  app.require_subcommand(0, 1);
  app.footer(absl::StrCat(
      "Examples:\n"
      "  casebridge --as pc.hughes case list\n"
      "  casebridge --as pc.hughes incident add SP-2026-000123 --when \"yesterday "
      "18:30\" \\\n      --behaviour following --where \"outside work\" --note \"...\"\n"
      "  casebridge --as auditor.shah audit verify\n\n"
      "Who you are: --as NAME (demo users of ./dev run), --token, "
      "CASEBRIDGE_TOKEN, or the token\n`casebridge enrol CODE --save` kept.\nA case is its reference (SP-2026-000123) or its name "
      "(cases/{id}).\n\n",
      casebridge::cli::ExitCodeHelp()));
  AddGlobalOptions(app, cli);

  casebridge::cli::AddCaseCommands(app, cli);
  casebridge::cli::AddIncidentCommands(app, cli);
  casebridge::cli::AddRiskCommands(app, cli);
  casebridge::cli::AddShareCommands(app, cli);
  casebridge::cli::AddOrderCommands(app, cli);
  casebridge::cli::AddChargingCommands(app, cli);
  casebridge::cli::AddActionCommands(app, cli);
  casebridge::cli::AddAuditCommands(app, cli);
  casebridge::cli::AddAdminCommands(app, cli);
  casebridge::cli::AddEnrolCommand(app, cli);

  // CLI11 reports parse errors by exception; nothing else in the CLI throws.
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "casebridge: error: " << e.what() << "\n"
              << "run 'casebridge --help' (or --help after a command) for usage\n";
    return static_cast<int>(ExitCode::kUsage);
  }

  if (!cli.action) {
    // A group (or nothing) without a command: list what is there.
    CLI::App* shown = Deepest(&app);
    std::cout << (shown == &app ? app.help() : shown->help("casebridge"));
    return static_cast<int>(ExitCode::kOk);
  }
  absl::Status status = cli.action();
  if (!status.ok()) {
    std::cout.flush();
    std::cerr << "casebridge: " << casebridge::cli::DescribeError(status) << "\n";
    return static_cast<int>(casebridge::cli::ExitCodeFor(status.code()));
  }
  return static_cast<int>(ExitCode::kOk);
}
