#include "storage/protection_order_repository.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "google/protobuf/util/message_differencer.h"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

using google::protobuf::util::MessageDifferencer;

// protection_order_terms.list
constexpr int kDraftTerms = 1;
constexpr int kVersionTerms = 2;
constexpr int kApplicationTerms = 3;

// *_duration columns.
constexpr int kNoDuration = 0;
constexpr int kFixed = 1;
constexpr int kUntilFurtherOrder = 2;

// Columns of an order row, in the order OrderFromRow reads them; `shared` is
// an SQL expression for "the case is shared with the caller".
#define CB_ORDER_COLUMNS(shared)                                              \
  "o.id, o.case_id, o.kind, o.status, coalesce(o.main_order_id::text, ''), "  \
  "o.defendant, array_to_json(o.protected_persons)::text, "                   \
  "o.consideration_notes, o.not_pursued_reason, o.proposed_duration, "        \
  "o.proposed_end_date::text, o.court, o.grounds, o.application_date::text, " \
  "o.decision_outcome, o.decision_date::text, o.decision_court, "             \
  "o.decision_reason, o.made_date::text, cb_micros(o.service_time), "         \
  "o.service_method, o.service_notes, o.notification_carried_from_interim, "  \
  "cb_micros(o.end_time), cb_micros(o.create_time) AS create_micros, "        \
  "cb_micros(o.update_time), o.version, c.owning_agency_id, " shared

constexpr int kCreateMicrosColumn = 24;

constexpr Statement kGet = {"cb_order_get",
    "SELECT " CB_ORDER_COLUMNS("false")
    " FROM protection_orders o JOIN cases c ON c.id = o.case_id"
    " WHERE o.case_id = $1 AND o.id = $2"};

constexpr Statement kListForCase = {"cb_order_list_for_case",
    "SELECT " CB_ORDER_COLUMNS("false")
    " FROM protection_orders o JOIN cases c ON c.id = o.case_id"
    " WHERE o.case_id = $1 ORDER BY o.create_time, o.id"};

constexpr Statement kWithOpenNotifications = {"cb_order_open_notifications",
    "SELECT " CB_ORDER_COLUMNS("false")
    " FROM protection_orders o JOIN cases c ON c.id = o.case_id"
    " WHERE o.case_id = $1 AND EXISTS (SELECT 1 FROM"
    " protection_order_notifications n WHERE n.order_id = o.id"
    " AND n.notify_time IS NULL AND n.due_time < $2)"
    " ORDER BY o.create_time, o.id"};

// One case ($1), or every case the agency ($2) owns or has an active share
// of. Then the stored-column narrowing of OrderListQuery.
constexpr Statement kList = {"cb_order_list",
    "SELECT " CB_ORDER_COLUMNS(
        "EXISTS (SELECT 1 FROM case_shares s WHERE s.case_id = o.case_id"
        " AND s.agency_id = $2 AND s.withdraw_time IS NULL)")
    " FROM protection_orders o JOIN cases c ON c.id = o.case_id"
    " WHERE (CASE WHEN $1::uuid IS NOT NULL THEN o.case_id = $1"
    "  ELSE (c.owning_agency_id = $2 OR EXISTS (SELECT 1 FROM case_shares t"
    "   WHERE t.case_id = o.case_id AND t.agency_id = $2"
    "   AND t.withdraw_time IS NULL)) END)"
    " AND ($3::smallint IS NULL OR o.kind = $3)"
    " AND ($4::smallint[] IS NULL OR o.status = ANY ($4))"
    " AND ($5::timestamptz IS NULL OR o.end_time IS NULL OR o.end_time > $5)"
    " AND ($6::timestamptz IS NULL OR EXISTS (SELECT 1 FROM"
    "  protection_order_notifications n WHERE n.order_id = o.id"
    "  AND n.notify_time IS NULL AND n.due_time < $6))"
    " AND ($7::timestamptz IS NULL OR (o.create_time, o.id) > ($7, $8::uuid))"
    " ORDER BY o.create_time, o.id LIMIT $9"};

constexpr Statement kInterimIds = {
    "cb_order_interim_ids",
    "SELECT main_order_id, id FROM protection_orders"
    " WHERE main_order_id = ANY ($1::uuid[]) ORDER BY create_time, id"};

constexpr Statement kTerms = {
    "cb_order_terms",
    "SELECT order_id, list, list_id, kind, text, has_limit, area,"
    " distance_metres, place FROM protection_order_terms"
    " WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, list, list_id,"
    " ordinal"};
constexpr Statement kVersions = {
    "cb_order_versions",
    "SELECT order_id, version, end_date::text, effective_date::text, made_by,"
    " cb_micros(record_time) FROM protection_order_terms_versions"
    " WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, version"};
constexpr Statement kHearings = {
    "cb_order_hearings",
    "SELECT order_id, id, cb_micros(hearing_time), court, status,"
    " adjournment_reason, purpose FROM protection_order_hearings"
    " WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, id"};
constexpr Statement kApplications = {
    "cb_order_applications",
    "SELECT order_id, id, type, applicant, application_date::text, grounds,"
    " proposed_duration, proposed_end_date::text, status, decision_outcome,"
    " decision_date::text, decision_court, decision_reason"
    " FROM protection_order_applications"
    " WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, id"};
constexpr Statement kAppeals = {
    "cb_order_appeals",
    "SELECT order_id, id, appellant, lodge_date::text, court, grounds, outcome,"
    " decision_date::text, decision_reason FROM protection_order_appeals"
    " WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, id"};
constexpr Statement kNotifications = {
    "cb_order_notifications",
    "SELECT order_id, id, trigger, cb_micros(trigger_time), "
    "cb_micros(due_time),"
    " change_details, cb_micros(notify_time), array_to_json(names)::text,"
    " home_address, acknowledgement FROM protection_order_notifications"
    " WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, id"};
constexpr Statement kBreaches = {
    "cb_order_breaches",
    "SELECT order_id, id, cb_micros(occur_time), description,"
    " coalesce(incident_id::text, ''), cb_micros(record_time),"
    " coalesce(charging_file_id::text, '') FROM protection_order_breaches"
    " WHERE order_id = ANY ($1::uuid[]) ORDER BY order_id, id"};

// The columns every write sets, $n.. in OrderColumns order.
#define CB_ORDER_SET_COLUMNS                                                   \
  "status, defendant, protected_persons, consideration_notes, "                \
  "not_pursued_reason, proposed_duration, proposed_end_date, court, grounds, " \
  "application_date, decision_outcome, decision_date, decision_court, "        \
  "decision_reason, made_date, service_time, service_method, service_notes, "  \
  "notification_carried_from_interim, end_time"

constexpr Statement kInsert = {
    "cb_order_insert",
    "INSERT INTO protection_orders (id, case_id, kind, main_order_id,"
    " created_by, " CB_ORDER_SET_COLUMNS
    ", create_time, update_time)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12::date,"
    " $13, $14, $15::date, $16, $17::date, $18, $19, $20::date,"
    " $21::timestamptz, $22, $23, $24, $25::timestamptz, $26, $26)"};

constexpr Statement kUpdate = {
    "cb_order_update",
    "UPDATE protection_orders SET (" CB_ORDER_SET_COLUMNS
    ", update_time) ="
    " ($3, $4, $5::text[], $6, $7, $8, $9::date, $10, $11, $12::date, $13,"
    " $14::date, $15, $16, $17::date, $18::timestamptz, $19, $20, $21,"
    " $22::timestamptz, $23), version = version + 1"
    " WHERE id = $1 AND version = $2 RETURNING version"};

constexpr Statement kOrderVersion = {
    "cb_order_version", "SELECT version FROM protection_orders WHERE id = $1"};

constexpr Statement kDeleteDraftTerms = {
    "cb_order_delete_draft_terms",
    "DELETE FROM protection_order_terms WHERE order_id = $1 AND list = 1"};
constexpr Statement kInsertTerm = {
    "cb_order_insert_term",
    "INSERT INTO protection_order_terms (order_id, list, list_id, ordinal,"
    " kind, text, has_limit, area, distance_metres, place)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"};
constexpr Statement kInsertVersion = {
    "cb_order_insert_version",
    "INSERT INTO protection_order_terms_versions (order_id, version, end_date,"
    " effective_date, made_by, record_time)"
    " VALUES ($1, $2, $3::date, $4::date, $5, $6)"};
constexpr Statement kUpsertHearing = {
    "cb_order_upsert_hearing",
    "INSERT INTO protection_order_hearings (order_id, id, hearing_time, court,"
    " status, adjournment_reason, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (order_id, id) DO UPDATE SET hearing_time = EXCLUDED"
    ".hearing_time, court = EXCLUDED.court, status = EXCLUDED.status,"
    " adjournment_reason = EXCLUDED.adjournment_reason,"
    " purpose = EXCLUDED.purpose"};
constexpr Statement kUpsertApplication = {
    "cb_order_upsert_application",
    "INSERT INTO protection_order_applications (order_id, id, type, applicant,"
    " application_date, grounds, proposed_duration, proposed_end_date, status,"
    " decision_outcome, decision_date, decision_court, decision_reason)"
    " VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8::date, $9, $10, $11::date,"
    " $12, $13) ON CONFLICT (order_id, id) DO UPDATE SET"
    " type = EXCLUDED.type, applicant = EXCLUDED.applicant,"
    " application_date = EXCLUDED.application_date,"
    " grounds = EXCLUDED.grounds,"
    " proposed_duration = EXCLUDED.proposed_duration,"
    " proposed_end_date = EXCLUDED.proposed_end_date,"
    " status = EXCLUDED.status, decision_outcome = EXCLUDED.decision_outcome,"
    " decision_date = EXCLUDED.decision_date,"
    " decision_court = EXCLUDED.decision_court,"
    " decision_reason = EXCLUDED.decision_reason"};
constexpr Statement kUpsertAppeal = {
    "cb_order_upsert_appeal",
    "INSERT INTO protection_order_appeals (order_id, id, appellant,"
    " lodge_date, court, grounds, outcome, decision_date, decision_reason)"
    " VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8::date, $9)"
    " ON CONFLICT (order_id, id) DO UPDATE SET appellant = EXCLUDED.appellant,"
    " lodge_date = EXCLUDED.lodge_date, court = EXCLUDED.court,"
    " grounds = EXCLUDED.grounds, outcome = EXCLUDED.outcome,"
    " decision_date = EXCLUDED.decision_date,"
    " decision_reason = EXCLUDED.decision_reason"};
constexpr Statement kUpsertNotification = {
    "cb_order_upsert_notification",
    "INSERT INTO protection_order_notifications (order_id, id, trigger,"
    " trigger_time, due_time, change_details, notify_time, names,"
    " home_address, acknowledgement)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::text[], $9, $10)"
    " ON CONFLICT (order_id, id) DO UPDATE SET trigger = EXCLUDED.trigger,"
    " trigger_time = EXCLUDED.trigger_time, due_time = EXCLUDED.due_time,"
    " change_details = EXCLUDED.change_details,"
    " notify_time = EXCLUDED.notify_time, names = EXCLUDED.names,"
    " home_address = EXCLUDED.home_address,"
    " acknowledgement = EXCLUDED.acknowledgement"};
constexpr Statement kUpsertBreach = {
    "cb_order_upsert_breach",
    "INSERT INTO protection_order_breaches (order_id, id, occur_time,"
    " description, incident_id, record_time, charging_file_id)"
    " VALUES ($1, $2, $3, $4, $5::uuid, $6, $7::uuid)"
    " ON CONFLICT (order_id, id) DO UPDATE SET occur_time ="
    " EXCLUDED.occur_time, description = EXCLUDED.description,"
    " incident_id = EXCLUDED.incident_id, record_time = EXCLUDED.record_time,"
    " charging_file_id = EXCLUDED.charging_file_id"};

constexpr Statement kAppendHistory = {
    "cb_order_append_history",
    "INSERT INTO protection_order_history (order_id, sequence, event,"
    " from_status, to_status, occur_time, occur_date, record_time, actor_id,"
    " summary, terms_version) VALUES ($1, (SELECT coalesce(max(sequence), 0)"
    " + 1 FROM protection_order_history WHERE order_id = $1), $2, $3, $4,"
    " $5::timestamptz, $6::date, $7, $8::uuid, $9, $10)"};
constexpr Statement kHistory = {
    "cb_order_history",
    "SELECT sequence, event, from_status, to_status, cb_micros(occur_time),"
    " occur_date::text, cb_micros(record_time), coalesce(actor_id::text, ''),"
    " summary, terms_version FROM protection_order_history"
    " WHERE order_id = $1 AND ($2::bigint IS NULL OR sequence > $2)"
    " ORDER BY sequence LIMIT $3"};

constexpr Statement kSetCaseActivity = {
    "cb_order_set_case_activity",
    "UPDATE cases SET order_active = $2, order_active_until = $3::date,"
    " update_time = $4 WHERE id = $1 AND (order_active, order_active_until)"
    " IS DISTINCT FROM ($2::boolean, $3::date)"};

constexpr Statement kMeasures = {
    "cb_order_measures",
    "SELECT"
    " (SELECT count(*) FROM cases c WHERE c.owning_agency_id = $1"
    "   AND c.open_time >= $2 AND c.open_time < $3),"
    " (SELECT count(*) FROM cases c WHERE c.owning_agency_id = $1"
    "   AND c.open_time >= $2 AND c.open_time < $3 AND EXISTS (SELECT 1 FROM"
    "   protection_orders o WHERE o.case_id = c.id)),"
    " (SELECT count(*) FROM protection_orders o JOIN cases c ON c.id ="
    "   o.case_id WHERE c.owning_agency_id = $1 AND o.create_time >= $2"
    "   AND o.create_time < $3),"
    " (SELECT count(*) FROM protection_orders o JOIN cases c ON c.id ="
    "   o.case_id WHERE c.owning_agency_id = $1 AND o.kind = 1"
    "   AND o.made_date BETWEEN $4::date AND $5::date),"
    " (SELECT count(*) FROM protection_orders o JOIN cases c ON c.id ="
    "   o.case_id WHERE c.owning_agency_id = $1 AND o.kind = 2"
    "   AND o.made_date BETWEEN $4::date AND $5::date)"};

// ---- Reading ---------------------------------------------------------------

std::string OrderName(absl::string_view case_id, absl::string_view id) {
  return domain::CaseChildResourceName(case_id, "protectionOrders", id);
}

std::string Text(const pqxx::field& f) { return Str(f); }

void SetDuration(int kind, const pqxx::field& end_date, v1::OrderDuration* d) {
  if (kind == kFixed) {
    SetDate(end_date, d->mutable_end_date());
  } else if (kind == kUntilFurtherOrder) {
    d->set_until_further_order(true);
  }
}

StoredOrder OrderFromRow(const pqxx::row& r) {
  StoredOrder s;
  s.id = Str(r[0]);
  s.case_id = Str(r[1]);
  v1::ProtectionOrder& o = s.order;
  o.set_name(OrderName(s.case_id, s.id));
  o.set_kind(static_cast<v1::ProtectionOrderKind>(Int(r[2])));
  s.status = static_cast<v1::ProtectionOrderStatus>(Int(r[3]));
  if (r[4].size() > 0) o.set_main_order(OrderName(s.case_id, Str(r[4])));
  o.set_defendant(Text(r[5]));
  for (std::string& p : TextsFromJson(r[6]))
    o.add_protected_persons(std::move(p));
  o.set_consideration_notes(Text(r[7]));
  o.set_not_pursued_reason(Text(r[8]));
  const int proposed = static_cast<int>(Int(r[9]));
  if (proposed != kNoDuration) {
    SetDuration(proposed, r[10], o.mutable_proposed_duration());
  }
  o.set_court(Text(r[11]));
  o.set_grounds(Text(r[12]));
  SetDate(r[13], o.mutable_application_date());
  if (Int(r[14]) != 0) {
    v1::OrderDecision* d = o.mutable_decision();
    d->set_outcome(static_cast<v1::OrderDecisionOutcome>(Int(r[14])));
    SetDate(r[15], d->mutable_decision_date());
    d->set_court(Text(r[16]));
    d->set_reason(Text(r[17]));
  }
  SetDate(r[18], o.mutable_made_date());
  if (!r[19].is_null()) {
    v1::OrderServiceRecord* service = o.mutable_service();
    SetTimestamp(r[19], service, &v1::OrderServiceRecord::mutable_service_time);
    service->set_method(Text(r[20]));
    service->set_notes(Text(r[21]));
  }
  o.set_notification_carried_from_interim(Bool(r[22]));
  SetTimestamp(r[23], &o, &v1::ProtectionOrder::mutable_end_time);
  SetTimestamp(r[24], &o, &v1::ProtectionOrder::mutable_create_time);
  SetTimestamp(r[25], &o, &v1::ProtectionOrder::mutable_update_time);
  s.version = Int(r[26]);
  o.set_etag(domain::FormatEtag(s.version));
  s.case_owner_agency_id = Str(r[27]);
  s.case_shared_with_caller = Bool(r[28]);
  return s;
}

v1::OrderTerm TermFromRow(const pqxx::row& r) {
  v1::OrderTerm t;
  t.set_kind(static_cast<v1::OrderTermKind>(Int(r["kind"])));
  t.set_text(Text(r["text"]));
  if (Bool(r["has_limit"])) {
    v1::GeographicLimit* g = t.mutable_geographic_limit();
    g->set_area(Text(r["area"]));
    g->set_distance_metres(static_cast<int32_t>(Int(r["distance_metres"])));
    g->set_place(static_cast<v1::ProtectedPlace>(Int(r["place"])));
  }
  return t;
}

// Loads the children of `orders` (a handful of queries, whatever the count).
void AttachChildren(Tx& tx, std::vector<StoredOrder>& orders) {
  if (orders.empty()) return;
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, StoredOrder*> by_id;
  for (StoredOrder& s : orders) {
    ids.push_back(s.id);
    by_id[s.id] = &s;
  }
  const Params params = Params().TextArray(ids);
  auto find = [&by_id](const pqxx::field& f) -> StoredOrder* {
    auto it = by_id.find(Str(f));
    return it == by_id.end() ? nullptr : it->second;
  };
  for (const pqxx::row& r : tx.Exec(kVersions, params)) {
    StoredOrder* s = find(r[0]);
    if (s == nullptr) continue;
    v1::OrderTermsVersion v;
    v.set_version(static_cast<int32_t>(Int(r[1])));
    if (r[2].is_null()) {
      v.mutable_duration()->set_until_further_order(true);
    } else {
      SetDate(r[2], v.mutable_duration()->mutable_end_date());
    }
    SetDate(r[3], v.mutable_effective_date());
    v.set_made_by(static_cast<v1::ProtectionOrderEvent>(Int(r[4])));
    SetTimestamp(r[5], &v, &v1::OrderTermsVersion::mutable_record_time);
    s->versions.push_back(std::move(v));
  }
  for (const pqxx::row& r : tx.Exec(kHearings, params)) {
    StoredOrder* s = find(r[0]);
    if (s == nullptr) continue;
    v1::OrderHearing* h = s->order.add_hearings();
    h->set_id(static_cast<int32_t>(Int(r[1])));
    SetTimestamp(r[2], h, &v1::OrderHearing::mutable_hearing_time);
    h->set_court(Text(r[3]));
    h->set_status(static_cast<v1::OrderHearingStatus>(Int(r[4])));
    h->set_adjournment_reason(Text(r[5]));
    h->set_purpose(static_cast<v1::OrderHearingPurpose>(Int(r[6])));
  }
  for (const pqxx::row& r : tx.Exec(kApplications, params)) {
    StoredOrder* s = find(r[0]);
    if (s == nullptr) continue;
    v1::OrderApplication* a = s->order.add_applications();
    a->set_id(static_cast<int32_t>(Int(r[1])));
    a->set_type(static_cast<v1::OrderApplicationType>(Int(r[2])));
    a->set_applicant(static_cast<v1::OrderParty>(Int(r[3])));
    SetDate(r[4], a->mutable_application_date());
    a->set_grounds(Text(r[5]));
    const int proposed = static_cast<int>(Int(r[6]));
    if (proposed != kNoDuration) {
      SetDuration(proposed, r[7], a->mutable_proposed_duration());
    }
    a->set_status(static_cast<v1::OrderApplicationStatus>(Int(r[8])));
    if (Int(r[9]) != 0) {
      v1::OrderDecision* d = a->mutable_decision();
      d->set_outcome(static_cast<v1::OrderDecisionOutcome>(Int(r[9])));
      SetDate(r[10], d->mutable_decision_date());
      d->set_court(Text(r[11]));
      d->set_reason(Text(r[12]));
    }
  }
  for (const pqxx::row& r : tx.Exec(kAppeals, params)) {
    StoredOrder* s = find(r[0]);
    if (s == nullptr) continue;
    v1::OrderAppeal* a = s->order.add_appeals();
    a->set_id(static_cast<int32_t>(Int(r[1])));
    a->set_appellant(static_cast<v1::OrderParty>(Int(r[2])));
    SetDate(r[3], a->mutable_lodge_date());
    a->set_court(Text(r[4]));
    a->set_grounds(Text(r[5]));
    a->set_outcome(static_cast<v1::OrderAppealOutcome>(Int(r[6])));
    SetDate(r[7], a->mutable_decision_date());
    a->set_decision_reason(Text(r[8]));
  }
  for (const pqxx::row& r : tx.Exec(kNotifications, params)) {
    StoredOrder* s = find(r[0]);
    if (s == nullptr) continue;
    v1::NotificationObligation* n = s->order.add_notification_obligations();
    n->set_id(static_cast<int32_t>(Int(r[1])));
    n->set_trigger(static_cast<v1::OrderNotificationTrigger>(Int(r[2])));
    SetTimestamp(r[3], n, &v1::NotificationObligation::mutable_trigger_time);
    SetTimestamp(r[4], n, &v1::NotificationObligation::mutable_due_time);
    n->set_change_details(Text(r[5]));
    if (!r[6].is_null()) {
      v1::DefendantNotification* made = n->mutable_notification();
      SetTimestamp(r[6], made, &v1::DefendantNotification::mutable_notify_time);
      for (std::string& name : TextsFromJson(r[7]))
        made->add_names(std::move(name));
      made->set_home_address(Text(r[8]));
      made->set_acknowledgement(Text(r[9]));
    }
  }
  for (const pqxx::row& r : tx.Exec(kBreaches, params)) {
    StoredOrder* s = find(r[0]);
    if (s == nullptr) continue;
    v1::OrderBreach* b = s->order.add_breaches();
    b->set_id(static_cast<int32_t>(Int(r[1])));
    SetTimestamp(r[2], b, &v1::OrderBreach::mutable_occur_time);
    b->set_description(Text(r[3]));
    if (r[4].size() > 0) {
      b->set_incident(
          domain::CaseChildResourceName(s->case_id, "incidents", Str(r[4])));
    }
    SetTimestamp(r[5], b, &v1::OrderBreach::mutable_record_time);
    if (r[6].size() > 0) {
      b->set_charging_file(domain::CaseChildResourceName(
          s->case_id, "chargingFiles", Str(r[6])));
    }
  }
  // Terms last: they go into the versions and applications loaded above.
  for (const pqxx::row& r : tx.Exec(kTerms, params)) {
    StoredOrder* s = find(r[0]);
    if (s == nullptr) continue;
    const int list = static_cast<int>(Int(r[1]));
    const int64_t list_id = Int(r[2]);
    if (list == kDraftTerms) {
      *s->order.add_proposed_terms() = TermFromRow(r);
    } else if (list == kVersionTerms) {
      for (v1::OrderTermsVersion& v : s->versions) {
        if (v.version() == list_id) *v.add_terms() = TermFromRow(r);
      }
    } else if (list == kApplicationTerms) {
      for (v1::OrderApplication& a : *s->order.mutable_applications()) {
        if (a.id() == list_id) *a.add_proposed_terms() = TermFromRow(r);
      }
    }
  }
}

std::vector<StoredOrder> OrdersFrom(Tx& tx, const pqxx::result& rows) {
  std::vector<StoredOrder> out;
  out.reserve(rows.size());
  for (const pqxx::row& r : rows) out.push_back(OrderFromRow(r));
  AttachChildren(tx, out);
  return out;
}

// ---- Writing ---------------------------------------------------------------

std::string DateOrEmpty(bool present, const v1::Date& date) {
  return present ? DateText(date) : std::string();
}

absl::Time TimeOf(bool present, const google::protobuf::Timestamp& ts) {
  return present ? domain::ToAbslTime(ts) : absl::InfinitePast();
}

// A duration as (*_duration, *_end_date).
void DurationParams(Params& p, bool present, const v1::OrderDuration& d) {
  if (!present) {
    p.Int(kNoDuration).Null();
  } else if (d.duration_case() == v1::OrderDuration::kEndDate) {
    p.Int(kFixed).TextOrNull(DateText(d.end_date()));
  } else {
    p.Int(kUntilFurtherOrder).Null();
  }
}

// The CB_ORDER_SET_COLUMNS values.
void OrderColumns(Params& p, const OrderWrite& w) {
  const v1::ProtectionOrder& o = w.order;
  std::vector<std::string> persons(o.protected_persons().begin(),
                                   o.protected_persons().end());
  p.Int(w.status)
      .Text(o.defendant())
      .TextArray(persons)
      .Text(o.consideration_notes())
      .Text(o.not_pursued_reason());
  DurationParams(p, o.has_proposed_duration(), o.proposed_duration());
  p.Text(o.court())
      .Text(o.grounds())
      .TextOrNull(DateOrEmpty(o.has_application_date(), o.application_date()));
  if (o.has_decision()) {
    p.Int(o.decision().outcome())
        .TextOrNull(DateText(o.decision().decision_date()))
        .Text(o.decision().court())
        .Text(o.decision().reason());
  } else {
    p.Int(0).Null().Text("").Text("");
  }
  p.TextOrNull(DateOrEmpty(o.has_made_date(), o.made_date()));
  if (o.has_service()) {
    p.Time(domain::ToAbslTime(o.service().service_time()))
        .Text(o.service().method())
        .Text(o.service().notes());
  } else {
    p.Null().Text("").Text("");
  }
  p.Bool(o.notification_carried_from_interim())
      .TimeOrNull(TimeOf(o.has_end_time(), o.end_time()));
}

void InsertTerms(
    Tx& tx, absl::string_view order_id, int list, int64_t list_id,
    const google::protobuf::RepeatedPtrField<v1::OrderTerm>& terms) {
  int ordinal = 0;
  for (const v1::OrderTerm& t : terms) {
    tx.Exec(kInsertTerm, Params()
                             .Text(order_id)
                             .Int(list)
                             .Int(list_id)
                             .Int(ordinal++)
                             .Int(t.kind())
                             .Text(t.text())
                             .Bool(t.has_geographic_limit())
                             .Text(t.geographic_limit().area())
                             .Int(t.geographic_limit().distance_metres())
                             .Int(t.geographic_limit().place()));
  }
}

bool SameTerms(const google::protobuf::RepeatedPtrField<v1::OrderTerm>& a,
               const google::protobuf::RepeatedPtrField<v1::OrderTerm>& b) {
  if (a.size() != b.size()) return false;
  // The limit's description is output, derived from what is stored.
  MessageDifferencer same;
  same.IgnoreField(v1::GeographicLimit::descriptor()->FindFieldByName("description"));
  for (int i = 0; i < a.size(); ++i) {
    if (!same.Compare(a[i], b[i])) return false;
  }
  return true;
}

// What is stored of a child: the derived fields cleared.
v1::OrderApplication Storable(v1::OrderApplication a) {
  // LAPSED is only ever derived: stored, the application is still PENDING.
  if (a.status() == v1::ORDER_APPLICATION_STATUS_LAPSED) {
    a.set_status(v1::ORDER_APPLICATION_STATUS_PENDING);
  }
  return a;
}
v1::NotificationObligation Storable(v1::NotificationObligation n) {
  n.clear_status();
  n.clear_late();
  return n;
}
v1::OrderHearing Storable(v1::OrderHearing h) { return h; }
v1::OrderAppeal Storable(v1::OrderAppeal a) { return a; }
v1::OrderBreach Storable(v1::OrderBreach b) { return b; }

// Calls `write` for each child of `after` that is new or differs from the
// child with the same id in `before`.
template <typename Child, typename Write>
void WriteChanged(const google::protobuf::RepeatedPtrField<Child>& before,
                  const google::protobuf::RepeatedPtrField<Child>& after,
                  Write write) {
  absl::flat_hash_map<int32_t, const Child*> old;
  for (const Child& c : before) old[c.id()] = &c;
  for (const Child& c : after) {
    Child stored = Storable(c);
    auto it = old.find(c.id());
    const bool is_new = it == old.end();
    if (is_new || !MessageDifferencer::Equals(Storable(*it->second), stored)) {
      write(stored, is_new);
    }
  }
}

// Everything below the order row that changed from `before` to `after`.
void WriteChildren(Tx& tx, absl::string_view id,
                   const v1::ProtectionOrder& before, size_t versions_before,
                   const OrderWrite& after) {
  const v1::ProtectionOrder& o = after.order;
  if (!SameTerms(before.proposed_terms(), o.proposed_terms())) {
    tx.Exec(kDeleteDraftTerms, Params().Text(id));
    InsertTerms(tx, id, kDraftTerms, 0, o.proposed_terms());
  }
  for (size_t i = versions_before; i < after.versions.size(); ++i) {
    const v1::OrderTermsVersion& v = after.versions[i];
    Params p;
    p.Text(id).Int(v.version());
    if (v.duration().duration_case() == v1::OrderDuration::kEndDate) {
      p.Text(DateText(v.duration().end_date()));
    } else {
      p.Null();
    }
    p.Text(DateText(v.effective_date()))
        .Int(v.made_by())
        .Time(domain::ToAbslTime(v.record_time()));
    tx.Exec(kInsertVersion, p);
    InsertTerms(tx, id, kVersionTerms, v.version(), v.terms());
  }
  WriteChanged(
      before.hearings(), o.hearings(), [&](const v1::OrderHearing& h, bool) {
        tx.Exec(kUpsertHearing, Params()
                                    .Text(id)
                                    .Int(h.id())
                                    .Time(domain::ToAbslTime(h.hearing_time()))
                                    .Text(h.court())
                                    .Int(h.status())
                                    .Text(h.adjournment_reason())
                                    .Int(h.purpose()));
      });
  WriteChanged(
      before.applications(), o.applications(),
      [&](const v1::OrderApplication& a, bool is_new) {
        Params p;
        p.Text(id)
            .Int(a.id())
            .Int(a.type())
            .Int(a.applicant())
            .Text(DateText(a.application_date()))
            .Text(a.grounds());
        DurationParams(p, a.has_proposed_duration(), a.proposed_duration());
        p.Int(a.status());
        if (a.has_decision()) {
          p.Int(a.decision().outcome())
              .TextOrNull(DateText(a.decision().decision_date()))
              .Text(a.decision().court())
              .Text(a.decision().reason());
        } else {
          p.Int(0).Null().Text("").Text("");
        }
        tx.Exec(kUpsertApplication, p);
        // What was applied for never changes.
        if (is_new) {
          InsertTerms(tx, id, kApplicationTerms, a.id(), a.proposed_terms());
        }
      });
  WriteChanged(
      before.appeals(), o.appeals(), [&](const v1::OrderAppeal& a, bool) {
        tx.Exec(kUpsertAppeal,
                Params()
                    .Text(id)
                    .Int(a.id())
                    .Int(a.appellant())
                    .Text(DateText(a.lodge_date()))
                    .Text(a.court())
                    .Text(a.grounds())
                    .Int(a.outcome())
                    .TextOrNull(
                        DateOrEmpty(a.has_decision_date(), a.decision_date()))
                    .Text(a.decision_reason()));
      });
  WriteChanged(before.notification_obligations(), o.notification_obligations(),
               [&](const v1::NotificationObligation& n, bool) {
                 const v1::DefendantNotification& made = n.notification();
                 std::vector<std::string> names(made.names().begin(),
                                                made.names().end());
                 tx.Exec(kUpsertNotification,
                         Params()
                             .Text(id)
                             .Int(n.id())
                             .Int(n.trigger())
                             .Time(domain::ToAbslTime(n.trigger_time()))
                             .Time(domain::ToAbslTime(n.due_time()))
                             .Text(n.change_details())
                             .TimeOrNull(TimeOf(n.has_notification(),
                                                made.notify_time()))
                             .TextArray(names)
                             .Text(made.home_address())
                             .Text(made.acknowledgement()));
               });
  WriteChanged(
      before.breaches(), o.breaches(), [&](const v1::OrderBreach& b, bool) {
        tx.Exec(kUpsertBreach, Params()
                                   .Text(id)
                                   .Int(b.id())
                                   .Time(domain::ToAbslTime(b.occur_time()))
                                   .Text(b.description())
                                   .TextOrNull(domain::IdOf(b.incident()))
                                   .Time(domain::ToAbslTime(b.record_time()))
                                   .TextOrNull(domain::IdOf(b.charging_file())));
      });
}

}  // namespace

absl::StatusOr<std::optional<StoredOrder>> ProtectionOrderRepository::Get(
    Tx& tx, absl::string_view case_id, absl::string_view id) const {
  std::vector<StoredOrder> found =
      OrdersFrom(tx, tx.Exec(kGet, Params().Text(case_id).Text(id)));
  if (found.empty()) return std::optional<StoredOrder>();
  return std::optional<StoredOrder>(std::move(found.front()));
}

absl::StatusOr<std::vector<StoredOrder>> ProtectionOrderRepository::ListForCase(
    Tx& tx, absl::string_view case_id) const {
  return OrdersFrom(tx, tx.Exec(kListForCase, Params().Text(case_id)));
}

absl::StatusOr<std::vector<StoredOrder>>
ProtectionOrderRepository::WithOpenNotificationsDueBefore(
    Tx& tx, absl::string_view case_id, absl::Time time) const {
  return OrdersFrom(
      tx, tx.Exec(kWithOpenNotifications, Params().Text(case_id).Time(time)));
}

absl::StatusOr<std::map<std::string, std::vector<std::string>>>
ProtectionOrderRepository::InterimIds(
    Tx& tx, const std::vector<std::string>& main_ids) const {
  std::map<std::string, std::vector<std::string>> out;
  if (main_ids.empty()) return out;
  for (const pqxx::row& r :
       tx.Exec(kInterimIds, Params().TextArray(main_ids))) {
    out[Str(r[0])].push_back(Str(r[1]));
  }
  return out;
}

absl::StatusOr<Page<StoredOrder>> ProtectionOrderRepository::List(
    Tx& tx, const OrderListQuery& q,
    const std::optional<domain::PageCursor>& after, int limit) const {
  Params p;
  p.TextOrNull(q.case_id).TextOrNull(q.agency_id);
  if (q.kind != 0)
    p.Int(q.kind);
  else
    p.Null();
  if (q.statuses.empty())
    p.Null();
  else
    p.IntArray(q.statuses);
  p.TimeOrNull(q.not_ended_at).TimeOrNull(q.open_notification_due_before);
  CB_RETURN_IF_ERROR(CursorParams(p, after));
  p.Int(limit);
  pqxx::result rows = tx.Exec(kList, p);
  Page<StoredOrder> page;
  page.items = OrdersFrom(tx, rows);
  if (limit > 0 && static_cast<int>(rows.size()) == limit) {
    const pqxx::row last = rows[rows.size() - 1];
    page.next =
        domain::PageCursor{Str(last[kCreateMicrosColumn]), Str(last[0])};
  }
  return page;
}

absl::Status ProtectionOrderRepository::Insert(Tx& tx, absl::string_view id,
                                               absl::string_view case_id,
                                               absl::string_view main_order_id,
                                               const OrderWrite& order,
                                               absl::string_view actor_id,
                                               absl::Time now) const {
  Params p;
  p.Text(id)
      .Text(case_id)
      .Int(order.order.kind())
      .TextOrNull(main_order_id)
      .TextOrNull(actor_id);
  OrderColumns(p, order);
  p.Time(now);
  tx.Exec(kInsert, p);
  WriteChildren(tx, id, v1::ProtectionOrder(), 0, order);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ProtectionOrderRepository::Update(
    Tx& tx, const StoredOrder& before, const OrderWrite& after,
    absl::Time now) const {
  Params p;
  p.Text(before.id).Int(before.version);
  OrderColumns(p, after);
  p.Time(now);
  // The row first: it locks the order, so the children below are written by
  // one transaction at a time, and a stale version stops here.
  pqxx::result r = tx.Exec(kUpdate, p);
  if (r.empty()) {
    pqxx::result current = tx.Exec(kOrderVersion, Params().Text(before.id));
    const std::string name = OrderName(before.case_id, before.id);
    if (current.empty())
      return absl::NotFoundError(absl::StrCat(name, " not found"));
    return domain::StaleEtagError(name, domain::FormatEtag(Int(current[0][0])));
  }
  WriteChildren(tx, before.id, before.order, before.versions.size(), after);
  return Int(r[0][0]);
}

absl::Status ProtectionOrderRepository::AppendHistory(
    Tx& tx, absl::string_view order_id, const v1::OrderHistoryEntry& e,
    absl::string_view actor_id) const {
  tx.Exec(kAppendHistory,
          Params()
              .Text(order_id)
              .Int(e.event())
              .Int(e.from_status())
              .Int(e.to_status())
              .TimeOrNull(TimeOf(e.has_occur_time(), e.occur_time()))
              .TextOrNull(DateOrEmpty(e.has_occur_date(), e.occur_date()))
              .Time(domain::ToAbslTime(e.record_time()))
              .TextOrNull(actor_id)
              .Text(e.summary())
              .Int(e.terms_version()));
  return absl::OkStatus();
}

absl::StatusOr<Page<v1::OrderHistoryEntry>> ProtectionOrderRepository::History(
    Tx& tx, absl::string_view order_id,
    const std::optional<domain::PageCursor>& after, int limit) const {
  Params p;
  p.Text(order_id);
  int64_t sequence;
  if (after.has_value() && absl::SimpleAtoi(after->sort_key, &sequence)) {
    p.Int(sequence);
  } else if (after.has_value()) {
    return domain::InvalidPageToken();
  } else {
    p.Null();
  }
  p.Int(limit);
  pqxx::result rows = tx.Exec(kHistory, p);
  return PageFrom<v1::OrderHistoryEntry>(
      rows, limit,
      [](const pqxx::row& r) {
        v1::OrderHistoryEntry e;
        e.set_sequence(Int(r[0]));
        e.set_event(static_cast<v1::ProtectionOrderEvent>(Int(r[1])));
        e.set_from_status(static_cast<v1::ProtectionOrderStatus>(Int(r[2])));
        e.set_to_status(static_cast<v1::ProtectionOrderStatus>(Int(r[3])));
        SetTimestamp(r[4], &e, &v1::OrderHistoryEntry::mutable_occur_time);
        SetDate(r[5], e.mutable_occur_date());
        SetTimestamp(r[6], &e, &v1::OrderHistoryEntry::mutable_record_time);
        if (r[7].size() > 0) e.set_actor(domain::UserName(Str(r[7])));
        e.set_summary(Str(r[8]));
        e.set_terms_version(static_cast<int32_t>(Int(r[9])));
        return e;
      },
      [](const pqxx::row& r) {
        return domain::PageCursor{Str(r[0]), Str(r[0])};
      });
}

absl::Status ProtectionOrderRepository::SetCaseOrderActivity(
    Tx& tx, absl::string_view case_id, bool active, absl::string_view until,
    absl::Time now) const {
  tx.Exec(kSetCaseActivity,
          Params().Text(case_id).Bool(active).TextOrNull(until).Time(now));
  return absl::OkStatus();
}

absl::StatusOr<domain::OrderMeasureCounts>
ProtectionOrderRepository::CountMeasures(
    Tx& tx, absl::string_view agency_id,
    const domain::MeasuresRange& range) const {
  pqxx::row r =
      tx.ExecOne(kMeasures, Params()
                                .Text(agency_id)
                                .Time(range.start_time())
                                .Time(range.end_time())
                                .Text(domain::FormatDay(range.start_date))
                                .Text(domain::FormatDay(range.end_date)));
  domain::OrderMeasureCounts counts;
  counts.stalking_cases = Int(r[0]);
  counts.cases_with_order_considered = Int(r[1]);
  counts.orders_considered = Int(r[2]);
  counts.full_orders_made = Int(r[3]);
  counts.interim_orders_made = Int(r[4]);
  return counts;
}

}  // namespace casebridge::storage
