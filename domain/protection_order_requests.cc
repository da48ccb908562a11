#include "domain/protection_order_requests.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/dates.h"
#include "domain/protection_order_lifecycle.h"
#include "domain/resource_names.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

absl::Status Ok() { return absl::OkStatus(); }

absl::StatusOr<std::vector<std::string>> ParseNameList(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& names,
    size_t max_count) {
  if (static_cast<size_t>(names.size()) > max_count) {
    return FieldError(field, absl::StrCat("at most ", max_count, " allowed"));
  }
  std::vector<std::string> out;
  for (int i = 0; i < names.size(); ++i) {
    if (auto s = CheckText(FieldIndex(field, i), names[i], kMaxShortText, true);
        !s.ok()) {
      return s;
    }
    out.push_back(names[i]);
  }
  return out;
}

absl::Status CheckParty(absl::string_view field, v1::OrderParty party) {
  return CheckEnum(field, party, v1::OrderParty_IsValid, false);
}

// Decision fields every decision request shares.
absl::StatusOr<DecisionInput> ParseDecisionCommon(
    const v1::Date& decision_date, absl::string_view court,
    absl::string_view reason,
    const google::protobuf::RepeatedPtrField<v1::OrderTerm>& terms,
    const v1::OrderDuration& duration, bool has_duration, bool court_required,
    absl::Time now) {
  DecisionInput in;
  auto day = ParsePastDate("decision_date", decision_date, now);
  if (!day.ok()) return day.status();
  in.decision_date = *day;
  if (auto s = CheckCourt("court", court, court_required); !s.ok()) return s;
  in.court = std::string(court);
  if (auto s = CheckLongText("reason", reason, false); !s.ok()) return s;
  in.reason = std::string(reason);
  auto parsed_terms = ParseOrderTerms("terms", terms);
  if (!parsed_terms.ok()) return parsed_terms.status();
  in.terms = *std::move(parsed_terms);
  auto parsed_duration = ParseOrderDuration("duration", duration, has_duration);
  if (!parsed_duration.ok()) return parsed_duration.status();
  in.duration = *parsed_duration;
  return in;
}

// RecordCourtDecision and RecordApplicationDecision: a required outcome and
// the decision; a withdrawal needs no court.
template <typename Request>
absl::StatusOr<DecisionInput> ParseOutcomeDecision(const Request& request,
                                                   absl::Time now) {
  if (auto s = CheckEnum("outcome", request.outcome(),
                         v1::OrderDecisionOutcome_IsValid, false);
      !s.ok()) {
    return s;
  }
  return ParseDecisionCommon(request.decision_date(), request.court(),
                             request.reason(), request.terms(),
                             request.duration(), request.has_duration(),
                             /*court_required=*/request.outcome() !=
                                 v1::ORDER_DECISION_OUTCOME_WITHDRAWN,
                             now);
}

absl::Status NoTermsOrDuration(const DecisionInput& in,
                               absl::string_view only_when) {
  if (!in.terms.empty()) {
    return FieldError("terms", absl::StrCat("is only given ", only_when));
  }
  if (in.duration.has_value()) {
    return FieldError("duration", absl::StrCat("is only given ", only_when));
  }
  return Ok();
}

absl::StatusOr<ChangeApplicationInput> ParseChangeApplicationCommon(
    v1::OrderParty applicant, const v1::Date& application_date,
    absl::string_view grounds, absl::Time now) {
  ChangeApplicationInput in;
  if (auto s = CheckParty("applicant", applicant); !s.ok()) return s;
  in.applicant = applicant;
  auto day = ParsePastDate("application_date", application_date, now);
  if (!day.ok()) return day.status();
  in.application_date = *day;
  if (auto s = CheckLongText("grounds", grounds, false); !s.ok()) return s;
  in.grounds = std::string(grounds);
  return in;
}

OrderEventInput Event(OrderEvent event, OrderEventPayload payload) {
  return OrderEventInput{event, std::move(payload)};
}

}  // namespace

// ---- Building blocks
// ---------------------------------------------------------

absl::StatusOr<std::vector<OrderTerm>> ParseOrderTerms(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<v1::OrderTerm>& terms) {
  if (static_cast<size_t>(terms.size()) > kMaxOrderTerms) {
    return FieldError(
        field, absl::StrCat("at most ", kMaxOrderTerms, " terms allowed"));
  }
  std::vector<OrderTerm> out;
  for (int i = 0; i < terms.size(); ++i) {
    const v1::OrderTerm& t = terms[i];
    const std::string at = FieldIndex(field, i);
    if (auto s = CheckEnum(FieldPath(at, "kind"), t.kind(),
                           v1::OrderTermKind_IsValid, false);
        !s.ok()) {
      return s;
    }
    if (auto s = CheckText(FieldPath(at, "text"), t.text(), kMaxTermText, true);
        !s.ok()) {
      return s;
    }
    OrderTerm term{t.kind(), t.text(), std::nullopt};
    if (t.has_geographic_limit()) {
      const std::string geo = FieldPath(at, "geographic_limit");
      const v1::GeographicLimit& g = t.geographic_limit();
      if (auto s = CheckEnum(FieldPath(geo, "place"), g.place(),
                             v1::ProtectedPlace_IsValid, true);
          !s.ok()) {
        return s;
      }
      // A zone around a restricted home is named by `place`; an area in
      // words is needed only without one.
      const bool has_place = g.place() != v1::PROTECTED_PLACE_UNSPECIFIED;
      if (auto s = CheckText(FieldPath(geo, "area"), g.area(), kMaxAreaText,
                             /*required=*/!has_place);
          !s.ok()) {
        return has_place || !g.area().empty()
                   ? s
                   : FieldError(FieldPath(geo, "area"),
                                "is required without a place: describe the area, or "
                                "name the protected place (place: HOME) for a zone "
                                "around the protected person's home");
      }
      if (g.distance_metres() < 0 || g.distance_metres() > kMaxDistanceMetres) {
        return FieldError(
            FieldPath(geo, "distance_metres"),
            absl::StrCat("must be between 0 and ", kMaxDistanceMetres));
      }
      term.geographic_limit = GeographicLimit{g.area(), g.distance_metres(), g.place()};
    }
    out.push_back(std::move(term));
  }
  return out;
}

absl::StatusOr<std::optional<OrderDuration>> ParseOrderDuration(
    absl::string_view field, const v1::OrderDuration& duration, bool present) {
  if (!present) return std::optional<OrderDuration>();
  switch (duration.duration_case()) {
    case v1::OrderDuration::kEndDate: {
      auto day = ParseDate(FieldPath(field, "end_date"), duration.end_date(),
                           kRecordDate);
      if (!day.ok()) return day.status();
      return std::optional<OrderDuration>(OrderDuration::FixedUntil(*day));
    }
    case v1::OrderDuration::kUntilFurtherOrder:
      if (!duration.until_further_order()) {
        return FieldError(FieldPath(field, "until_further_order"),
                          "must be true when set (or give end_date)");
      }
      return std::optional<OrderDuration>(OrderDuration::UntilFurtherOrder());
    default:
      return FieldError(field, "give end_date or until_further_order=true");
  }
}

absl::Status CheckCourt(absl::string_view field, absl::string_view court,
                        bool required) {
  return CheckText(field, court, kMaxShortText, required);
}

absl::StatusOr<absl::CivilDay> ParsePastDate(absl::string_view field,
                                             const v1::Date& date,
                                             absl::Time now) {
  return ParseDate(field, date,
                   {.min_year = kMinRecordYear, .not_future = UkDay(now)});
}

absl::StatusOr<absl::Time> ParsePastTime(absl::string_view field,
                                         const google::protobuf::Timestamp& ts,
                                         bool present, absl::Time now) {
  if (auto s = CheckTimestamp(field, ts, present, true); !s.ok()) return s;
  absl::Time t = ToAbslTime(ts);
  if (t > now + kClockSkewAllowance) {
    return FieldError(field, "must not be in the future");
  }
  return t;
}

// ---- Requests
// ------------------------------------------------------------------

absl::StatusOr<ConsiderInput> ParseCreateProtectionOrder(
    const v1::CreateProtectionOrderRequest& request) {
  auto parent = ParseCaseName(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  const v1::ProtectionOrder& o = request.protection_order();
  ConsiderInput in;
  if (auto s = CheckEnum("protection_order.kind", o.kind(),
                         v1::ProtectionOrderKind_IsValid, false);
      !s.ok()) {
    return s;
  }
  in.kind = o.kind();
  if (in.kind == v1::PROTECTION_ORDER_KIND_INTERIM) {
    auto main = ParseCaseChildName(o.main_order(), "protectionOrders",
                                   "protection_order.main_order");
    if (!main.ok()) return main.status();
    // Same naming form: compare here; mixed forms the service resolves.
    const CaseKey& a = *parent;
    const CaseKey& b = main->case_key;
    if (a.by_reference() == b.by_reference() &&
        (a.id != b.id || a.reference != b.reference)) {
      return FieldError("protection_order.main_order",
                        "must be an order of the same case");
    }
    in.main_order = o.main_order();
  } else if (!o.main_order().empty()) {
    return FieldError("protection_order.main_order",
                      "is only set for an interim order");
  }
  if (auto s = CheckText("protection_order.defendant", o.defendant(),
                         kMaxShortText, false);
      !s.ok()) {
    return s;
  }
  in.defendant = o.defendant();
  auto persons = ParseNameList("protection_order.protected_persons",
                               o.protected_persons(), kMaxOrderProtectedPersons);
  if (!persons.ok()) return persons.status();
  in.protected_persons = *std::move(persons);
  if (auto s = CheckLongText("protection_order.consideration_notes",
                             o.consideration_notes(), false);
      !s.ok()) {
    return s;
  }
  in.consideration_notes = o.consideration_notes();
  auto terms =
      ParseOrderTerms("protection_order.proposed_terms", o.proposed_terms());
  if (!terms.ok()) return terms.status();
  in.proposed_terms = *std::move(terms);
  auto duration =
      ParseOrderDuration("protection_order.proposed_duration",
                         o.proposed_duration(), o.has_proposed_duration());
  if (!duration.ok()) return duration.status();
  in.proposed_duration = *duration;
  if (auto s = CheckCourt("protection_order.court", o.court(), false);
      !s.ok()) {
    return s;
  }
  in.court = o.court();
  if (auto s = CheckLongText("protection_order.grounds", o.grounds(), false);
      !s.ok()) {
    return s;
  }
  in.grounds = o.grounds();
  if (auto s = CheckLongText("not_pursued_reason", request.not_pursued_reason(),
                             false);
      !s.ok()) {
    return s;
  }
  in.not_pursued_reason = request.not_pursued_reason();
  if (auto s =
          CheckText("request_id", request.request_id(), kMaxShortText, false);
      !s.ok()) {
    return s;
  }
  return in;
}

absl::StatusOr<OrderEventInput> ParseUpdateProtectionOrder(
    const v1::UpdateProtectionOrderRequest& request) {
  static constexpr absl::string_view kPaths[] = {
      "defendant",      "protected_persons", "consideration_notes",
      "proposed_terms", "proposed_duration", "court",
      "grounds"};
  if (request.update_mask().paths().empty()) {
    return FieldError("update_mask", "is required");
  }
  const v1::ProtectionOrder& o = request.protection_order();
  DraftInput in;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "defendant") {
      if (auto s = CheckText("protection_order.defendant", o.defendant(),
                             kMaxShortText, false);
          !s.ok()) {
        return s;
      }
      in.defendant = o.defendant();
    } else if (path == "protected_persons") {
      auto persons = ParseNameList("protection_order.protected_persons",
                                   o.protected_persons(), kMaxOrderProtectedPersons);
      if (!persons.ok()) return persons.status();
      in.protected_persons = *std::move(persons);
    } else if (path == "consideration_notes") {
      if (auto s = CheckLongText("protection_order.consideration_notes",
                                 o.consideration_notes(), false);
          !s.ok()) {
        return s;
      }
      in.consideration_notes = o.consideration_notes();
    } else if (path == "proposed_terms") {
      auto terms = ParseOrderTerms("protection_order.proposed_terms",
                                   o.proposed_terms());
      if (!terms.ok()) return terms.status();
      in.proposed_terms = *std::move(terms);
    } else if (path == "proposed_duration") {
      auto duration =
          ParseOrderDuration("protection_order.proposed_duration",
                             o.proposed_duration(), o.has_proposed_duration());
      if (!duration.ok()) return duration.status();
      in.set_proposed_duration = true;
      in.proposed_duration = *duration;
    } else if (path == "court") {
      if (auto s = CheckCourt("protection_order.court", o.court(), false);
          !s.ok()) {
        return s;
      }
      in.court = o.court();
    } else if (path == "grounds") {
      if (auto s =
              CheckLongText("protection_order.grounds", o.grounds(), false);
          !s.ok()) {
        return s;
      }
      in.grounds = o.grounds();
    } else {
      return FieldError(
          "update_mask",
          absl::StrCat("cannot update \"", path,
                       "\"; updatable paths: ", absl::StrJoin(kPaths, ", ")));
    }
  }
  return Event(v1::PROTECTION_ORDER_EVENT_DRAFT_APPLICATION, std::move(in));
}

absl::StatusOr<OrderEventInput> ParseRecordOrderNotPursued(
    const v1::RecordOrderNotPursuedRequest& request) {
  if (auto s = CheckLongText("reason", request.reason(), true); !s.ok()) {
    return s;
  }
  return Event(v1::PROTECTION_ORDER_EVENT_DECIDE_NOT_TO_PURSUE,
               NotPursuedInput{request.reason()});
}

absl::StatusOr<OrderEventInput> ParseApplyForOrder(
    const v1::ApplyForOrderRequest& request, absl::Time now) {
  ApplyInput in;
  auto day = ParsePastDate("application_date", request.application_date(), now);
  if (!day.ok()) return day.status();
  in.application_date = *day;
  if (auto s = CheckCourt("court", request.court(), false); !s.ok()) return s;
  in.court = request.court();
  if (auto s = CheckLongText("grounds", request.grounds(), false); !s.ok()) {
    return s;
  }
  in.grounds = request.grounds();
  auto terms = ParseOrderTerms("terms", request.terms());
  if (!terms.ok()) return terms.status();
  in.terms = *std::move(terms);
  auto duration = ParseOrderDuration("duration", request.duration(),
                                     request.has_duration());
  if (!duration.ok()) return duration.status();
  in.duration = *duration;
  return Event(v1::PROTECTION_ORDER_EVENT_APPLY, std::move(in));
}

absl::StatusOr<OrderEventInput> ParseRecordHearing(
    const v1::RecordHearingRequest& request) {
  HearingInput in;
  switch (request.status()) {
    case v1::ORDER_HEARING_STATUS_LISTED: {
      if (auto s = CheckTimestamp("hearing_time", request.hearing_time(),
                                  request.has_hearing_time(), true);
          !s.ok()) {
        return s;
      }
      in.hearing_time = ToAbslTime(request.hearing_time());
      if (auto s = CheckCourt("court", request.court(), true); !s.ok()) {
        return s;
      }
      in.court = request.court();
      if (request.has_next_hearing_time() || !request.next_court().empty() ||
          !request.adjournment_reason().empty()) {
        return FieldError(request.has_next_hearing_time() ? "next_hearing_time"
                          : !request.next_court().empty()
                              ? "next_court"
                              : "adjournment_reason",
                          "is only given when the status is ADJOURNED");
      }
      return Event(v1::PROTECTION_ORDER_EVENT_LIST_HEARING, std::move(in));
    }
    case v1::ORDER_HEARING_STATUS_ADJOURNED: {
      if (request.has_hearing_time() || !request.court().empty()) {
        return FieldError(request.has_hearing_time() ? "hearing_time" : "court",
                          "is only given when the status is LISTED; an "
                          "adjournment applies to the listed hearing (give "
                          "next_hearing_time and next_court for the new date)");
      }
      if (auto s = CheckLongText("adjournment_reason",
                                 request.adjournment_reason(), false);
          !s.ok()) {
        return s;
      }
      in.adjournment_reason = request.adjournment_reason();
      if (request.has_next_hearing_time()) {
        if (auto s = CheckTimestamp("next_hearing_time",
                                    request.next_hearing_time(), true, true);
            !s.ok()) {
          return s;
        }
        in.next_hearing_time = ToAbslTime(request.next_hearing_time());
      } else if (!request.next_court().empty()) {
        return FieldError("next_court", "is only given with next_hearing_time");
      }
      if (auto s = CheckCourt("next_court", request.next_court(), false);
          !s.ok()) {
        return s;
      }
      in.next_court = request.next_court();
      return Event(v1::PROTECTION_ORDER_EVENT_ADJOURN_HEARING, std::move(in));
    }
    default:
      return FieldError("status", "must be LISTED or ADJOURNED");
  }
}

absl::StatusOr<OrderEventInput> ParseRecordCourtDecision(
    const v1::RecordCourtDecisionRequest& request, absl::Time now) {
  const v1::OrderDecisionOutcome outcome = request.outcome();
  auto in = ParseOutcomeDecision(request, now);
  if (!in.ok()) return in.status();
  if (outcome == v1::ORDER_DECISION_OUTCOME_GRANTED) {
    if (in->terms.empty()) {
      return FieldError("terms",
                        "at least one term is required when the order is "
                        "granted");
    }
    if (!in->duration.has_value()) {
      return FieldError("duration",
                        "is required when the order is granted: a fixed end "
                        "date or until further order");
    }
    return Event(v1::PROTECTION_ORDER_EVENT_GRANT, *std::move(in));
  }
  if (auto s = NoTermsOrDuration(*in, "when the order is granted"); !s.ok()) {
    return s;
  }
  return Event(outcome == v1::ORDER_DECISION_OUTCOME_WITHDRAWN
                   ? v1::PROTECTION_ORDER_EVENT_WITHDRAW
                   : v1::PROTECTION_ORDER_EVENT_REFUSE,
               *std::move(in));
}

absl::StatusOr<OrderEventInput> ParseRecordService(
    const v1::RecordServiceRequest& request, absl::Time now) {
  auto t = ParsePastTime("service_time", request.service_time(),
                         request.has_service_time(), now);
  if (!t.ok()) return t.status();
  if (auto s = CheckText("method", request.method(), kMaxAddressText, false);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckLongText("notes", request.notes(), false); !s.ok()) {
    return s;
  }
  return Event(v1::PROTECTION_ORDER_EVENT_RECORD_SERVICE,
               ServiceInput{*t, request.method(), request.notes()});
}

absl::StatusOr<OrderEventInput> ParseRecordNotification(
    const v1::RecordNotificationRequest& request, absl::Time now) {
  NotificationInput in;
  auto t = ParsePastTime("notify_time", request.notify_time(),
                         request.has_notify_time(), now);
  if (!t.ok()) return t.status();
  in.notification.notify_time = *t;
  auto names = ParseNameList("names", request.names(), kMaxNotifiedNames);
  if (!names.ok()) return names.status();
  in.notification.names = *std::move(names);
  if (auto s = CheckText("home_address", request.home_address(),
                         kMaxAddressText, false);
      !s.ok()) {
    return s;
  }
  in.notification.home_address = request.home_address();
  if (in.notification.names.empty() &&
      IsBlank(in.notification.home_address)) {
    return FieldError("names",
                      "give the name(s) or the home address the defendant "
                      "notified");
  }
  if (auto s = CheckText("acknowledgement", request.acknowledgement(),
                         kMaxAddressText, true);
      !s.ok()) {
    return s;
  }
  in.notification.acknowledgement = request.acknowledgement();
  return Event(v1::PROTECTION_ORDER_EVENT_RECORD_NOTIFICATION, std::move(in));
}

absl::StatusOr<OrderEventInput> ParseRecordDetailsChange(
    const v1::RecordDetailsChangeRequest& request, absl::Time now) {
  if (request.change() != v1::ORDER_NOTIFICATION_TRIGGER_NAME_CHANGE &&
      request.change() != v1::ORDER_NOTIFICATION_TRIGGER_ADDRESS_CHANGE) {
    return FieldError("change", "must be NAME_CHANGE or ADDRESS_CHANGE");
  }
  auto t = ParsePastTime("change_time", request.change_time(),
                         request.has_change_time(), now);
  if (!t.ok()) return t.status();
  if (auto s = CheckLongText("details", request.details(), false); !s.ok()) {
    return s;
  }
  return Event(v1::PROTECTION_ORDER_EVENT_RECORD_DETAILS_CHANGE,
               DetailsChangeInput{request.change(), *t, request.details()});
}

absl::StatusOr<OrderEventInput> ParseApplyForVariation(
    const v1::ApplyForVariationRequest& request, absl::Time now) {
  auto in = ParseChangeApplicationCommon(
      request.applicant(), request.application_date(), request.grounds(), now);
  if (!in.ok()) return in.status();
  auto terms = ParseOrderTerms("proposed_terms", request.proposed_terms());
  if (!terms.ok()) return terms.status();
  in->proposed_terms = *std::move(terms);
  auto duration =
      ParseOrderDuration("proposed_duration", request.proposed_duration(),
                         request.has_proposed_duration());
  if (!duration.ok()) return duration.status();
  in->proposed_duration = *duration;
  if (in->proposed_terms.empty() && !in->proposed_duration.has_value()) {
    return FieldError("proposed_terms",
                      "a variation seeks new terms or a new duration (give "
                      "proposed_terms or proposed_duration)");
  }
  return Event(v1::PROTECTION_ORDER_EVENT_APPLY_FOR_VARIATION, *std::move(in));
}

absl::StatusOr<OrderEventInput> ParseApplyForRenewal(
    const v1::ApplyForRenewalRequest& request, absl::Time now) {
  auto in = ParseChangeApplicationCommon(
      request.applicant(), request.application_date(), request.grounds(), now);
  if (!in.ok()) return in.status();
  auto duration =
      ParseOrderDuration("proposed_duration", request.proposed_duration(),
                         request.has_proposed_duration());
  if (!duration.ok()) return duration.status();
  in->proposed_duration = *duration;
  return Event(v1::PROTECTION_ORDER_EVENT_APPLY_FOR_RENEWAL, *std::move(in));
}

absl::StatusOr<OrderEventInput> ParseApplyForDischarge(
    const v1::ApplyForDischargeRequest& request, absl::Time now) {
  auto in = ParseChangeApplicationCommon(
      request.applicant(), request.application_date(), request.grounds(), now);
  if (!in.ok()) return in.status();
  return Event(v1::PROTECTION_ORDER_EVENT_APPLY_FOR_DISCHARGE, *std::move(in));
}

absl::StatusOr<ApplicationDecision> ParseRecordApplicationDecision(
    const v1::RecordApplicationDecisionRequest& request, absl::Time now) {
  const v1::OrderDecisionOutcome outcome = request.outcome();
  auto in = ParseOutcomeDecision(request, now);
  if (!in.ok()) return in.status();
  if (outcome != v1::ORDER_DECISION_OUTCOME_GRANTED) {
    if (auto s = NoTermsOrDuration(*in, "when the application is granted");
        !s.ok()) {
      return s;
    }
  }
  return ApplicationDecision{outcome, *std::move(in)};
}

absl::StatusOr<OrderEventInput> ApplicationDecisionEvent(
    const OrderFacts& order, const ApplicationDecision& decision,
    absl::Time now) {
  switch (decision.outcome) {
    case v1::ORDER_DECISION_OUTCOME_REFUSED:
      return Event(v1::PROTECTION_ORDER_EVENT_REFUSE_APPLICATION,
                   decision.decision);
    case v1::ORDER_DECISION_OUTCOME_WITHDRAWN:
      return Event(v1::PROTECTION_ORDER_EVENT_WITHDRAW_APPLICATION,
                   decision.decision);
    case v1::ORDER_DECISION_OUTCOME_GRANTED:
      break;
    default:
      return FieldError("outcome", "is required");
  }
  const OrderApplication* app = order.pending_application();
  if (app == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no variation, renewal or discharge application is pending; ",
        order.kind == v1::PROTECTION_ORDER_KIND_INTERIM ? "interim" : "full",
        " order is ", OrderStatusName(EffectiveStatus(order, now))));
  }
  switch (app->type) {
    case v1::ORDER_APPLICATION_TYPE_VARIATION:
      return Event(v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION,
                   decision.decision);
    case v1::ORDER_APPLICATION_TYPE_RENEWAL:
      return Event(v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL, decision.decision);
    case v1::ORDER_APPLICATION_TYPE_DISCHARGE:
      if (auto s = NoTermsOrDuration(decision.decision,
                                     "when a variation or renewal is granted");
          !s.ok()) {
        return s;
      }
      return Event(v1::PROTECTION_ORDER_EVENT_GRANT_DISCHARGE,
                   decision.decision);
    default:
      return absl::InternalError("pending application has no type");
  }
}

absl::StatusOr<OrderEventInput> ParseRecordAppeal(
    const v1::RecordAppealRequest& request, absl::Time now) {
  AppealInput in;
  if (auto s = CheckParty("appellant", request.appellant()); !s.ok()) return s;
  in.appellant = request.appellant();
  auto day = ParsePastDate("lodge_date", request.lodge_date(), now);
  if (!day.ok()) return day.status();
  in.lodge_date = *day;
  if (auto s = CheckCourt("court", request.court(), true); !s.ok()) return s;
  in.court = request.court();
  if (auto s = CheckLongText("grounds", request.grounds(), false); !s.ok()) {
    return s;
  }
  in.grounds = request.grounds();
  return Event(v1::PROTECTION_ORDER_EVENT_LODGE_APPEAL, std::move(in));
}

absl::StatusOr<OrderEventInput> ParseRecordAppealDecision(
    const v1::RecordAppealDecisionRequest& request, absl::Time now) {
  const v1::OrderAppealOutcome outcome = request.outcome();
  if (auto s =
          CheckEnum("outcome", outcome, v1::OrderAppealOutcome_IsValid, false);
      !s.ok()) {
    return s;
  }
  auto in = ParseDecisionCommon(request.decision_date(), request.court(),
                                request.reason(), request.terms(),
                                request.duration(), request.has_duration(),
                                /*court_required=*/true, now);
  if (!in.ok()) return in.status();
  switch (outcome) {
    case v1::ORDER_APPEAL_OUTCOME_UPHELD:
      if (auto s = NoTermsOrDuration(*in,
                                     "when the appeal varies or makes an "
                                     "order");
          !s.ok()) {
        return s;
      }
      return Event(v1::PROTECTION_ORDER_EVENT_UPHOLD_ON_APPEAL, *std::move(in));
    case v1::ORDER_APPEAL_OUTCOME_VARIED:
      if (in->terms.empty() && !in->duration.has_value()) {
        return FieldError("terms",
                          "a variation on appeal gives new terms or a new "
                          "duration");
      }
      return Event(v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL, *std::move(in));
    default:
      // QUASHED: whether terms are needed depends on what was appealed (an
      // order, or a refusal); the guard decides.
      return Event(v1::PROTECTION_ORDER_EVENT_QUASH_ON_APPEAL, *std::move(in));
  }
}

absl::StatusOr<OrderEventInput> ParseRecordBreach(
    const v1::RecordBreachRequest& request, absl::Time now) {
  const v1::OrderBreach& b = request.breach();
  BreachInput in;
  auto t = ParsePastTime("breach.occur_time", b.occur_time(),
                         b.has_occur_time(), now);
  if (!t.ok()) return t.status();
  in.occur_time = *t;
  if (auto s = CheckLongText("breach.description", b.description(), true);
      !s.ok()) {
    return s;
  }
  in.description = b.description();
  if (!b.incident().empty()) {
    auto incident =
        ParseCaseChildName(b.incident(), "incidents", "breach.incident");
    if (!incident.ok()) return incident.status();
    in.incident = b.incident();
  }
  return Event(v1::PROTECTION_ORDER_EVENT_RECORD_BREACH, std::move(in));
}

}  // namespace casebridge::domain
