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

void RegisterAuditServiceProbes(ProbeRegistry& registry) {
  registry.Add({
      .method = M("ListAuditEvents"),
      .variant = "whole log",
      .action = Action::kReadAuditLog,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::ListAuditEventsRequest req;
            req.set_page_size(20);
            return Issue(&Stub::ListAuditEvents, env.world.audit(), env.Context(), req);
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
            if (resp.events_size() == 0) problems.push_back("no events for the case");
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
          [](const ProbeEnv&, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            // At least its owning force has read it.
            if (As<v1::ListCaseAccessResponse>(m).accesses_size() == 0) {
              problems.push_back("no one has read the case, it says");
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
}

CB_MATRIX_PROBES(RegisterAuditServiceProbes);

}  // namespace
}  // namespace casebridge::matrix
