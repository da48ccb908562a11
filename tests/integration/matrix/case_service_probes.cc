// Probes of CaseService for the access matrix.
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/list_query.h"
#include "domain/validation.h"
#include "tests/integration/matrix/probe.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {
namespace {

using domain::Action;
using Stub = v1::CaseService::Stub;

constexpr char kService[] = "casebridge.v1.CaseService.";
constexpr char kNoSuchChild[] = "00000000-0000-4000-8000-00000000c0de";

std::string M(absl::string_view method) { return absl::StrCat(kService, method); }

std::string CaseEtagOf(ProbeEnv& env) {
  return env.target.exists() ? env.world.CaseEtag(*env.target.info) : "1";
}

v1::Incident NewIncident(ProbeEnv& env) {
  v1::Incident i;
  *i.mutable_occur_time() = domain::ToProtoTime(env.world.Now() - absl::Hours(1));
  i.set_location(env.target.exists() ? IncidentLocation(*env.target.info)
                                     : content::kIncidentLocation);
  i.add_behaviours(v1::BEHAVIOUR_TURNING_UP);
  i.set_description(env.target.exists() ? IncidentDescription(*env.target.info)
                                        : content::kIncidentDescription);
  return i;
}

// Every child a list answers with belongs to the case asked about.
template <typename Items>
std::vector<std::string> ChildrenOf(const ProbeEnv& env, const Items& items) {
  std::vector<std::string> problems;
  for (const auto& item : items) {
    if (!absl::StartsWith(item.name(), absl::StrCat(env.target.name, "/"))) {
      problems.push_back(
          absl::StrCat("lists ", item.name(), ", not a child of ", env.target.name));
    }
  }
  return problems;
}

// An agency the target case is shared with (the sink, with which no case
// is, for a case shared with no one or one that does not exist).
std::string SharedWithOf(const ProbeEnv& env) {
  if (env.target.exists() && !env.target.info->shared_with.empty()) {
    return env.world.Agency(*env.target.info->shared_with.begin());
  }
  return env.world.sink_agency();
}

void RegisterCaseServiceProbes(ProbeRegistry& registry) {
  registry.Add({
      .method = M("CreateCase"),
      .action = Action::kCreateCase,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::CreateCaseRequest req;
            *req.mutable_case_() = World::CaseContent(/*restricted=*/true);
            ProbeResult r =
                Issue(&Stub::CreateCase, env.world.cases(), env.Context(), req);
            if (r.status.ok()) {
              env.world.AddCreatedCase(env.caller, As<v1::Case>(*r.response));
            }
            return r;
          },
  });
  registry.Add({
      .method = M("GetCase"),
      .action = Action::kReadCase,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::GetCaseRequest req;
            req.set_name(env.target.name);
            return Issue(&Stub::GetCase, env.world.cases(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            if (As<v1::Case>(m).name() != env.target.name) {
              problems.push_back("answered with another case");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("GetCase"),
      .variant = "named by reference",
      .action = Action::kReadCase,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::GetCaseRequest req;
            req.set_name(env.target.reference_name);
            return Issue(&Stub::GetCase, env.world.cases(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            if (As<v1::Case>(m).name() != env.target.name) {
              problems.push_back("answered with another case");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("ListCases"),
      .variant = "filtered to the case's reference",
      .action = Action::kListCases,
      .scope = Scope::kListing,
      .run =
          [](ProbeEnv& env) {
            v1::ListCasesRequest req;
            req.set_filter(absl::StrCat(
                "reference=", env.target.reference_name.substr(sizeof("cases/") - 1)));
            return Issue(&Stub::ListCases, env.world.cases(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::ListCasesResponse>(m);
            const bool readable =
                env.target.exists() &&
                env.world.ReadDecision(env.caller, *env.target.info).allowed;
            std::vector<std::string> problems;
            if (resp.cases_size() != (readable ? 1 : 0)) {
              problems.push_back(absl::StrCat("lists ", resp.cases_size(),
                                              " cases, want ", readable ? 1 : 0));
            } else if (readable && resp.cases(0).name() != env.target.name) {
              problems.push_back("lists another case");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("ListCases"),
      .variant = "filtered by an agency the case is shared with",
      // Who else holds a case is for those who read shares (police): for
      // anyone else the filter is refused, whatever it would match.
      .action = Action::kListCasesBySharing,
      .scope = Scope::kListing,
      .run =
          [](ProbeEnv& env) {
            v1::ListCasesRequest req;
            req.set_filter(absl::StrCat(
                "reference=", env.target.reference_name.substr(sizeof("cases/") - 1),
                " AND shared_with=", SharedWithOf(env)));
            return Issue(&Stub::ListCases, env.world.cases(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::ListCasesResponse>(m);
            const bool listed = env.target.exists() &&
                                !env.target.info->shared_with.empty() &&
                                env.world.ReadDecision(env.caller, *env.target.info).allowed;
            std::vector<std::string> problems;
            if (resp.cases_size() != (listed ? 1 : 0)) {
              problems.push_back(absl::StrCat("lists ", resp.cases_size(),
                                              " cases, want ", listed ? 1 : 0));
            } else if (listed && resp.cases(0).name() != env.target.name) {
              problems.push_back("lists another case");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("ListCases"),
      .variant = "every case",
      .action = Action::kListCases,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::ListCasesRequest req;
            req.set_page_size(domain::kMaxPageSize);
            return Issue(&Stub::ListCases, env.world.cases(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::ListCasesResponse>(m);
            std::set<std::string> listed, readable;
            for (const v1::Case& c : resp.cases()) listed.insert(c.name());
            for (const CaseInfo* info : env.world.AllCases()) {
              if (env.world.ReadDecision(env.caller, *info).allowed) {
                readable.insert(info->name);
              }
            }
            std::vector<std::string> problems;
            if (!resp.next_page_token().empty()) {
              problems.push_back("more than one page of cases");
            }
            for (const std::string& name : readable) {
              if (listed.count(name) == 0) {
                problems.push_back(absl::StrCat("does not list ",
                                                env.world.FindCase(name)->situation,
                                                ", which the caller may read"));
              }
            }
            return problems;  // Extra cases are caught by the generic check.
          },
  });
  registry.Add({
      .method = M("UpdateCase"),
      .action = Action::kUpdateCase,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::UpdateCaseRequest req;
            req.mutable_case_()->set_name(env.target.name);
            req.mutable_case_()->set_etag(CaseEtagOf(env));
            req.mutable_case_()->set_summary(content::kSummary);
            req.mutable_update_mask()->add_paths("summary");
            return Issue(&Stub::UpdateCase, env.world.cases(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("CloseCase"),
      .action = Action::kCloseCase,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::CloseCaseRequest req;
            req.set_name(env.target.name);
            req.set_reason("Victim safe; no further action");
            req.set_etag(CaseEtagOf(env));
            ProbeResult r =
                Issue(&Stub::CloseCase, env.world.cases(), env.Context(), req);
            if (r.status.ok()) env.world.ReopenAsOwner(*env.target.info);
            return r;
          },
  });
  registry.Add({
      .method = M("ReopenCase"),
      .action = Action::kReopenCase,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            if (env.target.exists()) env.world.CloseAsOwner(*env.target.info);
            v1::ReopenCaseRequest req;
            req.set_name(env.target.name);
            req.set_reason("New incident reported");
            req.set_etag(CaseEtagOf(env));
            ProbeResult r =
                Issue(&Stub::ReopenCase, env.world.cases(), env.Context(), req);
            if (!r.status.ok() && env.target.exists()) {
              env.world.ReopenAsOwner(*env.target.info);
            }
            return r;
          },
  });
  registry.Add({
      .method = M("SetVictimServicesReferral"),
      .action = Action::kSetVictimServicesReferral,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            // Leaves who the case is shared with as it was: re-refers where
            // victim services see the case, records an opt-out where not.
            v1::SetVictimServicesReferralRequest req;
            req.set_name(env.target.name);
            if (env.target.exists() && env.target.info->shared_with.count("SVG") > 0) {
              req.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED);
              req.set_agency(env.world.Agency("SVG"));
            } else {
              req.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT);
              req.set_reason("Victim declined support");
            }
            req.set_etag(CaseEtagOf(env));
            return Issue(&Stub::SetVictimServicesReferral, env.world.cases(),
                         env.Context(), req);
          },
  });
  registry.Add({
      .method = M("AddIncident"),
      .action = Action::kAddIncident,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::AddIncidentRequest req;
            req.set_parent(env.target.name);
            *req.mutable_incident() = NewIncident(env);
            return Issue(&Stub::AddIncident, env.world.cases(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("ListIncidents"),
      .action = Action::kReadIncidents,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::ListIncidentsRequest req;
            req.set_parent(env.target.name);
            req.set_page_size(domain::kMaxPageSize);
            return Issue(&Stub::ListIncidents, env.world.cases(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::ListIncidentsResponse>(m);
            std::vector<std::string> problems = ChildrenOf(env, resp.incidents());
            if (resp.incidents_size() == 0) problems.push_back("lists no incidents");
            return problems;
          },
  });
  registry.Add({
      .method = M("UpdateIncident"),
      .action = Action::kUpdateIncident,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::UpdateIncidentRequest req;
            if (env.target.exists()) {
              v1::Incident current = env.world.CurrentIncident(*env.target.info);
              req.mutable_incident()->set_name(current.name());
              req.mutable_incident()->set_etag(current.etag());
            } else {
              req.mutable_incident()->set_name(
                  absl::StrCat(env.target.name, "/incidents/", kNoSuchChild));
              req.mutable_incident()->set_etag("1");
            }
            // The fixture's own narrative (naming the victim's address).
            req.mutable_incident()->set_description(
                env.target.exists() ? IncidentDescription(*env.target.info)
                                    : content::kIncidentDescription);
            req.mutable_update_mask()->add_paths("description");
            return Issue(&Stub::UpdateIncident, env.world.cases(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("RecordRiskAssessment"),
      .action = Action::kRecordRiskAssessment,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::RecordRiskAssessmentRequest req;
            req.set_parent(env.target.name);
            // The fixtures' answers: the level stays HIGH.
            req.mutable_assessment()->set_dash_yes_count(15);
            req.mutable_assessment()->set_stalking_question_yes(true);
            return Issue(&Stub::RecordRiskAssessment, env.world.cases(), env.Context(),
                         req);
          },
  });
  registry.Add({
      .method = M("ListRiskAssessments"),
      .action = Action::kReadRiskAssessments,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::ListRiskAssessmentsRequest req;
            req.set_parent(env.target.name);
            return Issue(&Stub::ListRiskAssessments, env.world.cases(), env.Context(),
                         req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::ListRiskAssessmentsResponse>(m);
            std::vector<std::string> problems = ChildrenOf(env, resp.assessments());
            if (resp.assessments_size() == 0) problems.push_back("lists no assessments");
            return problems;
          },
  });
  registry.Add({
      .method = M("FlagCase"),
      .action = Action::kFlagCase,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::FlagCaseRequest req;
            req.set_name(env.target.name);
            req.set_type(v1::FLAG_TYPE_CHILDREN_AT_RISK);
            req.set_reason("Child lives with the victim");
            ProbeResult r = Issue(&Stub::FlagCase, env.world.cases(), env.Context(), req);
            if (r.status.ok()) {
              env.world.UnflagAsOwner(As<v1::CaseFlag>(*r.response).name(),
                                      *env.target.info);
            }
            return r;
          },
  });
  registry.Add({
      .method = M("UnflagCase"),
      .action = Action::kFlagCase,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::string flag =
                env.target.exists()
                    ? env.world.FlagAsOwner(*env.target.info)
                    : absl::StrCat(env.target.name, "/flags/", kNoSuchChild);
            v1::UnflagCaseRequest req;
            req.set_name(flag);
            req.set_reason("Marker reviewed");
            ProbeResult r =
                Issue(&Stub::UnflagCase, env.world.cases(), env.Context(), req);
            if (!r.status.ok() && env.target.exists()) {
              env.world.UnflagAsOwner(flag, *env.target.info);
            }
            return r;
          },
  });
  registry.Add({
      .method = M("GetCaseTimeline"),
      .action = Action::kReadTimeline,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::GetCaseTimelineRequest req;
            req.set_name(env.target.name);
            req.set_page_size(domain::kMaxPageSize);
            return Issue(&Stub::GetCaseTimeline, env.world.cases(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::GetCaseTimelineResponse>(m);
            std::vector<std::string> problems;
            if (resp.entries_size() == 0) problems.push_back("no timeline entries");
            const bool safeguarding =
                env.world.ReadDecision(env.caller, *env.target.info).view ==
                v1::CASE_VIEW_SAFEGUARDING;
            // What partners may see of the history: no incidents, no record
            // of who else the case is shared with, no edits of the record.
            static const std::set<int> kSafeguardingKinds = {
                v1::TIMELINE_ENTRY_KIND_CASE_OPENED,
                v1::TIMELINE_ENTRY_KIND_CASE_CLOSED,
                v1::TIMELINE_ENTRY_KIND_CASE_REOPENED,
                v1::TIMELINE_ENTRY_KIND_RISK_ASSESSMENT,
                v1::TIMELINE_ENTRY_KIND_FLAG_RAISED,
                v1::TIMELINE_ENTRY_KIND_FLAG_CLEARED,
                v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER_IN_FORCE,
                v1::TIMELINE_ENTRY_KIND_SAFEGUARDING,
            };
            for (const v1::TimelineEntry& e : resp.entries()) {
              // Partners see that a risk assessment was recorded, not its
              // name: they cannot read it.
              const bool unnamed = safeguarding &&
                                   e.kind() == v1::TIMELINE_ENTRY_KIND_RISK_ASSESSMENT;
              if (unnamed ? !e.resource().empty()
                          : !absl::StartsWith(e.resource(), env.target.name)) {
                problems.push_back(
                    absl::StrCat("entry about \"", e.resource(), "\", not this case"));
              }
              if (safeguarding && kSafeguardingKinds.count(e.kind()) == 0) {
                problems.push_back(absl::StrCat(
                    "the safeguarding view shows a ",
                    domain::ShortEnumName(v1::TimelineEntryKind_descriptor(), e.kind()),
                    " entry: ", e.summary()));
              }
            }
            return problems;
          },
  });
}

CB_MATRIX_PROBES(RegisterCaseServiceProbes);

}  // namespace
}  // namespace casebridge::matrix
