// casebridge action ...: safeguarding actions assigned to agencies (MARAC
// referral, safety plan, GP alert, ...) and MARAC referrals, against
// SafeguardingService (proto/casebridge/v1/safeguarding.proto). Police
// assign work; each partner sees and works on its own agency's actions only.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"
#include "clients/cli/workflow_text.h"

namespace casebridge::cli {
namespace {

using v1::SafeguardingAction;

constexpr char kCollection[] = "safeguardingActions";

bool IsOpen(v1::SafeguardingActionStatus status) {
  return status != v1::SAFEGUARDING_ACTION_STATUS_COMPLETED &&
         status != v1::SAFEGUARDING_ACTION_STATUS_CANCELLED;
}

// Open work counts the days to its due date ("2026-11-28 (in 7 days)",
// "2026-11-18 OVERDUE (3 days)"); closed work shows the date alone.
std::string DueCell(Cli& cli, const v1::Date& due, bool overdue,
                    v1::SafeguardingActionStatus status) {
  return IsOpen(status) ? FormatDueIn(due, overdue, cli.today()) : FormatDate(due);
}

std::string ActionText(Cli& cli, const SafeguardingAction& a) {
  Details d;
  d.AddAlways("Action", a.name());
  d.Add("Case", a.case_reference());
  d.AddAlways("Type", EnumWords(v1::SafeguardingActionType_descriptor(), a.type()));
  d.AddAlways("Agency", cli.AgencyCode(a.assigned_agency()));
  d.Add("Assignee", a.assigned_user());
  d.AddAlways("Status", EnumName(v1::SafeguardingActionStatus_descriptor(), a.status()));
  d.AddAlways("Due", DueCell(cli, a.due_date(), a.overdue(), a.status()));
  d.Add("Priority", EnumName(v1::SafeguardingActionPriority_descriptor(), a.priority()));
  d.Add("What", a.description());
  d.Add("Why", a.rationale());
  d.Add("Notes", a.notes());
  d.Add("Outcome", a.outcome());
  d.Add("Cancelled because", a.cancel_reason());
  d.Add("Closed", FormatTimestamp(a.close_time(), cli.tz));
  d.Add("MARAC referral", a.marac_referral());
  return d.Render();
}

absl::Status EmitAction(Cli& cli, const absl::StatusOr<SafeguardingAction>& a) {
  if (!a.ok()) return a.status();
  cli.Emit(*a, a->name(), ActionText(cli, *a));
  return absl::OkStatus();
}

absl::StatusOr<SafeguardingAction> FetchAction(Cli& cli, const std::string& name) {
  v1::GetSafeguardingActionRequest request;
  request.set_name(name);
  return Rpc<SafeguardingAction>(
      cli, "GetSafeguardingAction",
      [&](Client& c, grpc::ClientContext* ctx, SafeguardingAction* out) {
        return c.safeguarding().GetSafeguardingAction(ctx, request, out);
      });
}

// The action named in full, or by the first characters of its id (as the
// lists show it) among the actions the caller can see.
absl::StatusOr<SafeguardingAction> FindAction(Cli& cli, const std::string& arg) {
  if (absl::StartsWith(arg, "cases/")) {
    absl::StatusOr<std::string> name = ChildNameArg(arg, kCollection, "ACTION");
    if (!name.ok()) return name.status();
    return FetchAction(cli, *name);
  }
  if (arg.size() < 4) {
    return WithField(UsageError("ACTION: give the action's name or at least 4 characters "
                                "of its id"),
                     "ACTION");
  }
  v1::ListSafeguardingActionsRequest request;
  request.set_parent("cases/-");
  request.set_page_size(500);
  std::vector<SafeguardingAction> matches;
  do {
    absl::StatusOr<v1::ListSafeguardingActionsResponse> page =
        Rpc<v1::ListSafeguardingActionsResponse>(
            cli, "ListSafeguardingActions",
            [&](Client& c, grpc::ClientContext* ctx,
                v1::ListSafeguardingActionsResponse* out) {
              return c.safeguarding().ListSafeguardingActions(ctx, request, out);
            });
    if (!page.ok()) return page.status();
    for (const SafeguardingAction& a : page->safeguarding_actions()) {
      if (absl::StartsWith(ShortId(a.name()), arg)) matches.push_back(a);
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) return absl::NotFoundError(absl::StrCat("no action ", arg));
  return WithField(UsageError(absl::StrCat("\"", arg, "\" matches ", matches.size(),
                                           " actions; give more of the id")),
                   "ACTION");
}

struct Target {
  std::string action, etag;
};

void AddTarget(CLI::App* cmd, Target* t) {
  cmd->add_option("ACTION", t->action,
                  "the action's name, or the first characters of its id as listed")
      ->required();
  cmd->add_option("--etag", t->etag,
                  "fail (exit 5) if the action changed since this etag");
}

// Fields of a new action (add and marac).
struct NewAction {
  std::string type, agency, assignee, due, priority, description, rationale;
};

absl::Status FillAction(Cli& cli, const NewAction& o, SafeguardingAction* a) {
  absl::StatusOr<int> type =
      EnumArg(v1::SafeguardingActionType_descriptor(), o.type, "--type");
  if (!type.ok()) return type.status();
  a->set_type(static_cast<v1::SafeguardingActionType>(*type));
  absl::StatusOr<std::string> agency = cli.AgencyName(o.agency, "--agency");
  if (!agency.ok()) return agency.status();
  a->set_assigned_agency(*agency);
  if (!o.assignee.empty()) {
    absl::StatusOr<std::string> user = cli.UserName(o.assignee, "--assignee");
    if (!user.ok()) return user.status();
    a->set_assigned_user(*user);
  }
  absl::StatusOr<v1::Date> due = cli.Day(o.due, "--due");
  if (!due.ok()) return due.status();
  *a->mutable_due_date() = *due;
  if (!o.priority.empty()) {
    absl::StatusOr<int> p =
        EnumArg(v1::SafeguardingActionPriority_descriptor(), o.priority, "--priority");
    if (!p.ok()) return p.status();
    a->set_priority(static_cast<v1::SafeguardingActionPriority>(*p));
  }
  a->set_description(o.description);
  a->set_rationale(o.rationale);
  return absl::OkStatus();
}

Table ActionTable(Cli& cli,
                  const google::protobuf::RepeatedPtrField<SafeguardingAction>& list) {
  Table t({"ID", "CASE", "AGENCY", "TYPE", "STATUS", "DUE", "PRIORITY", "WHAT"});
  t.SetMaxWidth(7, 50);
  for (const SafeguardingAction& a : list) {
    t.AddRow({ShortId(a.name()).substr(0, 8), a.case_reference(),
              cli.AgencyCode(a.assigned_agency()),
              EnumWords(v1::SafeguardingActionType_descriptor(), a.type()),
              EnumName(v1::SafeguardingActionStatus_descriptor(), a.status()),
              DueCell(cli, a.due_date(), a.overdue(), a.status()),
              EnumName(v1::SafeguardingActionPriority_descriptor(), a.priority()),
              a.description()});
  }
  return t;
}

// ---- commands -------------------------------------------------------------

void AddAdd(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, request_id;
    NewAction action;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "add",
      "Assign a safeguarding action to an agency (shares the safeguarding view of the "
      "case with it).",
      "casebridge --as pc.hughes action add SP-2026-000123 --type gp-alert --agency "
      "NSCHT --due \"in 7 days\" --description \"Alert the victim's GP\" --rationale "
      "\"High risk; victim reports panic attacks\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::CreateSafeguardingActionRequest request;
        request.set_parent(*name);
        request.set_request_id(o->request_id);
        absl::Status filled =
            FillAction(cli, o->action, request.mutable_safeguarding_action());
        if (!filled.ok()) return filled;
        return EmitAction(
            cli, Rpc<SafeguardingAction>(
                     cli, "CreateSafeguardingAction",
                     [&](Client& c, grpc::ClientContext* ctx, SafeguardingAction* out) {
                       return c.safeguarding().CreateSafeguardingAction(ctx, request,
                                                                        out);
                     }));
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_option("--type", o->action.type,
                  EnumChoices(v1::SafeguardingActionType_descriptor()))
      ->required();
  cmd->add_option("--agency", o->action.agency,
                  "the agency that owns the work, e.g. SOTCC")
      ->required();
  cmd->add_option("--assignee", o->action.assignee, "a user of that agency (users/{id})");
  cmd->add_option("--due", o->action.due, "due date: 2026-12-01, \"in 7 days\"")
      ->required();
  cmd->add_option("--priority", o->action.priority,
                  "low, normal (default), high or urgent");
  cmd->add_option("--description", o->action.description, "what is to be done")
      ->required();
  cmd->add_option("--rationale", o->action.rationale, "why it is needed")->required();
  cmd->add_option("--request-id", o->request_id,
                  "retrying with the same id creates once");
}

void AddGet(CLI::App& group, Cli& cli) {
  auto action = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(group, cli, "get", "Show a safeguarding action.",
                             "casebridge --as council.patel action get 3f2b9c1a",
                             [&cli, action]() -> absl::Status {
                               return EmitAction(cli, FindAction(cli, *action));
                             });
  cmd->add_option("ACTION", *action, "the action's name or id prefix")->required();
}

void AddList(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, agency, status, type;
    bool overdue = false, active = false;
    int due_within = -1;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "list",
      "Safeguarding actions of a case, or of every case you can see (no CASE), by due "
      "date; overdue ones are marked. Partners only ever see their own agency's.",
      "casebridge --as pc.hughes action list SP-2026-000123 --active",
      [&cli, o]() -> absl::Status {
        v1::ListSafeguardingActionsRequest request;
        request.set_parent("cases/-");
        if (!o->case_arg.empty()) {
          absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
          if (!name.ok()) return name.status();
          request.set_parent(*name);
        }
        std::vector<std::string> terms;
        if (!o->agency.empty()) {
          if (o->agency == "mine") {
            terms.push_back("agency=mine");
          } else {
            absl::StatusOr<std::string> a = cli.AgencyName(o->agency, "--agency");
            if (!a.ok()) return a.status();
            terms.push_back("agency=" + *a);
          }
        }
        if (!o->status.empty()) {
          absl::StatusOr<int> s =
              EnumArg(v1::SafeguardingActionStatus_descriptor(), o->status, "--status");
          if (!s.ok()) return s.status();
          terms.push_back("status=" +
                          EnumName(v1::SafeguardingActionStatus_descriptor(), *s));
        }
        if (!o->type.empty()) {
          absl::StatusOr<int> t =
              EnumArg(v1::SafeguardingActionType_descriptor(), o->type, "--type");
          if (!t.ok()) return t.status();
          terms.push_back("type=" +
                          EnumName(v1::SafeguardingActionType_descriptor(), *t));
        }
        if (o->overdue) terms.push_back("overdue=true");
        if (o->active) terms.push_back("active=true");
        if (o->due_within >= 0)
          terms.push_back(absl::StrCat("due_within_days=", o->due_within));
        request.set_filter(absl::StrJoin(terms, " AND "));
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<v1::ListSafeguardingActionsResponse> response =
            Rpc<v1::ListSafeguardingActionsResponse>(
                cli, "ListSafeguardingActions",
                [&](Client& c, grpc::ClientContext* ctx,
                    v1::ListSafeguardingActionsResponse* out) {
                  return c.safeguarding().ListSafeguardingActions(ctx, request, out);
                });
        if (!response.ok()) return response.status();
        std::vector<std::string> names;
        for (const SafeguardingAction& a : response->safeguarding_actions()) {
          names.push_back(a.name());
        }
        cli.EmitList(*response, names, ActionTable(cli, response->safeguarding_actions()),
                     "no safeguarding actions", response->next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "only this case's actions");
  cmd->add_option("--agency", o->agency, "mine, or an agency code");
  cmd->add_option("--status", o->status,
                  "open, in-progress, blocked, completed, cancelled");
  cmd->add_option("--type", o->type, "e.g. gp-alert");
  cmd->add_flag("--overdue", o->overdue, "only overdue actions");
  cmd->add_flag("--active", o->active, "only actions not completed or cancelled");
  cmd->add_option("--due-within", o->due_within, "active and due within N days");
  AddPaging(cmd, &o->paging);
}

void AddMine(CLI::App& group, Cli& cli) {
  struct Opts {
    bool overdue = false, me = false;
    int due_within = -1;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "mine",
      "Your agency's open work across all cases, soonest due first: the case "
      "reference, its current risk level, the due date (OVERDUE marked) and what is to "
      "be done. A partner's first screen.",
      "casebridge --as council.patel action mine --due-within 7",
      [&cli, o]() -> absl::Status {
        std::vector<std::string> terms;
        if (o->me) terms.push_back("assignee=me");
        if (o->overdue) terms.push_back("overdue=true");
        if (o->due_within >= 0)
          terms.push_back(absl::StrCat("due_within_days=", o->due_within));
        v1::ListMyWorkRequest request;
        request.set_filter(absl::StrJoin(terms, " AND "));
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<v1::ListMyWorkResponse> response = Rpc<v1::ListMyWorkResponse>(
            cli, "ListMyWork",
            [&](Client& c, grpc::ClientContext* ctx, v1::ListMyWorkResponse* out) {
              return c.safeguarding().ListMyWork(ctx, request, out);
            });
        if (!response.ok()) return response.status();
        Table t({"ID", "CASE", "RISK", "TYPE", "STATUS", "DUE", "PRIORITY", "WHAT"});
        t.SetMaxWidth(7, 50);
        std::vector<std::string> names;
        for (const v1::MyWorkItem& i : response->items()) {
          t.AddRow({ShortId(i.action()).substr(0, 8), i.case_reference(),
                    EnumName(v1::RiskLevel_descriptor(), i.risk_level()),
                    EnumWords(v1::SafeguardingActionType_descriptor(), i.type()),
                    EnumName(v1::SafeguardingActionStatus_descriptor(), i.status()),
                    DueCell(cli, i.due_date(), i.overdue(), i.status()),
                    EnumName(v1::SafeguardingActionPriority_descriptor(), i.priority()),
                    i.description()});
          names.push_back(i.action());
        }
        cli.EmitList(*response, names, t, "no open work for your agency",
                     response->next_page_token());
        return absl::OkStatus();
      });
  cmd->add_flag("--me", o->me, "only work assigned to you by name");
  cmd->add_flag("--overdue", o->overdue, "only overdue work");
  cmd->add_option("--due-within", o->due_within, "due within N days (overdue included)");
  AddPaging(cmd, &o->paging);
}

void AddUpdate(CLI::App& group, Cli& cli) {
  struct Opts {
    Target target;
    std::string status, notes, assignee, due, priority, description, rationale;
    CLI::App* cmd = nullptr;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "update",
      "Work on an action: --status in-progress|blocked|open, notes and details. Use "
      "'action complete' or 'action cancel' to close it.",
      "casebridge --as council.patel action update 3f2b9c1a --status in-progress "
      "--notes \"Housing officer assigned\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<SafeguardingAction> current = FindAction(cli, o->target.action);
        if (!current.ok()) return current.status();
        v1::UpdateSafeguardingActionRequest request;
        SafeguardingAction* a = request.mutable_safeguarding_action();
        *a = *current;
        if (!o->target.etag.empty()) a->set_etag(o->target.etag);
        auto mask = request.mutable_update_mask();
        auto given = [&](const char* option) { return o->cmd->count(option) > 0; };
        if (given("--status")) {
          absl::StatusOr<int> s =
              EnumArg(v1::SafeguardingActionStatus_descriptor(), o->status, "--status");
          if (!s.ok()) return s.status();
          a->set_status(static_cast<v1::SafeguardingActionStatus>(*s));
          mask->add_paths("status");
        }
        if (given("--notes")) {
          a->set_notes(o->notes);
          mask->add_paths("notes");
        }
        if (given("--assignee")) {
          absl::StatusOr<std::string> u = cli.UserName(o->assignee, "--assignee");
          if (!u.ok()) return u.status();
          a->set_assigned_user(*u);
          mask->add_paths("assigned_user");
        }
        if (given("--due")) {
          absl::StatusOr<v1::Date> due = cli.Day(o->due, "--due");
          if (!due.ok()) return due.status();
          *a->mutable_due_date() = *due;
          mask->add_paths("due_date");
        }
        if (given("--priority")) {
          absl::StatusOr<int> p = EnumArg(v1::SafeguardingActionPriority_descriptor(),
                                          o->priority, "--priority");
          if (!p.ok()) return p.status();
          a->set_priority(static_cast<v1::SafeguardingActionPriority>(*p));
          mask->add_paths("priority");
        }
        if (given("--description")) {
          a->set_description(o->description);
          mask->add_paths("description");
        }
        if (given("--rationale")) {
          a->set_rationale(o->rationale);
          mask->add_paths("rationale");
        }
        if (mask->paths_size() == 0) {
          return UsageError("nothing to change: give at least one option, e.g. --status");
        }
        return EmitAction(
            cli, Rpc<SafeguardingAction>(
                     cli, "UpdateSafeguardingAction",
                     [&](Client& c, grpc::ClientContext* ctx, SafeguardingAction* out) {
                       return c.safeguarding().UpdateSafeguardingAction(ctx, request,
                                                                        out);
                     }));
      });
  o->cmd = cmd;
  AddTarget(cmd, &o->target);
  cmd->add_option("--status", o->status, "open, in-progress or blocked");
  cmd->add_option("--notes", o->notes, "working notes");
  cmd->add_option("--assignee", o->assignee, "a user of the agency (users/{id} or me)");
  cmd->add_option("--due", o->due, "new due date");
  cmd->add_option("--priority", o->priority, "low, normal, high or urgent");
  cmd->add_option("--description", o->description, "what is to be done");
  cmd->add_option("--rationale", o->rationale, "why it is needed");
}

// complete and cancel.
void AddClose(CLI::App& group, Cli& cli, bool complete) {
  struct Opts {
    Target target;
    std::string text;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, complete ? "complete" : "cancel",
      complete ? "Complete an action, saying what was done."
               : "Cancel an action that is no longer needed, saying why.",
      complete ? "casebridge --as council.patel action complete 3f2b9c1a --outcome "
                 "\"Emergency move to a safe address arranged\""
               : "casebridge --as pc.hughes action cancel 3f2b9c1a --reason \"Victim "
                 "moved out of area\"",
      [&cli, o, complete]() -> absl::Status {
        absl::StatusOr<SafeguardingAction> current = FindAction(cli, o->target.action);
        if (!current.ok()) return current.status();
        const std::string etag =
            o->target.etag.empty() ? current->etag() : o->target.etag;
        if (complete) {
          v1::CompleteSafeguardingActionRequest request;
          request.set_name(current->name());
          request.set_outcome(o->text);
          request.set_etag(etag);
          return EmitAction(
              cli, Rpc<SafeguardingAction>(
                       cli, "CompleteSafeguardingAction",
                       [&](Client& c, grpc::ClientContext* ctx, SafeguardingAction* out) {
                         return c.safeguarding().CompleteSafeguardingAction(ctx, request,
                                                                            out);
                       }));
        }
        v1::CancelSafeguardingActionRequest request;
        request.set_name(current->name());
        request.set_reason(o->text);
        request.set_etag(etag);
        return EmitAction(
            cli, Rpc<SafeguardingAction>(
                     cli, "CancelSafeguardingAction",
                     [&](Client& c, grpc::ClientContext* ctx, SafeguardingAction* out) {
                       return c.safeguarding().CancelSafeguardingAction(ctx, request,
                                                                        out);
                     }));
      });
  AddTarget(cmd, &o->target);
  cmd->add_option(complete ? "--outcome" : "--reason", o->text,
                  complete ? "what was done" : "why it is no longer needed")
      ->required();
}

void AddHistory(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string action;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "history", "Every change of an action, oldest first.",
      "casebridge --as council.patel action history 3f2b9c1a",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<SafeguardingAction> action = FindAction(cli, o->action);
        if (!action.ok()) return action.status();
        v1::GetSafeguardingActionHistoryRequest request;
        request.set_name(action->name());
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<v1::GetSafeguardingActionHistoryResponse> response =
            Rpc<v1::GetSafeguardingActionHistoryResponse>(
                cli, "GetSafeguardingActionHistory",
                [&](Client& c, grpc::ClientContext* ctx,
                    v1::GetSafeguardingActionHistoryResponse* out) {
                  return c.safeguarding().GetSafeguardingActionHistory(ctx, request, out);
                });
        if (!response.ok()) return response.status();
        Table t({"#", "WHEN", "EVENT", "STATUS", "CHANGED", "BY"});
        std::vector<std::string> names;
        for (const v1::SafeguardingActionHistoryEntry& e : response->entries()) {
          t.AddRow({absl::StrCat(e.revision()), FormatTimestamp(e.time(), cli.tz),
                    EnumWords(v1::SafeguardingActionEvent_descriptor(), e.event()),
                    EnumName(v1::SafeguardingActionStatus_descriptor(), e.to_status()),
                    absl::StrJoin(e.changed_fields(), ","),
                    cli.AgencyCode(e.actor_agency())});
          names.push_back(absl::StrCat(action->name(), "#", e.revision()));
        }
        cli.EmitList(*response, names, t, "no history", response->next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("ACTION", o->action, "the action's name or id prefix")->required();
  AddPaging(cmd, &o->paging);
}

void AddMarac(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, date, reason, request_id;
    std::vector<std::string> actions;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "marac",
      "Refer a HIGH-risk case to MARAC and record the actions agreed for each agency: "
      "--action \"AGENCY TYPE DUE: what\" (repeat).",
      "casebridge --as pc.hughes action marac SP-2026-000123 --date \"in 7 days\" "
      "--reason \"HIGH risk, escalating\" --action \"SOTCC housing-move in 14 days: "
      "Assess for an emergency move\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::ReferToMaracRequest request;
        request.set_parent(*name);
        request.set_request_id(o->request_id);
        absl::StatusOr<v1::Date> date = cli.Day(o->date, "--date");
        if (!date.ok()) return date.status();
        *request.mutable_referral()->mutable_marac_date() = *date;
        request.mutable_referral()->set_reason(o->reason);
        for (const std::string& spec : o->actions) {
          size_t colon = spec.find(':');
          std::vector<std::string> head =
              absl::StrSplit(spec.substr(0, colon), ' ', absl::SkipWhitespace());
          if (colon == std::string::npos || head.size() < 3) {
            return WithField(UsageError("--action: write \"AGENCY TYPE DUE: what\", e.g. "
                                        "\"NSCHT gp-alert in 7 days: Alert the GP\""),
                             "--action");
          }
          NewAction a;
          a.agency = head[0];
          a.type = head[1];
          a.due = absl::StrJoin(head.begin() + 2, head.end(), " ");
          a.description = std::string(absl::StripAsciiWhitespace(spec.substr(colon + 1)));
          a.rationale = absl::StrCat("Agreed at MARAC: ", o->reason);
          absl::Status filled = FillAction(cli, a, request.add_actions());
          if (!filled.ok()) return filled;
        }
        absl::StatusOr<v1::ReferToMaracResponse> response = Rpc<v1::ReferToMaracResponse>(
            cli, "ReferToMarac",
            [&](Client& c, grpc::ClientContext* ctx, v1::ReferToMaracResponse* out) {
              return c.safeguarding().ReferToMarac(ctx, request, out);
            });
        if (!response.ok()) return response.status();
        Details d;
        d.AddAlways("MARAC referral", response->referral().name());
        d.AddAlways("Conference", FormatDate(response->referral().marac_date()));
        d.Add("Reason", response->referral().reason());
        d.Add("Risk level",
              EnumName(v1::RiskLevel_descriptor(), response->referral().risk_level()));
        for (const std::string& done : response->completed_referral_actions()) {
          d.Add("Completed", absl::StrCat(done, " (the MARAC referral action)"));
        }
        std::string text = d.Render();
        if (response->actions_size() > 0) {
          text += "\nActions agreed:\n";
          text += ActionTable(cli, response->actions()).Render();
        }
        cli.Emit(*response, response->referral().name(), text);
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_option("--date", o->date, "the conference date")->required();
  cmd->add_option("--reason", o->reason, "why the case is referred")->required();
  cmd->add_option("--action", o->actions, "\"AGENCY TYPE DUE: what\" (repeat)")
      ->allow_extra_args(false);
  cmd->add_option("--request-id", o->request_id, "retrying with the same id refers once");
}

}  // namespace

void AddActionCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = AddGroup(
      app, "action", "Safeguarding actions assigned to agencies; MARAC referrals.");
  AddAdd(*group, cli);
  AddGet(*group, cli);
  AddList(*group, cli);
  AddMine(*group, cli);
  AddUpdate(*group, cli);
  AddClose(*group, cli, /*complete=*/true);
  AddClose(*group, cli, /*complete=*/false);
  AddHistory(*group, cli);
  AddMarac(*group, cli);
}

}  // namespace casebridge::cli
