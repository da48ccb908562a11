// casebridge share ...: share a case with another agency, list and withdraw
// shares. Each share records its purpose and lawful basis.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"

namespace casebridge::cli {
namespace {

std::string ShareText(Cli& cli, const v1::CaseShare& s) {
  Details d;
  d.AddAlways("Share", s.name());
  d.AddAlways("Agency", cli.AgencyCode(s.agency()));
  d.AddAlways("Basis", EnumWords(v1::ShareBasis_descriptor(), s.basis()));
  d.AddAlways("View", EnumName(v1::CaseView_descriptor(), s.view()));
  d.Add("Purpose", s.purpose());
  d.Add("Lawful basis", s.lawful_basis());
  d.Add("Since", FormatTimestamp(s.create_time(), cli.tz));
  d.Add("Withdrawn", FormatTimestamp(s.withdraw_time(), cli.tz));
  d.Add("Withdraw reason", s.withdraw_reason());
  return d.Render();
}

absl::StatusOr<v1::ListCaseSharesResponse> ListShares(Cli& cli, const std::string& parent,
                                                      const std::string& filter,
                                                      const Paging& paging) {
  absl::StatusOr<Client*> c = cli.client();
  if (!c.ok()) return c.status();
  v1::ListCaseSharesRequest request;
  request.set_parent(parent);
  request.set_filter(filter);
  request.set_page_size(paging.page_size);
  request.set_page_token(paging.page_token);
  v1::ListCaseSharesResponse response;
  absl::Status s = (*c)->Call("ListCaseShares", [&](grpc::ClientContext* ctx) {
    return (*c)->sharing().ListCaseShares(ctx, request, &response);
  });
  if (!s.ok()) return s;
  return response;
}

void AddAdd(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, agency, purpose, lawful_basis, request_id;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "add",
      "Share a case with another agency (police of the owning force). Partners get "
      "the safeguarding view, the CPS the prosecution view.",
      "casebridge --as pc.hughes share add SP-2026-000123 --agency SOTCC --purpose "
      "\"Housing safeguarding\" --lawful-basis \"Crime and Disorder Act 1998 s.115\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        absl::StatusOr<std::string> agency = cli.AgencyName(o->agency, "--agency");
        if (!agency.ok()) return agency.status();
        v1::ShareCaseRequest request;
        request.set_parent(*name);
        request.set_request_id(o->request_id);
        request.mutable_share()->set_agency(*agency);
        request.mutable_share()->set_purpose(o->purpose);
        request.mutable_share()->set_lawful_basis(o->lawful_basis);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::CaseShare response;
        absl::Status s = (*c)->Call("ShareCase", [&](grpc::ClientContext* ctx) {
          return (*c)->sharing().ShareCase(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), ShareText(cli, response));
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_option("--agency", o->agency, "agency code, e.g. SOTCC, NSCHT, SVG")
      ->required();
  cmd->add_option("--purpose", o->purpose, "why the agency needs it")->required();
  cmd->add_option("--lawful-basis", o->lawful_basis,
                  "e.g. \"Crime and Disorder Act 1998 s.115\"")
      ->required();
  cmd->add_option("--request-id", o->request_id, "retrying with the same id shares once");
}

void AddList(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg;
    bool active = false;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "list", "Who a case is shared with, why, and which view they get.",
      "casebridge --as pc.hughes share list SP-2026-000123 --active",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        absl::StatusOr<v1::ListCaseSharesResponse> response =
            ListShares(cli, *name, o->active ? "active=true" : "", o->paging);
        if (!response.ok()) return response.status();
        Table t(
            {"AGENCY", "BASIS", "VIEW", "SINCE", "WITHDRAWN", "PURPOSE", "LAWFUL BASIS"});
        t.SetMaxWidth(5, 40);
        t.SetMaxWidth(6, 40);
        std::vector<std::string> names;
        for (const v1::CaseShare& s : response->shares()) {
          t.AddRow({cli.AgencyCode(s.agency()),
                    EnumWords(v1::ShareBasis_descriptor(), s.basis()),
                    EnumName(v1::CaseView_descriptor(), s.view()),
                    FormatTimestamp(s.create_time(), cli.tz),
                    FormatTimestamp(s.withdraw_time(), cli.tz), s.purpose(),
                    s.lawful_basis()});
          names.push_back(s.name());
        }
        cli.EmitList(*response, names, t, "not shared with any agency",
                     response->next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_flag("--active", o->active, "only shares not withdrawn");
  AddPaging(cmd, &o->paging);
}

void AddWithdraw(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string target, agency, reason;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "withdraw",
      "Withdraw a share: give the share's name, or the case and --agency. It takes "
      "effect on the agency's next call.",
      "casebridge --as pc.hughes share withdraw SP-2026-000123 --agency SOTCC --reason "
      "\"No longer needed\"",
      [&cli, o]() -> absl::Status {
        std::string share_name;
        if (o->target.find("/shares/") != std::string::npos) {
          absl::StatusOr<std::string> n = ChildNameArg(o->target, "shares", "SHARE");
          if (!n.ok()) return n.status();
          share_name = *n;
        } else {
          absl::StatusOr<std::string> name = CaseNameArg(o->target, "CASE");
          if (!name.ok()) return name.status();
          if (o->agency.empty()) {
            return WithField(UsageError("give --agency (or the share's full name)"),
                             "--agency");
          }
          absl::StatusOr<std::string> agency = cli.AgencyName(o->agency, "--agency");
          if (!agency.ok()) return agency.status();
          Paging all;
          all.page_size = 500;
          absl::StatusOr<v1::ListCaseSharesResponse> shares =
              ListShares(cli, *name, "active=true", all);
          if (!shares.ok()) return shares.status();
          std::vector<std::string> found;
          for (const v1::CaseShare& s : shares->shares()) {
            if (s.agency() == *agency) found.push_back(s.name());
          }
          if (found.empty()) {
            return absl::NotFoundError(
                absl::StrCat("the case is not shared with ", o->agency));
          }
          if (found.size() > 1) {
            return WithField(UsageError(absl::StrCat(
                                 "the case is shared with ", o->agency, " ", found.size(),
                                 " times (", Join(found), "); give the share's name")),
                             "SHARE");
          }
          share_name = found[0];
        }
        v1::UnshareCaseRequest request;
        request.set_name(share_name);
        request.set_reason(o->reason);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::CaseShare response;
        absl::Status s = (*c)->Call("UnshareCase", [&](grpc::ClientContext* ctx) {
          return (*c)->sharing().UnshareCase(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), ShareText(cli, response));
        return absl::OkStatus();
      });
  cmd->add_option("CASE_OR_SHARE", o->target, "case reference, or the share's name")
      ->required();
  cmd->add_option("--agency", o->agency, "the agency to stop sharing with, e.g. SOTCC");
  cmd->add_option("--reason", o->reason, "why");
}

}  // namespace

void AddShareCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = AddGroup(app, "share", "Sharing a case with other agencies.");
  AddAdd(*group, cli);
  AddList(*group, cli);
  AddWithdraw(*group, cli);
}

}  // namespace casebridge::cli
