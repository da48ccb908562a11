#include "storage/charging_repository.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "domain/charging_validation.h"
#include "domain/dates.h"
#include "domain/resource_names.h"
#include "domain/validation.h"
#include "google/protobuf/util/message_differencer.h"
#include "storage/crypto.h"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

using google::protobuf::RepeatedPtrField;
using google::protobuf::util::MessageDifferencer;

// The list query spells these states and kinds as numbers.
static_assert(v1::CHARGING_FILE_STATE_SUBMITTED == 1);
static_assert(v1::CHARGING_FILE_STATE_ACTION_PLAN_COMPLETE == 4);
static_assert(v1::CHARGING_FILE_STATE_THRESHOLD_DECIDED == 5);
static_assert(v1::CHARGING_FILE_STATE_DECIDED == 6);
static_assert(v1::CHARGING_FILE_STATE_WITHDRAWN == 7);
static_assert(v1::CHARGING_FILE_KIND_FULL_FILE == 2);
static_assert(v1::CHARGING_ACTION_ITEM_STATE_OPEN == 1);
static_assert(v1::CHARGING_ACTION_ITEM_STATE_ACCEPTED == 2);
static_assert(v1::CHARGING_ACTION_ITEM_STATE_DISPUTED == 3);

constexpr Statement kInsertFile = {
    "cb_charging_insert",
    "INSERT INTO charging_files (id, case_id, cps_agency_id, kind, urgency, "
    "urgency_rank, origin, source_order, summary, state, submitted_by, "
    "create_time, full_file_submit_time, update_time) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"};

// Every column Update may change, with the row version check.
constexpr Statement kUpdateFile = {
    "cb_charging_update",
    "UPDATE charging_files SET kind = $3, urgency = $4, urgency_rank = $5, "
    "summary = $6, state = $7, submitted_by = $8, "
    "full_file_submit_time = $9, update_time = $10, withdraw_reason = $11, "
    "withdraw_time = $12, first_hearing_date = $13::date, "
    "first_hearing_court = $14, victim_informed = $15::boolean, "
    "victim_inform_date = $16::date, victim_inform_method = $17, "
    "victim_inform_notes = $18, victim_informed_record_time = $19, "
    "victim_informed_by = $20, version = version + 1 "
    "WHERE id = $1 AND version = $2 RETURNING version"};
constexpr Statement kFileVersion = {"cb_charging_version",
                                    "SELECT version FROM charging_files WHERE id = $1"};

// Columns of a file row, in the order FileFromRow reads them.
#define CB_CHARGING_COLUMNS                                                \
  "f.id, f.case_id, c.reference, f.cps_agency_id, c.owning_agency_id, "    \
  "f.kind, f.urgency, f.origin, f.source_order, f.summary, f.state, "      \
  "coalesce(f.submitted_by::text, ''), cb_micros(f.create_time), "         \
  "cb_micros(f.full_file_submit_time), cb_micros(f.update_time), "         \
  "f.withdraw_reason, cb_micros(f.withdraw_time), "                        \
  "f.first_hearing_date::text, f.first_hearing_court, f.victim_informed, " \
  "f.victim_inform_date::text, f.victim_inform_method, "                   \
  "f.victim_inform_notes, cb_micros(f.victim_informed_record_time), "      \
  "coalesce(f.victim_informed_by::text, ''), f.version"

constexpr Statement kGetFile = {
    "cb_charging_get",
    "SELECT " CB_CHARGING_COLUMNS
    " FROM charging_files f "
    "JOIN cases c ON c.id = f.case_id WHERE f.case_id = $1 AND f.id = $2"};
constexpr Statement kGetFileForUpdate = {
    "cb_charging_get_for_update",
    "SELECT " CB_CHARGING_COLUMNS
    " FROM charging_files f "
    "JOIN cases c ON c.id = f.case_id WHERE f.case_id = $1 AND f.id = $2 "
    "FOR UPDATE OF f"};

// The files a caller sees (its force's, or its CPS area's on cases shared
// with it), filtered as domain::MatchesChargingListFilter decides, in the
// order of domain::ChargingFileBefore, after the keyset position.
constexpr Statement kListFiles = {
    "cb_charging_list",
    "SELECT " CB_CHARGING_COLUMNS
    " FROM charging_files f "
    "JOIN cases c ON c.id = f.case_id WHERE "
    "(($2::boolean AND c.owning_agency_id = $1::uuid) OR "
    " ($3::boolean AND f.cps_agency_id = $1::uuid AND EXISTS ("
    "   SELECT 1 FROM case_shares s WHERE s.case_id = f.case_id "
    "   AND s.agency_id = $1::uuid AND s.withdraw_time IS NULL)))"
    " AND ($4::uuid IS NULL OR f.case_id = $4)"
    " AND ($5::smallint IS NULL OR f.state = $5)"
    " AND ($6::smallint IS NULL OR f.kind = $6)"
    " AND ($7::smallint IS NULL OR f.urgency = $7)"
    " AND ($8::smallint IS NULL OR f.origin = $8)"
    // awaiting_decision: a full file with the CPS, undecided.
    " AND ($9::boolean IS NULL OR"
    "      (f.kind = 2 AND f.state IN (1, 4)) = $9)"
    // action_plan_overdue: a live file with an outstanding item due before
    // today.
    " AND ($10::boolean IS NULL OR"
    "      (f.state NOT IN (6, 7) AND EXISTS (SELECT 1 FROM"
    "       charging_action_items i WHERE i.file_id = f.id"
    "       AND i.state IN (1, 2, 3) AND i.due_date < $14::date)) = $10)"
    // threshold_review_due: review-by within $15 days of today, or past.
    " AND ($11::boolean IS NULL OR"
    "      (f.state = 5 AND EXISTS (SELECT 1 FROM charging_decisions d"
    "       WHERE d.file_id = f.id AND NOT d.superseded"
    "       AND d.threshold_review_by <= $14::date + $15::int)) = $11)"
    // decided in [since, before): the decision in force.
    " AND ($12::timestamptz IS NULL OR EXISTS (SELECT 1 FROM"
    "      charging_decisions d WHERE d.file_id = f.id AND NOT d.superseded"
    "      AND d.decide_time >= $12))"
    " AND ($13::timestamptz IS NULL OR EXISTS (SELECT 1 FROM"
    "      charging_decisions d WHERE d.file_id = f.id AND NOT d.superseded"
    "      AND d.decide_time < $13))"
    " AND ($16::smallint IS NULL OR (f.urgency_rank, f.create_time, f.id) >"
    "      ($16, $17::timestamptz, $18::uuid))"
    " ORDER BY f.urgency_rank, f.create_time, f.id LIMIT $19"};

// Children of many files at once ($1 = file ids).
constexpr Statement kSuspects = {
    "cb_charging_suspects",
    "SELECT file_id, suspect_number, display_name, bail_status, "
    "release_date::text, bail_return_date::text, bail_conditions "
    "FROM charging_suspects WHERE file_id = ANY ($1::uuid[]) "
    "ORDER BY file_id, ordinal"};
constexpr Statement kProposedOffences = {
    "cb_charging_proposed_offences",
    "SELECT file_id, offence, particulars FROM charging_proposed_offences "
    "WHERE file_id = ANY ($1::uuid[]) ORDER BY file_id, ordinal"};
constexpr Statement kAdvice = {
    "cb_charging_advice",
    "SELECT file_id, advice, cb_micros(advise_time), "
    "coalesce(prosecutor_id::text, '') FROM charging_advice "
    "WHERE file_id = ANY ($1::uuid[]) ORDER BY file_id, ordinal"};
constexpr Statement kItems = {
    "cb_charging_items",
    "SELECT file_id, id, description, due_date::text, state, dispute_reason, "
    "provided, review_note, coalesce(issued_by::text, ''), "
    "coalesce(responded_by::text, ''), cb_micros(create_time), "
    "cb_micros(update_time), cb_micros(resolve_time), version "
    "FROM charging_action_items WHERE file_id = ANY ($1::uuid[]) "
    "ORDER BY file_id, seq"};
constexpr Statement kDecisions = {
    "cb_charging_decisions",
    "SELECT file_id, id, superseded, test, outcome, nfa_reason, "
    "disposal_details, rationale, decision_date::text, threshold_grounds, "
    "threshold_review_by::text, cb_micros(decide_time), "
    "coalesce(prosecutor_id::text, '') FROM charging_decisions "
    "WHERE file_id = ANY ($1::uuid[]) ORDER BY file_id, seq"};
constexpr Statement kDecisionOffences = {
    "cb_charging_decision_offences",
    "SELECT o.decision_id, o.offence, o.particulars "
    "FROM charging_decision_offences o JOIN charging_decisions d "
    "ON d.id = o.decision_id WHERE d.file_id = ANY ($1::uuid[]) "
    "ORDER BY o.decision_id, o.ordinal"};
constexpr Statement kThresholdReviews = {
    "cb_charging_threshold_reviews",
    "SELECT r.decision_id, r.note, r.previous_review_by::text, "
    "r.next_review_by::text, cb_micros(r.review_time), "
    "coalesce(r.prosecutor_id::text, '') FROM charging_threshold_reviews r "
    "JOIN charging_decisions d ON d.id = r.decision_id "
    "WHERE d.file_id = ANY ($1::uuid[]) ORDER BY r.decision_id, r.ordinal"};
constexpr Statement kAncillaryOrders = {
    "cb_charging_ancillary_orders",
    "SELECT file_id, kind, details FROM charging_ancillary_orders "
    "WHERE file_id = ANY ($1::uuid[]) ORDER BY file_id, ordinal"};

constexpr Statement kDeleteSuspects = {
    "cb_charging_delete_suspects", "DELETE FROM charging_suspects WHERE file_id = $1"};
constexpr Statement kInsertSuspect = {
    "cb_charging_insert_suspect",
    "INSERT INTO charging_suspects (file_id, ordinal, suspect_number, "
    "display_name, bail_status, release_date, bail_return_date, "
    "bail_conditions) VALUES ($1, $2, $3, $4, $5, $6::date, $7::date, $8)"};
constexpr Statement kDeleteProposedOffences = {
    "cb_charging_delete_proposed_offences",
    "DELETE FROM charging_proposed_offences WHERE file_id = $1"};
constexpr Statement kInsertProposedOffence = {
    "cb_charging_insert_proposed_offence",
    "INSERT INTO charging_proposed_offences (file_id, ordinal, offence, "
    "particulars) VALUES ($1, $2, $3, $4)"};
constexpr Statement kInsertAdvice = {
    "cb_charging_insert_advice",
    "INSERT INTO charging_advice (file_id, ordinal, advice, advise_time, "
    "prosecutor_id) VALUES ($1, $2, $3, $4, $5)"};
constexpr Statement kInsertItem = {
    "cb_charging_insert_item",
    "INSERT INTO charging_action_items (id, file_id, seq, description, "
    "due_date, state, dispute_reason, provided, review_note, issued_by, "
    "responded_by, create_time, update_time, resolve_time) "
    "VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8, $9, $10, $11, $12, $13, "
    "$14)"};
constexpr Statement kUpdateItem = {
    "cb_charging_update_item",
    "UPDATE charging_action_items SET due_date = $3::date, state = $4, "
    "dispute_reason = $5, provided = $6, review_note = $7, "
    "responded_by = $8, update_time = $9, resolve_time = $10, "
    "version = version + 1 WHERE id = $1 AND version = $2 RETURNING version"};
constexpr Statement kInsertDecision = {
    "cb_charging_insert_decision",
    "INSERT INTO charging_decisions (id, file_id, seq, superseded, "
    "superseded_time, test, outcome, nfa_reason, disposal_details, rationale, "
    "decision_date, threshold_grounds, threshold_review_by, decide_time, "
    "prosecutor_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
    "$11::date, $12, $13::date, $14, $15)"};
// A decision changes only by being superseded or by a Threshold review
// moving its review-by date.
constexpr Statement kUpdateDecision = {
    "cb_charging_update_decision",
    "UPDATE charging_decisions SET "
    "superseded_time = CASE WHEN $2 AND NOT superseded THEN $4::timestamptz "
    "ELSE superseded_time END, superseded = $2, "
    "threshold_review_by = $3::date WHERE id = $1"};
constexpr Statement kInsertDecisionOffence = {
    "cb_charging_insert_decision_offence",
    "INSERT INTO charging_decision_offences (decision_id, ordinal, offence, "
    "particulars) VALUES ($1, $2, $3, $4)"};
constexpr Statement kInsertThresholdReview = {
    "cb_charging_insert_threshold_review",
    "INSERT INTO charging_threshold_reviews (decision_id, ordinal, note, "
    "previous_review_by, next_review_by, review_time, prosecutor_id) "
    "VALUES ($1, $2, $3, $4::date, $5::date, $6, $7)"};
constexpr Statement kDeleteAncillaryOrders = {
    "cb_charging_delete_ancillary_orders",
    "DELETE FROM charging_ancillary_orders WHERE file_id = $1"};
constexpr Statement kInsertAncillaryOrder = {
    "cb_charging_insert_ancillary_order",
    "INSERT INTO charging_ancillary_orders (file_id, ordinal, kind, details) "
    "VALUES ($1, $2, $3, $4)"};
constexpr Statement kAppendHistory = {
    "cb_charging_append_history",
    "INSERT INTO charging_file_history (file_id, event_time, event, "
    "from_state, to_state, actor_id, detail) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)"};

// users/{id} -> id ("" stays "", binding NULL with TextOrNull).
std::string UserId(absl::string_view user_name) {
  absl::ConsumePrefix(&user_name, "users/");
  return std::string(user_name);
}
std::string UserNameOr(const pqxx::field& f) {
  return f.size() > 0 ? domain::UserName(Str(f)) : std::string();
}

absl::Time TimeOf(const google::protobuf::Timestamp& ts, bool present) {
  return present ? domain::ToAbslTime(ts) : absl::InfinitePast();
}

template <typename T>
bool SameList(const RepeatedPtrField<T>& a, const RepeatedPtrField<T>& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (!MessageDifferencer::Equals(a[i], b[i])) return false;
  }
  return true;
}

StoredChargingFile FileFromRow(const pqxx::row& r) {
  StoredChargingFile s;
  s.id = Str(r[0]);
  s.case_id = Str(r[1]);
  s.cps_agency_id = Str(r[3]);
  s.owner_agency_id = Str(r[4]);
  s.version = Int(r[25]);
  v1::ChargingFile& f = s.file;
  f.set_name(domain::CaseChildResourceName(s.case_id, "chargingFiles", s.id));
  f.set_case_reference(Str(r[2]));
  f.set_kind(static_cast<v1::ChargingFileKind>(Int(r[5])));
  f.set_urgency(static_cast<v1::ChargingUrgency>(Int(r[6])));
  f.set_origin(static_cast<v1::ChargingOrigin>(Int(r[7])));
  f.set_source_order(Str(r[8]));
  f.set_summary(Str(r[9]));
  f.set_state(static_cast<v1::ChargingFileState>(Int(r[10])));
  f.set_submitted_by(UserNameOr(r[11]));
  SetTimestamp(r[12], &f, &v1::ChargingFile::mutable_create_time);
  SetTimestamp(r[13], &f, &v1::ChargingFile::mutable_full_file_submit_time);
  SetTimestamp(r[14], &f, &v1::ChargingFile::mutable_update_time);
  f.set_withdraw_reason(Str(r[15]));
  SetTimestamp(r[16], &f, &v1::ChargingFile::mutable_withdraw_time);
  if (!r[17].is_null()) {
    SetDate(r[17], f.mutable_first_hearing()->mutable_date());
    f.mutable_first_hearing()->set_court(Str(r[18]));
  }
  if (!r[19].is_null()) {
    v1::VictimInformed* v = f.mutable_victim_informed();
    v->set_informed(Bool(r[19]));
    if (!r[20].is_null()) SetDate(r[20], v->mutable_inform_date());
    v->set_method(Str(r[21]));
    v->set_notes(Str(r[22]));
    SetTimestamp(r[23], v, &v1::VictimInformed::mutable_record_time);
    v->set_recorded_by(UserNameOr(r[24]));
  }
  f.set_etag(domain::FormatEtag(s.version));
  return s;
}

void SetOffence(const pqxx::row& r, v1::OffenceDetail* o) {
  o->set_offence(static_cast<v1::Offence>(Int(r[1])));
  o->set_particulars(Str(r[2]));
}

// Reads the children of `files` (in one query per table) into their protos.
void AttachChildren(Tx& tx, std::vector<StoredChargingFile>& files) {
  if (files.empty()) return;
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, StoredChargingFile*> by_id;
  for (StoredChargingFile& s : files) {
    ids.push_back(s.id);
    by_id[s.id] = &s;
  }
  const Params params = Params().TextArray(ids);
  auto file_of = [&](const pqxx::field& f) -> StoredChargingFile* {
    auto it = by_id.find(Str(f));
    return it == by_id.end() ? nullptr : it->second;
  };
  for (const pqxx::row& r : tx.Exec(kSuspects, params)) {
    StoredChargingFile* s = file_of(r[0]);
    if (s == nullptr) continue;
    v1::ChargingSuspect* x = s->file.add_suspects();
    x->set_suspect_number(static_cast<int32_t>(Int(r[1])));
    x->set_display_name(Str(r[2]));
    x->set_bail_status(static_cast<v1::BailStatus>(Int(r[3])));
    if (!r[4].is_null()) SetDate(r[4], x->mutable_release_date());
    if (!r[5].is_null()) SetDate(r[5], x->mutable_bail_return_date());
    x->set_bail_conditions(Str(r[6]));
  }
  for (const pqxx::row& r : tx.Exec(kProposedOffences, params)) {
    if (StoredChargingFile* s = file_of(r[0])) {
      SetOffence(r, s->file.add_proposed_offences());
    }
  }
  for (const pqxx::row& r : tx.Exec(kAdvice, params)) {
    StoredChargingFile* s = file_of(r[0]);
    if (s == nullptr) continue;
    v1::ChargingAdvice* a = s->file.add_advice();
    a->set_advice(Str(r[1]));
    SetTimestamp(r[2], a, &v1::ChargingAdvice::mutable_advise_time);
    a->set_prosecutor(UserNameOr(r[3]));
  }
  for (const pqxx::row& r : tx.Exec(kItems, params)) {
    StoredChargingFile* s = file_of(r[0]);
    if (s == nullptr) continue;
    v1::ChargingActionItem* i = s->file.add_action_items();
    i->set_name(domain::ActionItemResourceName(s->case_id, s->id, Str(r[1])));
    i->set_description(Str(r[2]));
    SetDate(r[3], i->mutable_due_date());
    i->set_state(static_cast<v1::ChargingActionItemState>(Int(r[4])));
    i->set_dispute_reason(Str(r[5]));
    i->set_provided(Str(r[6]));
    i->set_review_note(Str(r[7]));
    i->set_issued_by(UserNameOr(r[8]));
    i->set_responded_by(UserNameOr(r[9]));
    SetTimestamp(r[10], i, &v1::ChargingActionItem::mutable_create_time);
    SetTimestamp(r[11], i, &v1::ChargingActionItem::mutable_update_time);
    SetTimestamp(r[12], i, &v1::ChargingActionItem::mutable_resolve_time);
    i->set_etag(domain::FormatEtag(Int(r[13])));
  }
  // Decisions: built aside, then placed (superseded ones first, in order).
  absl::flat_hash_map<std::string, v1::ChargingDecision*> decisions;
  for (const pqxx::row& r : tx.Exec(kDecisions, params)) {
    StoredChargingFile* s = file_of(r[0]);
    if (s == nullptr) continue;
    const bool superseded = Bool(r[2]);
    v1::ChargingDecision* d =
        superseded ? s->file.add_superseded_decisions() : s->file.mutable_decision();
    d->set_test(static_cast<v1::ChargingTest>(Int(r[3])));
    d->set_outcome(static_cast<v1::ChargingOutcome>(Int(r[4])));
    d->set_nfa_reason(static_cast<v1::NfaReason>(Int(r[5])));
    d->set_disposal_details(Str(r[6]));
    d->set_rationale(Str(r[7]));
    SetDate(r[8], d->mutable_decision_date());
    d->set_threshold_grounds(Str(r[9]));
    if (!r[10].is_null()) SetDate(r[10], d->mutable_threshold_review_by());
    SetTimestamp(r[11], d, &v1::ChargingDecision::mutable_decide_time);
    d->set_prosecutor(UserNameOr(r[12]));
    s->decision_ids.push_back(Str(r[1]));
  }
  // Pointers into repeated fields are stable only once they stop growing.
  for (StoredChargingFile& s : files) {
    int i = 0;
    for (v1::ChargingDecision& d : *s.file.mutable_superseded_decisions()) {
      decisions[s.decision_ids[i++]] = &d;
    }
    if (s.file.has_decision()) {
      decisions[s.decision_ids.back()] = s.file.mutable_decision();
    }
  }
  for (const pqxx::row& r : tx.Exec(kDecisionOffences, params)) {
    auto it = decisions.find(Str(r[0]));
    if (it != decisions.end()) SetOffence(r, it->second->add_offences());
  }
  for (const pqxx::row& r : tx.Exec(kThresholdReviews, params)) {
    auto it = decisions.find(Str(r[0]));
    if (it == decisions.end()) continue;
    v1::ThresholdReview* t = it->second->add_threshold_reviews();
    t->set_note(Str(r[1]));
    if (!r[2].is_null()) SetDate(r[2], t->mutable_previous_review_by());
    SetDate(r[3], t->mutable_next_review_by());
    SetTimestamp(r[4], t, &v1::ThresholdReview::mutable_review_time);
    t->set_prosecutor(UserNameOr(r[5]));
  }
  for (const pqxx::row& r : tx.Exec(kAncillaryOrders, params)) {
    StoredChargingFile* s = file_of(r[0]);
    if (s == nullptr) continue;
    v1::AncillaryOrder* o = s->file.add_ancillary_orders();
    o->set_kind(static_cast<v1::AncillaryOrderKind>(Int(r[1])));
    o->set_details(Str(r[2]));
  }
}

void InsertSuspects(Tx& tx, absl::string_view file_id,
                    const RepeatedPtrField<v1::ChargingSuspect>& suspects) {
  int ordinal = 0;
  for (const v1::ChargingSuspect& s : suspects) {
    tx.Exec(kInsertSuspect, Params()
                                .Text(file_id)
                                .Int(ordinal++)
                                .Int(s.suspect_number())
                                .Text(s.display_name())
                                .Int(s.bail_status())
                                .TextOrNull(DateText(s.release_date()))
                                .TextOrNull(DateText(s.bail_return_date()))
                                .Text(s.bail_conditions()));
  }
}

void InsertProposedOffences(Tx& tx, absl::string_view file_id,
                            const RepeatedPtrField<v1::OffenceDetail>& list) {
  int ordinal = 0;
  for (const v1::OffenceDetail& o : list) {
    tx.Exec(kInsertProposedOffence,
            Params().Text(file_id).Int(ordinal++).Int(o.offence()).Text(o.particulars()));
  }
}

void InsertAncillaryOrders(Tx& tx, absl::string_view file_id,
                           const RepeatedPtrField<v1::AncillaryOrder>& list) {
  int ordinal = 0;
  for (const v1::AncillaryOrder& o : list) {
    tx.Exec(kInsertAncillaryOrder,
            Params().Text(file_id).Int(ordinal++).Int(o.kind()).Text(o.details()));
  }
}

void InsertItem(Tx& tx, absl::string_view file_id, int seq,
                const v1::ChargingActionItem& i) {
  tx.Exec(kInsertItem, Params()
                           .Text(NewUuid())
                           .Text(file_id)
                           .Int(seq)
                           .Text(i.description())
                           .Text(DateText(i.due_date()))
                           .Int(i.state())
                           .Text(i.dispute_reason())
                           .Text(i.provided())
                           .Text(i.review_note())
                           .TextOrNull(UserId(i.issued_by()))
                           .TextOrNull(UserId(i.responded_by()))
                           .Time(domain::ToAbslTime(i.create_time()))
                           .Time(domain::ToAbslTime(i.update_time()))
                           .TimeOrNull(TimeOf(i.resolve_time(), i.has_resolve_time())));
}

absl::Status UpdateItem(Tx& tx, const v1::ChargingActionItem& current,
                        const v1::ChargingActionItem& next) {
  absl::StatusOr<domain::ActionItemName> name =
      domain::ParseActionItemName(current.name(), "name");
  absl::StatusOr<int64_t> version = domain::ParseEtag("etag", current.etag());
  if (!name.ok() || !version.ok()) {
    return absl::InternalError("a stored action item lost its name or etag");
  }
  pqxx::result r = tx.Exec(
      kUpdateItem, Params()
                       .Text(name->item_id)
                       .Int(*version)
                       .Text(DateText(next.due_date()))
                       .Int(next.state())
                       .Text(next.dispute_reason())
                       .Text(next.provided())
                       .Text(next.review_note())
                       .TextOrNull(UserId(next.responded_by()))
                       .Time(domain::ToAbslTime(next.update_time()))
                       .TimeOrNull(TimeOf(next.resolve_time(), next.has_resolve_time())));
  if (r.empty()) {
    return domain::StaleEtagError(current.name());
  }
  return absl::OkStatus();
}

void InsertThresholdReview(Tx& tx, absl::string_view decision_id, int ordinal,
                           const v1::ThresholdReview& t) {
  tx.Exec(kInsertThresholdReview, Params()
                                      .Text(decision_id)
                                      .Int(ordinal)
                                      .Text(t.note())
                                      .TextOrNull(DateText(t.previous_review_by()))
                                      .Text(DateText(t.next_review_by()))
                                      .Time(domain::ToAbslTime(t.review_time()))
                                      .TextOrNull(UserId(t.prosecutor())));
}

void InsertDecision(Tx& tx, absl::string_view file_id, int seq, bool superseded,
                    const v1::ChargingDecision& d, absl::Time now) {
  const std::string id = NewUuid();
  tx.Exec(kInsertDecision, Params()
                               .Text(id)
                               .Text(file_id)
                               .Int(seq)
                               .Bool(superseded)
                               .TimeOrNull(superseded ? now : absl::InfinitePast())
                               .Int(d.test())
                               .Int(d.outcome())
                               .Int(d.nfa_reason())
                               .Text(d.disposal_details())
                               .Text(d.rationale())
                               .Text(DateText(d.decision_date()))
                               .Text(d.threshold_grounds())
                               .TextOrNull(DateText(d.threshold_review_by()))
                               .Time(domain::ToAbslTime(d.decide_time()))
                               .TextOrNull(UserId(d.prosecutor())));
  int ordinal = 0;
  for (const v1::OffenceDetail& o : d.offences()) {
    tx.Exec(kInsertDecisionOffence,
            Params().Text(id).Int(ordinal++).Int(o.offence()).Text(o.particulars()));
  }
  for (int i = 0; i < d.threshold_reviews_size(); ++i) {
    InsertThresholdReview(tx, id, i, d.threshold_reviews(i));
  }
}

// The decisions of a file in the order they were made: the superseded ones,
// then the one in force.
std::vector<const v1::ChargingDecision*> DecisionsOf(const v1::ChargingFile& f) {
  std::vector<const v1::ChargingDecision*> out;
  for (const v1::ChargingDecision& d : f.superseded_decisions()) {
    out.push_back(&d);
  }
  if (f.has_decision()) out.push_back(&f.decision());
  return out;
}

// Writes every child that differs between `current` and `next`. The domain
// only appends advice, items and decisions, so positions identify them.
absl::Status WriteChildren(Tx& tx, const StoredChargingFile& current,
                           const v1::ChargingFile& next, absl::Time now) {
  const v1::ChargingFile& cur = current.file;
  const std::string& id = current.id;
  if (!SameList(cur.suspects(), next.suspects())) {
    tx.Exec(kDeleteSuspects, Params().Text(id));
    InsertSuspects(tx, id, next.suspects());
  }
  if (!SameList(cur.proposed_offences(), next.proposed_offences())) {
    tx.Exec(kDeleteProposedOffences, Params().Text(id));
    InsertProposedOffences(tx, id, next.proposed_offences());
  }
  if (!SameList(cur.ancillary_orders(), next.ancillary_orders())) {
    tx.Exec(kDeleteAncillaryOrders, Params().Text(id));
    InsertAncillaryOrders(tx, id, next.ancillary_orders());
  }
  if (next.advice_size() < cur.advice_size() ||
      next.action_items_size() < cur.action_items_size()) {
    return absl::InternalError("advice and action items are never removed");
  }
  for (int i = cur.advice_size(); i < next.advice_size(); ++i) {
    const v1::ChargingAdvice& a = next.advice(i);
    tx.Exec(kInsertAdvice, Params()
                               .Text(id)
                               .Int(i)
                               .Text(a.advice())
                               .Time(domain::ToAbslTime(a.advise_time()))
                               .TextOrNull(UserId(a.prosecutor())));
  }
  for (int i = 0; i < next.action_items_size(); ++i) {
    if (i >= cur.action_items_size()) {
      InsertItem(tx, id, i, next.action_items(i));
    } else if (!MessageDifferencer::Equals(cur.action_items(i), next.action_items(i))) {
      absl::Status s = UpdateItem(tx, cur.action_items(i), next.action_items(i));
      if (!s.ok()) return s;
    }
  }
  const std::vector<const v1::ChargingDecision*> before = DecisionsOf(cur);
  const std::vector<const v1::ChargingDecision*> after = DecisionsOf(next);
  if (after.size() < before.size() || before.size() != current.decision_ids.size()) {
    return absl::InternalError("decisions are never removed");
  }
  for (size_t i = 0; i < after.size(); ++i) {
    const bool superseded = i + 1 < after.size() || !next.has_decision();
    if (i >= before.size()) {
      InsertDecision(tx, id, static_cast<int>(i), superseded, *after[i], now);
      continue;
    }
    const std::string& decision_id = current.decision_ids[i];
    const bool was_superseded = i + 1 < before.size() || !cur.has_decision();
    if (superseded != was_superseded ||
        !MessageDifferencer::Equals(before[i]->threshold_review_by(),
                                    after[i]->threshold_review_by())) {
      tx.Exec(kUpdateDecision, Params()
                                   .Text(decision_id)
                                   .Bool(superseded)
                                   .TextOrNull(DateText(after[i]->threshold_review_by()))
                                   .Time(now));
    }
    for (int r = before[i]->threshold_reviews_size();
         r < after[i]->threshold_reviews_size(); ++r) {
      InsertThresholdReview(tx, decision_id, r, after[i]->threshold_reviews(r));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ChargingRepository::Insert(Tx& tx, absl::string_view case_id,
                                        absl::string_view id,
                                        absl::string_view cps_agency_id,
                                        const v1::ChargingFile& file) const {
  tx.Exec(kInsertFile, Params()
                           .Text(id)
                           .Text(case_id)
                           .Text(cps_agency_id)
                           .Int(file.kind())
                           .Int(file.urgency())
                           .Int(domain::ChargingUrgencyRank(file.urgency()))
                           .Int(file.origin())
                           .Text(file.source_order())
                           .Text(file.summary())
                           .Int(file.state())
                           .TextOrNull(UserId(file.submitted_by()))
                           .Time(domain::ToAbslTime(file.create_time()))
                           .TimeOrNull(TimeOf(file.full_file_submit_time(),
                                              file.has_full_file_submit_time()))
                           .Time(domain::ToAbslTime(file.update_time())));
  StoredChargingFile empty;
  empty.id = std::string(id);
  empty.case_id = std::string(case_id);
  return WriteChildren(tx, empty, file, domain::ToAbslTime(file.create_time()));
}

absl::StatusOr<std::optional<StoredChargingFile>> ChargingRepository::Get(
    Tx& tx, absl::string_view case_id, absl::string_view id, bool for_update) const {
  pqxx::result r =
      tx.Exec(for_update ? kGetFileForUpdate : kGetFile, Params().Text(case_id).Text(id));
  if (r.empty()) return std::optional<StoredChargingFile>();
  std::vector<StoredChargingFile> files = {FileFromRow(r[0])};
  AttachChildren(tx, files);
  return std::optional<StoredChargingFile>(std::move(files[0]));
}

absl::StatusOr<int64_t> ChargingRepository::Update(Tx& tx,
                                                   const StoredChargingFile& current,
                                                   const v1::ChargingFile& next,
                                                   absl::Time now) const {
  const bool has_hearing = next.has_first_hearing();
  const bool has_informed = next.has_victim_informed();
  const v1::VictimInformed& v = next.victim_informed();
  Params p;
  p.Text(current.id)
      .Int(current.version)
      .Int(next.kind())
      .Int(next.urgency())
      .Int(domain::ChargingUrgencyRank(next.urgency()))
      .Text(next.summary())
      .Int(next.state())
      .TextOrNull(UserId(next.submitted_by()))
      .TimeOrNull(TimeOf(next.full_file_submit_time(), next.has_full_file_submit_time()))
      .Time(domain::ToAbslTime(next.update_time()))
      .Text(next.withdraw_reason())
      .TimeOrNull(TimeOf(next.withdraw_time(), next.has_withdraw_time()))
      .TextOrNull(has_hearing ? DateText(next.first_hearing().date()) : "")
      .Text(has_hearing ? next.first_hearing().court() : "");
  if (has_informed) {
    p.Bool(v.informed())
        .TextOrNull(DateText(v.inform_date()))
        .Text(v.method())
        .Text(v.notes())
        .TimeOrNull(TimeOf(v.record_time(), v.has_record_time()))
        .TextOrNull(UserId(v.recorded_by()));
  } else {
    p.Null().Null().Text("").Text("").Null().Null();
  }
  pqxx::result r = tx.Exec(kUpdateFile, p);
  if (r.empty()) {
    pqxx::result now_at = tx.Exec(kFileVersion, Params().Text(current.id));
    if (now_at.empty()) {
      return absl::NotFoundError(absl::StrCat(current.file.name(), " not found"));
    }
    return domain::StaleEtagError(current.file.name(),
                                  domain::FormatEtag(Int(now_at[0][0])));
  }
  absl::Status children = WriteChildren(tx, current, next, now);
  if (!children.ok()) return children;
  return Int(r[0][0]);
}

void ChargingRepository::AppendHistory(Tx& tx, absl::string_view file_id, absl::Time time,
                                       absl::string_view event,
                                       v1::ChargingFileState from,
                                       v1::ChargingFileState to, absl::string_view actor,
                                       absl::string_view detail) const {
  tx.Exec(kAppendHistory, Params()
                              .Text(file_id)
                              .Time(time)
                              .Text(event)
                              .Int(from)
                              .Int(to)
                              .TextOrNull(UserId(actor))
                              .Text(detail));
}

absl::StatusOr<std::vector<StoredChargingFile>> ChargingRepository::List(
    Tx& tx, const ChargingListScope& scope, const domain::ChargingListQuery& query,
    absl::CivilDay today) const {
  const domain::ChargingListFilter& f = query.filter;
  auto enum_or_null = [](Params& p, auto value) {
    if (value.has_value()) {
      p.Int(*value);
    } else {
      p.Null();
    }
  };
  auto bool_or_null = [](Params& p, std::optional<bool> value) {
    if (value.has_value()) {
      p.Bool(*value);
    } else {
      p.Null();
    }
  };
  Params p;
  p.Text(scope.agency_id)
      .Bool(scope.as_owning_force)
      .Bool(scope.as_cps_area)
      .TextOrNull(scope.case_id);
  enum_or_null(p, f.state);
  enum_or_null(p, f.kind);
  enum_or_null(p, f.urgency);
  enum_or_null(p, f.origin);
  bool_or_null(p, f.awaiting_decision);
  bool_or_null(p, f.action_plan_overdue);
  bool_or_null(p, f.threshold_review_due);
  p.TimeOrNull(f.decided_since.value_or(absl::InfinitePast()))
      .TimeOrNull(f.decided_before.value_or(absl::InfinitePast()))
      .Text(domain::FormatDay(today))
      .Int(domain::kThresholdReviewDueDays);
  if (query.after.has_value()) {
    p.Int(query.after->urgency_rank)
        .Time(query.after->create_time)
        .Text(query.after_file_id);
  } else {
    p.Null().Null().Null();
  }
  p.Int(query.page_size);
  std::vector<StoredChargingFile> files;
  for (const pqxx::row& r : tx.Exec(kListFiles, p)) {
    files.push_back(FileFromRow(r));
  }
  AttachChildren(tx, files);
  return files;
}

}  // namespace casebridge::storage
