#ifndef CASEBRIDGE_CLIENTS_CLI_COMMAND_SUPPORT_H_
#define CASEBRIDGE_CLIENTS_CLI_COMMAND_SUPPORT_H_

// What every command file uses: the Cli context (global options, the
// connection, output), registration of commands with their help and
// example, and lookups that need the server (agencies by code, users by
// username). A command file adds its group with one function,
// Add<Group>Commands(CLI::App&, Cli&), declared in commands.h.

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/common.pb.h"
#include "clients/cli/client.h"
#include "clients/cli/output.h"
#include "google/protobuf/message.h"

namespace casebridge::cli {

class Cli {
 public:
  Cli(std::ostream& out, std::ostream& err);

  // Global options (bound by main) and the environment.
  ConnectionOptions connection;
  std::string output = "table";
  std::string env_token;    // CASEBRIDGE_TOKEN
  std::string working_dir;  // where --as starts looking for the tokens file
  // Where `casebridge enrol --save` keeps the caller's token (read last).
  std::string saved_token_path;
  absl::TimeZone tz;        // local time (TZ honoured)

  // The command chosen on the command line; main runs it after parsing.
  std::function<absl::Status()> action;

  OutputFormat format() const;
  absl::Time now() const { return absl::Now(); }
  // Today as the server counts due dates and overdue work: the UK calendar
  // day (domain::UkDay), so "in 2 days" here matches the server's OVERDUE.
  absl::CivilDay today() const;

  // Connects on first use (so --help never needs a token).
  absl::StatusOr<Client*> client();
  // A connection that sends no credential, for the one call that carries
  // its own (redeeming an enrolment code).
  absl::StatusOr<Client*> anonymous_client();

  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // Prints a single resource: its JSON, its name, or `table_text`.
  void Emit(const google::protobuf::Message& message, absl::string_view name,
            const std::string& table_text);
  // Prints a list response: its JSON, the names, or the table (or
  // `empty_text` when there are no rows); then the next-page hint.
  void EmitList(const google::protobuf::Message& response,
                const std::vector<std::string>& names, const Table& table,
                absl::string_view empty_text, absl::string_view next_page_token);

  // agencies/{id} for a code ("SOTCC") or a name; usage error naming
  // `option` (with the known codes) when there is none.
  absl::StatusOr<std::string> AgencyName(absl::string_view code_or_name,
                                         absl::string_view option);
  // The agency's code for display ("SOTCC"), or the name if unknown.
  std::string AgencyCode(absl::string_view agency_name);
  // users/{id} for "me", a username (administrators only can look those
  // up) or a name.
  absl::StatusOr<std::string> UserName(absl::string_view text, absl::string_view option);

  // Parsed --when style options in local time.
  absl::StatusOr<absl::Time> When(absl::string_view text, absl::string_view option);
  absl::StatusOr<v1::Date> Day(absl::string_view text, absl::string_view option);

 private:
  absl::Status LoadAgencies();

  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<Client> anonymous_client_;
  bool agencies_loaded_ = false;
  std::map<std::string, std::string> agency_by_code_;  // upper code -> name
  std::map<std::string, std::string> code_by_agency_;  // name -> code
};

// Runs one RPC on the connected client and returns its response.
//   Rpc<v1::Case>(cli, "GetCase", [&](Client& c, grpc::ClientContext* ctx,
//                                     v1::Case* out) { return c.cases().GetCase(ctx, req,
//                                     out); })
template <typename Response>
absl::StatusOr<Response> Rpc(
    Cli& cli, absl::string_view method,
    absl::FunctionRef<grpc::Status(Client&, grpc::ClientContext*, Response*)> rpc) {
  absl::StatusOr<Client*> c = cli.client();
  if (!c.ok()) return c.status();
  Response response;
  absl::Status s = (*c)->Call(
      method, [&](grpc::ClientContext* ctx) { return rpc(**c, ctx, &response); });
  if (!s.ok()) return s;
  return response;
}

// A group of commands ("case"): bare, it lists its commands.
CLI::App* AddGroup(CLI::App& app, const std::string& name,
                   const std::string& description);

// A command of a group with its help text and example (shown by --help).
// `run` is what it does once parsed; it returns the outcome.
CLI::App* AddCommand(CLI::App& group, Cli& cli, const std::string& name,
                     const std::string& description, const std::string& example,
                     std::function<absl::Status()> run);

// --page-size and --page-token of list commands.
struct Paging {
  int page_size = 0;
  std::string page_token;
};
void AddPaging(CLI::App* command, Paging* paging);

// Parses a v1::Date into a proto field.
void SetDate(const absl::CivilDay& day, v1::Date* date);

// Joined words for lists ("a, b").
std::string Join(const std::vector<std::string>& items);

}  // namespace casebridge::cli

#endif  // CASEBRIDGE_CLIENTS_CLI_COMMAND_SUPPORT_H_
