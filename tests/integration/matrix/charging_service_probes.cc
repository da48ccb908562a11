// Probes of ChargingService for the access matrix.
//
// Most methods act on a charging file, so the probes prepare files per case
// situation and purpose, as the owning force (and as CPS West Midlands where
// the purpose needs advice or a decision), and then withdraw the charging
// referral share the submission made, so every situation is again exactly
// as the world set it up: the CPS sees a case only where the world shared it.
//
// Who relates to a file how (ChargingServiceImpl): the owning force as
// kOwningForce; the file's CPS area as kShared while the case is shared with
// it; everyone else as kNotShared (the file does not exist for them). Every
// file here is referred to CPS West Midlands: the CPS area of Staffordshire
// Police in the demo world, and given to the matrix's second force (WMP) on
// first use, as an administrator would.
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "gtest/gtest.h"
#include "tests/integration/matrix/probe.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {
namespace {

using domain::Action;
using domain::Relationship;
using Stub = v1::ChargingService::Stub;

constexpr char kService[] = "casebridge.v1.ChargingService.";
constexpr char kNoSuchChild[] = "00000000-0000-4000-8000-00000000c0de";
constexpr char kCpsArea[] = "CPSWM";

std::string M(absl::string_view method) { return absl::StrCat(kService, method); }

std::unique_ptr<Stub> Charging(const World& world) {
  return v1::ChargingService::NewStub(world.channel());
}

v1::Date Day(int y, int m, int d) { return domain::ToProtoDate(absl::CivilDay(y, m, d)); }

// The fake clock stands at 2026-11-21; these dates are valid then.
v1::SubmitChargingFileRequest SubmitRequest(const std::string& parent,
                                            v1::ChargingFileKind kind,
                                            const CaseInfo* info) {
  v1::SubmitChargingFileRequest r;
  r.set_parent(parent);
  v1::ChargingFile* f = r.mutable_charging_file();
  f->set_kind(kind);
  f->set_urgency(v1::CHARGING_URGENCY_GREEN_PRIORITY);
  v1::ChargingSuspect* s = f->add_suspects();
  s->set_suspect_number(1);
  s->set_bail_status(v1::BAIL_STATUS_RELEASED_UNDER_INVESTIGATION);
  *s->mutable_release_date() = Day(2026, 11, 20);
  f->add_proposed_offences()->set_offence(v1::OFFENCE_PHA_S2A_STALKING);
  // Naming the victim's address: the CPS must not receive it where it is
  // restricted.
  f->set_summary(info == nullptr
                     ? "Course of conduct over three months; file for a decision."
                     : absl::StrCat("Course of conduct over three months, ending "
                                    "outside her new home at ",
                                    HomeAsTyped(*info, 0), "; file for a decision."));
  return r;
}

v1::ChargingDecision Decision(v1::ChargingTest test) {
  v1::ChargingDecision d;
  d.set_test(test);
  d.set_outcome(v1::CHARGING_OUTCOME_CHARGE);
  d.add_offences()->set_offence(v1::OFFENCE_PHA_S2A_STALKING);
  d.set_rationale("Evidential and public interest stages met.");
  if (test == v1::CHARGING_TEST_THRESHOLD) {
    d.set_threshold_grounds("Substantial bail risk; phone download awaited.");
    *d.mutable_threshold_review_by() = Day(2026, 12, 10);
  }
  return d;
}

// The caller's relationship to a file of the target case, as the handler
// decides it, from the caller's relationship to the case.
Relationship FileRelationship(const World&, const Caller& caller, const Target&,
                              Relationship case_relationship) {
  if (case_relationship == Relationship::kOwningForce) return case_relationship;
  if ((case_relationship == Relationship::kShared ||
       case_relationship == Relationship::kAssignedAgency) &&
      caller.agency_code == kCpsArea) {
    return Relationship::kShared;
  }
  return Relationship::kNotShared;
}

bool MayReadFilesOf(const World& world, const Caller& caller, const CaseInfo& info) {
  Relationship r =
      FileRelationship(world, caller, Target{}, world.RelationshipOf(caller, info));
  return domain::Decide(caller.principal, r, Action::kReadCharging).allowed;
}

// What a prepared file is for; each purpose has its own file per case, so
// one probe's changes never get in another's way.
enum class Purpose {
  kRead,       // FULL_FILE, SUBMITTED: reads and lists
  kAdvice,     // FULL_FILE, SUBMITTED (advice keeps it there)
  kPlan,       // FULL_FILE: plans may be issued again and again
  kRespond,    // an action plan of one item
  kReview,     // an action plan whose item police dispute
  kEarly,      // EARLY_ADVICE, for SubmitFullFile (used up)
  kWithdraw,   // FULL_FILE, SUBMITTED (used up)
  kDecide,     // FULL_FILE, SUBMITTED (used up)
  kThreshold,  // THRESHOLD_DECIDED
  kDecided,    // DECIDED on the Full Code Test
};

class PreparedFiles {
 public:
  static PreparedFiles& Get() {
    static auto* files = new PreparedFiles();
    return *files;
  }

  // The file of `purpose` for the target as it stands now (current etag),
  // made first if need be. For a case that does not exist: a made-up file.
  v1::ChargingFile For(ProbeEnv& env, Purpose purpose) {
    if (!env.target.exists()) {
      v1::ChargingFile f;
      f.set_name(absl::StrCat(env.target.name, "/chargingFiles/", kNoSuchChild));
      f.set_etag("1");
      f.add_action_items()->set_name(
          absl::StrCat(f.name(), "/actionItems/", kNoSuchChild));
      f.mutable_action_items(0)->set_etag("1");
      return f;
    }
    const CaseInfo& info = *env.target.info;
    auto key = std::make_pair(info.name, purpose);
    auto it = files_.find(key);
    if (it == files_.end()) {
      it = files_.emplace(key, Make(env.world, info, purpose)).first;
    }
    return OwnerGet(env.world, info, it->second);
  }

  // The call changed the file beyond reuse: the next call gets a new one.
  void UsedUp(ProbeEnv& env, Purpose purpose) {
    if (env.target.exists()) files_.erase({env.target.info->name, purpose});
  }

  static v1::ChargingFile OwnerGet(World& world, const CaseInfo& info,
                                   const std::string& name) {
    v1::GetChargingFileRequest req;
    req.set_name(name);
    v1::ChargingFile f;
    grpc::Status s =
        Charging(world)->GetChargingFile(world.OwnerContext(info).get(), req, &f);
    EXPECT_TRUE(s.ok()) << "owner GetChargingFile " << info.situation << ": "
                        << s.error_message();
    return f;
  }

 private:
  static std::string Make(World& world, const CaseInfo& info, Purpose purpose) {
    world.GiveEveryForceACpsArea();
    auto stub = Charging(world);
    v1::ChargingFile f;
    grpc::Status s = stub->SubmitChargingFile(
        world.OwnerContext(info).get(),
        SubmitRequest(info.name,
                      purpose == Purpose::kEarly ? v1::CHARGING_FILE_KIND_EARLY_ADVICE
                                                 : v1::CHARGING_FILE_KIND_FULL_FILE,
                      &info),
        &f);
    EXPECT_TRUE(s.ok()) << "owner SubmitChargingFile " << info.situation << ": "
                        << s.error_message();
    // The CPS acts while the submission's share lets it.
    if (purpose == Purpose::kRespond || purpose == Purpose::kReview) {
      v1::IssueActionPlanRequest plan;
      plan.set_name(f.name());
      plan.set_etag(f.etag());
      v1::ChargingActionItem* item = plan.add_items();
      item->set_description("Statement from the reception witness");
      *item->mutable_due_date() = Day(2026, 11, 28);
      s = stub->IssueActionPlan(world.ContextAs("cps.okafor").get(), plan, &f);
      EXPECT_TRUE(s.ok()) << "cps IssueActionPlan: " << s.error_message();
    }
    if (purpose == Purpose::kThreshold || purpose == Purpose::kDecided) {
      v1::RecordDecisionRequest decide;
      decide.set_name(f.name());
      decide.set_etag(f.etag());
      *decide.mutable_decision() =
          Decision(purpose == Purpose::kThreshold ? v1::CHARGING_TEST_THRESHOLD
                                                  : v1::CHARGING_TEST_FULL_CODE);
      s = stub->RecordDecision(world.ContextAs("cps.okafor").get(), decide, &f);
      EXPECT_TRUE(s.ok()) << "cps RecordDecision: " << s.error_message();
    }
    world.WithdrawSharesAsOwner(info, v1::SHARE_BASIS_CHARGING_REFERRAL);
    return f.name();
  }

  std::map<std::pair<std::string, Purpose>, std::string> files_;
};

// Checks of a file answered for the target.
std::vector<std::string> IsTargetsFile(const ProbeEnv& env,
                                       const google::protobuf::Message& m) {
  const auto& f = As<v1::ChargingFile>(m);
  std::vector<std::string> problems;
  if (!absl::StartsWith(f.name(), absl::StrCat(env.target.name, "/chargingFiles/"))) {
    problems.push_back(
        absl::StrCat("answered with ", f.name(), ", not a file of ", env.target.name));
  }
  if (!f.has_progress()) problems.push_back("the file carries no progress");
  return problems;
}

// Every file listed is one the caller may read; the target's prepared file
// is listed exactly when the caller may read it.
std::vector<std::string> ListsWhatItMay(const ProbeEnv& env,
                                        const google::protobuf::Message& m,
                                        bool only_target) {
  const auto& resp = As<v1::ListChargingFilesResponse>(m);
  std::vector<std::string> problems;
  std::set<std::string> listed;
  for (const v1::ChargingFile& f : resp.charging_files()) {
    listed.insert(f.name());
    const std::string case_name = f.name().substr(0, f.name().find("/chargingFiles/"));
    if (only_target && case_name != env.target.name) {
      problems.push_back(absl::StrCat("lists ", f.name(), " of another case"));
    }
    const CaseInfo* info = env.world.FindCase(case_name);
    if (info == nullptr) {
      problems.push_back(
          absl::StrCat("lists a file of a case the matrix did not make: ", f.name()));
    } else if (!MayReadFilesOf(env.world, env.caller, *info)) {
      problems.push_back(
          absl::StrCat("lists a file of ", info->situation, ", which it may not read"));
    }
  }
  if (env.target.exists()) {
    const bool want = MayReadFilesOf(env.world, env.caller, *env.target.info);
    // The prepared file exists (run made it); look it up without a call.
    bool found = false;
    for (const std::string& name : listed) {
      found = found || absl::StartsWith(name, absl::StrCat(env.target.name, "/"));
    }
    if (found != want) {
      problems.push_back(absl::StrCat(want ? "does not list" : "lists", " the files of ",
                                      env.target.info->situation));
    }
  }
  return problems;
}

// Every page of a listing, as one response.
ProbeResult ListAll(ProbeEnv& env, const std::string& parent) {
  auto stub = Charging(env.world);
  v1::ListChargingFilesRequest req;
  req.set_parent(parent);
  req.set_page_size(domain::kMaxPageSize);
  auto all = std::make_unique<v1::ListChargingFilesResponse>();
  ProbeResult result;
  for (int page = 0; page < 50; ++page) {
    ProbeResult r = Issue(&Stub::ListChargingFiles, *stub, env.Context(), req);
    if (!r.status.ok()) return r;
    const auto& resp = As<v1::ListChargingFilesResponse>(*r.response);
    for (const v1::ChargingFile& f : resp.charging_files()) {
      *all->add_charging_files() = f;
    }
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  result.status = grpc::Status::OK;
  result.response = std::move(all);
  return result;
}

void RegisterChargingServiceProbes(ProbeRegistry& registry) {
  registry.Add({
      .method = M("SubmitChargingFile"),
      .action = Action::kSubmitChargingFile,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            if (env.target.exists()) env.world.GiveEveryForceACpsArea();
            auto stub = Charging(env.world);
            ProbeResult r =
                Issue(&Stub::SubmitChargingFile, *stub, env.Context(),
                      SubmitRequest(env.target.name, v1::CHARGING_FILE_KIND_FULL_FILE,
                                    env.target.info));
            if (r.status.ok()) {
              env.world.WithdrawSharesAsOwner(*env.target.info, v1::SHARE_BASIS_CHARGING_REFERRAL);
            }
            return r;
          },
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("GetChargingFile"),
      .action = Action::kReadCharging,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::GetChargingFileRequest req;
            req.set_name(files.For(env, Purpose::kRead).name());
            auto stub = Charging(env.world);
            return Issue(&Stub::GetChargingFile, *stub, env.Context(), req);
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("GetChargingProgress"),
      .action = Action::kReadCharging,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::GetChargingProgressRequest req;
            req.set_name(files.For(env, Purpose::kRead).name());
            auto stub = Charging(env.world);
            return Issue(&Stub::GetChargingProgress, *stub, env.Context(), req);
          },
      .relationship = FileRelationship,
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            const auto& p = As<v1::ChargingProgress>(m);
            if (!absl::StartsWith(p.name(), absl::StrCat(env.target.name, "/"))) {
              problems.push_back(absl::StrCat("progress of ", p.name()));
            }
            if (p.stage() != v1::CHARGING_STAGE_AWAITING_DECISION) {
              problems.push_back("the prepared file is not awaiting a decision");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("ListChargingFiles"),
      .variant = "every file the caller sees",
      .action = Action::kListChargingFiles,
      .scope = Scope::kListing,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            if (env.target.exists()) files.For(env, Purpose::kRead);
            return ListAll(env, "cases/-");
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            return ListsWhatItMay(env, m, /*only_target=*/false);
          },
  });
  registry.Add({
      .method = M("ListChargingFiles"),
      .variant = "one case's files",
      .action = Action::kReadCharging,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            if (env.target.exists()) files.For(env, Purpose::kRead);
            return ListAll(env, env.target.name);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            return ListsWhatItMay(env, m, /*only_target=*/true);
          },
  });
  registry.Add({
      .method = M("SubmitFullFile"),
      .action = Action::kSubmitChargingFile,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::ChargingFile f = files.For(env, Purpose::kEarly);
            v1::SubmitFullFileRequest req;
            req.set_name(f.name());
            req.set_etag(f.etag());
            *req.mutable_charging_file() =
                SubmitRequest(env.target.name, v1::CHARGING_FILE_KIND_FULL_FILE,
                              env.target.info)
                    .charging_file();
            auto stub = Charging(env.world);
            ProbeResult r = Issue(&Stub::SubmitFullFile, *stub, env.Context(), req);
            if (r.status.ok()) {
              // Submitting the full file refers the case to the CPS again.
              env.world.WithdrawSharesAsOwner(*env.target.info, v1::SHARE_BASIS_CHARGING_REFERRAL);
              files.UsedUp(env, Purpose::kEarly);
            }
            return r;
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("RespondToActionItem"),
      .action = Action::kRespondToActionPlan,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::ChargingFile f = files.For(env, Purpose::kRespond);
            const v1::ChargingActionItem& item = f.action_items(0);
            v1::RespondToActionItemRequest req;
            req.set_name(item.name());
            req.set_etag(item.etag());
            // Accepted and disputed alternate, so the item never runs out of
            // moves.
            if (item.state() == v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED) {
              req.set_response(v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE);
              req.set_reason("The witness has moved abroad");
            } else {
              req.set_response(v1::CHARGING_ACTION_ITEM_RESPONSE_ACCEPT);
            }
            auto stub = Charging(env.world);
            return Issue(&Stub::RespondToActionItem, *stub, env.Context(), req);
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("WithdrawChargingFile"),
      .action = Action::kSubmitChargingFile,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::ChargingFile f = files.For(env, Purpose::kWithdraw);
            v1::WithdrawChargingFileRequest req;
            req.set_name(f.name());
            req.set_etag(f.etag());
            req.set_reason("Victim withdrew support; file to be resubmitted");
            auto stub = Charging(env.world);
            ProbeResult r = Issue(&Stub::WithdrawChargingFile, *stub, env.Context(), req);
            if (r.status.ok()) files.UsedUp(env, Purpose::kWithdraw);
            return r;
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("RecordAdvice"),
      .action = Action::kRecordProsecutionDecision,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::ChargingFile f = files.For(env, Purpose::kAdvice);
            v1::RecordAdviceRequest req;
            req.set_name(f.name());
            req.set_etag(f.etag());
            req.set_advice("Consider s.4A: the messages show fear of violence.");
            auto stub = Charging(env.world);
            return Issue(&Stub::RecordAdvice, *stub, env.Context(), req);
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("IssueActionPlan"),
      .action = Action::kRecordProsecutionDecision,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::ChargingFile f = files.For(env, Purpose::kPlan);
            v1::IssueActionPlanRequest req;
            req.set_name(f.name());
            req.set_etag(f.etag());
            v1::ChargingActionItem* item = req.add_items();
            item->set_description("CCTV from the bus station");
            *item->mutable_due_date() = Day(2026, 11, 30);
            auto stub = Charging(env.world);
            return Issue(&Stub::IssueActionPlan, *stub, env.Context(), req);
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("ReviewActionItem"),
      .action = Action::kRecordProsecutionDecision,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::ChargingFile f = files.For(env, Purpose::kReview);
            v1::ChargingActionItem item = f.action_items(0);
            if (env.target.exists() &&
                item.state() != v1::CHARGING_ACTION_ITEM_STATE_DISPUTED) {
              // Police dispute it (again), so the CPS has something to review.
              v1::RespondToActionItemRequest dispute;
              dispute.set_name(item.name());
              dispute.set_etag(item.etag());
              dispute.set_response(v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE);
              dispute.set_reason("The witness has moved abroad");
              grpc::Status s = Charging(env.world)->RespondToActionItem(
                  env.world.OwnerContext(*env.target.info).get(), dispute, &f);
              EXPECT_TRUE(s.ok()) << "owner dispute: " << s.error_message();
              item = f.action_items(0);
            }
            v1::ReviewActionItemRequest req;
            req.set_name(item.name());
            req.set_etag(item.etag());
            req.set_review(v1::CHARGING_ACTION_ITEM_REVIEW_REAFFIRM);
            req.set_note("Still needed: a statement can be taken by video link");
            auto stub = Charging(env.world);
            return Issue(&Stub::ReviewActionItem, *stub, env.Context(), req);
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("RecordDecision"),
      .action = Action::kRecordProsecutionDecision,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::ChargingFile f = files.For(env, Purpose::kDecide);
            v1::RecordDecisionRequest req;
            req.set_name(f.name());
            req.set_etag(f.etag());
            *req.mutable_decision() = Decision(v1::CHARGING_TEST_FULL_CODE);
            auto stub = Charging(env.world);
            ProbeResult r = Issue(&Stub::RecordDecision, *stub, env.Context(), req);
            if (r.status.ok()) files.UsedUp(env, Purpose::kDecide);
            return r;
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("ReviewThresholdDecision"),
      .action = Action::kRecordProsecutionDecision,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::ChargingFile f = files.For(env, Purpose::kThreshold);
            v1::ReviewThresholdDecisionRequest req;
            req.set_name(f.name());
            req.set_etag(f.etag());
            req.set_note("Download still awaited; bail risk unchanged");
            *req.mutable_next_review_by() = Day(2026, 12, 20);
            auto stub = Charging(env.world);
            return Issue(&Stub::ReviewThresholdDecision, *stub, env.Context(), req);
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
  registry.Add({
      .method = M("RecordDecisionFollowUp"),
      .action = Action::kRecordProsecutionDecision,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            PreparedFiles& files = PreparedFiles::Get();
            v1::ChargingFile f = files.For(env, Purpose::kDecided);
            v1::RecordDecisionFollowUpRequest req;
            req.set_name(f.name());
            req.set_etag(f.etag());
            req.mutable_update_mask()->add_paths("victim_informed");
            req.mutable_victim_informed()->set_informed(true);
            *req.mutable_victim_informed()->mutable_inform_date() = Day(2026, 11, 21);
            req.mutable_victim_informed()->set_method("VCL letter");
            auto stub = Charging(env.world);
            return Issue(&Stub::RecordDecisionFollowUp, *stub, env.Context(), req);
          },
      .relationship = FileRelationship,
      .verify = IsTargetsFile,
  });
}

CB_MATRIX_PROBES(RegisterChargingServiceProbes);

}  // namespace
}  // namespace casebridge::matrix
