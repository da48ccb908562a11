// The whole access matrix through real gRPC calls: every RPC of every served
// service (one probe or more per method, tests/integration/matrix/*_probes.cc)
// x every caller (one per role and agency kind, another force, a user with
// two roles) x every case situation (owning force, another force, shared
// explicitly, shared with another partner only, withdrawn, referred to
// victim services, opted out, a restricted and a non-restricted address, a
// case that does not exist), plus no token, a revoked token and a disabled
// user's token for every probe.
//
// The expected answer of every cell comes from the policy table
// (domain::Decide); the table itself is unit-tested against the spec. Every
// response is checked for the view and fields of every case it carries, and
// scanned for a restricted address, suspect details and case content the
// caller must never receive.
#include <chrono>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "casebridge/v1/charging.pb.h"
#include "casebridge/v1/echo.pb.h"
#include "casebridge/v1/protection_orders.pb.h"
#include "casebridge/v1/safeguarding.pb.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "spdlog/spdlog.h"
#include "tests/integration/matrix/checks.h"
#include "tests/integration/matrix/probe.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {
namespace {

using google::protobuf::FileDescriptor;
using google::protobuf::ServiceDescriptor;

// Services that are implemented today: the matrix must cover them.
constexpr const char* kRequiredServices[] = {
    "casebridge.v1.AdminService", "casebridge.v1.CaseService",
    "casebridge.v1.SharingService", "casebridge.v1.AuditService",
    "casebridge.v1.SafeguardingService", "casebridge.v1.ChargingService",
    "casebridge.v1.ProtectionOrderService"};

// Every proto file of the API (a message from each, to reach its services).
std::vector<const FileDescriptor*> ApiFiles() {
  return {v1::Agency::descriptor()->file(),
          v1::Case::descriptor()->file(),
          v1::CaseShare::descriptor()->file(),
          v1::AuditEvent::descriptor()->file(),
          v1::ProtectionOrder::descriptor()->file(),
          v1::ChargingFile::descriptor()->file(),
          v1::SafeguardingAction::descriptor()->file(),
          v1::EchoRequest::descriptor()->file()};
}

// Whether the server serves `method`: an unregistered method is UNIMPLEMENTED
// before any handler runs; a registered one refuses the missing token.
grpc::StatusCode CallWithoutToken(const std::shared_ptr<grpc::Channel>& channel,
                                  const google::protobuf::MethodDescriptor* method) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context,
                 absl::StrCat("/", method->service()->full_name(), "/", method->name()),
                 grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  return done.get_future().get().error_code();
}

TEST(AccessMatrixCoverageTest, EveryMethodOfEveryServedServiceHasAProbe) {
  auto server = test_support::TestServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  std::set<std::string> probed;
  for (const Probe& p : ProbeRegistry::Get().probes()) probed.insert(p.method);
  std::set<std::string> required(std::begin(kRequiredServices),
                                 std::end(kRequiredServices));
  std::set<std::string> known_methods;
  for (const FileDescriptor* file : ApiFiles()) {
    for (int s = 0; s < file->service_count(); ++s) {
      const ServiceDescriptor* service = file->service(s);
      bool served = CallWithoutToken((*server)->channel(), service->method(0)) !=
                    grpc::StatusCode::UNIMPLEMENTED;
      EXPECT_TRUE(served || required.count(service->full_name()) == 0)
          << service->full_name() << " is not served";
      std::vector<std::string> missing;
      for (int m = 0; m < service->method_count(); ++m) {
        const std::string name = service->method(m)->full_name();
        known_methods.insert(name);
        if (served && probed.count(name) == 0) missing.push_back(name);
      }
      if (!served) {
        std::cout << "[matrix] " << service->full_name()
                  << " is not served (yet): no probes required\n";
      }
      EXPECT_TRUE(missing.empty())
          << service->full_name() << " is served but these methods have no probe "
          << "in tests/integration/matrix/: " << absl::StrJoin(missing, ", ")
          << ". Add a <service>_probes.cc registering one probe per method.";
    }
  }
  for (const std::string& name : probed) {
    EXPECT_TRUE(known_methods.count(name) > 0) << "a probe names no method: " << name;
  }
}

// --- The matrix ------------------------------------------------------------

enum class Outcome { kAllowed, kNotFound, kPermissionDenied, kUnauthenticated };

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAllowed:
      return "allowed (OK)";
    case Outcome::kNotFound:
      return "NOT_FOUND";
    case Outcome::kPermissionDenied:
      return "PERMISSION_DENIED";
    case Outcome::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "?";
}

grpc::StatusCode CodeOf(Outcome o) {
  switch (o) {
    case Outcome::kAllowed:
      return grpc::StatusCode::OK;
    case Outcome::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case Outcome::kPermissionDenied:
      return grpc::StatusCode::PERMISSION_DENIED;
    case Outcome::kUnauthenticated:
      return grpc::StatusCode::UNAUTHENTICATED;
  }
  return grpc::StatusCode::UNKNOWN;
}

// The answer the policy table gives for one cell.
Outcome Expected(const World& world, const Probe& probe, const Caller& caller,
                 const Target& target) {
  if (!caller.authenticated && !probe.no_credential) return Outcome::kUnauthenticated;
  if (probe.expect) {
    switch (probe.expect(world, caller).code()) {
      case absl::StatusCode::kOk:
        return Outcome::kAllowed;
      case absl::StatusCode::kNotFound:
        return Outcome::kNotFound;
      default:
        return Outcome::kPermissionDenied;
    }
  }
  domain::Relationship relationship = domain::Relationship::kNoCase;
  if (probe.scope == Scope::kCase) {
    // A case that does not exist is NOT_FOUND for everyone.
    if (!target.exists()) return Outcome::kNotFound;
    relationship = world.RelationshipOf(caller, *target.info);
    if (probe.relationship) {
      relationship = probe.relationship(world, caller, target, relationship);
    }
  }
  if (domain::Decide(caller.principal, relationship, probe.action).allowed) {
    return Outcome::kAllowed;
  }
  // A case the caller may not read does not exist, to the caller.
  if (probe.scope == Scope::kCase &&
      !domain::Decide(caller.principal, relationship, domain::Action::kReadCase)
           .allowed) {
    return Outcome::kNotFound;
  }
  return Outcome::kPermissionDenied;
}

// The message with the case's names replaced, to compare the NOT_FOUND of an
// invisible case with that of a case that does not exist.
std::string Normalized(absl::string_view message, const Target& target) {
  return absl::StrReplaceAll(
      message, {{target.name, "{case}"}, {target.reference_name, "{case}"}});
}

class AccessMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_level_ = spdlog::get_level();
    spdlog::set_level(spdlog::level::warn);  // Thousands of calls: no per-RPC lines.
  }
  void TearDown() override { spdlog::set_level(previous_level_); }

  Target TargetOf(const CaseInfo& info) {
    return Target{&info, info.name, absl::StrCat("cases/", info.reference)};
  }
  static Target Nonexistent() {
    return Target{nullptr, "cases/5b0e4c1a-9f3d-4c6e-8a77-0d1e2f3a4b5c",
                  "cases/SP-2026-999999"};
  }

  // Runs one cell and records what is wrong with it. Returns the status.
  grpc::Status RunCell(const Probe& probe, const Caller& caller, const Target& target,
                       const std::string* not_found_template) {
    const Outcome expected = Expected(*world_, probe, caller, target);
    ProbeEnv env{*world_, caller, target};
    ProbeResult result = probe.run(env);
    ++cells_;
    ++by_outcome_[expected];
    const std::string where = absl::StrCat(
        probe.Label(), " | ", caller.Label(), " | ",
        target.exists()
            ? target.info->situation
            : (probe.scope == Scope::kNoCase ? "no case" : "a case that does not exist"));
    auto fail = [&](const std::string& problem) {
      failures_.push_back(absl::StrCat(where, "\n    ", problem));
    };
    const bool tolerated = expected == Outcome::kAllowed &&
                           probe.allowed_errors.count(result.status.error_code()) > 0;
    if (tolerated) {
      ++tolerated_;
    } else if (result.status.error_code() != CodeOf(expected)) {
      fail(absl::StrCat("expected ", OutcomeName(expected), ", got ",
                        result.status.error_code(), ": ", result.status.error_message()));
    } else if (expected == Outcome::kNotFound && target.exists() &&
               not_found_template != nullptr &&
               Normalized(result.status.error_message(), target) != *not_found_template) {
      fail(absl::StrCat("NOT_FOUND differs from a missing case's: \"",
                        result.status.error_message(), "\" vs \"", *not_found_template,
                        "\""));
    }
    // Everything the caller received, message included.
    const std::string received = absl::StrCat(
        result.status.error_message(), "\n",
        result.response ? AllText(*result.response) : "");
    for (const std::string& leak : ScanForLeaks(caller, received)) fail(leak);
    if (result.status.ok() && result.response != nullptr) {
      for (const std::string& p :
           CheckCasesInResponse(*world_, caller, *result.response)) {
        fail(p);
      }
      if (expected == Outcome::kAllowed && probe.verify) {
        for (const std::string& p : probe.verify(env, *result.response)) fail(p);
      }
    }
    return result.status;
  }

  std::unique_ptr<World> world_;
  spdlog::level::level_enum previous_level_ = spdlog::level::info;
  int64_t cells_ = 0;
  int64_t tolerated_ = 0;  // allowed cells answered with a listed non-access error
  std::map<Outcome, int64_t> by_outcome_;
  std::vector<std::string> failures_;
};

TEST_F(AccessMatrixTest, EveryRpcEveryRoleEveryRelationshipMatchesThePolicyTable) {
  const absl::Time started = absl::Now();
  absl::StatusOr<std::unique_ptr<World>> world = World::Create();
  ASSERT_TRUE(world.ok()) << world.status();
  world_ = *std::move(world);
  const absl::Duration setup = absl::Now() - started;

  const std::vector<Probe>& probes = ProbeRegistry::Get().probes();
  ASSERT_FALSE(probes.empty());
  for (const Probe& probe : probes) {
    for (grpc::StatusCode code : probe.allowed_errors) {
      ASSERT_TRUE(code != grpc::StatusCode::OK &&
                  code != grpc::StatusCode::PERMISSION_DENIED &&
                  code != grpc::StatusCode::NOT_FOUND &&
                  code != grpc::StatusCode::UNAUTHENTICATED)
          << probe.Label() << " may not tolerate an access error (" << code << ")";
    }
  }
  absl::StatusOr<int64_t> audit_before = world_->server().CountAuditedCalls();
  ASSERT_TRUE(audit_before.ok()) << audit_before.status();
  const int64_t calls_before = world_->calls();

  for (const Probe& probe : probes) {
    for (const Caller& caller : world_->callers()) {
      if (probe.scope == Scope::kNoCase) {
        RunCell(probe, caller, Target{}, nullptr);
        continue;
      }
      // First a case that does not exist: its NOT_FOUND is the one every
      // invisible case must give, word for word.
      const Target missing = Nonexistent();
      grpc::Status s = RunCell(probe, caller, missing, nullptr);
      const std::string not_found = Normalized(s.error_message(), missing);
      for (const CaseInfo* info : world_->fixtures()) {
        RunCell(probe, caller, TargetOf(*info),
                probe.scope == Scope::kCase ? &not_found : nullptr);
      }
    }
    for (const Caller& anonymous : world_->unauthenticated()) {
      RunCell(probe, anonymous,
              probe.scope == Scope::kNoCase ? Target{}
                                            : TargetOf(*world_->fixtures().front()),
              nullptr);
    }
  }

  // Every call, refused ones included, is accounted for in the audit: one
  // event each, or its place in the count of a summary of refused calls.
  absl::StatusOr<int64_t> audit_after = world_->server().CountAuditedCalls();
  ASSERT_TRUE(audit_after.ok()) << audit_after.status();
  EXPECT_EQ(*audit_after - *audit_before, world_->calls() - calls_before)
      << "audit events vs calls made during the matrix run";

  const absl::Duration run = absl::Now() - started - setup;
  std::cout << "[matrix] " << cells_ << " cells (" << probes.size() << " probes x "
            << world_->callers().size() << " callers x " << world_->fixtures().size()
            << " case situations + a missing case; " << world_->unauthenticated().size()
            << " refused credentials per probe): ";
  for (const auto& [outcome, n] : by_outcome_) {
    std::cout << OutcomeName(outcome) << " " << n << "; ";
  }
  std::cout << "of the allowed, " << tolerated_ << " answered a listed non-access error; "
            << world_->calls() - calls_before << " calls in " << absl::FormatDuration(run)
            << " (set-up " << absl::FormatDuration(setup) << ")\n";
  RecordProperty("cells", static_cast<int>(cells_));

  if (!failures_.empty()) {
    // All of them, for reading at leisure; the test output shows the first.
    const std::string path = ::testing::TempDir() + "access_matrix_failures.txt";
    std::ofstream out(path);
    for (const std::string& f : failures_) out << f << "\n";
    std::cout << "[matrix] every problem is listed in " << path << "\n";
  }
  constexpr size_t kShown = 60;
  std::string shown;
  for (size_t i = 0; i < failures_.size() && i < kShown; ++i) {
    absl::StrAppend(&shown, "\n  ", failures_[i]);
  }
  EXPECT_TRUE(failures_.empty()) << failures_.size() << " problems in " << cells_
                                 << " cells (first " << kShown << "):" << shown;
}

}  // namespace
}  // namespace casebridge::matrix
