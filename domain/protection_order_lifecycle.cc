#include "domain/protection_order_lifecycle.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

// Short names for the table.
constexpr OrderStatus kConsidered = v1::PROTECTION_ORDER_STATUS_CONSIDERED;
constexpr OrderStatus kNotPursued = v1::PROTECTION_ORDER_STATUS_NOT_PURSUED;
constexpr OrderStatus kApplied = v1::PROTECTION_ORDER_STATUS_APPLIED;
constexpr OrderStatus kListed = v1::PROTECTION_ORDER_STATUS_LISTED;
constexpr OrderStatus kAdjourned = v1::PROTECTION_ORDER_STATUS_ADJOURNED;
constexpr OrderStatus kGranted = v1::PROTECTION_ORDER_STATUS_GRANTED;
constexpr OrderStatus kServed = v1::PROTECTION_ORDER_STATUS_SERVED;
constexpr OrderStatus kRefused = v1::PROTECTION_ORDER_STATUS_REFUSED;
constexpr OrderStatus kWithdrawn = v1::PROTECTION_ORDER_STATUS_WITHDRAWN;
constexpr OrderStatus kDischarged = v1::PROTECTION_ORDER_STATUS_DISCHARGED;
constexpr OrderStatus kQuashed = v1::PROTECTION_ORDER_STATUS_QUASHED;
constexpr OrderStatus kSuperseded = v1::PROTECTION_ORDER_STATUS_SUPERSEDED;
constexpr OrderStatus kExpired = v1::PROTECTION_ORDER_STATUS_EXPIRED;

constexpr OrderEvent kDraft = v1::PROTECTION_ORDER_EVENT_DRAFT_APPLICATION;
constexpr OrderEvent kNotPursue =
    v1::PROTECTION_ORDER_EVENT_DECIDE_NOT_TO_PURSUE;
constexpr OrderEvent kApply = v1::PROTECTION_ORDER_EVENT_APPLY;
constexpr OrderEvent kList = v1::PROTECTION_ORDER_EVENT_LIST_HEARING;
constexpr OrderEvent kAdjourn = v1::PROTECTION_ORDER_EVENT_ADJOURN_HEARING;
constexpr OrderEvent kGrant = v1::PROTECTION_ORDER_EVENT_GRANT;
constexpr OrderEvent kRefuse = v1::PROTECTION_ORDER_EVENT_REFUSE;
constexpr OrderEvent kWithdraw = v1::PROTECTION_ORDER_EVENT_WITHDRAW;
constexpr OrderEvent kServe = v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE;
constexpr OrderEvent kNotify = v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION;
constexpr OrderEvent kChange = v1::PROTECTION_ORDER_EVENT_RECORD_DETAILS_CHANGE;
constexpr OrderEvent kApplyVary =
    v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION;
constexpr OrderEvent kApplyRenew = v1::PROTECTION_ORDER_EVENT_APPLY_FOR_RENEWAL;
constexpr OrderEvent kApplyDischarge =
    v1::PROTECTION_ORDER_EVENT_APPLY_FOR_DISCHARGE;
constexpr OrderEvent kVary = v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION;
constexpr OrderEvent kRenew = v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL;
constexpr OrderEvent kDischarge = v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE;
constexpr OrderEvent kRefuseApp = v1::PROTECTION_ORDER_EVENT_REFUSE_APPLICATION;
constexpr OrderEvent kWithdrawApp =
    v1::PROTECTION_ORDER_EVENT_WITHDRAW_APPLICATION;
constexpr OrderEvent kAppeal = v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL;
constexpr OrderEvent kUphold = v1::PROTECTION_ORDER_EVENT_UPHOLD_ON_APPEAL;
constexpr OrderEvent kQuash = v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL;
constexpr OrderEvent kVaryOnAppeal = v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL;
constexpr OrderEvent kSupersede = v1::PROTECTION_ORDER_EVENT_SUPERSEDE;
constexpr OrderEvent kBreach = v1::PROTECTION_ORDER_EVENT_RECORD_BREACH;

constexpr OrderKind kAnyKind = v1::PROTECTION_ORDER_KIND_UNSPECIFIED;
constexpr OrderKind kFull = v1::PROTECTION_ORDER_KIND_FULL;
constexpr OrderKind kInterim = v1::PROTECTION_ORDER_KIND_INTERIM;

// ---- Small helpers ---------------------------------------------------------

template <typename T>
const T& In(const GuardArgs& a) {
  // ApplyOrderEvent checks the payload fits the event before any guard runs.
  return *std::get_if<T>(&a.input.payload);
}

absl::Status Ok() { return absl::OkStatus(); }

// The main application has not been decided yet.
bool IsUndecided(OrderStatus s) {
  return s == kConsidered || s == kApplied || s == kListed || s == kAdjourned;
}

std::string KindWord(OrderKind kind) {
  return kind == kInterim ? "interim" : "full";
}

std::string DurationText(const OrderDuration& d) {
  return d.fixed() ? absl::StrCat("until ", FormatDay(*d.end_date))
                   : "until further order";
}

std::string PartyText(v1::OrderParty party) {
  return party == v1::ORDER_PARTY_DEFENDANT ? "the defendant" : "the police";
}

std::string ApplicationTypeText(v1::OrderApplicationType type) {
  switch (type) {
    case v1::ORDER_APPLICATION_TYPE_VARIATION:
      return "variation";
    case v1::ORDER_APPLICATION_TYPE_RENEWAL:
      return "renewal";
    case v1::ORDER_APPLICATION_TYPE_DISCHARGE:
      return "discharge";
    default:
      return "unknown";
  }
}

v1::OrderApplicationType ApplicationTypeOf(OrderEvent event) {
  switch (event) {
    case kApplyVary:
    case kVary:
      return v1::ORDER_APPLICATION_TYPE_VARIATION;
    case kApplyRenew:
    case kRenew:
      return v1::ORDER_APPLICATION_TYPE_RENEWAL;
    case kApplyDischarge:
    case kDischarge:
      return v1::ORDER_APPLICATION_TYPE_DISCHARGE;
    default:
      return v1::ORDER_APPLICATION_TYPE_UNSPECIFIED;
  }
}

// What a hearing listed now would be for.
v1::OrderHearingPurpose CurrentPurpose(const OrderFacts& o) {
  if (o.pending_appeal() != nullptr) return v1::ORDER_HEARING_PURPOSE_APPEAL;
  if (const OrderApplication* app = o.pending_application()) {
    switch (app->type) {
      case v1::ORDER_APPLICATION_TYPE_VARIATION:
        return v1::ORDER_HEARING_PURPOSE_VARIATION;
      case v1::ORDER_APPLICATION_TYPE_RENEWAL:
        return v1::ORDER_HEARING_PURPOSE_RENEWAL;
      case v1::ORDER_APPLICATION_TYPE_DISCHARGE:
        return v1::ORDER_HEARING_PURPOSE_DISCHARGE;
      default:
        break;
    }
  }
  return v1::ORDER_HEARING_PURPOSE_APPLICATION;
}

// The day what the current hearings are about was applied for or lodged.
absl::CivilDay PurposeStartDate(const OrderFacts& o) {
  if (const OrderAppeal* appeal = o.pending_appeal()) return appeal->lodge_date;
  if (const OrderApplication* app = o.pending_application()) {
    return app->application_date;
  }
  return o.application_date.value_or(absl::CivilDay());
}

const Hearing* LatestListedHearing(const OrderFacts& o,
                                   v1::OrderHearingPurpose purpose) {
  const Hearing* latest = nullptr;
  for (const Hearing& h : o.hearings) {
    if (h.status == v1::ORDER_HEARING_STATUS_LISTED && h.purpose == purpose &&
        (latest == nullptr || h.hearing_time >= latest->hearing_time)) {
      latest = &h;
    }
  }
  return latest;
}

const TermsVersion& Current(const OrderFacts& o) {
  // Only called for orders that have been made (GRANTED and later).
  return o.versions.back();
}

// `what`: "the application was made", "the appeal was lodged".
absl::Status DecidedOnOrAfter(absl::CivilDay decision, absl::CivilDay start,
                              absl::string_view what) {
  if (decision < start) {
    return FieldError("decision_date",
                      absl::StrCat("must not be before the day ", what, " (",
                                   FormatDay(start), ")"));
  }
  return Ok();
}

absl::Status MainApplicationUndecided(const OrderFacts& o,
                                      bool include_considered) {
  if (!o.linked.main_status.has_value()) {
    return absl::InternalError(
        "the interim order's main application was not loaded");
  }
  OrderStatus main = *o.linked.main_status;
  bool ok = include_considered ? IsUndecided(main)
                               : IsUndecided(main) && main != kConsidered;
  if (!ok) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the main application is ", OrderStatusName(main),
        ": an interim order is sought with or after the main application "
        "and before it is decided"));
  }
  return Ok();
}

// ---- Guards
// ------------------------------------------------------------------

absl::Status GuardApply(const GuardArgs& a) {
  const auto& in = In<ApplyInput>(a);
  if (a.order.kind == kInterim) {
    if (auto s = MainApplicationUndecided(a.order, false); !s.ok()) return s;
  }
  if (in.terms.empty() && a.order.proposed_terms.empty()) {
    return FieldError("terms",
                      "at least one term is required (none in the request or "
                      "the draft)");
  }
  if (in.court.empty() && a.order.court.empty()) {
    return FieldError("court",
                      "is required (none in the request or the draft)");
  }
  std::optional<OrderDuration> d =
      in.duration ? in.duration : a.order.proposed_duration;
  if (d.has_value()) {
    if (a.order.kind == kInterim && !d->fixed()) {
      return FieldError("duration.until_further_order",
                        "an interim order has a fixed end date");
    }
    if (d->fixed() && *d->end_date < in.application_date) {
      return FieldError(
          "duration.end_date",
          absl::StrCat("must not be before the application date (",
                       FormatDay(in.application_date), ")"));
    }
  }
  return Ok();
}

// After the decision, hearings are for a pending application or appeal.
absl::Status SomethingPendingAfterDecision(const GuardArgs& a) {
  if (IsUndecided(a.from)) return Ok();
  if (a.order.pending_appeal() == nullptr &&
      a.order.pending_application() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "order is ", OrderStatusName(a.from),
        " and no variation, renewal, discharge or appeal is pending: there "
        "is no hearing to record"));
  }
  return Ok();
}

absl::Status GuardListHearing(const GuardArgs& a) {
  if (auto s = SomethingPendingAfterDecision(a); !s.ok()) return s;
  const auto& in = In<HearingInput>(a);
  absl::CivilDay start = PurposeStartDate(a.order);
  if (UkDay(in.hearing_time) < start) {
    return FieldError("hearing_time",
                      absl::StrCat("must not be before the day the application "
                                   "or appeal was made (",
                                   FormatDay(start), ")"));
  }
  return Ok();
}

absl::Status GuardAdjournHearing(const GuardArgs& a) {
  if (auto s = SomethingPendingAfterDecision(a); !s.ok()) return s;
  const auto& in = In<HearingInput>(a);
  const Hearing* h = LatestListedHearing(a.order, CurrentPurpose(a.order));
  if (h == nullptr) {
    return absl::FailedPreconditionError(
        "no hearing is listed to adjourn; record the listing first");
  }
  if (in.next_hearing_time.has_value() &&
      *in.next_hearing_time <= h->hearing_time) {
    return FieldError("next_hearing_time",
                      absl::StrCat("must be after the adjourned hearing (",
                                   FormatUkTime(h->hearing_time), ")"));
  }
  return Ok();
}

// GRANT, and QUASH_ON_APPEAL of a refusal: the court makes the order on
// `made` with the input's terms and duration.
absl::Status CheckMaking(const GuardArgs& a, absl::CivilDay made) {
  const auto& in = In<DecisionInput>(a);
  if (a.order.kind == kInterim) {
    if (auto s = MainApplicationUndecided(a.order, false); !s.ok()) return s;
  }
  if (in.terms.empty()) {
    return FieldError("terms",
                      "at least one term is required to make an order");
  }
  if (!in.duration.has_value()) {
    return FieldError("duration",
                      "is required to make an order: a fixed end date or "
                      "until further order");
  }
  return CheckDurationForOrder(a.order.kind, made, *in.duration, "duration");
}

absl::Status GuardGrant(const GuardArgs& a) {
  const auto& in = In<DecisionInput>(a);
  if (auto s = DecidedOnOrAfter(in.decision_date, *a.order.application_date,
                                "the application was made");
      !s.ok()) {
    return s;
  }
  return CheckMaking(a, in.decision_date);
}

absl::Status GuardRefuseOrWithdraw(const GuardArgs& a) {
  return DecidedOnOrAfter(In<DecisionInput>(a).decision_date,
                          *a.order.application_date,
                          "the application was made");
}

absl::Status GuardService(const GuardArgs& a) {
  const auto& in = In<ServiceInput>(a);
  if (UkDay(in.service_time) < *a.order.made_date) {
    return FieldError("service_time",
                      absl::StrCat("must not be before the day the order was "
                                   "made (",
                                   FormatDay(*a.order.made_date), ")"));
  }
  return Ok();
}

absl::Status GuardNotification(const GuardArgs& a) {
  const auto& in = In<NotificationInput>(a);
  std::optional<absl::Time> earliest_open;
  for (const NotificationObligation& ob : a.order.obligations) {
    if (ob.notification.has_value()) continue;
    if (!earliest_open || ob.trigger_time < *earliest_open) {
      earliest_open = ob.trigger_time;
    }
  }
  if (!earliest_open) {
    return absl::FailedPreconditionError(
        "no notification is outstanding: every obligation has been met");
  }
  if (in.notification.notify_time < *earliest_open) {
    return FieldError(
        "notify_time",
        absl::StrCat("is before the outstanding obligation arose (",
                     FormatUkTime(*earliest_open), ")"));
  }
  return Ok();
}

absl::Status GuardDetailsChange(const GuardArgs& a) {
  const auto& in = In<DetailsChangeInput>(a);
  if (in.change_time < a.order.service->service_time) {
    return FieldError(
        "change_time",
        absl::StrCat("must not be before the order was served (",
                     FormatUkTime(a.order.service->service_time), ")"));
  }
  return Ok();
}

absl::Status NoPendingApplication(const OrderFacts& o) {
  if (const OrderApplication* p = o.pending_application()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a ", ApplicationTypeText(p->type), " application by ",
        PartyText(p->applicant), " of ", FormatDay(p->application_date),
        " is pending; record its decision first"));
  }
  return Ok();
}

absl::Status GuardApplyForChange(const GuardArgs& a) {
  const auto& in = In<ChangeApplicationInput>(a);
  if (auto s = NoPendingApplication(a.order); !s.ok()) return s;
  const TermsVersion& cur = Current(a.order);
  v1::OrderApplicationType type = ApplicationTypeOf(a.input.event);
  if (type == v1::ORDER_APPLICATION_TYPE_RENEWAL && !cur.duration.fixed()) {
    return absl::FailedPreconditionError(
        "the order has effect until further order: there is no end date to "
        "renew");
  }
  if (in.application_date < *a.order.made_date) {
    return FieldError("application_date",
                      absl::StrCat("must not be before the day the order was "
                                   "made (",
                                   FormatDay(*a.order.made_date), ")"));
  }
  if (!in.proposed_duration.has_value()) return Ok();
  const OrderDuration& d = *in.proposed_duration;
  if (a.order.kind == kInterim && !d.fixed()) {
    return FieldError("proposed_duration.until_further_order",
                      "an interim order has a fixed end date");
  }
  if (type == v1::ORDER_APPLICATION_TYPE_RENEWAL && d.fixed() &&
      *d.end_date <= *cur.duration.end_date) {
    return FieldError("proposed_duration.end_date",
                      absl::StrCat("must be after the current end date (",
                                   FormatDay(*cur.duration.end_date), ")"));
  }
  if (type == v1::ORDER_APPLICATION_TYPE_VARIATION) {
    return CheckDurationForOrder(a.order.kind, *a.order.made_date, d,
                                 "proposed_duration");
  }
  return Ok();
}

// The pending application of `type`, decided on or after it was made.
absl::StatusOr<const OrderApplication*> PendingApplication(
    const GuardArgs& a, v1::OrderApplicationType type) {
  const OrderApplication* app = a.order.pending_application();
  if (app == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no ",
                     type == v1::ORDER_APPLICATION_TYPE_UNSPECIFIED
                         ? std::string("variation, renewal or discharge")
                         : ApplicationTypeText(type),
                     " application is pending"));
  }
  if (type != v1::ORDER_APPLICATION_TYPE_UNSPECIFIED && app->type != type) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the pending application is for ", ApplicationTypeText(app->type),
        ", not ", ApplicationTypeText(type)));
  }
  if (auto s =
          DecidedOnOrAfter(In<DecisionInput>(a).decision_date,
                           app->application_date, "the application was made");
      !s.ok()) {
    return s;
  }
  return app;
}

// The terms and duration after a variation (by the magistrates on `app`, or
// on appeal when `app` is null): the decision's, else the application's,
// else unchanged. It must change something and keep the duration rules.
absl::Status CheckVariation(const GuardArgs& a, const OrderApplication* app) {
  const auto& in = In<DecisionInput>(a);
  const TermsVersion& cur = Current(a.order);
  const std::vector<OrderTerm>& terms =
      !in.terms.empty() ? in.terms
                        : (app != nullptr && !app->proposed_terms.empty()
                               ? app->proposed_terms
                               : cur.terms);
  OrderDuration duration =
      in.duration
          ? *in.duration
          : (app != nullptr && app->proposed_duration ? *app->proposed_duration
                                                      : cur.duration);
  if (terms == cur.terms && duration == cur.duration) {
    return FieldError("terms",
                      "the variation changes neither the terms nor the "
                      "duration");
  }
  if (auto s = CheckDurationForOrder(a.order.kind, *a.order.made_date, duration,
                                     "duration");
      !s.ok()) {
    return s;
  }
  if (duration.fixed() && *duration.end_date < in.decision_date) {
    return FieldError("duration.end_date",
                      absl::StrCat("must not be before the decision date (",
                                   FormatDay(in.decision_date),
                                   "): ending an order early is a discharge"));
  }
  return Ok();
}

absl::Status GuardGrantVariation(const GuardArgs& a) {
  auto app = PendingApplication(a, v1::ORDER_APPLICATION_TYPE_VARIATION);
  if (!app.ok()) return app.status();
  return CheckVariation(a, *app);
}

absl::Status GuardGrantRenewal(const GuardArgs& a) {
  auto app = PendingApplication(a, v1::ORDER_APPLICATION_TYPE_RENEWAL);
  if (!app.ok()) return app.status();
  const auto& in = In<DecisionInput>(a);
  const TermsVersion& cur = Current(a.order);
  if (!cur.duration.fixed()) {
    return absl::FailedPreconditionError(
        "the order has effect until further order: there is no end date to "
        "renew");
  }
  std::optional<OrderDuration> d =
      in.duration ? in.duration : (*app)->proposed_duration;
  if (!d.has_value()) {
    return FieldError("duration",
                      "is required: the renewed end date, or until further "
                      "order");
  }
  if (a.order.kind == kInterim && !d->fixed()) {
    return FieldError("duration.until_further_order",
                      "an interim order has a fixed end date");
  }
  if (d->fixed() && *d->end_date <= *cur.duration.end_date) {
    return FieldError("duration.end_date",
                      absl::StrCat("must be after the current end date (",
                                   FormatDay(*cur.duration.end_date), ")"));
  }
  return Ok();
}

absl::Status GuardGrantDischarge(const GuardArgs& a) {
  return PendingApplication(a, v1::ORDER_APPLICATION_TYPE_DISCHARGE).status();
}

absl::Status GuardCloseApplication(const GuardArgs& a) {
  return PendingApplication(a, v1::ORDER_APPLICATION_TYPE_UNSPECIFIED).status();
}

absl::Status GuardLodgeAppeal(const GuardArgs& a) {
  const auto& in = In<AppealInput>(a);
  if (const OrderAppeal* p = a.order.pending_appeal()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "an appeal by ", PartyText(p->appellant), " lodged on ",
        FormatDay(p->lodge_date), " is pending; record its decision first"));
  }
  absl::CivilDay decided;
  if (a.from == kRefused) {
    if (in.appellant != v1::ORDER_PARTY_POLICE) {
      return FieldError("appellant",
                        "only the police appeal against a refusal");
    }
    decided = a.order.decision->decision_date;
  } else {
    if (in.appellant != v1::ORDER_PARTY_DEFENDANT) {
      return FieldError("appellant",
                        "only the defendant appeals against an order; the "
                        "police appeal against a refusal");
    }
    decided = *a.order.made_date;
  }
  if (in.lodge_date < decided) {
    return FieldError("lodge_date",
                      absl::StrCat("must not be before the decision appealed "
                                   "against (",
                                   FormatDay(decided), ")"));
  }
  return Ok();
}

absl::Status PendingAppealDecidedInTime(const GuardArgs& a) {
  const OrderAppeal* appeal = a.order.pending_appeal();
  if (appeal == nullptr) {
    return absl::FailedPreconditionError("no appeal is pending");
  }
  return DecidedOnOrAfter(In<DecisionInput>(a).decision_date,
                          appeal->lodge_date, "the appeal was lodged");
}

absl::Status GuardUphold(const GuardArgs& a) {
  return PendingAppealDecidedInTime(a);
}

absl::Status GuardQuashOrder(const GuardArgs& a) {
  if (auto s = PendingAppealDecidedInTime(a); !s.ok()) return s;
  const auto& in = In<DecisionInput>(a);
  if (!in.terms.empty() || in.duration.has_value()) {
    return FieldError(in.terms.empty() ? "duration" : "terms",
                      "is only given when the Crown Court makes an order on "
                      "a police appeal against a refusal");
  }
  return Ok();
}

absl::Status GuardQuashRefusal(const GuardArgs& a) {
  if (auto s = PendingAppealDecidedInTime(a); !s.ok()) return s;
  return CheckMaking(a, In<DecisionInput>(a).decision_date);
}

absl::Status GuardVaryOnAppeal(const GuardArgs& a) {
  if (auto s = PendingAppealDecidedInTime(a); !s.ok()) return s;
  return CheckVariation(a, nullptr);
}

absl::Status GuardBreach(const GuardArgs& a) {
  const auto& in = In<BreachInput>(a);
  if (!a.order.service.has_value()) {
    return absl::FailedPreconditionError(
        "the order was never served on the defendant");
  }
  if (in.occur_time < a.order.service->service_time) {
    return FieldError(
        "breach.occur_time",
        absl::StrCat("must not be before the order was served (",
                     FormatUkTime(a.order.service->service_time), ")"));
  }
  std::optional<absl::Time> end = EffectEndTime(a.order);
  if (end.has_value() && in.occur_time >= *end) {
    return FieldError("breach.occur_time",
                      absl::StrCat("must be before the order stopped having "
                                   "effect (",
                                   FormatUkTime(*end), ")"));
  }
  return Ok();
}

// ---- THE table
// ---------------------------------------------------------------
//
// Every legal move. (from, event) pairs not listed are illegal. `from` is the
// effective status, so EXPIRED rows apply to GRANTED/SERVED orders past their
// end date; a row whose `to` equals `from` keeps the stored status.

constexpr Transition kTransitions[] = {
    // Consideration and drafting.
    {kConsidered, kDraft, kConsidered, kAnyKind, nullptr},
    {kConsidered, kNotPursue, kNotPursued, kAnyKind, nullptr},
    {kConsidered, kApply, kApplied, kAnyKind, GuardApply},
    {kConsidered, kSupersede, kSuperseded, kInterim, nullptr},

    // The application before the magistrates.
    {kApplied, kList, kListed, kAnyKind, GuardListHearing},
    {kApplied, kGrant, kGranted, kAnyKind, GuardGrant},
    {kApplied, kRefuse, kRefused, kAnyKind, GuardRefuseOrWithdraw},
    {kApplied, kWithdraw, kWithdrawn, kAnyKind, GuardRefuseOrWithdraw},
    {kApplied, kSupersede, kSuperseded, kInterim, nullptr},

    {kListed, kList, kListed, kAnyKind, GuardListHearing},
    {kListed, kAdjourn, kAdjourned, kAnyKind, GuardAdjournHearing},
    {kListed, kGrant, kGranted, kAnyKind, GuardGrant},
    {kListed, kRefuse, kRefused, kAnyKind, GuardRefuseOrWithdraw},
    {kListed, kWithdraw, kWithdrawn, kAnyKind, GuardRefuseOrWithdraw},
    {kListed, kSupersede, kSuperseded, kInterim, nullptr},

    {kAdjourned, kList, kListed, kAnyKind, GuardListHearing},
    {kAdjourned, kAdjourn, kAdjourned, kAnyKind, GuardAdjournHearing},
    {kAdjourned, kGrant, kGranted, kAnyKind, GuardGrant},
    {kAdjourned, kRefuse, kRefused, kAnyKind, GuardRefuseOrWithdraw},
    {kAdjourned, kWithdraw, kWithdrawn, kAnyKind, GuardRefuseOrWithdraw},
    {kAdjourned, kSupersede, kSuperseded, kInterim, nullptr},

    // Made, not yet served: in force.
    {kGranted, kList, kGranted, kAnyKind, GuardListHearing},
    {kGranted, kAdjourn, kGranted, kAnyKind, GuardAdjournHearing},
    {kGranted, kServe, kServed, kAnyKind, GuardService},
    {kGranted, kApplyVary, kGranted, kAnyKind, GuardApplyForChange},
    {kGranted, kApplyRenew, kGranted, kAnyKind, GuardApplyForChange},
    {kGranted, kApplyDischarge, kGranted, kAnyKind, GuardApplyForChange},
    {kGranted, kVary, kGranted, kAnyKind, GuardGrantVariation},
    {kGranted, kRenew, kGranted, kAnyKind, GuardGrantRenewal},
    {kGranted, kDischarge, kDischarged, kAnyKind, GuardGrantDischarge},
    {kGranted, kRefuseApp, kGranted, kAnyKind, GuardCloseApplication},
    {kGranted, kWithdrawApp, kGranted, kAnyKind, GuardCloseApplication},
    {kGranted, kAppeal, kGranted, kAnyKind, GuardLodgeAppeal},
    {kGranted, kUphold, kGranted, kAnyKind, GuardUphold},
    {kGranted, kQuash, kQuashed, kAnyKind, GuardQuashOrder},
    {kGranted, kVaryOnAppeal, kGranted, kAnyKind, GuardVaryOnAppeal},
    {kGranted, kSupersede, kSuperseded, kInterim, nullptr},

    // Served: in force, notification requirements running.
    {kServed, kList, kServed, kAnyKind, GuardListHearing},
    {kServed, kAdjourn, kServed, kAnyKind, GuardAdjournHearing},
    {kServed, kNotify, kServed, kAnyKind, GuardNotification},
    {kServed, kChange, kServed, kAnyKind, GuardDetailsChange},
    {kServed, kApplyVary, kServed, kAnyKind, GuardApplyForChange},
    {kServed, kApplyRenew, kServed, kAnyKind, GuardApplyForChange},
    {kServed, kApplyDischarge, kServed, kAnyKind, GuardApplyForChange},
    {kServed, kVary, kServed, kAnyKind, GuardGrantVariation},
    {kServed, kRenew, kServed, kAnyKind, GuardGrantRenewal},
    {kServed, kDischarge, kDischarged, kAnyKind, GuardGrantDischarge},
    {kServed, kRefuseApp, kServed, kAnyKind, GuardCloseApplication},
    {kServed, kWithdrawApp, kServed, kAnyKind, GuardCloseApplication},
    {kServed, kAppeal, kServed, kAnyKind, GuardLodgeAppeal},
    {kServed, kUphold, kServed, kAnyKind, GuardUphold},
    {kServed, kQuash, kQuashed, kAnyKind, GuardQuashOrder},
    {kServed, kVaryOnAppeal, kServed, kAnyKind, GuardVaryOnAppeal},
    {kServed, kSupersede, kSuperseded, kInterim, nullptr},
    {kServed, kBreach, kServed, kAnyKind, GuardBreach},

    // Refused: final unless the police appeal.
    {kRefused, kList, kRefused, kAnyKind, GuardListHearing},
    {kRefused, kAdjourn, kRefused, kAnyKind, GuardAdjournHearing},
    {kRefused, kAppeal, kRefused, kAnyKind, GuardLodgeAppeal},
    {kRefused, kUphold, kRefused, kAnyKind, GuardUphold},
    {kRefused, kQuash, kGranted, kAnyKind, GuardQuashRefusal},

    // Ended orders: late records of what happened while in force, and the
    // outcome of an appeal lodged before the end.
    {kDischarged, kNotify, kDischarged, kAnyKind, GuardNotification},
    {kDischarged, kUphold, kDischarged, kAnyKind, GuardUphold},
    {kDischarged, kQuash, kQuashed, kAnyKind, GuardQuashOrder},
    {kDischarged, kBreach, kDischarged, kAnyKind, GuardBreach},

    {kSuperseded, kNotify, kSuperseded, kAnyKind, GuardNotification},
    {kSuperseded, kUphold, kSuperseded, kAnyKind, GuardUphold},
    {kSuperseded, kQuash, kQuashed, kAnyKind, GuardQuashOrder},
    {kSuperseded, kBreach, kSuperseded, kAnyKind, GuardBreach},

    {kExpired, kNotify, kExpired, kAnyKind, GuardNotification},
    {kExpired, kUphold, kExpired, kAnyKind, GuardUphold},
    {kExpired, kQuash, kQuashed, kAnyKind, GuardQuashOrder},
    {kExpired, kBreach, kExpired, kAnyKind, GuardBreach},

    // NOT_PURSUED, WITHDRAWN and QUASHED are final: no rows.
};

bool PayloadFits(OrderEvent event, const OrderEventPayload& p) {
  switch (event) {
    case kDraft:
      return std::holds_alternative<DraftInput>(p);
    case kNotPursue:
      return std::holds_alternative<NotPursuedInput>(p);
    case kApply:
      return std::holds_alternative<ApplyInput>(p);
    case kList:
    case kAdjourn:
      return std::holds_alternative<HearingInput>(p);
    case kServe:
      return std::holds_alternative<ServiceInput>(p);
    case kNotify:
      return std::holds_alternative<NotificationInput>(p);
    case kChange:
      return std::holds_alternative<DetailsChangeInput>(p);
    case kApplyVary:
    case kApplyRenew:
    case kApplyDischarge:
      return std::holds_alternative<ChangeApplicationInput>(p);
    case kAppeal:
      return std::holds_alternative<AppealInput>(p);
    case kSupersede:
      return std::holds_alternative<SupersedeInput>(p);
    case kBreach:
      return std::holds_alternative<BreachInput>(p);
    case kGrant:
    case kRefuse:
    case kWithdraw:
    case kVary:
    case kRenew:
    case kDischarge:
    case kRefuseApp:
    case kWithdrawApp:
    case kUphold:
    case kQuash:
    case kVaryOnAppeal:
      return std::holds_alternative<DecisionInput>(p);
    default:
      return false;
  }
}

// ---- Effects
// -----------------------------------------------------------------

int NextId(size_t count) { return static_cast<int>(count) + 1; }

void AddVersion(OrderTransition& out, std::vector<OrderTerm> terms,
                OrderDuration duration, absl::CivilDay day, OrderEvent by,
                absl::Time now) {
  TermsVersion v;
  v.version = NextId(out.order.versions.size());
  v.terms = std::move(terms);
  v.duration = duration;
  v.effective_date = day;
  v.made_by = by;
  v.record_time = now;
  out.order.versions.push_back(std::move(v));
  out.history.terms_version = out.order.versions.back().version;
}

CourtDecision ToDecision(const DecisionInput& in,
                         v1::OrderDecisionOutcome outcome) {
  return CourtDecision{outcome, in.decision_date, in.court, in.reason};
}

// Ends the order's effect at the end of `day` (or earlier, if it already
// ended).
void EndEffectAt(OrderTransition& out, absl::CivilDay day) {
  absl::Time end = EndOfUkDay(day);
  std::optional<absl::Time> current = EffectEndTime(out.order);
  out.order.end_time = current ? std::min(*current, end) : end;
}

OrderApplication* MutablePendingApplication(OrderFacts& o) {
  for (auto& app : o.applications) {
    if (app.status == v1::ORDER_APPLICATION_STATUS_PENDING) return &app;
  }
  return nullptr;
}

OrderAppeal* MutablePendingAppeal(OrderFacts& o) {
  for (auto& appeal : o.appeals) {
    if (appeal.pending()) return &appeal;
  }
  return nullptr;
}

void CloseApplication(OrderTransition& out, const DecisionInput& in,
                      v1::OrderApplicationStatus status,
                      v1::OrderDecisionOutcome outcome,
                      absl::string_view verb) {
  OrderApplication* app = MutablePendingApplication(out.order);
  app->status = status;
  app->decision = ToDecision(in, outcome);
  out.history.occur_date = in.decision_date;
  out.history.summary =
      absl::StrCat("Application for ", ApplicationTypeText(app->type), " by ",
                   PartyText(app->applicant), " ", verb, " on ",
                   FormatDay(in.decision_date));
}

void DecideAppeal(OrderTransition& out, const DecisionInput& in,
                  v1::OrderAppealOutcome outcome) {
  OrderAppeal* appeal = MutablePendingAppeal(out.order);
  appeal->outcome = outcome;
  appeal->decision_date = in.decision_date;
  appeal->decision_reason = in.reason;
  out.history.occur_date = in.decision_date;
}

// The variation a court made (on `app`, or on appeal when null).
void ApplyVariation(OrderTransition& out, const DecisionInput& in,
                    const OrderApplication* app, OrderEvent by,
                    absl::Time now) {
  const TermsVersion& cur = Current(out.order);
  std::vector<OrderTerm> terms =
      !in.terms.empty() ? in.terms
                        : (app != nullptr && !app->proposed_terms.empty()
                               ? app->proposed_terms
                               : cur.terms);
  OrderDuration duration =
      in.duration
          ? *in.duration
          : (app != nullptr && app->proposed_duration ? *app->proposed_duration
                                                      : cur.duration);
  AddVersion(out, std::move(terms), duration, in.decision_date, by, now);
}

void ApplyEffect(const GuardArgs& a, const Transition& row,
                 OrderTransition& out) {
  OrderFacts& o = out.order;
  OrderHistoryRecord& h = out.history;
  const absl::Time now = a.now;
  switch (a.input.event) {
    case kDraft: {
      const auto& in = In<DraftInput>(a);
      if (in.defendant) o.defendant = *in.defendant;
      if (in.protected_persons) o.protected_persons = *in.protected_persons;
      if (in.consideration_notes) {
        o.consideration_notes = *in.consideration_notes;
      }
      if (in.proposed_terms) o.proposed_terms = *in.proposed_terms;
      if (in.set_proposed_duration) o.proposed_duration = in.proposed_duration;
      if (in.court) o.court = *in.court;
      if (in.grounds) o.grounds = *in.grounds;
      h.summary = "Draft updated";
      break;
    }
    case kNotPursue: {
      o.not_pursued_reason = In<NotPursuedInput>(a).reason;
      h.summary = absl::StrCat("Not pursued: ", o.not_pursued_reason);
      break;
    }
    case kApply: {
      const auto& in = In<ApplyInput>(a);
      o.application_date = in.application_date;
      if (!in.court.empty()) o.court = in.court;
      if (!in.grounds.empty()) o.grounds = in.grounds;
      if (!in.terms.empty()) o.proposed_terms = in.terms;
      if (in.duration) o.proposed_duration = in.duration;
      h.occur_date = in.application_date;
      h.summary = absl::StrCat("Applied for a",
                               o.kind == kInterim ? "n interim" : " full",
                               " order to ", o.court, " (",
                               o.proposed_terms.size(), " proposed terms)");
      break;
    }
    case kList: {
      const auto& in = In<HearingInput>(a);
      Hearing hearing;
      hearing.id = NextId(o.hearings.size());
      hearing.hearing_time = in.hearing_time;
      hearing.court = in.court;
      hearing.status = v1::ORDER_HEARING_STATUS_LISTED;
      hearing.purpose = CurrentPurpose(a.order);
      o.hearings.push_back(std::move(hearing));
      h.summary = absl::StrCat("Hearing listed for ",
                               FormatUkTime(in.hearing_time), " at ", in.court);
      break;
    }
    case kAdjourn: {
      const auto& in = In<HearingInput>(a);
      v1::OrderHearingPurpose purpose = CurrentPurpose(a.order);
      const Hearing* listed = LatestListedHearing(a.order, purpose);
      Hearing& adjourned = o.hearings[listed - a.order.hearings.data()];
      adjourned.status = v1::ORDER_HEARING_STATUS_ADJOURNED;
      adjourned.adjournment_reason = in.adjournment_reason;
      h.occur_time = adjourned.hearing_time;
      h.summary = absl::StrCat(
          "Hearing of ", FormatUkTime(adjourned.hearing_time), " adjourned");
      if (!in.adjournment_reason.empty()) {
        absl::StrAppend(&h.summary, " (", in.adjournment_reason, ")");
      }
      if (in.next_hearing_time) {
        Hearing next;
        next.id = NextId(o.hearings.size());
        next.hearing_time = *in.next_hearing_time;
        next.court = in.next_court.empty() ? adjourned.court : in.next_court;
        next.status = v1::ORDER_HEARING_STATUS_LISTED;
        next.purpose = purpose;
        absl::StrAppend(&h.summary, " to ", FormatUkTime(next.hearing_time),
                        " at ", next.court);
        o.hearings.push_back(std::move(next));
      }
      break;
    }
    case kGrant: {
      const auto& in = In<DecisionInput>(a);
      o.decision = ToDecision(in, v1::ORDER_DECISION_OUTCOME_GRANTED);
      o.made_date = in.decision_date;
      AddVersion(out, in.terms, *in.duration, in.decision_date, kGrant, now);
      h.occur_date = in.decision_date;
      h.summary = absl::StrCat(
          "Granted at ", in.court, " on ", FormatDay(in.decision_date), ", ",
          DurationText(*in.duration), " (terms version ", h.terms_version, ")");
      break;
    }
    case kRefuse:
    case kWithdraw: {
      const auto& in = In<DecisionInput>(a);
      bool refused = a.input.event == kRefuse;
      o.decision =
          ToDecision(in, refused ? v1::ORDER_DECISION_OUTCOME_REFUSED
                                 : v1::ORDER_DECISION_OUTCOME_WITHDRAWN);
      h.occur_date = in.decision_date;
      h.summary = refused ? absl::StrCat("Refused at ", in.court, " on ",
                                         FormatDay(in.decision_date))
                          : absl::StrCat("Application withdrawn on ",
                                         FormatDay(in.decision_date));
      if (!in.reason.empty()) absl::StrAppend(&h.summary, ": ", in.reason);
      break;
    }
    case kServe: {
      const auto& in = In<ServiceInput>(a);
      o.service = ServiceRecord{in.service_time, in.method, in.notes};
      h.occur_time = in.service_time;
      if (o.kind == kFull && o.linked.replaced_interim_notified) {
        o.notification_carried_from_interim = true;
        h.summary = absl::StrCat(
            "Served on the defendant at ", FormatUkTime(in.service_time),
            "; no new notification is due: it replaces an interim order "
            "whose notification was made");
      } else {
        NotificationObligation ob;
        ob.id = NextId(o.obligations.size());
        ob.trigger = v1::ORDER_NOTIFICATION_TRIGGER_SERVICE;
        ob.trigger_time = in.service_time;
        ob.due_time = NotificationDueTime(in.service_time);
        h.summary = absl::StrCat("Served on the defendant at ",
                                 FormatUkTime(in.service_time),
                                 "; notification of name(s) and home address "
                                 "due by ",
                                 FormatUkTime(ob.due_time));
        o.obligations.push_back(std::move(ob));
      }
      break;
    }
    case kNotify: {
      const auto& in = In<NotificationInput>(a);
      std::vector<int> met;
      for (NotificationObligation& ob : o.obligations) {
        if (!ob.notification &&
            ob.trigger_time <= in.notification.notify_time) {
          ob.notification = in.notification;
          met.push_back(ob.id);
        }
      }
      h.occur_time = in.notification.notify_time;
      h.summary = absl::StrCat(
          "Notification made at ", FormatUkTime(in.notification.notify_time),
          " (obligation ", absl::StrJoin(met, ", "),
          "); acknowledged: ", in.notification.acknowledgement);
      break;
    }
    case kChange: {
      const auto& in = In<DetailsChangeInput>(a);
      NotificationObligation ob;
      ob.id = NextId(o.obligations.size());
      ob.trigger = in.change;
      ob.trigger_time = in.change_time;
      ob.due_time = NotificationDueTime(in.change_time);
      ob.change_details = in.details;
      h.occur_time = in.change_time;
      h.summary =
          absl::StrCat(in.change == v1::ORDER_NOTIFICATION_TRIGGER_NAME_CHANGE
                           ? "Change of name"
                           : "Change of home address",
                       " at ", FormatUkTime(in.change_time),
                       "; notification due by ", FormatUkTime(ob.due_time));
      o.obligations.push_back(std::move(ob));
      break;
    }
    case kApplyVary:
    case kApplyRenew:
    case kApplyDischarge: {
      const auto& in = In<ChangeApplicationInput>(a);
      OrderApplication app;
      app.id = NextId(o.applications.size());
      app.type = ApplicationTypeOf(a.input.event);
      app.applicant = in.applicant;
      app.application_date = in.application_date;
      app.grounds = in.grounds;
      app.proposed_terms = in.proposed_terms;
      app.proposed_duration = in.proposed_duration;
      app.status = v1::ORDER_APPLICATION_STATUS_PENDING;
      h.occur_date = in.application_date;
      h.summary = absl::StrCat(
          "Application for ", ApplicationTypeText(app.type), " by ",
          PartyText(in.applicant), " on ", FormatDay(in.application_date));
      o.applications.push_back(std::move(app));
      break;
    }
    case kVary: {
      const auto& in = In<DecisionInput>(a);
      OrderApplication* app = MutablePendingApplication(o);
      ApplyVariation(out, in, app, kVary, now);
      CloseApplication(out, in, v1::ORDER_APPLICATION_STATUS_GRANTED,
                       v1::ORDER_DECISION_OUTCOME_GRANTED, "granted");
      absl::StrAppend(&h.summary, ": ", DurationText(Current(o).duration),
                      " (terms version ", h.terms_version, ")");
      break;
    }
    case kRenew: {
      const auto& in = In<DecisionInput>(a);
      const OrderApplication* app = MutablePendingApplication(o);
      OrderDuration d = in.duration ? *in.duration : *app->proposed_duration;
      AddVersion(out, Current(o).terms, d, in.decision_date, kRenew, now);
      CloseApplication(out, in, v1::ORDER_APPLICATION_STATUS_GRANTED,
                       v1::ORDER_DECISION_OUTCOME_GRANTED, "granted");
      absl::StrAppend(&h.summary, ": renewed ", DurationText(d),
                      " (terms version ", h.terms_version, ")");
      break;
    }
    case kDischarge: {
      const auto& in = In<DecisionInput>(a);
      CloseApplication(out, in, v1::ORDER_APPLICATION_STATUS_GRANTED,
                       v1::ORDER_DECISION_OUTCOME_GRANTED, "granted");
      absl::StrAppend(&h.summary, ": the order is discharged");
      EndEffectAt(out, in.decision_date);
      break;
    }
    case kRefuseApp:
      CloseApplication(out, In<DecisionInput>(a),
                       v1::ORDER_APPLICATION_STATUS_REFUSED,
                       v1::ORDER_DECISION_OUTCOME_REFUSED, "refused");
      break;
    case kWithdrawApp:
      CloseApplication(out, In<DecisionInput>(a),
                       v1::ORDER_APPLICATION_STATUS_WITHDRAWN,
                       v1::ORDER_DECISION_OUTCOME_WITHDRAWN, "withdrawn");
      break;
    case kAppeal: {
      const auto& in = In<AppealInput>(a);
      OrderAppeal appeal;
      appeal.id = NextId(o.appeals.size());
      appeal.appellant = in.appellant;
      appeal.lodge_date = in.lodge_date;
      appeal.court = in.court;
      appeal.grounds = in.grounds;
      h.occur_date = in.lodge_date;
      h.summary =
          absl::StrCat("Appeal by ", PartyText(in.appellant), " to ", in.court,
                       " lodged on ", FormatDay(in.lodge_date), " against the ",
                       a.from == kRefused ? "refusal" : "order");
      o.appeals.push_back(std::move(appeal));
      break;
    }
    case kUphold: {
      const auto& in = In<DecisionInput>(a);
      DecideAppeal(out, in, v1::ORDER_APPEAL_OUTCOME_UPHELD);
      h.summary = absl::StrCat("On appeal, the ",
                               a.from == kRefused ? "refusal" : "order",
                               " was upheld on ", FormatDay(in.decision_date));
      break;
    }
    case kQuash: {
      const auto& in = In<DecisionInput>(a);
      DecideAppeal(out, in, v1::ORDER_APPEAL_OUTCOME_QUASHED);
      if (row.to == kGranted) {
        o.made_date = in.decision_date;
        AddVersion(out, in.terms, *in.duration, in.decision_date, kQuash, now);
        h.summary = absl::StrCat(
            "On appeal, the refusal was quashed and the order made on ",
            FormatDay(in.decision_date), ", ", DurationText(*in.duration),
            " (terms version ", h.terms_version, ")");
      } else {
        EndEffectAt(out, in.decision_date);
        h.summary = absl::StrCat("On appeal, the order was quashed on ",
                                 FormatDay(in.decision_date));
      }
      break;
    }
    case kVaryOnAppeal: {
      const auto& in = In<DecisionInput>(a);
      DecideAppeal(out, in, v1::ORDER_APPEAL_OUTCOME_VARIED);
      ApplyVariation(out, in, nullptr, kVaryOnAppeal, now);
      h.summary = absl::StrCat("On appeal, the order was varied on ",
                               FormatDay(in.decision_date), ": ",
                               DurationText(Current(o).duration),
                               " (terms version ", h.terms_version, ")");
      break;
    }
    case kSupersede: {
      const auto& in = In<SupersedeInput>(a);
      if (row.from == kGranted || row.from == kServed) {
        EndEffectAt(out, in.main_decision_date);
      }
      h.occur_date = in.main_decision_date;
      h.summary =
          absl::StrCat("Superseded: the main application was decided on ",
                       FormatDay(in.main_decision_date));
      break;
    }
    case kBreach: {
      const auto& in = In<BreachInput>(a);
      Breach b;
      b.id = NextId(o.breaches.size());
      b.occur_time = in.occur_time;
      b.description = in.description;
      b.incident = in.incident;
      b.record_time = now;
      out.charging_referral =
          BreachReferral{b.id, b.occur_time, b.description, b.incident};
      h.occur_time = in.occur_time;
      h.summary = absl::StrCat("Breach at ", FormatUkTime(in.occur_time),
                               " recorded and referred to the CPS for "
                               "charging");
      o.breaches.push_back(std::move(b));
      break;
    }
    default:
      break;
  }
}

absl::Status CheckStoredFacts(const OrderFacts& order) {
  if (order.kind != kFull && order.kind != kInterim) {
    return absl::InternalError("order has no kind");
  }
  if (order.status == v1::PROTECTION_ORDER_STATUS_UNSPECIFIED ||
      order.status == kExpired) {
    return absl::InternalError(absl::StrCat("stored order status may not be ",
                                            OrderStatusName(order.status)));
  }
  // Facts each status implies; the guards rely on them.
  bool applied = order.status != kConsidered && order.status != kNotPursued &&
                 order.status != kSuperseded;
  bool made = !order.versions.empty();
  if ((order.status == kGranted || order.status == kServed ||
       order.status == kDischarged) &&
      (!made || !order.made_date)) {
    return absl::InternalError("a made order has no terms version");
  }
  if (order.status == kServed && !order.service) {
    return absl::InternalError("a served order has no service record");
  }
  if (order.status == kRefused && !order.decision) {
    return absl::InternalError("a refused order has no decision");
  }
  if (applied && !order.application_date) {
    return absl::InternalError("an applied order has no application date");
  }
  return Ok();
}

}  // namespace

absl::Span<const Transition> TransitionTable() { return kTransitions; }

const Transition* FindTransition(OrderStatus from, OrderEvent event,
                                 OrderKind kind) {
  for (const Transition& t : kTransitions) {
    if (t.from == from && t.event == event &&
        (t.only_kind == kAnyKind || t.only_kind == kind)) {
      return &t;
    }
  }
  return nullptr;
}

std::vector<OrderEvent> AllowedEvents(OrderStatus from, OrderKind kind) {
  std::vector<OrderEvent> events;
  for (const Transition& t : kTransitions) {
    if (t.from == from && (t.only_kind == kAnyKind || t.only_kind == kind) &&
        std::find(events.begin(), events.end(), t.event) == events.end()) {
      events.push_back(t.event);
    }
  }
  std::sort(events.begin(), events.end());
  return events;
}

std::string OrderEventName(OrderEvent event) {
  return ShortEnumName(v1::ProtectionOrderEvent_descriptor(), event);
}

std::string OrderStatusName(OrderStatus status) {
  return ShortEnumName(v1::ProtectionOrderStatus_descriptor(), status);
}

OrderStatus EffectiveStatus(const OrderFacts& order, absl::Time now) {
  if (order.status != kGranted && order.status != kServed) return order.status;
  const TermsVersion* v = order.current_version();
  if (v != nullptr && v->duration.fixed() &&
      now >= EndOfUkDay(*v->duration.end_date)) {
    return kExpired;
  }
  return order.status;
}

bool IsActive(const OrderFacts& order, absl::Time now) {
  OrderStatus s = EffectiveStatus(order, now);
  return s == kGranted || s == kServed;
}

std::optional<absl::Time> EffectEndTime(const OrderFacts& order) {
  std::optional<absl::Time> fixed_end;
  if (const TermsVersion* v = order.current_version();
      v != nullptr && v->duration.fixed()) {
    fixed_end = EndOfUkDay(*v->duration.end_date);
  }
  if (order.end_time.has_value()) {
    return fixed_end ? std::min(*fixed_end, *order.end_time) : order.end_time;
  }
  return fixed_end;
}

absl::CivilDay MinimumFullOrderEndDate(absl::CivilDay made) {
  return AddYears(made, kFullOrderMinimumYears) - 1;
}

absl::Status CheckDurationForOrder(OrderKind kind, absl::CivilDay made,
                                   const OrderDuration& duration,
                                   absl::string_view field) {
  if (!duration.fixed()) {
    if (kind == kInterim) {
      return FieldError(absl::StrCat(field, ".until_further_order"),
                        "an interim order has a fixed end date");
    }
    return Ok();
  }
  const absl::CivilDay end = *duration.end_date;
  const std::string end_field = absl::StrCat(field, ".end_date");
  if (end < made) {
    return FieldError(end_field,
                      absl::StrCat("must not be before the day the order is "
                                   "made (",
                                   FormatDay(made), ")"));
  }
  if (kind == kFull && end < MinimumFullOrderEndDate(made)) {
    return FieldError(
        end_field,
        absl::StrCat("a full order's fixed period is at least ",
                     kFullOrderMinimumYears,
                     " years beginning with the day it is made (",
                     FormatDay(made), "): the end date must be on or after ",
                     FormatDay(MinimumFullOrderEndDate(made))));
  }
  return Ok();
}

absl::StatusOr<NewOrderResult> ConsiderOrder(const ConsiderInput& input,
                                             const LinkedOrderFacts& linked,
                                             absl::Time now) {
  if (input.kind != kFull && input.kind != kInterim) {
    return FieldError("protection_order.kind", "must be FULL or INTERIM");
  }
  NewOrderResult result;
  OrderFacts& o = result.order;
  o.kind = input.kind;
  o.status = kConsidered;
  o.linked = linked;
  if (input.kind == kInterim) {
    if (linked.main_kind != kFull) {
      return FieldError("protection_order.main_order",
                        "must name a full order of the same case");
    }
    if (auto s = MainApplicationUndecided(o, true); !s.ok()) return s;
  }
  o.main_order = input.main_order;
  o.defendant = input.defendant;
  o.protected_persons = input.protected_persons;
  o.consideration_notes = input.consideration_notes;
  o.proposed_terms = input.proposed_terms;
  o.proposed_duration = input.proposed_duration;
  o.court = input.court;
  o.grounds = input.grounds;

  OrderHistoryRecord h;
  h.event = v1::PROTECTION_ORDER_EVENT_CONSIDER;
  h.from_status = v1::PROTECTION_ORDER_STATUS_UNSPECIFIED;
  h.to_status = kConsidered;
  h.record_time = now;
  h.summary = absl::StrCat(input.kind == kInterim ? "Interim" : "Full",
                           " order considered");
  result.history.push_back(std::move(h));

  if (!input.not_pursued_reason.empty()) {
    auto next = ApplyOrderEvent(
        o,
        OrderEventInput{kNotPursue, NotPursuedInput{input.not_pursued_reason}},
        now);
    if (!next.ok()) return next.status();
    result.order = std::move(next->order);
    result.history.push_back(std::move(next->history));
  }
  return result;
}

absl::StatusOr<OrderTransition> ApplyOrderEvent(const OrderFacts& order,
                                                const OrderEventInput& input,
                                                absl::Time now) {
  if (auto s = CheckStoredFacts(order); !s.ok()) return s;
  const OrderStatus from = EffectiveStatus(order, now);
  const Transition* row = FindTransition(from, input.event, order.kind);
  if (row == nullptr) {
    std::vector<std::string> allowed;
    for (OrderEvent e : AllowedEvents(from, order.kind)) {
      allowed.push_back(OrderEventName(e));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot ", OrderEventName(input.event), ": ", KindWord(order.kind),
        " order is ", OrderStatusName(from), "; allowed events: ",
        allowed.empty() ? "none" : absl::StrJoin(allowed, ", ")));
  }
  if (!PayloadFits(input.event, input.payload)) {
    return absl::InternalError(absl::StrCat(
        "event ", OrderEventName(input.event), " given the wrong input"));
  }
  const GuardArgs args{order, input, from, now};
  if (row->guard != nullptr) {
    if (auto s = row->guard(args); !s.ok()) return s;
  }
  OrderTransition out;
  out.order = order;
  out.history.event = input.event;
  out.history.from_status = from;
  out.history.record_time = now;
  ApplyEffect(args, *row, out);
  // EXPIRED is never stored: a self-loop keeps the stored status.
  if (row->to != from) out.order.status = row->to;
  out.history.to_status = EffectiveStatus(out.order, now);
  if (order.kind == kFull && IsUndecided(from) && !IsUndecided(row->to)) {
    const auto* decision = std::get_if<DecisionInput>(&input.payload);
    out.supersede_interims = SupersedeInput{
        decision != nullptr ? decision->decision_date : UkDay(now)};
  }
  return out;
}

absl::StatusOr<std::optional<OrderTransition>> SupersedeInterim(
    const OrderFacts& interim, absl::CivilDay main_decision_date,
    absl::Time now) {
  if (interim.kind != kInterim) {
    return absl::InternalError("only an interim order is superseded");
  }
  if (FindTransition(EffectiveStatus(interim, now), kSupersede, kInterim) ==
      nullptr) {
    return std::optional<OrderTransition>();
  }
  auto next = ApplyOrderEvent(
      interim, OrderEventInput{kSupersede, SupersedeInput{main_decision_date}},
      now);
  if (!next.ok()) return next.status();
  return std::optional<OrderTransition>(std::move(*next));
}

// ---- Notification
// ------------------------------------------------------------

absl::Time NotificationDueTime(absl::Time start) {
  return EndOfUkDay(UkDay(start) + (kNotificationPeriodDays - 1)) -
         absl::Milliseconds(1);
}

ObligationState NotificationState(const OrderFacts& order,
                                  const NotificationObligation& obligation,
                                  absl::Time now) {
  if (obligation.notification.has_value()) {
    return {&obligation, v1::ORDER_NOTIFICATION_STATUS_NOTIFIED,
            obligation.notification->notify_time > obligation.due_time};
  }
  std::optional<absl::Time> end = EffectEndTime(order);
  if (end.has_value() && *end <= obligation.due_time && now >= *end) {
    return {&obligation, v1::ORDER_NOTIFICATION_STATUS_LAPSED, false};
  }
  if (now > obligation.due_time) {
    return {&obligation, v1::ORDER_NOTIFICATION_STATUS_OVERDUE, false};
  }
  return {&obligation, v1::ORDER_NOTIFICATION_STATUS_DUE, false};
}

std::vector<ObligationState> NotificationObligations(const OrderFacts& order,
                                                     absl::Time now) {
  std::vector<ObligationState> states;
  states.reserve(order.obligations.size());
  for (const NotificationObligation& ob : order.obligations) {
    states.push_back(NotificationState(order, ob, now));
  }
  return states;
}

std::vector<ObligationState> OverdueNotifications(const OrderFacts& order,
                                                  absl::Time now) {
  std::vector<ObligationState> overdue;
  for (const ObligationState& s : NotificationObligations(order, now)) {
    if (s.status == v1::ORDER_NOTIFICATION_STATUS_OVERDUE) overdue.push_back(s);
  }
  return overdue;
}

v1::OrderNotificationStatus NotificationSummary(const OrderFacts& order,
                                                absl::Time now) {
  bool due = false;
  bool notified = order.notification_carried_from_interim;
  for (const ObligationState& s : NotificationObligations(order, now)) {
    switch (s.status) {
      case v1::ORDER_NOTIFICATION_STATUS_OVERDUE:
        return v1::ORDER_NOTIFICATION_STATUS_OVERDUE;
      case v1::ORDER_NOTIFICATION_STATUS_DUE:
        due = true;
        break;
      case v1::ORDER_NOTIFICATION_STATUS_NOTIFIED:
        notified = true;
        break;
      default:
        break;
    }
  }
  if (due) return v1::ORDER_NOTIFICATION_STATUS_DUE;
  if (notified) return v1::ORDER_NOTIFICATION_STATUS_NOTIFIED;
  return v1::ORDER_NOTIFICATION_STATUS_UNSPECIFIED;
}

bool ReplacedInterimWasNotified(const OrderFacts& interim,
                                const OrderFacts& full) {
  if (interim.kind != kInterim || interim.status != kSuperseded ||
      !interim.end_time.has_value() || !full.made_date.has_value() ||
      *interim.end_time != EndOfUkDay(*full.made_date)) {
    return false;
  }
  for (const NotificationObligation& ob : interim.obligations) {
    if (ob.trigger == v1::ORDER_NOTIFICATION_TRIGGER_SERVICE &&
        ob.notification.has_value()) {
      return true;
    }
  }
  return false;
}

}  // namespace casebridge::domain
