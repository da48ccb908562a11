// Probes of AuditService for the access matrix.
#include "absl/strings/str_cat.h"
#include "tests/integration/matrix/probe.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {
namespace {

using domain::Action;
using Stub = v1::AuditService::Stub;

std::string M(absl::string_view method) {
  return absl::StrCat("casebridge.v1.AuditService.", method);
}

// Whether the caller reads every agency's events (a national auditor).
bool ReachesEveryAgency(const ProbeEnv& env, domain::Relationship relationship,
                        Action action) {
  return domain::Decide(env.caller.principal, relationship, action).reach ==
         domain::Reach::kEveryAgency;
}

// An agency's own audit: events of its own users, or of cases it owns.
std::vector<std::string> OutsideTheCallersAgency(const ProbeEnv& env,
                                                 const v1::ListAuditEventsResponse& resp) {
  std::vector<std::string> problems;
  for (const v1::AuditEvent& e : resp.events()) {
    if (e.agency() == env.caller.principal.agency_id) continue;
    const CaseInfo* info = e.case_().empty() ? nullptr : env.world.FindCase(e.case_());
    if (info != nullptr && env.world.Agency(info->owner_code) == env.caller.principal.agency_id) {
      continue;
    }
    problems.push_back(absl::StrCat("event ", e.name(), " (", e.username(), " of ",
                                    e.agency(), " on ", e.case_(),
                                    ") is another agency's business"));
  }
  return problems;
}

void RegisterAuditServiceProbes(ProbeRegistry& registry) {
  registry.Add({
      .method = M("ListAuditEvents"),
      .variant = "whole log",
      .action = Action::kReadAuditLog,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::ListAuditEventsRequest req;
            req.set_page_size(200);
            return Issue(&Stub::ListAuditEvents, env.world.audit(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::ListAuditEventsResponse>(m);
            std::vector<std::string> problems;
            if (resp.events_size() == 0) problems.push_back("no events at all");
            if (ReachesEveryAgency(env, domain::Relationship::kNoCase,
                                   Action::kReadAuditLog)) {
              return problems;
            }
            for (std::string& p : OutsideTheCallersAgency(env, resp)) {
              problems.push_back(std::move(p));
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("ListAuditEvents"),
      .variant = "filtered to one case",
      .action = Action::kReadAuditLog,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::ListAuditEventsRequest req;
            req.set_page_size(20);
            req.set_filter(absl::StrCat("case=", env.target.name));
            return Issue(&Stub::ListAuditEvents, env.world.audit(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            const auto& resp = As<v1::ListAuditEventsResponse>(m);
            const domain::Relationship relationship =
                env.world.RelationshipOf(env.caller, *env.target.info);
            if (relationship == domain::Relationship::kOwningForce ||
                ReachesEveryAgency(env, relationship, Action::kReadAuditLog)) {
              if (resp.events_size() == 0) problems.push_back("no events for the case");
            } else {
              for (std::string& p : OutsideTheCallersAgency(env, resp)) {
                problems.push_back(std::move(p));
              }
            }
            for (const v1::AuditEvent& e : resp.events()) {
              if (e.case_() != env.target.name) {
                problems.push_back(absl::StrCat("event ", e.name(), " is about ",
                                                e.case_(), ", not this case"));
              }
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("ListCaseAccess"),
      .action = Action::kReadCaseAccess,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::ListCaseAccessRequest req;
            req.set_name(env.target.name);
            return Issue(&Stub::ListCaseAccess, env.world.audit(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            const auto& resp = As<v1::ListCaseAccessResponse>(m);
            const domain::Relationship relationship =
                env.world.RelationshipOf(env.caller, *env.target.info);
            if (relationship == domain::Relationship::kOwningForce ||
                ReachesEveryAgency(env, relationship, Action::kReadCaseAccess)) {
              // At least its owning force has read it.
              if (resp.accesses_size() == 0) {
                problems.push_back("no one has read the case, it says");
              }
              return problems;
            }
            // An agency the case is shared with sees its own people only.
            for (const v1::CaseAccess& a : resp.accesses()) {
              if (a.agency() != env.caller.principal.agency_id) {
                problems.push_back(absl::StrCat("shows ", a.username(), " of ",
                                                a.agency_display_name()));
              }
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("VerifyAuditLog"),
      .action = Action::kVerifyAuditLog,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            return Issue(&Stub::VerifyAuditLog, env.world.audit(), env.Context(),
                         v1::VerifyAuditLogRequest());
          },
      .verify =
          [](const ProbeEnv&, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            const auto& resp = As<v1::VerifyAuditLogResponse>(m);
            if (!resp.ok()) {
              problems.push_back(
                  absl::StrCat("the audit chain does not verify: ", resp.detail()));
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("GetAuditCheckpoint"),
      .action = Action::kVerifyAuditLog,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            return Issue(&Stub::GetAuditCheckpoint, env.world.audit(), env.Context(),
                         v1::GetAuditCheckpointRequest());
          },
  });
  registry.Add({
      .method = M("GetAuditTreeHead"),
      .action = Action::kVerifyAuditLog,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            return Issue(&Stub::GetAuditTreeHead, env.world.audit(), env.Context(),
                         v1::GetAuditTreeHeadRequest());
          },
      .verify =
          [](const ProbeEnv&, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            const auto& head = As<v1::AuditTreeHead>(m);
            if (head.root_hash().size() != 32 || head.signature().size() != 64) {
              problems.push_back("the tree head has no root or no signature");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("ProveAuditEvent"),
      .action = Action::kReadAuditLog,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            // An event within every permitted caller's reach: one of its
            // own, about no case.
            ProbeResult made = Issue(&Stub::GetAuditCheckpoint, env.world.audit(),
                                     env.Context(), v1::GetAuditCheckpointRequest());
            (void)made;
            test_support::TestServer& server = env.world.server();
            (void)server.app().audit_log().SealPending(absl::Now() + absl::Seconds(30));
            absl::StatusOr<std::string> seq = server.Query(absl::StrCat(
                "SELECT coalesce(max(s.seq), 1) FROM audit_seals s JOIN audit_events e "
                "ON e.id = s.event_id WHERE e.username = '",
                env.caller.username, "' AND e.case_id IS NULL"));
            v1::ProveAuditEventRequest req;
            req.set_sequence(seq.ok() ? std::stoll(*seq) : 1);
            return Issue(&Stub::ProveAuditEvent, env.world.audit(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv&, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            const auto& proof = As<v1::AuditEventProof>(m);
            if (proof.entry().empty() || !proof.has_tree_head()) {
              problems.push_back("the proof has no entry or no head");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("GetAuditConsistencyProof"),
      .action = Action::kVerifyAuditLog,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::GetAuditConsistencyProofRequest req;
            req.set_old_size(1);
            return Issue(&Stub::GetAuditConsistencyProof, env.world.audit(), env.Context(),
                         req);
          },
  });
  registry.Add({
      .method = M("ListAuditSigningKeys"),
      .action = Action::kVerifyAuditLog,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            return Issue(&Stub::ListAuditSigningKeys, env.world.audit(), env.Context(),
                         v1::ListAuditSigningKeysRequest());
          },
  });
}

CB_MATRIX_PROBES(RegisterAuditServiceProbes);

}  // namespace
}  // namespace casebridge::matrix
