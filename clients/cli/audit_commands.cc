// casebridge audit ...: the tamper-evident audit log: events, who saw a
// case, verification of the hash chain and checkpoints kept outside the
// database.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"
#include "google/protobuf/util/json_util.h"

namespace casebridge::cli {
namespace {

// "/casebridge.v1.CaseService/GetCase" -> "CaseService/GetCase".
std::string ShortMethod(absl::string_view method) {
  absl::ConsumePrefix(&method, "/");
  absl::ConsumePrefix(&method, "casebridge.v1.");
  return std::string(method);
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

std::string CheckpointText(Cli& cli, const v1::AuditCheckpoint& c) {
  Details d;
  d.AddAlways("Sequence", absl::StrCat(c.sequence()));
  d.AddAlways("Chain hash", c.chain_hash());
  d.Add("Time", FormatTimestamp(c.time(), cli.tz));
  return d.Render();
}

void AddEvents(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, user, agency, method, outcome, after, before;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "events",
      "Audit events, newest first: who called what, from where, with what outcome "
      "(auditors; supervisors for their own force's cases).",
      "casebridge --as auditor.shah audit events --case SP-2026-000123 --outcome "
      "PERMISSION_DENIED",
      [&cli, o]() -> absl::Status {
        std::vector<std::string> terms;
        if (!o->case_arg.empty()) {
          absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "--case");
          if (!name.ok()) return name.status();
          terms.push_back("case=" + *name);
        }
        if (!o->user.empty()) {
          absl::StatusOr<std::string> u = cli.UserName(o->user, "--user");
          if (!u.ok()) return u.status();
          terms.push_back("user=" + *u);
        }
        if (!o->agency.empty()) {
          absl::StatusOr<std::string> a = cli.AgencyName(o->agency, "--agency");
          if (!a.ok()) return a.status();
          terms.push_back("agency=" + *a);
        }
        if (!o->method.empty()) {
          std::string m = o->method;
          if (!absl::StartsWith(m, "/")) {
            m = absl::StrContains(m, "/") ? absl::StrCat("/casebridge.v1.", m) : m;
          }
          terms.push_back("method=" + m);
        }
        if (!o->outcome.empty()) terms.push_back("outcome=" + o->outcome);
        for (auto [text, key, option] : {std::tuple{o->after, "after", "--after"},
                                         std::tuple{o->before, "before", "--before"}}) {
          if (text.empty()) continue;
          absl::StatusOr<absl::Time> t = cli.When(text, option);
          if (!t.ok()) return t.status();
          terms.push_back(absl::StrCat(key, "=", Rfc3339(*t)));
        }
        v1::ListAuditEventsRequest request;
        request.set_filter(absl::StrJoin(terms, " AND "));
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListAuditEventsResponse response;
        absl::Status s = (*c)->Call("ListAuditEvents", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().ListAuditEvents(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Table t(
            {"SEQ", "TIME", "USER", "AGENCY", "METHOD", "CASE", "OUTCOME", "CHANGED"});
        t.SetMaxWidth(7, 30);
        std::vector<std::string> names;
        for (const v1::AuditEvent& e : response.events()) {
          t.AddRow({e.sequence() == 0 ? "-" : absl::StrCat(e.sequence()),
                    FormatTimestamp(e.time(), cli.tz),
                    e.username().empty() ? "-" : e.username(), cli.AgencyCode(e.agency()),
                    ShortMethod(e.method()), e.case_reference(), e.outcome(),
                    absl::StrJoin(e.changed_fields(), ",")});
          names.push_back(e.name());
        }
        cli.EmitList(response, names, t, "no audit events", response.next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("--case", o->case_arg, "events about this case");
  cmd->add_option("--user", o->user, "events of this user (users/{id} or me)");
  cmd->add_option("--agency", o->agency, "events of this agency (code)");
  cmd->add_option("--method", o->method, "e.g. CaseService/GetCase");
  cmd->add_option("--outcome", o->outcome, "e.g. OK, PERMISSION_DENIED, NOT_FOUND");
  cmd->add_option("--after", o->after, "e.g. \"2 days ago\"");
  cmd->add_option("--before", o->before, "e.g. \"today 09:00\"");
  AddPaging(cmd, &o->paging);
}

void AddWhoSaw(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "who-saw",
      "Who has seen a case: each user and agency that read it, how, how often, and "
      "when first and last.",
      "casebridge --as auditor.shah audit who-saw SP-2026-000123",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::ListCaseAccessRequest request;
        request.set_name(*name);
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListCaseAccessResponse response;
        absl::Status s = (*c)->Call("ListCaseAccess", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().ListCaseAccess(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Table t({"USER", "AGENCY", "KIND", "HOW", "TIMES", "FIRST", "LAST"});
        std::vector<std::string> names;
        for (const v1::CaseAccess& a : response.accesses()) {
          t.AddRow({a.username(), cli.AgencyCode(a.agency()),
                    EnumWords(v1::AgencyKind_descriptor(), a.agency_kind()),
                    ShortMethod(a.method()), absl::StrCat(a.count()),
                    FormatTimestamp(a.first_time(), cli.tz),
                    FormatTimestamp(a.last_time(), cli.tz)});
          names.push_back(a.user());
        }
        cli.EmitList(response, names, t, "nobody has read this case",
                     response.next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  AddPaging(cmd, &o->paging);
}

absl::StatusOr<v1::AuditCheckpoint> ReadCheckpoint(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return WithField(UsageError(absl::StrCat("cannot read ", path)), "--checkpoint");
  std::stringstream text;
  text << in.rdbuf();
  v1::AuditCheckpoint checkpoint;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &checkpoint).ok()) {
    return WithField(UsageError(absl::StrCat(path,
                                             " is not a checkpoint saved by "
                                             "'casebridge audit checkpoint --save'")),
                     "--checkpoint");
  }
  return checkpoint;
}

void AddVerify(CLI::App& group, Cli& cli) {
  struct Opts {
    int64_t from = 0, to = 0;
    std::string checkpoint;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "verify",
      "Walk the audit log's hash chain and name the first event altered, removed or "
      "inserted. With --checkpoint, also prove the chain still passes through a "
      "checkpoint saved earlier. Exits 1 when the log fails.",
      "casebridge --as auditor.shah audit verify --checkpoint checkpoint.json",
      [&cli, o]() -> absl::Status {
        v1::VerifyAuditLogRequest request;
        request.set_from_sequence(o->from);
        request.set_to_sequence(o->to);
        if (!o->checkpoint.empty()) {
          absl::StatusOr<v1::AuditCheckpoint> cp = ReadCheckpoint(o->checkpoint);
          if (!cp.ok()) return cp.status();
          *request.mutable_checkpoint() = *cp;
        }
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::VerifyAuditLogResponse response;
        absl::Status s = (*c)->Call("VerifyAuditLog", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().VerifyAuditLog(ctx, request, &response);
        });
        if (!s.ok()) return s;
        std::string text;
        if (response.ok()) {
          text = absl::StrCat(
              "audit log verified: ", response.events_checked(),
              " events checked, chain intact",
              o->checkpoint.empty() ? "" : " and passes through the checkpoint",
              "\nhead: sequence ", response.head().sequence(), ", hash ",
              response.head().chain_hash(), "\n");
        } else {
          text = absl::StrCat("AUDIT LOG FAILED VERIFICATION at sequence ",
                              response.first_bad_sequence(), ": ",
                              EnumName(v1::AuditProblem_descriptor(), response.problem()),
                              response.detail().empty() ? "" : " - ", response.detail(),
                              "\n(", response.events_checked(), " events checked)\n");
        }
        cli.Emit(response, absl::StrCat(response.head().sequence()), text);
        if (!response.ok()) {
          return absl::DataLossError("the audit log failed verification");
        }
        return absl::OkStatus();
      });
  cmd->add_option("--from", o->from, "first sequence to walk (default: the start)");
  cmd->add_option("--to", o->to, "last sequence to walk (default: the head)");
  cmd->add_option("--checkpoint", o->checkpoint,
                  "a file saved by 'audit checkpoint --save'");
}

void AddCheckpoint(CLI::App& group, Cli& cli) {
  auto save = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(
      group, cli, "checkpoint",
      "The audit chain's head now. Save it outside the database; 'audit verify "
      "--checkpoint FILE' later proves the log still passes through it.",
      "casebridge --as auditor.shah audit checkpoint --save checkpoint.json",
      [&cli, save]() -> absl::Status {
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::AuditCheckpoint response;
        absl::Status s = (*c)->Call("GetAuditCheckpoint", [&](grpc::ClientContext* ctx) {
          return (*c)->audit().GetAuditCheckpoint(ctx, v1::GetAuditCheckpointRequest(),
                                                  &response);
        });
        if (!s.ok()) return s;
        std::string text = CheckpointText(cli, response);
        if (!save->empty()) {
          std::ofstream out(*save, std::ios::trunc);
          out << ToJson(response);
          if (!out) {
            return absl::UnknownError(absl::StrCat("cannot write ", *save));
          }
          absl::StrAppend(&text, "saved to ", *save, "\n");
        }
        cli.Emit(response, absl::StrCat(response.sequence()), text);
        return absl::OkStatus();
      });
  cmd->add_option("--save", *save, "write the checkpoint to this file (JSON)");
}

}  // namespace

void AddAuditCommands(CLI::App& app, Cli& cli) {
  CLI::App* group =
      AddGroup(app, "audit", "The audit log: events, who saw a case, verify.");
  AddEvents(*group, cli);
  AddWhoSaw(*group, cli);
  AddVerify(*group, cli);
  AddCheckpoint(*group, cli);
}

}  // namespace casebridge::cli
