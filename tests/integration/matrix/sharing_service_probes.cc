// Probes of SharingService for the access matrix.
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/list_query.h"
#include "tests/integration/matrix/probe.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {
namespace {

using domain::Action;
using Stub = v1::SharingService::Stub;

constexpr char kNoSuchShare[] = "00000000-0000-4000-8000-00000000c0de";

std::string M(absl::string_view method) {
  return absl::StrCat("casebridge.v1.SharingService.", method);
}

void RegisterSharingServiceProbes(ProbeRegistry& registry) {
  registry.Add({
      .method = M("ShareCase"),
      .action = Action::kShareCase,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            // Shares with an agency no caller belongs to, and withdraws it
            // again, so no caller's relationship to the case changes.
            v1::ShareCaseRequest req;
            req.set_parent(env.target.name);
            req.mutable_share()->set_agency(env.world.sink_agency());
            req.mutable_share()->set_purpose("Housing safeguarding");
            req.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
            ProbeResult r =
                Issue(&Stub::ShareCase, env.world.sharing(), env.Context(), req);
            if (r.status.ok()) {
              env.world.UnshareAsOwner(As<v1::CaseShare>(*r.response).name(),
                                       *env.target.info);
            }
            return r;
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            if (As<v1::CaseShare>(m).agency() != env.world.sink_agency()) {
              problems.push_back("shared with another agency than asked");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("UnshareCase"),
      .action = Action::kUnshareCase,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::string share =
                env.target.exists()
                    ? env.world.ShareWithSinkAsOwner(*env.target.info)
                    : absl::StrCat(env.target.name, "/shares/", kNoSuchShare);
            v1::UnshareCaseRequest req;
            req.set_name(share);
            req.set_reason("Housing move complete");
            ProbeResult r =
                Issue(&Stub::UnshareCase, env.world.sharing(), env.Context(), req);
            if (!r.status.ok() && env.target.exists()) {
              env.world.UnshareAsOwner(share, *env.target.info);
            }
            return r;
          },
  });
  registry.Add({
      .method = M("ListCaseShares"),
      .action = Action::kReadShares,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            v1::ListCaseSharesRequest req;
            req.set_parent(env.target.name);
            req.set_page_size(domain::kMaxPageSize);
            return Issue(&Stub::ListCaseShares, env.world.sharing(), env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            // The active shares are exactly the ones the world set up: the
            // oracle and the server agree on who sees the case.
            std::set<std::string> active, want;
            std::vector<std::string> problems;
            for (const v1::CaseShare& s : As<v1::ListCaseSharesResponse>(m).shares()) {
              if (!absl::StartsWith(s.name(), absl::StrCat(env.target.name, "/"))) {
                problems.push_back(absl::StrCat("lists ", s.name(), " of another case"));
              }
              // Storage fills withdraw_time in even for an active share (an
              // empty Timestamp), so presence cannot tell: its value does.
              if (s.withdraw_time().seconds() == 0 && s.withdraw_time().nanos() == 0) {
                active.insert(s.agency());
              }
            }
            for (const std::string& code : env.target.info->shared_with) {
              want.insert(env.world.Agency(code));
            }
            if (active != want) {
              problems.push_back(absl::StrCat(
                  "active shares with {", absl::StrJoin(active, ", "),
                  "}, but the situation shares with {", absl::StrJoin(want, ", "), "}"));
            }
            return problems;
          },
  });
}

CB_MATRIX_PROBES(RegisterSharingServiceProbes);

}  // namespace
}  // namespace casebridge::matrix
