// casebridge incident ...: the incident log. Adding one is a single short
// command because victims report many.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "casebridge/v1/cases.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"
#include "domain/validation.h"

namespace casebridge::cli {
namespace {

// FOUR signs may be typed as words or as their letters: "f,u,r".
const std::vector<std::pair<std::string, std::string>>& FourAliases() {
  static const auto* aliases = new std::vector<std::pair<std::string, std::string>>{
      {"f", "fixated"}, {"o", "obsessed"}, {"u", "unwanted"}, {"r", "repeated"}};
  return *aliases;
}

struct IncidentOptions {
  std::string when, where, note, impact, witnesses, reported_at;
  std::vector<std::string> behaviours, four;
  bool reported = false;
};

void AddIncidentOptions(CLI::App* cmd, IncidentOptions* o) {
  cmd->add_option("--when", o->when,
                  "when it happened: \"yesterday 18:30\", \"monday 20:00\", \"3h ago\", "
                  "\"2026-11-20 18:30\" (local time)");
  cmd->add_option(
         "--behaviour,--behaviours", o->behaviours,
         "what happened, comma-separated: " + EnumChoices(v1::Behaviour_descriptor()) +
             " (also: calls, texts, social, damage, threat)")
      ->allow_extra_args(false);
  cmd->add_option("--four", o->four,
                  "FOUR warning signs shown: fixated, obsessed, unwanted, repeated "
                  "(or f,o,u,r)")
      ->allow_extra_args(false);
  cmd->add_option("--where", o->where, "where it happened");
  cmd->add_option("--note", o->note, "what happened, in the victim's words");
  cmd->add_option("--impact", o->impact, "how it made the victim feel");
  cmd->add_option("--witnesses", o->witnesses, "who saw it");
  cmd->add_flag("--reported", o->reported, "it was reported to the police at the time");
  cmd->add_option("--reported-at", o->reported_at,
                  "when the victim reported it (default: now)");
}

// Applies the options given to `i`; returns the update_mask paths.
absl::StatusOr<std::vector<std::string>> ApplyIncident(Cli& cli, const IncidentOptions& o,
                                                       CLI::App* cmd, v1::Incident* i) {
  std::vector<std::string> paths;
  auto given = [&](const char* option) { return cmd->count(option) > 0; };
  if (given("--when")) {
    absl::StatusOr<absl::Time> t = cli.When(o.when, "--when");
    if (!t.ok()) return t.status();
    *i->mutable_occur_time() = domain::ToProtoTime(*t);
    paths.push_back("occur_time");
  }
  if (given("--reported-at")) {
    absl::StatusOr<absl::Time> t = cli.When(o.reported_at, "--reported-at");
    if (!t.ok()) return t.status();
    *i->mutable_report_time() = domain::ToProtoTime(*t);
    paths.push_back("report_time");
  }
  if (given("--behaviour")) {
    absl::StatusOr<std::vector<int>> b = EnumListArg(
        v1::Behaviour_descriptor(), o.behaviours, "--behaviour", BehaviourAliases());
    if (!b.ok()) return b.status();
    i->clear_behaviours();
    for (int v : *b) i->add_behaviours(static_cast<v1::Behaviour>(v));
    paths.push_back("behaviours");
  }
  if (given("--four")) {
    absl::StatusOr<std::vector<int>> f =
        EnumListArg(v1::FourSign_descriptor(), o.four, "--four", FourAliases());
    if (!f.ok()) return f.status();
    i->clear_four_signs();
    for (int v : *f) i->add_four_signs(static_cast<v1::FourSign>(v));
    paths.push_back("four_signs");
  }
  if (given("--where")) {
    i->set_location(o.where);
    paths.push_back("location");
  }
  if (given("--note")) {
    i->set_description(o.note);
    paths.push_back("description");
  }
  if (given("--impact")) {
    i->set_victim_impact(o.impact);
    paths.push_back("victim_impact");
  }
  if (given("--witnesses")) {
    i->set_witnesses(o.witnesses);
    paths.push_back("witnesses");
  }
  if (given("--reported")) {
    i->set_reported_to_police(o.reported);
    paths.push_back("reported_to_police");
  }
  return paths;
}

std::string FourLetters(const v1::Incident& i) {
  std::string out;
  for (int v = v1::FOUR_SIGN_FIXATED; v <= v1::FOUR_SIGN_REPEATED; ++v) {
    bool found = false;
    for (int s : i.four_signs()) found = found || s == v;
    out += found ? EnumName(v1::FourSign_descriptor(), v).substr(0, 1) : "-";
  }
  return out;
}

std::string IncidentText(Cli& cli, const v1::Incident& i) {
  Details d;
  d.AddAlways("Incident", i.name());
  d.AddAlways("When", FormatTimestamp(i.occur_time(), cli.tz));
  d.Add("Where", i.location());
  d.Add("Behaviours", EnumList(v1::Behaviour_descriptor(), i.behaviours()));
  d.Add("FOUR signs", EnumList(v1::FourSign_descriptor(), i.four_signs()));
  d.Add("What happened", i.description());
  d.Add("Impact", i.victim_impact());
  d.Add("Witnesses", i.witnesses());
  d.Add("Reported", FormatTimestamp(i.report_time(), cli.tz));
  if (i.reported_to_police()) d.Add("Reported to police", "yes");
  return d.Render();
}

absl::StatusOr<v1::ListIncidentsResponse> ListPage(
    Cli& cli, const v1::ListIncidentsRequest& request) {
  absl::StatusOr<Client*> c = cli.client();
  if (!c.ok()) return c.status();
  v1::ListIncidentsResponse response;
  absl::Status s = (*c)->Call("ListIncidents", [&](grpc::ClientContext* ctx) {
    return (*c)->cases().ListIncidents(ctx, request, &response);
  });
  if (!s.ok()) return s;
  return response;
}

void AddAdd(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, request_id;
    IncidentOptions incident;
    CLI::App* cmd = nullptr;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "add", "Log an incident on a case.",
      "casebridge --as pc.hughes incident add SP-2026-000123 --when \"yesterday 18:30\" "
      "--behaviour following --where \"outside work\" --note \"Waited by my car\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::AddIncidentRequest request;
        request.set_parent(*name);
        request.set_request_id(o->request_id);
        absl::StatusOr<std::vector<std::string>> paths =
            ApplyIncident(cli, o->incident, o->cmd, request.mutable_incident());
        if (!paths.ok()) return paths.status();
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::Incident response;
        absl::Status s = (*c)->Call("AddIncident", [&](grpc::ClientContext* ctx) {
          return (*c)->cases().AddIncident(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), IncidentText(cli, response));
        return absl::OkStatus();
      });
  o->cmd = cmd;
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  AddIncidentOptions(cmd, &o->incident);
  cmd->get_option("--when")->required();
  cmd->add_option("--request-id", o->request_id,
                  "retrying with the same id adds the incident once");
}

void AddList(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, behaviour, after, before;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "list", "The incident log of a case, newest first.",
      "casebridge --as pc.hughes incident list SP-2026-000123 --after \"2 weeks ago\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        std::vector<std::string> terms;
        if (!o->behaviour.empty()) {
          absl::StatusOr<std::vector<int>> b =
              EnumListArg(v1::Behaviour_descriptor(), {o->behaviour}, "--behaviour",
                          BehaviourAliases());
          if (!b.ok()) return b.status();
          if (b->size() != 1) return UsageError("--behaviour: give one behaviour");
          terms.push_back("behaviour=" + EnumName(v1::Behaviour_descriptor(), (*b)[0]));
        }
        for (auto [text, key, option] :
             {std::tuple{o->after, "occurred_after", "--after"},
              std::tuple{o->before, "occurred_before", "--before"}}) {
          if (text.empty()) continue;
          absl::StatusOr<absl::Time> t = cli.When(text, option);
          if (!t.ok()) return t.status();
          terms.push_back(absl::StrCat(
              key, "=", absl::FormatTime(absl::RFC3339_sec, *t, absl::UTCTimeZone())));
        }
        v1::ListIncidentsRequest request;
        request.set_parent(*name);
        request.set_filter(absl::StrJoin(terms, " AND "));
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<v1::ListIncidentsResponse> response = ListPage(cli, request);
        if (!response.ok()) return response.status();
        Table t({"ID", "WHEN", "BEHAVIOURS", "FOUR", "WHERE", "WHAT HAPPENED"});
        t.SetMaxWidth(2, 36);
        t.SetMaxWidth(4, 24);
        t.SetMaxWidth(5, 50);
        std::vector<std::string> names;
        for (const v1::Incident& i : response->incidents()) {
          t.AddRow({ShortId(i.name()).substr(0, 8),
                    FormatTimestamp(i.occur_time(), cli.tz),
                    EnumList(v1::Behaviour_descriptor(), i.behaviours()), FourLetters(i),
                    i.location(), i.description()});
          names.push_back(i.name());
        }
        cli.EmitList(*response, names, t, "no incidents", response->next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_option("--behaviour", o->behaviour, "only incidents showing this behaviour");
  cmd->add_option("--after", o->after, "only incidents after this time");
  cmd->add_option("--before", o->before, "only incidents before this time");
  AddPaging(cmd, &o->paging);
}

// The incident named by its full name, or by the case and the first
// characters of its id (as `incident list` shows them).
absl::StatusOr<v1::Incident> FindIncident(Cli& cli, const std::string& first,
                                          const std::string& id) {
  std::string case_name;
  std::string wanted;
  if (id.empty()) {
    absl::StatusOr<std::string> n = ChildNameArg(first, "incidents", "INCIDENT");
    if (!n.ok()) return n.status();
    case_name = CaseOfName(*n);
    wanted = ShortId(*n);
  } else {
    absl::StatusOr<std::string> n = CaseNameArg(first, "CASE");
    if (!n.ok()) return n.status();
    case_name = *n;
    wanted = id;
  }
  v1::ListIncidentsRequest request;
  request.set_parent(case_name);
  request.set_page_size(500);
  std::vector<v1::Incident> matches;
  do {
    absl::StatusOr<v1::ListIncidentsResponse> page = ListPage(cli, request);
    if (!page.ok()) return page.status();
    for (const v1::Incident& i : page->incidents()) {
      if (absl::StartsWith(ShortId(i.name()), wanted)) matches.push_back(i);
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) {
    return absl::NotFoundError(absl::StrCat("no incident ", wanted, " on ", case_name));
  }
  return WithField(UsageError(absl::StrCat("\"", wanted, "\" matches ", matches.size(),
                                           " incidents; give more of the id")),
                   "INCIDENT");
}

void AddUpdate(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string first, id;
    IncidentOptions incident;
    CLI::App* cmd = nullptr;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "update",
      "Correct an incident: only the options given change. Name it by CASE and the "
      "id shown by `incident list`, or by its full name.",
      "casebridge --as pc.hughes incident update SP-2026-000123 3f2b9c1a --impact "
      "\"Too frightened to go to work\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<v1::Incident> current = FindIncident(cli, o->first, o->id);
        if (!current.ok()) return current.status();
        v1::UpdateIncidentRequest request;
        *request.mutable_incident() = *current;
        absl::StatusOr<std::vector<std::string>> paths =
            ApplyIncident(cli, o->incident, o->cmd, request.mutable_incident());
        if (!paths.ok()) return paths.status();
        if (paths->empty()) {
          return UsageError("nothing to change: give at least one option, e.g. --note");
        }
        for (const std::string& p : *paths) request.mutable_update_mask()->add_paths(p);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::Incident response;
        absl::Status s = (*c)->Call("UpdateIncident", [&](grpc::ClientContext* ctx) {
          return (*c)->cases().UpdateIncident(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), IncidentText(cli, response));
        return absl::OkStatus();
      });
  o->cmd = cmd;
  cmd->add_option("CASE", o->first, "case reference (or the incident's full name)")
      ->required();
  cmd->add_option("ID", o->id, "the incident id, or its first characters");
  AddIncidentOptions(cmd, &o->incident);
}

}  // namespace

void AddIncidentCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = AddGroup(app, "incident", "The incident log of a case.");
  AddAdd(*group, cli);
  AddList(*group, cli);
  AddUpdate(*group, cli);
}

}  // namespace casebridge::cli
