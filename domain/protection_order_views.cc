#include "domain/protection_order_views.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/protection_order_lifecycle.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

google::protobuf::Timestamp Ts(absl::Time t) { return ToProtoTime(t); }

v1::OrderDecision DecisionToProto(const CourtDecision& d) {
  v1::OrderDecision p;
  p.set_outcome(d.outcome);
  *p.mutable_decision_date() = ToProtoDate(d.decision_date);
  p.set_court(d.court);
  p.set_reason(d.reason);
  return p;
}

// ---- From proto: stored data, so a malformed value is DATA_LOSS.
// --------------

absl::Status Corrupt(absl::string_view field, const absl::Status& cause) {
  return absl::DataLossError(
      absl::StrCat("stored protection order: ", field, ": ", cause.message()));
}

absl::StatusOr<absl::CivilDay> DayFrom(absl::string_view field,
                                       const v1::Date& date) {
  auto day = ParseDate(field, date, kRecordDate);
  if (!day.ok()) return Corrupt(field, day.status());
  return *day;
}

absl::StatusOr<std::optional<absl::CivilDay>> OptionalDayFrom(
    absl::string_view field, const v1::Date& date) {
  if (!IsDateSet(date)) return std::optional<absl::CivilDay>();
  auto day = DayFrom(field, date);
  if (!day.ok()) return day.status();
  return std::optional<absl::CivilDay>(*day);
}

absl::Time TimeFrom(const google::protobuf::Timestamp& ts) {
  return ToAbslTime(ts);
}

OrderTerm TermFrom(const v1::OrderTerm& t) {
  OrderTerm term{t.kind(), t.text(), std::nullopt};
  if (t.has_geographic_limit()) {
    term.geographic_limit = GeographicLimit{t.geographic_limit().area(),
                                            t.geographic_limit().distance_metres(),
                                            t.geographic_limit().place()};
  }
  return term;
}

std::vector<OrderTerm> TermsFrom(
    const google::protobuf::RepeatedPtrField<v1::OrderTerm>& terms) {
  std::vector<OrderTerm> out;
  for (const auto& t : terms) out.push_back(TermFrom(t));
  return out;
}

absl::StatusOr<std::optional<OrderDuration>> DurationFrom(
    absl::string_view field, const v1::OrderDuration& d, bool present) {
  if (!present) return std::optional<OrderDuration>();
  if (d.duration_case() == v1::OrderDuration::kEndDate) {
    auto day = DayFrom(field, d.end_date());
    if (!day.ok()) return day.status();
    return std::optional<OrderDuration>(OrderDuration::FixedUntil(*day));
  }
  if (d.duration_case() == v1::OrderDuration::kUntilFurtherOrder) {
    return std::optional<OrderDuration>(OrderDuration::UntilFurtherOrder());
  }
  return Corrupt(field, absl::InvalidArgumentError("no duration set"));
}

absl::StatusOr<std::optional<CourtDecision>> DecisionFrom(
    absl::string_view field, const v1::OrderDecision& d, bool present) {
  if (!present) return std::optional<CourtDecision>();
  auto day = DayFrom(field, d.decision_date());
  if (!day.ok()) return day.status();
  return std::optional<CourtDecision>(
      CourtDecision{d.outcome(), *day, d.court(), d.reason()});
}

}  // namespace

v1::OrderTerm TermToProto(const OrderTerm& term) {
  v1::OrderTerm p;
  p.set_kind(term.kind);
  p.set_text(term.text);
  if (term.geographic_limit) {
    v1::GeographicLimit* g = p.mutable_geographic_limit();
    g->set_area(term.geographic_limit->area);
    g->set_distance_metres(term.geographic_limit->distance_metres);
    g->set_place(term.geographic_limit->place);
    g->set_description(DescribeGeographicLimit(*g));
  }
  return p;
}

std::string DescribeGeographicLimit(const v1::GeographicLimit& g) {
  std::string where;
  switch (g.place()) {
    case v1::PROTECTED_PLACE_HOME:
      where = "the protected person's home";
      break;
    case v1::PROTECTED_PLACE_WORKPLACE:
      where = "the protected person's workplace";
      break;
    case v1::PROTECTED_PLACE_SCHOOL:
      where = "the protected person's school or nursery";
      break;
    default:
      break;
  }
  if (where.empty()) {
    where = g.area();
  } else if (!g.area().empty()) {
    absl::StrAppend(&where, " (", g.area(), ")");
  }
  if (g.distance_metres() > 0) {
    return absl::StrCat("within ", g.distance_metres(), " metres of ", where);
  }
  return where;
}

v1::OrderDuration DurationToProto(const OrderDuration& duration) {
  v1::OrderDuration p;
  if (duration.fixed()) {
    *p.mutable_end_date() = ToProtoDate(*duration.end_date);
  } else {
    p.set_until_further_order(true);
  }
  return p;
}

v1::OrderTermsVersion TermsVersionToProto(const TermsVersion& version) {
  v1::OrderTermsVersion p;
  p.set_version(version.version);
  for (const OrderTerm& t : version.terms) *p.add_terms() = TermToProto(t);
  *p.mutable_duration() = DurationToProto(version.duration);
  *p.mutable_effective_date() = ToProtoDate(version.effective_date);
  p.set_made_by(version.made_by);
  *p.mutable_record_time() = Ts(version.record_time);
  return p;
}

v1::OrderHistoryEntry HistoryEntryToProto(const OrderHistoryRecord& record) {
  v1::OrderHistoryEntry p;
  p.set_event(record.event);
  p.set_from_status(record.from_status);
  p.set_to_status(record.to_status);
  if (record.occur_time) *p.mutable_occur_time() = Ts(*record.occur_time);
  if (record.occur_date)
    *p.mutable_occur_date() = ToProtoDate(*record.occur_date);
  *p.mutable_record_time() = Ts(record.record_time);
  p.set_summary(record.summary);
  p.set_terms_version(record.terms_version);
  return p;
}

v1::ProtectionOrder OrderToProto(const OrderFacts& o, absl::Time now) {
  v1::ProtectionOrder p;
  const bool active = IsActive(o, now);
  p.set_kind(o.kind);
  p.set_status(EffectiveStatus(o, now));
  p.set_main_order(o.main_order);
  p.set_defendant(o.defendant);
  for (const auto& person : o.protected_persons)
    p.add_protected_persons(person);
  p.set_consideration_notes(o.consideration_notes);
  p.set_not_pursued_reason(o.not_pursued_reason);
  for (const OrderTerm& t : o.proposed_terms) {
    *p.add_proposed_terms() = TermToProto(t);
  }
  if (o.proposed_duration) {
    *p.mutable_proposed_duration() = DurationToProto(*o.proposed_duration);
  }
  p.set_court(o.court);
  p.set_grounds(o.grounds);
  if (o.application_date) {
    *p.mutable_application_date() = ToProtoDate(*o.application_date);
  }

  std::optional<absl::Time> next_hearing;
  for (const Hearing& h : o.hearings) {
    v1::OrderHearing* ph = p.add_hearings();
    ph->set_id(h.id);
    *ph->mutable_hearing_time() = Ts(h.hearing_time);
    ph->set_court(h.court);
    ph->set_status(h.status);
    ph->set_adjournment_reason(h.adjournment_reason);
    ph->set_purpose(h.purpose);
    if (h.status == v1::ORDER_HEARING_STATUS_LISTED && h.hearing_time > now &&
        (!next_hearing || h.hearing_time < *next_hearing)) {
      next_hearing = h.hearing_time;
    }
  }
  if (next_hearing) *p.mutable_next_hearing_time() = Ts(*next_hearing);
  if (o.decision) *p.mutable_decision() = DecisionToProto(*o.decision);
  if (o.made_date) *p.mutable_made_date() = ToProtoDate(*o.made_date);

  if (const TermsVersion* v = o.current_version()) {
    for (const OrderTerm& t : v->terms) *p.add_terms() = TermToProto(t);
    *p.mutable_duration() = DurationToProto(v->duration);
    p.set_terms_version(v->version);
    if (v->duration.fixed()) {
      *p.mutable_end_date() = ToProtoDate(*v->duration.end_date);
    }
  }
  int variations = 0;
  int renewals = 0;
  for (const TermsVersion& v : o.versions) {
    if (v.made_by == v1::PROTECTION_ORDER_EVENT_GRANT_VARIATION ||
        v.made_by == v1::PROTECTION_ORDER_EVENT_VARY_ON_APPEAL) {
      ++variations;
    }
    if (v.made_by == v1::PROTECTION_ORDER_EVENT_GRANT_RENEWAL) ++renewals;
  }
  p.set_variation_count(variations);
  p.set_renewal_count(renewals);
  p.set_active(active);

  if (o.service) {
    *p.mutable_service()->mutable_service_time() = Ts(o.service->service_time);
    p.mutable_service()->set_method(o.service->method);
    p.mutable_service()->set_notes(o.service->notes);
  }
  for (const ObligationState& s : NotificationObligations(o, now)) {
    const NotificationObligation& ob = *s.obligation;
    v1::NotificationObligation* po = p.add_notification_obligations();
    po->set_id(ob.id);
    po->set_trigger(ob.trigger);
    *po->mutable_trigger_time() = Ts(ob.trigger_time);
    *po->mutable_due_time() = Ts(ob.due_time);
    po->set_change_details(ob.change_details);
    if (ob.notification) {
      v1::DefendantNotification* pn = po->mutable_notification();
      *pn->mutable_notify_time() = Ts(ob.notification->notify_time);
      for (const auto& n : ob.notification->names) pn->add_names(n);
      pn->set_home_address(ob.notification->home_address);
      pn->set_acknowledgement(ob.notification->acknowledgement);
    }
    po->set_status(s.status);
    po->set_late(s.late);
  }
  p.set_notification_status(NotificationSummary(o, now));
  p.set_notification_overdue(p.notification_status() ==
                             v1::ORDER_NOTIFICATION_STATUS_OVERDUE);
  p.set_notification_carried_from_interim(o.notification_carried_from_interim);

  for (const OrderApplication& a : o.applications) {
    v1::OrderApplication* pa = p.add_applications();
    pa->set_id(a.id);
    pa->set_type(a.type);
    pa->set_applicant(a.applicant);
    *pa->mutable_application_date() = ToProtoDate(a.application_date);
    pa->set_grounds(a.grounds);
    for (const OrderTerm& t : a.proposed_terms) {
      *pa->add_proposed_terms() = TermToProto(t);
    }
    if (a.proposed_duration) {
      *pa->mutable_proposed_duration() = DurationToProto(*a.proposed_duration);
    }
    // A pending application on an order no longer in force will never be
    // decided: it reads as lapsed (derived, so expiry needs no job).
    pa->set_status(a.status == v1::ORDER_APPLICATION_STATUS_PENDING && !active
                       ? v1::ORDER_APPLICATION_STATUS_LAPSED
                       : a.status);
    if (a.decision) *pa->mutable_decision() = DecisionToProto(*a.decision);
  }
  for (const OrderAppeal& a : o.appeals) {
    v1::OrderAppeal* pa = p.add_appeals();
    pa->set_id(a.id);
    pa->set_appellant(a.appellant);
    *pa->mutable_lodge_date() = ToProtoDate(a.lodge_date);
    pa->set_court(a.court);
    pa->set_grounds(a.grounds);
    pa->set_outcome(a.outcome);
    if (a.decision_date)
      *pa->mutable_decision_date() = ToProtoDate(*a.decision_date);
    pa->set_decision_reason(a.decision_reason);
  }
  p.set_appeal_pending(o.pending_appeal() != nullptr);
  for (const Breach& b : o.breaches) {
    v1::OrderBreach* pb = p.add_breaches();
    pb->set_id(b.id);
    *pb->mutable_occur_time() = Ts(b.occur_time);
    pb->set_description(b.description);
    pb->set_incident(b.incident);
    *pb->mutable_record_time() = Ts(b.record_time);
    pb->set_charging_file(b.charging_file);
  }
  if (std::optional<absl::Time> end = EffectEndTime(o)) {
    *p.mutable_end_time() = Ts(*end);
  }
  return p;
}

absl::StatusOr<OrderFacts> OrderFromProto(
    const v1::ProtectionOrder& p, OrderStatus stored_status,
    absl::Span<const v1::OrderTermsVersion> versions) {
  OrderFacts o;
  o.kind = p.kind();
  o.status = stored_status;
  o.main_order = p.main_order();
  o.defendant = p.defendant();
  o.protected_persons.assign(p.protected_persons().begin(),
                             p.protected_persons().end());
  o.consideration_notes = p.consideration_notes();
  o.not_pursued_reason = p.not_pursued_reason();
  o.proposed_terms = TermsFrom(p.proposed_terms());
  auto proposed = DurationFrom("proposed_duration", p.proposed_duration(),
                               p.has_proposed_duration());
  if (!proposed.ok()) return proposed.status();
  o.proposed_duration = *proposed;
  o.court = p.court();
  o.grounds = p.grounds();
  auto application_date =
      OptionalDayFrom("application_date", p.application_date());
  if (!application_date.ok()) return application_date.status();
  o.application_date = *application_date;

  for (const v1::OrderHearing& h : p.hearings()) {
    o.hearings.push_back(Hearing{h.id(), TimeFrom(h.hearing_time()), h.court(),
                                 h.status(), h.adjournment_reason(),
                                 h.purpose()});
  }
  auto decision = DecisionFrom("decision", p.decision(), p.has_decision());
  if (!decision.ok()) return decision.status();
  o.decision = *decision;
  auto made = OptionalDayFrom("made_date", p.made_date());
  if (!made.ok()) return made.status();
  o.made_date = *made;

  if (p.has_service()) {
    o.service = ServiceRecord{TimeFrom(p.service().service_time()),
                              p.service().method(), p.service().notes()};
  }
  o.notification_carried_from_interim = p.notification_carried_from_interim();
  for (const v1::NotificationObligation& po : p.notification_obligations()) {
    NotificationObligation ob;
    ob.id = po.id();
    ob.trigger = po.trigger();
    ob.trigger_time = TimeFrom(po.trigger_time());
    ob.due_time = TimeFrom(po.due_time());
    ob.change_details = po.change_details();
    if (po.has_notification()) {
      const v1::DefendantNotification& pn = po.notification();
      ob.notification = Notification{
          TimeFrom(pn.notify_time()),
          std::vector<std::string>(pn.names().begin(), pn.names().end()),
          pn.home_address(), pn.acknowledgement()};
    }
    o.obligations.push_back(std::move(ob));
  }
  for (const v1::OrderApplication& pa : p.applications()) {
    OrderApplication a;
    a.id = pa.id();
    a.type = pa.type();
    a.applicant = pa.applicant();
    auto day = DayFrom("applications.application_date", pa.application_date());
    if (!day.ok()) return day.status();
    a.application_date = *day;
    a.grounds = pa.grounds();
    a.proposed_terms = TermsFrom(pa.proposed_terms());
    auto d = DurationFrom("applications.proposed_duration",
                          pa.proposed_duration(), pa.has_proposed_duration());
    if (!d.ok()) return d.status();
    a.proposed_duration = *d;
    // LAPSED is only ever derived (see OrderToProto): stored, it is PENDING.
    a.status = pa.status() == v1::ORDER_APPLICATION_STATUS_LAPSED
                   ? v1::ORDER_APPLICATION_STATUS_PENDING
                   : pa.status();
    auto ad =
        DecisionFrom("applications.decision", pa.decision(), pa.has_decision());
    if (!ad.ok()) return ad.status();
    a.decision = *ad;
    o.applications.push_back(std::move(a));
  }
  for (const v1::OrderAppeal& pa : p.appeals()) {
    OrderAppeal a;
    a.id = pa.id();
    a.appellant = pa.appellant();
    auto day = DayFrom("appeals.lodge_date", pa.lodge_date());
    if (!day.ok()) return day.status();
    a.lodge_date = *day;
    a.court = pa.court();
    a.grounds = pa.grounds();
    a.outcome = pa.outcome();
    auto decided = OptionalDayFrom("appeals.decision_date", pa.decision_date());
    if (!decided.ok()) return decided.status();
    a.decision_date = *decided;
    a.decision_reason = pa.decision_reason();
    o.appeals.push_back(std::move(a));
  }
  for (const v1::OrderBreach& pb : p.breaches()) {
    o.breaches.push_back(
        Breach{pb.id(), TimeFrom(pb.occur_time()), pb.description(),
               pb.incident(), TimeFrom(pb.record_time()), pb.charging_file()});
  }
  for (size_t i = 0; i < versions.size(); ++i) {
    const v1::OrderTermsVersion& pv = versions[i];
    if (pv.version() != static_cast<int>(i) + 1) {
      return Corrupt("terms_versions",
                     absl::InvalidArgumentError("versions out of sequence"));
    }
    TermsVersion v;
    v.version = pv.version();
    v.terms = TermsFrom(pv.terms());
    auto d = DurationFrom("terms_versions.duration", pv.duration(),
                          pv.has_duration());
    if (!d.ok()) return d.status();
    if (!d->has_value()) {
      return Corrupt("terms_versions.duration",
                     absl::InvalidArgumentError("missing"));
    }
    v.duration = **d;
    auto day = DayFrom("terms_versions.effective_date", pv.effective_date());
    if (!day.ok()) return day.status();
    v.effective_date = *day;
    v.made_by = pv.made_by();
    v.record_time = TimeFrom(pv.record_time());
    o.versions.push_back(std::move(v));
  }
  // An event-set end (discharge, quashing, supersession) is the message's
  // end_time for those statuses; for others end_time is derived.
  if ((stored_status == v1::PROTECTION_ORDER_STATUS_DISCHARGED ||
       stored_status == v1::PROTECTION_ORDER_STATUS_QUASHED ||
       stored_status == v1::PROTECTION_ORDER_STATUS_SUPERSEDED) &&
      p.has_end_time()) {
    o.end_time = TimeFrom(p.end_time());
  }
  return o;
}

// ---- List filter
// ---------------------------------------------------------------

absl::StatusOr<OrderListFilter> ParseOrderListFilter(absl::string_view filter) {
  auto parsed = ListFilter::Parse(filter, kOrderListFilterKeys);
  if (!parsed.ok()) return parsed.status();
  OrderListFilter out;
  auto status =
      parsed->GetEnum("status", v1::ProtectionOrderStatus_descriptor());
  if (!status.ok()) return status.status();
  if (*status) out.status = static_cast<OrderStatus>(**status);
  auto kind = parsed->GetEnum("kind", v1::ProtectionOrderKind_descriptor());
  if (!kind.ok()) return kind.status();
  if (*kind) out.kind = static_cast<OrderKind>(**kind);
  auto active = parsed->GetBool("active");
  if (!active.ok()) return active.status();
  out.active = *active;
  auto overdue = parsed->GetBool("notification_overdue");
  if (!overdue.ok()) return overdue.status();
  out.notification_overdue = *overdue;
  auto days = parsed->GetInt("expiring_within_days");
  if (!days.ok()) return days.status();
  if (*days) {
    if (**days < 0 || **days > kMaxExpiringWithinDays) {
      return FieldError("filter",
                        absl::StrCat("expiring_within_days must be between 0 "
                                     "and ",
                                     kMaxExpiringWithinDays));
    }
    out.expiring_within_days = *days;
  }
  return out;
}

bool ExpiresWithinDays(const OrderFacts& order, int64_t days, absl::Time now) {
  if (!IsActive(order, now)) return false;
  const TermsVersion* v = order.current_version();
  return v != nullptr && v->duration.fixed() &&
         *v->duration.end_date <= UkDay(now) + days;
}

bool MatchesOrderListFilter(const OrderFacts& order,
                            const OrderListFilter& filter, absl::Time now) {
  if (filter.status && EffectiveStatus(order, now) != *filter.status) {
    return false;
  }
  if (filter.kind && order.kind != *filter.kind) return false;
  if (filter.active && IsActive(order, now) != *filter.active) return false;
  if (filter.notification_overdue &&
      (NotificationSummary(order, now) ==
       v1::ORDER_NOTIFICATION_STATUS_OVERDUE) != *filter.notification_overdue) {
    return false;
  }
  if (filter.expiring_within_days &&
      !ExpiresWithinDays(order, *filter.expiring_within_days, now)) {
    return false;
  }
  return true;
}

absl::Status CheckOrderListFilterForView(const OrderListFilter& filter,
                                         v1::CaseView view) {
  if (view != v1::CASE_VIEW_SAFEGUARDING) return absl::OkStatus();
  const char* hidden = filter.status               ? "status"
                       : filter.notification_overdue ? "notification_overdue"
                                                      : nullptr;
  if (hidden == nullptr) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "filter: your view of protection orders does not show ", hidden,
      "; filter on active, kind or expiring_within_days"));
}

// ---- Views ------------------------------------------------------------------

bool OrderVisibleInView(v1::CaseView view, const OrderFacts& order,
                        absl::Time now) {
  switch (view) {
    case v1::CASE_VIEW_FULL:
    case v1::CASE_VIEW_PROSECUTION:
      return true;
    case v1::CASE_VIEW_SAFEGUARDING:
      return IsActive(order, now);
    default:
      return false;
  }
}

}  // namespace casebridge::domain
