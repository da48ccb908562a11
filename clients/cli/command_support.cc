#include "clients/cli/command_support.h"

#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "casebridge/v1/admin.pb.h"
#include "clients/cli/demo_tokens.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/time_parse.h"
#include "domain/dates.h"

namespace casebridge::cli {

Cli::Cli(std::ostream& out, std::ostream& err)
    : tz(absl::LocalTimeZone()), out_(out), err_(err) {}

absl::CivilDay Cli::today() const { return domain::UkDay(now()); }

OutputFormat Cli::format() const {
  if (output == "json") return OutputFormat::kJson;
  if (output == "name") return OutputFormat::kName;
  return OutputFormat::kTable;
}

absl::StatusOr<Client*> Cli::client() {
  if (client_ == nullptr) {
    absl::StatusOr<std::string> token =
        ResolveToken(connection, env_token, working_dir,
                     saved_token_path.empty() ? "" : ReadSavedToken(saved_token_path));
    if (!token.ok()) return token.status();
    absl::StatusOr<std::unique_ptr<Client>> c = Client::Connect(connection, *token);
    if (!c.ok()) return c.status();
    client_ = *std::move(c);
  }
  return client_.get();
}

absl::StatusOr<Client*> Cli::anonymous_client() {
  if (anonymous_client_ == nullptr) {
    absl::StatusOr<std::unique_ptr<Client>> c = Client::Connect(connection, "");
    if (!c.ok()) return c.status();
    anonymous_client_ = *std::move(c);
  }
  return anonymous_client_.get();
}

void Cli::Emit(const google::protobuf::Message& message, absl::string_view name,
               const std::string& table_text) {
  switch (format()) {
    case OutputFormat::kJson:
      out_ << ToJson(message);
      break;
    case OutputFormat::kName:
      out_ << name << "\n";
      break;
    case OutputFormat::kTable:
      out_ << table_text;
      break;
  }
}

void Cli::EmitList(const google::protobuf::Message& response,
                   const std::vector<std::string>& names, const Table& table,
                   absl::string_view empty_text, absl::string_view next_page_token) {
  switch (format()) {
    case OutputFormat::kJson:
      out_ << ToJson(response);
      return;
    case OutputFormat::kName:
      for (const std::string& n : names) out_ << n << "\n";
      break;
    case OutputFormat::kTable:
      out_ << (table.empty() ? absl::StrCat(empty_text, "\n") : table.Render());
      break;
  }
  if (!next_page_token.empty()) {
    err_ << "(more: repeat with --page-token=" << next_page_token << ")\n";
  }
}

absl::Status Cli::LoadAgencies() {
  if (agencies_loaded_) return absl::OkStatus();
  absl::StatusOr<Client*> c = client();
  if (!c.ok()) return c.status();
  v1::ListAgenciesRequest request;
  request.set_page_size(500);
  do {
    v1::ListAgenciesResponse response;
    absl::Status s = (*c)->Call("ListAgencies", [&](grpc::ClientContext* ctx) {
      return (*c)->admin().ListAgencies(ctx, request, &response);
    });
    if (!s.ok()) return s;
    for (const v1::Agency& a : response.agencies()) {
      agency_by_code_[absl::AsciiStrToUpper(a.code())] = a.name();
      code_by_agency_[a.name()] = a.code();
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  agencies_loaded_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Cli::AgencyName(absl::string_view code_or_name,
                                            absl::string_view option) {
  if (absl::StartsWith(code_or_name, "agencies/")) return std::string(code_or_name);
  absl::Status loaded = LoadAgencies();
  if (!loaded.ok()) return loaded;
  auto it = agency_by_code_.find(absl::AsciiStrToUpper(code_or_name));
  if (it != agency_by_code_.end()) return it->second;
  std::vector<std::string> codes;
  for (const auto& [code, name] : agency_by_code_) codes.push_back(code);
  return WithField(
      UsageError(absl::StrCat(option, ": no agency with code \"", code_or_name,
                              "\"; known: ", absl::StrJoin(codes, ", "))),
      option);
}

std::string Cli::AgencyCode(absl::string_view agency_name) {
  if (agency_name.empty()) return "";
  if (!LoadAgencies().ok()) return std::string(agency_name);
  auto it = code_by_agency_.find(std::string(agency_name));
  return it == code_by_agency_.end() ? std::string(agency_name) : it->second;
}

absl::StatusOr<std::string> Cli::UserName(absl::string_view text,
                                          absl::string_view option) {
  if (absl::StartsWith(text, "users/")) return std::string(text);
  absl::StatusOr<Client*> c = client();
  if (!c.ok()) return c.status();
  if (text == "me") {
    v1::User me;
    absl::Status s = (*c)->Call("GetCurrentUser", [&](grpc::ClientContext* ctx) {
      return (*c)->admin().GetCurrentUser(ctx, v1::GetCurrentUserRequest(), &me);
    });
    if (!s.ok()) return s;
    return me.name();
  }
  v1::ListUsersRequest request;
  request.set_page_size(500);
  do {
    v1::ListUsersResponse response;
    absl::Status s = (*c)->Call("ListUsers", [&](grpc::ClientContext* ctx) {
      return (*c)->admin().ListUsers(ctx, request, &response);
    });
    if (s.code() == absl::StatusCode::kPermissionDenied) {
      return WithField(
          UsageError(absl::StrCat(option,
                                  ": only administrators can look up users by "
                                  "username; give the user as users/{id} (or "
                                  "\"me\")")),
          option);
    }
    if (!s.ok()) return s;
    for (const v1::User& u : response.users()) {
      if (u.username() == text) return u.name();
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return WithField(UsageError(absl::StrCat(option, ": no user \"", text, "\"")), option);
}

absl::StatusOr<absl::Time> Cli::When(absl::string_view text, absl::string_view option) {
  absl::StatusOr<absl::Time> t = ParseWhen(text, now(), tz);
  if (!t.ok()) {
    return WithField(UsageError(absl::StrCat(option, ": ", t.status().message())),
                     option);
  }
  return t;
}

absl::StatusOr<v1::Date> Cli::Day(absl::string_view text, absl::string_view option) {
  absl::StatusOr<absl::CivilDay> d = ParseDay(text, now(), tz);
  if (!d.ok()) {
    return WithField(UsageError(absl::StrCat(option, ": ", d.status().message())),
                     option);
  }
  v1::Date date;
  SetDate(*d, &date);
  return date;
}

CLI::App* AddGroup(CLI::App& app, const std::string& name,
                   const std::string& description) {
  CLI::App* group = app.add_subcommand(name, description);
  group->fallthrough();
  group->footer(absl::StrCat("Run 'casebridge ", name,
                             " COMMAND --help' for a command's options and an example."));
  return group;
}

CLI::App* AddCommand(CLI::App& group, Cli& cli, const std::string& name,
                     const std::string& description, const std::string& example,
                     std::function<absl::Status()> run) {
  CLI::App* command = group.add_subcommand(name, description);
  command->fallthrough();
  command->footer(absl::StrCat("Example:\n  ", example, "\n"));
  command->callback([&cli, run = std::move(run)] { cli.action = run; });
  return command;
}

void AddPaging(CLI::App* command, Paging* paging) {
  command->add_option("--page-size", paging->page_size,
                      "results per page (default 50, at most 500)");
  command->add_option("--page-token", paging->page_token,
                      "continue from where the previous page ended");
}

void SetDate(const absl::CivilDay& day, v1::Date* date) {
  date->set_year(static_cast<int32_t>(day.year()));
  date->set_month(day.month());
  date->set_day(day.day());
}

std::string Join(const std::vector<std::string>& items) {
  return absl::StrJoin(items, ", ");
}

}  // namespace casebridge::cli
