#ifndef CASEBRIDGE_DOMAIN_PROTECTION_ORDER_TYPES_H_
#define CASEBRIDGE_DOMAIN_PROTECTION_ORDER_TYPES_H_

// The facts of one Stalking Protection Order as the domain reasons about
// them, and the inputs and results of its events. Plain values: storage
// keeps them (see OrderToProto/OrderFromProto), the lifecycle
// (protection_order_lifecycle.h) derives statuses from them.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/protection_orders.pb.h"

namespace casebridge::domain {

using OrderKind = v1::ProtectionOrderKind;
using OrderStatus = v1::ProtectionOrderStatus;
using OrderEvent = v1::ProtectionOrderEvent;

// Where a term applies: an area in words and/or a protected place named by
// what it is (never by its address), and a distance (0: the area alone).
struct GeographicLimit {
  std::string area;
  int32_t distance_metres = 0;
  v1::ProtectedPlace place = v1::PROTECTED_PLACE_UNSPECIFIED;
  friend bool operator==(const GeographicLimit&,
                         const GeographicLimit&) = default;
};

struct OrderTerm {
  v1::OrderTermKind kind = v1::ORDER_TERM_KIND_UNSPECIFIED;
  std::string text;
  std::optional<GeographicLimit> geographic_limit;
  friend bool operator==(const OrderTerm&, const OrderTerm&) = default;
};

// How long an order has effect: until the end of `end_date` (the last day
// in force, UK time), or, when `end_date` is empty, until further order.
struct OrderDuration {
  std::optional<absl::CivilDay> end_date;

  static OrderDuration FixedUntil(absl::CivilDay last_day) {
    return OrderDuration{last_day};
  }
  static OrderDuration UntilFurtherOrder() { return OrderDuration{}; }
  bool fixed() const { return end_date.has_value(); }
  friend bool operator==(const OrderDuration&, const OrderDuration&) = default;
};

// One version of what the order says; never edited once made.
struct TermsVersion {
  int version = 0;
  std::vector<OrderTerm> terms;
  OrderDuration duration;
  // The day the court made this version.
  absl::CivilDay effective_date;
  // GRANT, GRANT_VARIATION, GRANT_RENEWAL, VARY_ON_APPEAL, QUASH_ON_APPEAL.
  OrderEvent made_by = v1::PROTECTION_ORDER_EVENT_UNSPECIFIED;
  absl::Time record_time;
};

struct Hearing {
  int id = 0;
  absl::Time hearing_time;
  std::string court;
  v1::OrderHearingStatus status = v1::ORDER_HEARING_STATUS_UNSPECIFIED;
  std::string adjournment_reason;
  v1::OrderHearingPurpose purpose = v1::ORDER_HEARING_PURPOSE_UNSPECIFIED;
};

struct CourtDecision {
  v1::OrderDecisionOutcome outcome = v1::ORDER_DECISION_OUTCOME_UNSPECIFIED;
  absl::CivilDay decision_date;
  std::string court;
  std::string reason;
};

// An application to vary, renew or discharge an order in force.
struct OrderApplication {
  int id = 0;
  v1::OrderApplicationType type = v1::ORDER_APPLICATION_TYPE_UNSPECIFIED;
  v1::OrderParty applicant = v1::ORDER_PARTY_UNSPECIFIED;
  absl::CivilDay application_date;
  std::string grounds;
  std::vector<OrderTerm> proposed_terms;
  std::optional<OrderDuration> proposed_duration;
  v1::OrderApplicationStatus status = v1::ORDER_APPLICATION_STATUS_PENDING;
  std::optional<CourtDecision> decision;
};

struct OrderAppeal {
  int id = 0;
  v1::OrderParty appellant = v1::ORDER_PARTY_UNSPECIFIED;
  absl::CivilDay lodge_date;
  std::string court;
  std::string grounds;
  // UNSPECIFIED while pending.
  v1::OrderAppealOutcome outcome = v1::ORDER_APPEAL_OUTCOME_UNSPECIFIED;
  std::optional<absl::CivilDay> decision_date;
  std::string decision_reason;
  bool pending() const {
    return outcome == v1::ORDER_APPEAL_OUTCOME_UNSPECIFIED;
  }
};

struct ServiceRecord {
  absl::Time service_time;
  std::string method;
  std::string notes;
};

// The defendant's notification of name(s) and home address.
struct Notification {
  absl::Time notify_time;
  std::vector<std::string> names;
  std::string home_address;
  std::string acknowledgement;
};

// One 3-day duty to notify, started by service or by a change of name or
// address. Its status (due, notified, overdue, lapsed) is derived.
struct NotificationObligation {
  int id = 0;
  v1::OrderNotificationTrigger trigger =
      v1::ORDER_NOTIFICATION_TRIGGER_UNSPECIFIED;
  absl::Time trigger_time;
  absl::Time due_time;
  std::string change_details;
  std::optional<Notification> notification;
};

struct Breach {
  int id = 0;
  absl::Time occur_time;
  std::string description;
  // cases/{case}/incidents/{incident}, or empty.
  std::string incident;
  absl::Time record_time;
  // Set by the service once the CPS referral is opened.
  std::string charging_file;
};

// Facts of the orders linked to this one that its rules depend on. Loaded by
// the service with the order, never stored with it.
struct LinkedOrderFacts {
  // INTERIM: its main application's kind and status (EffectiveStatus).
  OrderKind main_kind = v1::PROTECTION_ORDER_KIND_UNSPECIFIED;
  std::optional<OrderStatus> main_status;
  // FULL: an interim order this order replaced had its notification made
  // (see ReplacedInterimWasNotified): service starts no new clock.
  bool replaced_interim_notified = false;
};

struct OrderFacts {
  OrderKind kind = v1::PROTECTION_ORDER_KIND_UNSPECIFIED;
  // The stored status; never EXPIRED (see EffectiveStatus).
  OrderStatus status = v1::PROTECTION_ORDER_STATUS_UNSPECIFIED;
  // INTERIM: the resource name of its main (full) order.
  std::string main_order;
  std::string defendant;
  std::vector<std::string> protected_persons;
  std::string consideration_notes;
  std::string not_pursued_reason;

  // The draft, then the application as made.
  std::vector<OrderTerm> proposed_terms;
  std::optional<OrderDuration> proposed_duration;
  std::string court;
  std::string grounds;
  std::optional<absl::CivilDay> application_date;

  std::vector<Hearing> hearings;
  // The decision on the application (granted, refused, withdrawn).
  std::optional<CourtDecision> decision;
  // The day the order was made (by the magistrates or on appeal).
  std::optional<absl::CivilDay> made_date;
  // Oldest first; the last is in force. Empty until made.
  std::vector<TermsVersion> versions;
  std::optional<ServiceRecord> service;
  // A full order served after a notified interim one: nothing new was due.
  bool notification_carried_from_interim = false;
  std::vector<NotificationObligation> obligations;
  std::vector<OrderApplication> applications;
  std::vector<OrderAppeal> appeals;
  std::vector<Breach> breaches;
  // When an event (discharge, quashing, supersession) ended its effect.
  std::optional<absl::Time> end_time;

  LinkedOrderFacts linked;

  const TermsVersion* current_version() const {
    return versions.empty() ? nullptr : &versions.back();
  }
  const OrderApplication* pending_application() const {
    for (const auto& a : applications) {
      if (a.status == v1::ORDER_APPLICATION_STATUS_PENDING) return &a;
    }
    return nullptr;
  }
  const OrderAppeal* pending_appeal() const {
    for (const auto& a : appeals) {
      if (a.pending()) return &a;
    }
    return nullptr;
  }
};

// ---- Event inputs: one payload type per kind of event ------------------

// CreateProtectionOrder.
struct ConsiderInput {
  OrderKind kind = v1::PROTECTION_ORDER_KIND_UNSPECIFIED;
  std::string main_order;
  std::string defendant;
  std::vector<std::string> protected_persons;
  std::string consideration_notes;
  std::vector<OrderTerm> proposed_terms;
  std::optional<OrderDuration> proposed_duration;
  std::string court;
  std::string grounds;
  // Non-empty: not pursued, at once.
  std::string not_pursued_reason;
};

// DRAFT_APPLICATION: the fields in the update mask.
struct DraftInput {
  std::optional<std::string> defendant;
  std::optional<std::vector<std::string>> protected_persons;
  std::optional<std::string> consideration_notes;
  std::optional<std::vector<OrderTerm>> proposed_terms;
  // proposed_duration is in the mask (an unset value clears it).
  bool set_proposed_duration = false;
  std::optional<OrderDuration> proposed_duration;
  std::optional<std::string> court;
  std::optional<std::string> grounds;
};

// DECIDE_NOT_TO_PURSUE.
struct NotPursuedInput {
  std::string reason;
};

// APPLY. Empty fields fall back to the draft.
struct ApplyInput {
  absl::CivilDay application_date;
  std::string court;
  std::string grounds;
  std::vector<OrderTerm> terms;
  std::optional<OrderDuration> duration;
};

// LIST_HEARING (hearing_time, court) and ADJOURN_HEARING (reason, next).
struct HearingInput {
  absl::Time hearing_time;
  std::string court;
  std::string adjournment_reason;
  std::optional<absl::Time> next_hearing_time;
  std::string next_court;
};

// Every decision: GRANT, REFUSE, WITHDRAW; GRANT_VARIATION, GRANT_RENEWAL,
// GRANT_DISCHARGE, REFUSE_APPLICATION, WITHDRAW_APPLICATION;
// UPHOLD_ON_APPEAL, QUASH_ON_APPEAL, VARY_ON_APPEAL.
struct DecisionInput {
  absl::CivilDay decision_date;
  std::string court;
  std::string reason;
  std::vector<OrderTerm> terms;
  std::optional<OrderDuration> duration;
};

// RECORD_SERVICE.
struct ServiceInput {
  absl::Time service_time;
  std::string method;
  std::string notes;
};

// RECORD_NOTIFICATION.
struct NotificationInput {
  Notification notification;
};

// RECORD_DETAILS_CHANGE.
struct DetailsChangeInput {
  // NAME_CHANGE or ADDRESS_CHANGE.
  v1::OrderNotificationTrigger change =
      v1::ORDER_NOTIFICATION_TRIGGER_UNSPECIFIED;
  absl::Time change_time;
  std::string details;
};

// APPLY_FOR_VARIATION, APPLY_FOR_RENEWAL, APPLY_FOR_DISCHARGE.
struct ChangeApplicationInput {
  v1::OrderParty applicant = v1::ORDER_PARTY_UNSPECIFIED;
  absl::CivilDay application_date;
  std::string grounds;
  std::vector<OrderTerm> proposed_terms;
  std::optional<OrderDuration> proposed_duration;
};

// LODGE_APPEAL.
struct AppealInput {
  v1::OrderParty appellant = v1::ORDER_PARTY_UNSPECIFIED;
  absl::CivilDay lodge_date;
  std::string court;
  std::string grounds;
};

// SUPERSEDE (by the system).
struct SupersedeInput {
  absl::CivilDay main_decision_date;
};

// RECORD_BREACH.
struct BreachInput {
  absl::Time occur_time;
  std::string description;
  std::string incident;
};

using OrderEventPayload =
    std::variant<DraftInput, NotPursuedInput, ApplyInput, HearingInput,
                 DecisionInput, ServiceInput, NotificationInput,
                 DetailsChangeInput, ChangeApplicationInput, AppealInput,
                 SupersedeInput, BreachInput>;

struct OrderEventInput {
  OrderEvent event = v1::PROTECTION_ORDER_EVENT_UNSPECIFIED;
  OrderEventPayload payload;
};

// ---- Results -------------------------------------------------------------

struct OrderHistoryRecord {
  OrderEvent event = v1::PROTECTION_ORDER_EVENT_UNSPECIFIED;
  // As read at the time (EffectiveStatus before and after).
  OrderStatus from_status = v1::PROTECTION_ORDER_STATUS_UNSPECIFIED;
  OrderStatus to_status = v1::PROTECTION_ORDER_STATUS_UNSPECIFIED;
  // When it happened, as a time or a day (at most one is set).
  std::optional<absl::Time> occur_time;
  std::optional<absl::CivilDay> occur_date;
  absl::Time record_time;
  std::string summary;
  // The terms version this event created, or 0.
  int terms_version = 0;
};

// What the service opens with the CPS for a breach (offence SPO_BREACH).
struct BreachReferral {
  int breach_id = 0;
  absl::Time occur_time;
  std::string description;
  std::string incident;
};

struct OrderTransition {
  // The new facts to store (status is the new stored status).
  OrderFacts order;
  // The history entry to append.
  OrderHistoryRecord history;
  // A main application was decided: the service supersedes each of its
  // interim orders (SupersedeInterim) in the same transaction.
  std::optional<SupersedeInput> supersede_interims;
  // A breach: the service opens a charging referral to the CPS.
  std::optional<BreachReferral> charging_referral;
};

struct NewOrderResult {
  OrderFacts order;
  // CONSIDER, and DECIDE_NOT_TO_PURSUE when not pursued at once.
  std::vector<OrderHistoryRecord> history;
};

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_PROTECTION_ORDER_TYPES_H_
