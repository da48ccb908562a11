// casebridge case ...: open, read, list, change, close and reopen cases;
// the victim-services referral; flags; the timeline.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "casebridge/v1/cases.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"

namespace casebridge::cli {
namespace {

std::string PersonName(const v1::Person& p) {
  if (p.given_name().empty()) return p.family_name();
  if (p.family_name().empty()) return p.given_name();
  return absl::StrCat(p.given_name(), " ", p.family_name());
}

std::string PersonLine(const v1::Person& p) {
  std::string line = PersonName(p);
  std::vector<std::string> extra;
  if (!p.safe_contact().phone().empty()) extra.push_back(p.safe_contact().phone());
  if (!p.safe_contact().email().empty()) extra.push_back(p.safe_contact().email());
  if (!p.safe_contact().safe_contact_notes().empty()) {
    extra.push_back(
        absl::StrCat("safe contact: ", p.safe_contact().safe_contact_notes()));
  }
  if (p.address_restricted()) {
    extra.push_back("RESTRICTED ADDRESS");
  } else if (!p.address().empty()) {
    extra.push_back(p.address());
  }
  if (!extra.empty()) absl::StrAppend(&line, " (", absl::StrJoin(extra, "; "), ")");
  return line;
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

// The FOUR warning signs seen, e.g. "FIXATED, UNWANTED, REPEATED (3 of 4;
// not yet: obsessed)".
std::string FourLine(const v1::CasePattern& p) {
  std::vector<std::string> seen, missing;
  for (int v = v1::FOUR_SIGN_FIXATED; v <= v1::FOUR_SIGN_REPEATED; ++v) {
    bool found = false;
    for (int s : p.four_signs_seen()) found = found || s == v;
    if (found) {
      seen.push_back(EnumName(v1::FourSign_descriptor(), v));
    } else {
      missing.push_back(EnumWords(v1::FourSign_descriptor(), v));
    }
  }
  std::string out = seen.empty() ? "none recorded" : absl::StrJoin(seen, ", ");
  absl::StrAppend(&out, " (", seen.size(), " of 4");
  if (!missing.empty())
    absl::StrAppend(&out, "; not seen: ", absl::StrJoin(missing, ", "));
  out += ")";
  return out;
}

// Partners get the risk indicators without the incident detail behind them.
std::string RenderIndicators(const v1::CasePattern& p) {
  Details d;
  d.AddAlways("Course of conduct", YesNo(p.course_of_conduct()));
  d.AddAlways("Escalation", p.escalating() ? "ESCALATING" : "no");
  d.AddAlways("Rapid escalation", p.rapid_escalation() ? "YES (short history)" : "no");
  d.AddAlways("Highest-risk indicator",
              p.highest_risk_indicator()
                  ? "YES: ex-intimate, threats, and stalking for more than 14 days"
                  : "no");
  return d.Render();
}

std::string RenderPattern(const v1::CasePattern& p, absl::TimeZone tz) {
  Details d;
  std::string incidents = absl::StrCat(p.incident_count());
  if (p.incident_count() > 0) {
    absl::StrAppend(&incidents, " over ", p.duration_days(), " days (first ",
                    FormatTimestamp(p.first_incident_time(), tz), ", last ",
                    FormatTimestamp(p.last_incident_time(), tz), ")");
  }
  d.AddAlways("Incidents", incidents);
  d.AddAlways("Course of conduct", YesNo(p.course_of_conduct()));
  d.AddAlways("FOUR signs", FourLine(p));
  d.Add("Behaviours", EnumList(v1::Behaviour_descriptor(), p.behaviours_seen()));
  d.AddAlways("Last 14 days",
              absl::StrCat(p.incidents_last_14_days(), " incidents (",
                           p.incidents_previous_14_days(), " in the 14 days before)"));
  d.Add("New behaviours", EnumList(v1::Behaviour_descriptor(), p.new_behaviours()));
  d.AddAlways("Escalation", p.escalating()
                                ? absl::StrCat("ESCALATING: ", p.escalation_reason())
                                : "no");
  d.AddAlways("Rapid escalation", p.rapid_escalation() ? "YES (short history)" : "no");
  d.AddAlways("Highest-risk indicator",
              p.highest_risk_indicator()
                  ? "YES: ex-intimate, threats, and stalking for more than 14 days"
                  : "no");
  std::string out = d.Render();
  if (p.recommendations_size() > 0) {
    out += "Recommendations:\n";
    for (const v1::Recommendation& r : p.recommendations()) {
      absl::StrAppend(&out, "  - ", r.text().empty() ? r.code() : r.text(), " [",
                      r.code(), "]\n");
    }
  }
  return out;
}

std::string RenderCase(Cli& cli, const v1::Case& c) {
  Details d;
  d.AddAlways("Case", absl::StrCat(c.reference(), "  (", c.name(), ")"));
  std::string status = EnumName(v1::CaseStatus_descriptor(), c.status());
  if (c.status() == v1::CASE_STATUS_OPEN) {
    absl::StrAppend(&status, " since ", FormatTimestamp(c.open_time(), cli.tz));
  } else if (c.status() == v1::CASE_STATUS_CLOSED) {
    absl::StrAppend(&status, " ", FormatTimestamp(c.close_time(), cli.tz),
                    c.close_reason().empty() ? "" : ": ", c.close_reason());
  }
  d.AddAlways("Status", status);
  d.AddAlways("Risk level", c.risk_level() == v1::RISK_LEVEL_UNSPECIFIED
                                ? "not assessed"
                                : EnumName(v1::RiskLevel_descriptor(), c.risk_level()));
  d.Add("Owning force", cli.AgencyCode(c.owning_agency()));
  d.Add("Officer in charge", c.officer_in_charge());
  d.Add("Victim", PersonLine(c.victim()));
  for (const v1::Person& s : c.suspects()) d.Add("Suspect", PersonLine(s));
  for (const v1::Person& p : c.protected_persons())
    d.Add("Protected person", PersonLine(p));
  d.Add("Relationship", EnumWords(v1::Relationship_descriptor(), c.relationship()));
  d.Add("Typology", EnumWords(v1::StalkerTypology_descriptor(), c.typology()));
  d.Add("Summary", c.summary());
  std::vector<std::string> flags;
  for (const v1::CaseFlag& f : c.flags()) {
    flags.push_back(absl::StrCat(EnumWords(v1::FlagType_descriptor(), f.type()),
                                 f.reason().empty() ? "" : ": ", f.reason()));
  }
  d.AddAlways("Flags", flags.empty() ? "none" : absl::StrJoin(flags, "; "));
  d.AddAlways("Active SPO", YesNo(c.has_active_order()));
  if (c.has_spo_consideration()) {
    d.Add("SPO considered",
          absl::StrCat(YesNo(c.spo_consideration().considered()),
                       c.spo_consideration().reason().empty() ? "" : ": ",
                       c.spo_consideration().reason()));
  }
  if (c.has_victim_services_referral()) {
    const v1::VictimServicesReferral& r = c.victim_services_referral();
    d.Add("Victim services",
          absl::StrCat(EnumWords(v1::VictimServicesReferralState_descriptor(), r.state()),
                       r.agency().empty() ? "" : " to ", cli.AgencyCode(r.agency())));
  }
  d.Add("Lawful basis notes", c.lawful_basis_notes());
  d.AddAlways("View", EnumName(v1::CaseView_descriptor(), c.view()));
  std::string out = d.Render();
  if (c.view() == v1::CASE_VIEW_SAFEGUARDING) {
    out +=
        "(safeguarding view: suspects, incident details and CPS advice stay with "
        "police and the CPS)\n";
  }
  if (c.has_pattern()) {
    const bool partner = c.view() == v1::CASE_VIEW_SAFEGUARDING;
    out += partner ? "\nRisk indicators:\n" : "\nPattern of behaviour:\n";
    std::istringstream lines(partner ? RenderIndicators(c.pattern())
                                     : RenderPattern(c.pattern(), cli.tz));
    for (std::string line; std::getline(lines, line);) out += "  " + line + "\n";
  }
  if (c.restricted_text_to_rewrite_size() > 0) {
    // Only the police get this, after restricting an address that text
    // already on the case names.
    out +=
        "\nThe address is now restricted, but agencies outside the police read text "
        "that names it.\nRewrite each (\"the victim's home\", or what the place is); "
        "until then they see [restricted]:\n";
    Table t({"RESOURCE", "FIELD", "HOLDS"});
    for (const v1::RestrictedTextFinding& f : c.restricted_text_to_rewrite()) {
      t.AddRow({f.resource(), f.field(), f.part()});
    }
    out += t.Render();
  }
  return out;
}

absl::StatusOr<v1::Case> FetchCase(Cli& cli, const std::string& name) {
  absl::StatusOr<Client*> c = cli.client();
  if (!c.ok()) return c.status();
  v1::GetCaseRequest request;
  request.set_name(name);
  v1::Case response;
  absl::Status s = (*c)->Call("GetCase", [&](grpc::ClientContext* ctx) {
    return (*c)->cases().GetCase(ctx, request, &response);
  });
  if (!s.ok()) return s;
  return response;
}

// The etag to send: --etag if given, else the case's current one.
absl::StatusOr<std::string> EtagOf(Cli& cli, const std::string& name,
                                   const std::string& given) {
  if (!given.empty()) return given;
  absl::StatusOr<v1::Case> c = FetchCase(cli, name);
  if (!c.ok()) return c.status();
  return c->etag();
}

// Options that describe the case's content (create and update).
struct CaseContent {
  std::string victim, victim_phone, victim_email, safe_contact, victim_address,
      victim_dob;
  bool address_restricted = false;
  std::vector<std::string> suspects, protects;
  std::string relationship, typology, summary, officer, lawful_basis;
  bool spo_considered = false;
  std::string spo_reason;
};

void AddContentOptions(CLI::App* cmd, CaseContent* o) {
  cmd->add_option("--victim", o->victim, "victim's name, e.g. \"Alex Morgan\"");
  cmd->add_option("--victim-phone", o->victim_phone, "victim's safe phone number");
  cmd->add_option("--victim-email", o->victim_email, "victim's safe email");
  cmd->add_option("--safe-contact", o->safe_contact,
                  "when and how it is safe to contact the victim");
  cmd->add_option("--victim-address", o->victim_address, "victim's address");
  cmd->add_flag("--address-restricted", o->address_restricted,
                "the victim relocated: never show the address outside police");
  cmd->add_option("--victim-dob", o->victim_dob, "victim's date of birth (YYYY-MM-DD)");
  cmd->add_option("--suspect", o->suspects, "suspect's name (repeat for several)")
      ->allow_extra_args(false);
  cmd->add_option("--protects", o->protects,
                  "another person to protect (repeat for several)")
      ->allow_extra_args(false);
  cmd->add_option("--relationship", o->relationship,
                  "victim to suspect: " + EnumChoices(v1::Relationship_descriptor()));
  cmd->add_option("--typology", o->typology,
                  "stalker typology: " + EnumChoices(v1::StalkerTypology_descriptor()));
  cmd->add_option("--summary", o->summary, "what the case is about");
  cmd->add_option("--officer", o->officer,
                  "officer in charge (users/{id}, a username, or me)");
  cmd->add_option("--lawful-basis", o->lawful_basis, "lawful basis notes for sharing");
  cmd->add_flag("--spo-considered", o->spo_considered,
                "a Stalking Protection Order was considered");
  cmd->add_option("--spo-reason", o->spo_reason, "why an SPO is or is not being pursued");
}

v1::Person NewPerson(const std::string& full_name) {
  v1::Person p;
  auto [given, family] = SplitPersonName(full_name);
  p.set_given_name(given);
  p.set_family_name(family);
  return p;
}

// Applies the options given to `c`; returns the update_mask paths they touch.
absl::StatusOr<std::vector<std::string>> ApplyContent(Cli& cli, const CaseContent& o,
                                                      CLI::App* cmd, v1::Case* c) {
  std::vector<std::string> paths;
  auto given = [&](const char* option) { return cmd->count(option) > 0; };
  bool victim = false;
  v1::Person* v = c->mutable_victim();
  if (given("--victim")) {
    auto [g, f] = SplitPersonName(o.victim);
    v->set_given_name(g);
    v->set_family_name(f);
    victim = true;
  }
  if (given("--victim-phone")) {
    v->mutable_safe_contact()->set_phone(o.victim_phone);
    victim = true;
  }
  if (given("--victim-email")) {
    v->mutable_safe_contact()->set_email(o.victim_email);
    victim = true;
  }
  if (given("--safe-contact")) {
    v->mutable_safe_contact()->set_safe_contact_notes(o.safe_contact);
    victim = true;
  }
  if (given("--victim-address")) {
    v->set_address(o.victim_address);
    victim = true;
  }
  if (given("--address-restricted")) {
    v->set_address_restricted(o.address_restricted);
    victim = true;
  }
  if (given("--victim-dob")) {
    absl::StatusOr<v1::Date> dob = cli.Day(o.victim_dob, "--victim-dob");
    if (!dob.ok()) return dob.status();
    *v->mutable_date_of_birth() = *dob;
    victim = true;
  }
  if (victim) paths.push_back("victim");
  if (given("--suspect")) {
    for (const std::string& s : o.suspects) *c->add_suspects() = NewPerson(s);
    paths.push_back("suspects");
  }
  if (given("--protects")) {
    for (const std::string& s : o.protects) *c->add_protected_persons() = NewPerson(s);
    paths.push_back("protected_persons");
  }
  if (given("--relationship")) {
    absl::StatusOr<int> r =
        EnumArg(v1::Relationship_descriptor(), o.relationship, "--relationship");
    if (!r.ok()) return r.status();
    c->set_relationship(static_cast<v1::Relationship>(*r));
    paths.push_back("relationship");
  }
  if (given("--typology")) {
    absl::StatusOr<int> t =
        EnumArg(v1::StalkerTypology_descriptor(), o.typology, "--typology");
    if (!t.ok()) return t.status();
    c->set_typology(static_cast<v1::StalkerTypology>(*t));
    paths.push_back("typology");
  }
  if (given("--summary")) {
    c->set_summary(o.summary);
    paths.push_back("summary");
  }
  if (given("--officer")) {
    absl::StatusOr<std::string> officer = cli.UserName(o.officer, "--officer");
    if (!officer.ok()) return officer.status();
    c->set_officer_in_charge(*officer);
    paths.push_back("officer_in_charge");
  }
  if (given("--lawful-basis")) {
    c->set_lawful_basis_notes(o.lawful_basis);
    paths.push_back("lawful_basis_notes");
  }
  if (given("--spo-considered") || given("--spo-reason")) {
    c->mutable_spo_consideration()->set_considered(o.spo_considered);
    c->mutable_spo_consideration()->set_reason(o.spo_reason);
    paths.push_back("spo_consideration");
  }
  return paths;
}

Table CaseTable(Cli& cli, const google::protobuf::RepeatedPtrField<v1::Case>& cases) {
  Table t(
      {"REFERENCE", "STATUS", "RISK", "VICTIM", "FLAGS", "VIEW", "OPENED", "UPDATED"});
  for (const v1::Case& c : cases) {
    std::vector<std::string> flags;
    for (const v1::CaseFlag& f : c.flags()) {
      flags.push_back(EnumWords(v1::FlagType_descriptor(), f.type()));
    }
    std::string risk = EnumName(v1::RiskLevel_descriptor(), c.risk_level());
    if (c.pattern().highest_risk_indicator()) risk += " !";
    t.AddRow({c.reference(), EnumName(v1::CaseStatus_descriptor(), c.status()),
              risk.empty() ? "-" : risk, PersonName(c.victim()),
              absl::StrJoin(flags, ", "), EnumName(v1::CaseView_descriptor(), c.view()),
              FormatTimestamp(c.open_time(), cli.tz),
              FormatTimestamp(c.update_time(), cli.tz)});
  }
  t.SetMaxWidth(3, 30);
  return t;
}

void EmitCase(Cli& cli, const v1::Case& c) { cli.Emit(c, c.name(), RenderCase(cli, c)); }

// ---- commands -------------------------------------------------------------

void AddCreate(CLI::App& group, Cli& cli) {
  struct Opts {
    CaseContent content;
    std::string request_id;
    CLI::App* cmd = nullptr;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "create", "Open a case (police of the owning force).",
      "casebridge --as pc.hughes case create --victim \"Alex Morgan\" "
      "--victim-phone \"07700 900123\" --suspect \"Sam Carter\" "
      "--relationship ex-intimate --summary \"Following since the break-up\"",
      [&cli, o]() -> absl::Status {
        v1::CreateCaseRequest request;
        request.set_request_id(o->request_id);
        absl::StatusOr<std::vector<std::string>> paths =
            ApplyContent(cli, o->content, o->cmd, request.mutable_case_());
        if (!paths.ok()) return paths.status();
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::Case response;
        absl::Status s = (*c)->Call("CreateCase", [&](grpc::ClientContext* ctx) {
          return (*c)->cases().CreateCase(ctx, request, &response);
        });
        if (!s.ok()) return s;
        EmitCase(cli, response);
        return absl::OkStatus();
      });
  o->cmd = cmd;
  AddContentOptions(cmd, &o->content);
  cmd->get_option("--victim")->required();
  cmd->add_option("--request-id", o->request_id,
                  "retrying with the same id returns the first case instead of a second");
}

void AddGet(CLI::App& group, Cli& cli) {
  auto case_arg = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(
      group, cli, "get",
      "Show a case: people, risk, flags, and the pattern of behaviour (FOUR signs, "
      "escalation, highest-risk indicator, recommendations). Partners see the "
      "safeguarding view.",
      "casebridge --as pc.hughes case get SP-2026-000123",
      [&cli, case_arg]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(*case_arg, "CASE");
        if (!name.ok()) return name.status();
        absl::StatusOr<v1::Case> c = FetchCase(cli, *name);
        if (!c.ok()) return c.status();
        EmitCase(cli, *c);
        return absl::OkStatus();
      });
  cmd->add_option("CASE", *case_arg, "case reference or name")->required();
}

void AddList(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string status, risk, officer, shared_with, updated_since, reference, filter;
    bool active_order = false;
    Paging paging;
    CLI::App* cmd = nullptr;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "list", "List the cases you can see (newest activity first).",
      "casebridge --as pc.hughes case list --risk high --status open",
      [&cli, o]() -> absl::Status {
        std::vector<std::string> terms;
        if (!o->status.empty()) {
          absl::StatusOr<int> v =
              EnumArg(v1::CaseStatus_descriptor(), o->status, "--status");
          if (!v.ok()) return v.status();
          terms.push_back("status=" + EnumName(v1::CaseStatus_descriptor(), *v));
        }
        if (!o->risk.empty()) {
          absl::StatusOr<int> v = EnumArg(v1::RiskLevel_descriptor(), o->risk, "--risk");
          if (!v.ok()) return v.status();
          terms.push_back("risk_level=" + EnumName(v1::RiskLevel_descriptor(), *v));
        }
        if (!o->officer.empty()) {
          absl::StatusOr<std::string> u = cli.UserName(o->officer, "--officer");
          if (!u.ok()) return u.status();
          terms.push_back("officer=" + *u);
        }
        if (!o->shared_with.empty()) {
          absl::StatusOr<std::string> a = cli.AgencyName(o->shared_with, "--shared-with");
          if (!a.ok()) return a.status();
          terms.push_back("shared_with=" + *a);
        }
        if (o->cmd->count("--active-order") > 0) terms.push_back("has_active_order=true");
        if (!o->updated_since.empty()) {
          absl::StatusOr<absl::Time> t = cli.When(o->updated_since, "--updated-since");
          if (!t.ok()) return t.status();
          terms.push_back("updated_since=" +
                          absl::FormatTime(absl::RFC3339_sec, *t, absl::UTCTimeZone()));
        }
        if (!o->reference.empty()) terms.push_back("reference=" + o->reference);
        if (!o->filter.empty()) terms.push_back(o->filter);
        v1::ListCasesRequest request;
        request.set_filter(absl::StrJoin(terms, " AND "));
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListCasesResponse response;
        absl::Status s = (*c)->Call("ListCases", [&](grpc::ClientContext* ctx) {
          return (*c)->cases().ListCases(ctx, request, &response);
        });
        if (!s.ok()) return s;
        std::vector<std::string> names;
        for (const v1::Case& x : response.cases()) names.push_back(x.name());
        cli.EmitList(response, names, CaseTable(cli, response.cases()), "no cases",
                     response.next_page_token());
        return absl::OkStatus();
      });
  o->cmd = cmd;
  cmd->add_option("--status", o->status, "open or closed");
  cmd->add_option("--risk", o->risk, "standard, medium or high");
  cmd->add_option("--officer", o->officer, "officer in charge (users/{id} or me)");
  cmd->add_option("--shared-with", o->shared_with,
                  "agency code, e.g. SOTCC (police only: who else holds a case)");
  cmd->add_flag("--active-order", o->active_order, "only cases with an active SPO");
  cmd->add_option("--updated-since", o->updated_since, "e.g. \"2 days ago\"");
  cmd->add_option("--reference", o->reference, "a case reference");
  cmd->add_option("--filter", o->filter, "raw filter terms, e.g. \"risk_level=HIGH\"");
  AddPaging(cmd, &o->paging);
}

void AddUpdate(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, etag;
    CaseContent content;
    CLI::App* cmd = nullptr;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "update",
      "Change a case's record: only the options given change. Lists given "
      "(--suspect, --protects) replace the whole list.",
      "casebridge --as pc.hughes case update SP-2026-000123 --typology rejected "
      "--spo-considered --spo-reason \"Applying for an interim order\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        absl::StatusOr<v1::Case> current = FetchCase(cli, *name);
        if (!current.ok()) return current.status();
        v1::UpdateCaseRequest request;
        *request.mutable_case_() = *current;
        if (o->cmd->count("--suspect") > 0) request.mutable_case_()->clear_suspects();
        if (o->cmd->count("--protects") > 0)
          request.mutable_case_()->clear_protected_persons();
        absl::StatusOr<std::vector<std::string>> paths =
            ApplyContent(cli, o->content, o->cmd, request.mutable_case_());
        if (!paths.ok()) return paths.status();
        if (paths->empty()) {
          return UsageError(
              "nothing to change: give at least one option, e.g. --summary");
        }
        if (!o->etag.empty()) request.mutable_case_()->set_etag(o->etag);
        for (const std::string& p : *paths) request.mutable_update_mask()->add_paths(p);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::Case response;
        absl::Status s = (*c)->Call("UpdateCase", [&](grpc::ClientContext* ctx) {
          return (*c)->cases().UpdateCase(ctx, request, &response);
        });
        if (!s.ok()) return s;
        EmitCase(cli, response);
        return absl::OkStatus();
      });
  o->cmd = cmd;
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  AddContentOptions(cmd, &o->content);
  cmd->add_option("--etag", o->etag,
                  "fail (exit 5) if the case changed since you read this etag");
}

// close and reopen share their shape.
void AddCloseOrReopen(CLI::App& group, Cli& cli, bool close) {
  struct Opts {
    std::string case_arg, reason, etag;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, close ? "close" : "reopen",
      close ? "Close a case, with the reason." : "Reopen a closed case, with the reason.",
      close ? "casebridge --as pc.hughes case close SP-2026-000123 --reason \"Suspect "
              "convicted; restraining order made\""
            : "casebridge --as pc.hughes case reopen SP-2026-000123 --reason \"New "
              "incidents reported\"",
      [&cli, o, close]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        absl::StatusOr<std::string> etag = EtagOf(cli, *name, o->etag);
        if (!etag.ok()) return etag.status();
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::Case response;
        absl::Status s;
        if (close) {
          v1::CloseCaseRequest request;
          request.set_name(*name);
          request.set_reason(o->reason);
          request.set_etag(*etag);
          s = (*c)->Call("CloseCase", [&](grpc::ClientContext* ctx) {
            return (*c)->cases().CloseCase(ctx, request, &response);
          });
        } else {
          v1::ReopenCaseRequest request;
          request.set_name(*name);
          request.set_reason(o->reason);
          request.set_etag(*etag);
          s = (*c)->Call("ReopenCase", [&](grpc::ClientContext* ctx) {
            return (*c)->cases().ReopenCase(ctx, request, &response);
          });
        }
        if (!s.ok()) return s;
        EmitCase(cli, response);
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_option("--reason", o->reason, "why")->required();
  cmd->add_option("--etag", o->etag, "fail (exit 5) if the case changed since this etag");
}

void AddVictimServices(CLI::App& group, Cli& cli, bool refer) {
  struct Opts {
    std::string case_arg, agency, reason, etag;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, refer ? "refer-victim-services" : "opt-out",
      refer ? "Refer the victim to a victim service (shares the safeguarding view "
              "with it, instead of a service referred to before)."
            : "Record that the victim opted out of victim services (withdraws every "
              "share with them until the victim self-refers).",
      refer ? "casebridge --as pc.hughes case refer-victim-services SP-2026-000123 "
              "--agency SVG --reason \"Victim agreed to support\""
            : "casebridge --as pc.hughes case opt-out SP-2026-000123 --reason "
              "\"Victim declined support\"",
      [&cli, o, refer]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::SetVictimServicesReferralRequest request;
        request.set_name(*name);
        request.set_state(refer ? v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED
                                : v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT);
        if (refer) {
          absl::StatusOr<std::string> agency = cli.AgencyName(o->agency, "--agency");
          if (!agency.ok()) return agency.status();
          request.set_agency(*agency);
        }
        request.set_reason(o->reason);
        absl::StatusOr<std::string> etag = EtagOf(cli, *name, o->etag);
        if (!etag.ok()) return etag.status();
        request.set_etag(*etag);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::Case response;
        absl::Status s =
            (*c)->Call("SetVictimServicesReferral", [&](grpc::ClientContext* ctx) {
              return (*c)->cases().SetVictimServicesReferral(ctx, request, &response);
            });
        if (!s.ok()) return s;
        EmitCase(cli, response);
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  if (refer) {
    cmd->add_option("--agency", o->agency, "the victim service, e.g. SVG")->required();
  }
  cmd->add_option("--reason", o->reason, "why / what the victim said");
  cmd->add_option("--etag", o->etag, "fail (exit 5) if the case changed since this etag");
}

std::string FlagText(Cli& cli, const v1::CaseFlag& f) {
  Details d;
  d.AddAlways("Flag", f.name());
  d.AddAlways("Type", EnumWords(v1::FlagType_descriptor(), f.type()));
  d.Add("Reason", f.reason());
  d.Add("Raised", FormatTimestamp(f.raise_time(), cli.tz));
  d.Add("Cleared", FormatTimestamp(f.clear_time(), cli.tz));
  d.Add("Clear reason", f.clear_reason());
  return d.Render();
}

void AddFlag(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, type, reason;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "flag", "Raise a flag on a case (e.g. weapons, restricted address).",
      "casebridge --as pc.hughes case flag SP-2026-000123 --type weapons --reason "
      "\"Suspect known to carry a knife\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        absl::StatusOr<int> type = EnumArg(v1::FlagType_descriptor(), o->type, "--type");
        if (!type.ok()) return type.status();
        v1::FlagCaseRequest request;
        request.set_name(*name);
        request.set_type(static_cast<v1::FlagType>(*type));
        request.set_reason(o->reason);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::CaseFlag response;
        absl::Status s = (*c)->Call("FlagCase", [&](grpc::ClientContext* ctx) {
          return (*c)->cases().FlagCase(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), FlagText(cli, response));
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_option("--type", o->type, EnumChoices(v1::FlagType_descriptor()))->required();
  cmd->add_option("--reason", o->reason, "why")->required();
}

void AddUnflag(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, flag, reason;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "unflag", "Clear a raised flag, given by its type or its name.",
      "casebridge --as pc.hughes case unflag SP-2026-000123 weapons --reason "
      "\"Knife recovered\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        std::string flag_name = o->flag;
        if (flag_name.find('/') == std::string::npos) {
          absl::StatusOr<int> type = EnumArg(v1::FlagType_descriptor(), o->flag, "FLAG");
          if (!type.ok()) return type.status();
          absl::StatusOr<v1::Case> c = FetchCase(cli, *name);
          if (!c.ok()) return c.status();
          flag_name.clear();
          for (const v1::CaseFlag& f : c->flags()) {
            if (f.type() == *type) flag_name = f.name();
          }
          if (flag_name.empty()) {
            return WithField(UsageError(absl::StrCat(
                                 "the case has no raised ",
                                 EnumWords(v1::FlagType_descriptor(), *type), " flag")),
                             "FLAG");
          }
        }
        v1::UnflagCaseRequest request;
        request.set_name(flag_name);
        request.set_reason(o->reason);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::CaseFlag response;
        absl::Status s = (*c)->Call("UnflagCase", [&](grpc::ClientContext* ctx) {
          return (*c)->cases().UnflagCase(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), FlagText(cli, response));
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_option("FLAG", o->flag, "flag type (e.g. weapons) or flag name")->required();
  cmd->add_option("--reason", o->reason, "why it no longer applies");
}

void AddTimeline(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "timeline",
      "What happened on a case, oldest first (as your view allows).",
      "casebridge --as pc.hughes case timeline SP-2026-000123",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::GetCaseTimelineRequest request;
        request.set_name(*name);
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::GetCaseTimelineResponse response;
        absl::Status s = (*c)->Call("GetCaseTimeline", [&](grpc::ClientContext* ctx) {
          return (*c)->cases().GetCaseTimeline(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Table t({"WHEN", "WHAT", "SUMMARY"});
        t.SetMaxWidth(2, 80);
        std::vector<std::string> names;
        for (const v1::TimelineEntry& e : response.entries()) {
          t.AddRow({FormatTimestamp(e.time(), cli.tz),
                    EnumWords(v1::TimelineEntryKind_descriptor(), e.kind()),
                    e.summary()});
          names.push_back(e.resource());
        }
        cli.EmitList(response, names, t, "nothing on the timeline",
                     response.next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  AddPaging(cmd, &o->paging);
}

}  // namespace

void AddCaseCommands(CLI::App& app, Cli& cli) {
  CLI::App* group =
      AddGroup(app, "case", "Stalking cases: open, read, list, change, close.");
  AddCreate(*group, cli);
  AddGet(*group, cli);
  AddList(*group, cli);
  AddUpdate(*group, cli);
  AddCloseOrReopen(*group, cli, /*close=*/true);
  AddCloseOrReopen(*group, cli, /*close=*/false);
  AddVictimServices(*group, cli, /*refer=*/true);
  AddVictimServices(*group, cli, /*refer=*/false);
  AddFlag(*group, cli);
  AddUnflag(*group, cli);
  AddTimeline(*group, cli);
}

}  // namespace casebridge::cli
