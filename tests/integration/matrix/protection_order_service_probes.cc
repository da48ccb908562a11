// Probes of ProtectionOrderService for the access matrix.
//
// Every event needs an order in the status it applies to. The owning force
// prepares one per (case, stage) and keeps it in a pool: a refused call
// leaves it as it was, so the next cell reuses it; a call that succeeded
// moved it on, so the next cell gets a fresh one. Orders change nothing about
// who sees a case, so the situations stay as they were — except RecordBreach,
// whose charging referral shares the case with the CPS: its probe withdraws
// that share again.
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/protection_orders.grpc.pb.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/validation.h"
#include "tests/integration/matrix/probe.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {
namespace {

using domain::Action;
using Stub = v1::ProtectionOrderService::Stub;

constexpr char kService[] = "casebridge.v1.ProtectionOrderService.";
constexpr char kNoSuchChild[] = "00000000-0000-4000-8000-00000000c0de";
constexpr char kCourt[] = "North Staffordshire Justice Centre";

std::string M(absl::string_view method) { return absl::StrCat(kService, method); }

std::unique_ptr<Stub> NewStub(ProbeEnv& env) {
  return v1::ProtectionOrderService::NewStub(env.world.channel());
}

v1::Date Today(ProbeEnv& env) {
  return domain::ToProtoDate(domain::UkDay(env.world.Now()));
}

// Terms with a zone around the victim's home: named by its address while
// that is open, as the protected place once it is restricted.
void AddTerms(const CaseInfo& info,
              google::protobuf::RepeatedPtrField<v1::OrderTerm>* terms) {
  v1::OrderTerm* contact = terms->Add();
  contact->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  contact->set_text("Not to contact Sarah Bennett directly or indirectly");
  v1::OrderTerm* zone = terms->Add();
  zone->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  zone->set_text("Not to enter the exclusion zone");
  if (info.restricted) {
    zone->mutable_geographic_limit()->set_place(v1::PROTECTED_PLACE_HOME);
  } else {
    zone->mutable_geographic_limit()->set_area(info.victim_address);
  }
  zone->mutable_geographic_limit()->set_distance_metres(100);
}

v1::CreateProtectionOrderRequest ConsiderRequest(const std::string& parent) {
  v1::CreateProtectionOrderRequest req;
  req.set_parent(parent);
  v1::ProtectionOrder* o = req.mutable_protection_order();
  o->set_kind(v1::PROTECTION_ORDER_KIND_FULL);
  // Needles: partners must get neither the defendant nor the deliberation.
  o->set_defendant(
      absl::StrCat(content::kSuspectGivenName, " ", content::kSuspectFamilyName));
  o->add_protected_persons("Sarah Bennett");
  o->set_consideration_notes("Pursuing an SPO: fixated and escalating");
  return req;
}

// ---- Orders prepared by the owning force -------------------------------------

enum class Stage {
  kConsidered,
  kApplied,
  kGranted,
  kServed,
  kVariationPending,
  kAppealPending,
};

struct Prepared {
  std::string name;
  std::string etag;
};

std::map<std::pair<std::string, Stage>, std::vector<Prepared>>& Pool() {
  static auto* pool =
      new std::map<std::pair<std::string, Stage>, std::vector<Prepared>>();
  return *pool;
}

// One call as the owning force; fails the running test on error.
template <typename Request, typename Response = v1::ProtectionOrder>
Response AsOwner(ProbeEnv& env,
                 grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                              Response*),
                 const Request& request) {
  auto stub = NewStub(env);
  Response response;
  grpc::Status s = ((*stub).*method)(env.world.OwnerContext(*env.target.info).get(),
                                     request, &response);
  EXPECT_TRUE(s.ok()) << "owner preparing an order on " << env.target.info->situation
                      << ": " << s.error_code() << " " << s.error_message();
  return response;
}

Prepared Make(ProbeEnv& env, Stage stage) {
  const CaseInfo& info = *env.target.info;
  v1::ProtectionOrder o =
      AsOwner(env, &Stub::CreateProtectionOrder, ConsiderRequest(info.name));
  if (stage == Stage::kConsidered) return {o.name(), o.etag()};

  v1::ApplyForOrderRequest apply;
  apply.set_name(o.name());
  apply.set_etag(o.etag());
  *apply.mutable_application_date() = Today(env);
  apply.set_court(kCourt);
  AddTerms(info, apply.mutable_terms());
  o = AsOwner(env, &Stub::ApplyForOrder, apply);
  if (stage == Stage::kApplied) return {o.name(), o.etag()};

  v1::RecordCourtDecisionRequest grant;
  grant.set_name(o.name());
  grant.set_etag(o.etag());
  grant.set_outcome(v1::ORDER_DECISION_OUTCOME_GRANTED);
  *grant.mutable_decision_date() = Today(env);
  grant.set_court(kCourt);
  AddTerms(info, grant.mutable_terms());
  *grant.mutable_duration()->mutable_end_date() =
      domain::ToProtoDate(domain::AddYears(domain::UkDay(env.world.Now()), 3));
  o = AsOwner(env, &Stub::RecordCourtDecision, grant);
  switch (stage) {
    case Stage::kGranted:
      return {o.name(), o.etag()};
    case Stage::kVariationPending: {
      v1::ApplyForVariationRequest vary;
      vary.set_name(o.name());
      vary.set_etag(o.etag());
      vary.set_applicant(v1::ORDER_PARTY_POLICE);
      *vary.mutable_application_date() = Today(env);
      AddTerms(info, vary.mutable_proposed_terms());
      vary.mutable_proposed_terms(0)->set_text("Not to contact Sarah Bennett at all");
      o = AsOwner(env, &Stub::ApplyForVariation, vary);
      return {o.name(), o.etag()};
    }
    case Stage::kAppealPending: {
      v1::RecordAppealRequest appeal;
      appeal.set_name(o.name());
      appeal.set_etag(o.etag());
      appeal.set_appellant(v1::ORDER_PARTY_DEFENDANT);
      *appeal.mutable_lodge_date() = Today(env);
      appeal.set_court("Stoke-on-Trent Crown Court");
      o = AsOwner(env, &Stub::RecordAppeal, appeal);
      return {o.name(), o.etag()};
    }
    default:
      break;
  }
  v1::RecordServiceRequest serve;
  serve.set_name(o.name());
  serve.set_etag(o.etag());
  *serve.mutable_service_time() = domain::ToProtoTime(env.world.Now());
  serve.set_method("personally");
  o = AsOwner(env, &Stub::RecordService, serve);
  return {o.name(), o.etag()};
}

// An order of the target case in `stage` (nullopt for a case that does not
// exist).
std::optional<Prepared> Take(ProbeEnv& env, Stage stage) {
  if (!env.target.exists()) return std::nullopt;
  std::vector<Prepared>& pooled = Pool()[{env.target.name, stage}];
  if (pooled.empty()) return Make(env, stage);
  Prepared p = pooled.back();
  pooled.pop_back();
  return p;
}

// Back to the pool unless the call moved it on.
void PutBack(ProbeEnv& env, Stage stage, const std::optional<Prepared>& order,
             const ProbeResult& result, bool read_only = false) {
  if (!order.has_value() || (result.status.ok() && !read_only)) return;
  Pool()[{env.target.name, stage}].push_back(*order);
}

std::string NameOf(const ProbeEnv& env, const std::optional<Prepared>& order) {
  return order.has_value()
             ? order->name
             : absl::StrCat(env.target.name, "/protectionOrders/", kNoSuchChild);
}

std::string EtagOf(const std::optional<Prepared>& order) {
  return order.has_value() ? order->etag : "1";
}

// ---- Checks -------------------------------------------------------------------

domain::Decision OrdersDecision(const World& world, const Caller& caller,
                                const CaseInfo& info) {
  return domain::Decide(caller.principal, world.RelationshipOf(caller, info),
                        Action::kReadProtectionOrders);
}

// An order as the caller's view must show it.
std::vector<std::string> CheckOrderView(v1::CaseView view, const v1::ProtectionOrder& o) {
  std::vector<std::string> problems;
  auto problem = [&](absl::string_view what) {
    problems.push_back(absl::StrCat(
        o.name(), " (", domain::ShortEnumName(v1::CaseView_descriptor(), view),
        " view): ", what));
  };
  switch (view) {
    case v1::CASE_VIEW_FULL:
      if (o.etag().empty()) problem("etag is missing (police change orders)");
      if (o.defendant().empty()) problem("defendant is missing");
      break;
    case v1::CASE_VIEW_PROSECUTION:
      if (!o.etag().empty()) problem("etag is present (the CPS does not change orders)");
      if (o.defendant().empty()) problem("defendant is missing");
      break;
    case v1::CASE_VIEW_SAFEGUARDING:
      if (!o.active()) problem("an order not in force reached a partner");
      if (!o.defendant().empty() || o.protected_persons_size() > 0 ||
          !o.consideration_notes().empty() || o.hearings_size() > 0 ||
          o.notification_obligations_size() > 0 || o.applications_size() > 0 ||
          o.appeals_size() > 0 || o.breaches_size() > 0 || o.has_service() ||
          o.has_decision() || !o.court().empty() || !o.etag().empty()) {
        problem("shows more than whether it is in force and its terms");
      }
      if (o.terms_size() == 0) problem("terms are missing");
      break;
    default:
      problem("an order was returned with no view");
  }
  return problems;
}

std::vector<std::string> CheckOrderOfTarget(const ProbeEnv& env,
                                            const google::protobuf::Message& m) {
  const auto& o = As<v1::ProtectionOrder>(m);
  std::vector<std::string> problems;
  if (!absl::StartsWith(o.name(), absl::StrCat(env.target.name, "/protectionOrders/"))) {
    problems.push_back(absl::StrCat("answered with ", o.name()));
  }
  const domain::Decision d = OrdersDecision(env.world, env.caller, *env.target.info);
  for (std::string& p : CheckOrderView(d.view, o)) problems.push_back(std::move(p));
  return problems;
}

void RegisterProtectionOrderServiceProbes(ProbeRegistry& registry) {
  registry.Add({
      .method = M("CreateProtectionOrder"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            auto stub = NewStub(env);
            return Issue(&Stub::CreateProtectionOrder, *stub, env.Context(),
                         ConsiderRequest(env.target.name));
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("GetProtectionOrder"),
      .action = Action::kReadProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            // In force, so partners may read it too.
            std::optional<Prepared> order = Take(env, Stage::kGranted);
            v1::GetProtectionOrderRequest req;
            req.set_name(NameOf(env, order));
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::GetProtectionOrder, *stub, env.Context(), req);
            PutBack(env, Stage::kGranted, order, r, /*read_only=*/true);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("ListProtectionOrders"),
      .variant = "orders of the case",
      .action = Action::kReadProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kGranted);
            v1::ListProtectionOrdersRequest req;
            req.set_parent(env.target.name);
            req.set_page_size(domain::kMaxPageSize);
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::ListProtectionOrders, *stub, env.Context(), req);
            PutBack(env, Stage::kGranted, order, r, /*read_only=*/true);
            return r;
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::ListProtectionOrdersResponse>(m);
            std::vector<std::string> problems;
            if (resp.protection_orders_size() == 0) {
              problems.push_back("lists no orders (an order in force exists)");
            }
            const domain::Decision d =
                OrdersDecision(env.world, env.caller, *env.target.info);
            for (const v1::ProtectionOrder& o : resp.protection_orders()) {
              if (!absl::StartsWith(o.name(), absl::StrCat(env.target.name, "/"))) {
                problems.push_back(absl::StrCat("lists ", o.name(), ", not an order of ",
                                                env.target.name));
              }
              for (std::string& p : CheckOrderView(d.view, o)) {
                problems.push_back(std::move(p));
              }
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("ListProtectionOrders"),
      .variant = "orders in force of every case (cases/-)",
      .action = Action::kListCases,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            // Every page, merged: the world holds many orders by now.
            auto stub = NewStub(env);
            v1::ListProtectionOrdersRequest req;
            req.set_parent("cases/-");
            req.set_filter("active=true");
            req.set_page_size(domain::kMaxPageSize);
            v1::ListProtectionOrdersResponse merged;
            ProbeResult r;
            for (int page = 0; page < 50; ++page) {
              r = Issue(&Stub::ListProtectionOrders, *stub, env.Context(), req);
              if (!r.status.ok()) return r;
              const auto& got = As<v1::ListProtectionOrdersResponse>(*r.response);
              for (const auto& o : got.protection_orders()) {
                *merged.add_protection_orders() = o;
              }
              if (got.next_page_token().empty()) break;
              req.set_page_token(got.next_page_token());
            }
            r.response = std::make_unique<v1::ListProtectionOrdersResponse>(merged);
            return r;
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::ListProtectionOrdersResponse>(m);
            std::vector<std::string> problems;
            std::set<std::string> listed_cases;
            for (const v1::ProtectionOrder& o : resp.protection_orders()) {
              const std::string case_name =
                  o.name().substr(0, o.name().find("/protectionOrders/"));
              listed_cases.insert(case_name);
              const CaseInfo* info = env.world.FindCase(case_name);
              if (info == nullptr) {
                problems.push_back(absl::StrCat("lists ", o.name(),
                                                " of a case the matrix did not make"));
                continue;
              }
              const domain::Decision d = OrdersDecision(env.world, env.caller, *info);
              if (!d.allowed) {
                problems.push_back(
                    absl::StrCat("lists an order of ", info->situation,
                                 ", whose orders the caller may not read"));
                continue;
              }
              if (!o.active())
                problems.push_back(absl::StrCat(o.name(), " is not active"));
              for (std::string& p : CheckOrderView(d.view, o)) {
                problems.push_back(std::move(p));
              }
            }
            // Every fixture whose orders the caller reads has one in force
            // (the GetProtectionOrder cells made them).
            for (const CaseInfo* info : env.world.fixtures()) {
              if (OrdersDecision(env.world, env.caller, *info).allowed &&
                  listed_cases.count(info->name) == 0) {
                problems.push_back(
                    absl::StrCat("does not list the orders of ", info->situation));
              }
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("UpdateProtectionOrder"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kConsidered);
            v1::UpdateProtectionOrderRequest req;
            req.mutable_protection_order()->set_name(NameOf(env, order));
            req.mutable_protection_order()->set_etag(EtagOf(order));
            req.mutable_protection_order()->set_grounds("Course of conduct");
            req.mutable_update_mask()->add_paths("grounds");
            auto stub = NewStub(env);
            ProbeResult r =
                Issue(&Stub::UpdateProtectionOrder, *stub, env.Context(), req);
            PutBack(env, Stage::kConsidered, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordOrderNotPursued"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kConsidered);
            v1::RecordOrderNotPursuedRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_reason("Victim does not support an application");
            auto stub = NewStub(env);
            ProbeResult r =
                Issue(&Stub::RecordOrderNotPursued, *stub, env.Context(), req);
            PutBack(env, Stage::kConsidered, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("ApplyForOrder"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kConsidered);
            v1::ApplyForOrderRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            *req.mutable_application_date() = Today(env);
            req.set_court(kCourt);
            if (env.target.exists()) AddTerms(*env.target.info, req.mutable_terms());
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::ApplyForOrder, *stub, env.Context(), req);
            PutBack(env, Stage::kConsidered, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordHearing"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kApplied);
            v1::RecordHearingRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_status(v1::ORDER_HEARING_STATUS_LISTED);
            *req.mutable_hearing_time() =
                domain::ToProtoTime(env.world.Now() + absl::Hours(24 * 7));
            req.set_court(kCourt);
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::RecordHearing, *stub, env.Context(), req);
            PutBack(env, Stage::kApplied, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordCourtDecision"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kApplied);
            v1::RecordCourtDecisionRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_outcome(v1::ORDER_DECISION_OUTCOME_REFUSED);
            *req.mutable_decision_date() = Today(env);
            req.set_court(kCourt);
            req.set_reason("Not necessary to protect the victim");
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::RecordCourtDecision, *stub, env.Context(), req);
            PutBack(env, Stage::kApplied, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordService"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kGranted);
            v1::RecordServiceRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            *req.mutable_service_time() = domain::ToProtoTime(env.world.Now());
            req.set_method("personally");
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::RecordService, *stub, env.Context(), req);
            PutBack(env, Stage::kGranted, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordNotification"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kServed);
            v1::RecordNotificationRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            *req.mutable_notify_time() = domain::ToProtoTime(env.world.Now());
            req.add_names("Invented Defendant");
            req.set_acknowledgement("Receipt 42 given by PC 1234");
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::RecordNotification, *stub, env.Context(), req);
            PutBack(env, Stage::kServed, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordDetailsChange"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kServed);
            v1::RecordDetailsChangeRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_change(v1::ORDER_NOTIFICATION_TRIGGER_NAME_CHANGE);
            *req.mutable_change_time() = domain::ToProtoTime(env.world.Now());
            req.set_details("Now uses a new surname");
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::RecordDetailsChange, *stub, env.Context(), req);
            PutBack(env, Stage::kServed, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("ApplyForVariation"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kGranted);
            v1::ApplyForVariationRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_applicant(v1::ORDER_PARTY_DEFENDANT);
            *req.mutable_application_date() = Today(env);
            req.mutable_proposed_duration()->mutable_end_date()->CopyFrom(
                domain::ToProtoDate(domain::AddYears(domain::UkDay(env.world.Now()), 2)));
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::ApplyForVariation, *stub, env.Context(), req);
            PutBack(env, Stage::kGranted, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("ApplyForRenewal"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kGranted);
            v1::ApplyForRenewalRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_applicant(v1::ORDER_PARTY_POLICE);
            *req.mutable_application_date() = Today(env);
            *req.mutable_proposed_duration()->mutable_end_date() =
                domain::ToProtoDate(domain::AddYears(domain::UkDay(env.world.Now()), 5));
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::ApplyForRenewal, *stub, env.Context(), req);
            PutBack(env, Stage::kGranted, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("ApplyForDischarge"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kGranted);
            v1::ApplyForDischargeRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_applicant(v1::ORDER_PARTY_DEFENDANT);
            *req.mutable_application_date() = Today(env);
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::ApplyForDischarge, *stub, env.Context(), req);
            PutBack(env, Stage::kGranted, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordApplicationDecision"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kVariationPending);
            v1::RecordApplicationDecisionRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_outcome(v1::ORDER_DECISION_OUTCOME_REFUSED);
            *req.mutable_decision_date() = Today(env);
            req.set_court(kCourt);
            auto stub = NewStub(env);
            ProbeResult r =
                Issue(&Stub::RecordApplicationDecision, *stub, env.Context(), req);
            PutBack(env, Stage::kVariationPending, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordAppeal"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kGranted);
            v1::RecordAppealRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_appellant(v1::ORDER_PARTY_DEFENDANT);
            *req.mutable_lodge_date() = Today(env);
            req.set_court("Stoke-on-Trent Crown Court");
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::RecordAppeal, *stub, env.Context(), req);
            PutBack(env, Stage::kGranted, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordAppealDecision"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kAppealPending);
            v1::RecordAppealDecisionRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            req.set_outcome(v1::ORDER_APPEAL_OUTCOME_UPHELD);
            *req.mutable_decision_date() = Today(env);
            req.set_court("Stoke-on-Trent Crown Court");
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::RecordAppealDecision, *stub, env.Context(), req);
            PutBack(env, Stage::kAppealPending, order, r);
            return r;
          },
      .verify = CheckOrderOfTarget,
  });
  registry.Add({
      .method = M("RecordBreach"),
      .action = Action::kManageProtectionOrders,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            env.world.GiveEveryForceACpsArea();
            std::optional<Prepared> order = Take(env, Stage::kServed);
            v1::RecordBreachRequest req;
            req.set_name(NameOf(env, order));
            req.set_etag(EtagOf(order));
            *req.mutable_breach()->mutable_occur_time() =
                domain::ToProtoTime(env.world.Now());
            // The breach names the victim's new home; it is copied into the
            // CPS referral's summary.
            req.mutable_breach()->set_description(
                env.target.exists()
                    ? absl::StrCat("Turned up at her new home, ",
                                   HomeAsTyped(*env.target.info, 2))
                    : "Turned up at her workplace");
            if (env.target.exists()) {
              req.mutable_breach()->set_incident(env.target.info->incident);
            }
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::RecordBreach, *stub, env.Context(), req);
            PutBack(env, Stage::kServed, order, r);
            if (r.status.ok()) {
              env.world.WithdrawSharesAsOwner(*env.target.info,
                                              v1::SHARE_BASIS_CHARGING_REFERRAL);
            }
            return r;
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            const auto& resp = As<v1::RecordBreachResponse>(m);
            std::vector<std::string> problems =
                CheckOrderOfTarget(env, resp.protection_order());
            if (resp.breach().incident() != env.target.info->incident) {
              problems.push_back("the breach is not linked to the incident");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("GetOrderHistory"),
      .action = Action::kReadProtectionOrderHistory,
      .scope = Scope::kCase,
      .run =
          [](ProbeEnv& env) {
            std::optional<Prepared> order = Take(env, Stage::kGranted);
            v1::GetOrderHistoryRequest req;
            req.set_name(NameOf(env, order));
            auto stub = NewStub(env);
            ProbeResult r = Issue(&Stub::GetOrderHistory, *stub, env.Context(), req);
            PutBack(env, Stage::kGranted, order, r, /*read_only=*/true);
            return r;
          },
      .verify =
          [](const ProbeEnv&, const google::protobuf::Message& m) {
            const auto& resp = As<v1::GetOrderHistoryResponse>(m);
            std::vector<std::string> problems;
            if (resp.entries_size() != 3) {
              problems.push_back(
                  absl::StrCat(resp.entries_size(), " history entries, want 3"));
            }
            if (resp.terms_versions_size() != 1) {
              problems.push_back("the terms version is missing");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("GetOrderMeasures"),
      .action = Action::kReadOrderMeasures,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::GetOrderMeasuresRequest req;
            *req.mutable_start_date() = Today(env);
            *req.mutable_end_date() = Today(env);
            auto stub = NewStub(env);
            return Issue(&Stub::GetOrderMeasures, *stub, env.Context(), req);
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            if (As<v1::OrderMeasures>(m).agency() != env.caller.principal.agency_id) {
              problems.push_back("measures of another agency than the caller's");
            }
            return problems;
          },
  });
}

CB_MATRIX_PROBES(RegisterProtectionOrderServiceProbes);

}  // namespace
}  // namespace casebridge::matrix
