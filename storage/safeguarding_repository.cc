#include "storage/safeguarding_repository.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/resource_names.h"
#include "domain/validation.h"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

constexpr char kActions[] = "safeguardingActions";
constexpr char kReferrals[] = "maracReferrals";

constexpr Statement kLockCaseFacts = {"cb_sg_lock_case_facts",
    "SELECT status, risk_level, vs_state, owning_agency_id FROM cases "
    "WHERE id = $1 FOR SHARE"};

// Columns of an action row, in the order RowFromResult reads them; `a` is
// the action (table or CTE), joined to its case `c` and agency `g`.
#define CB_SG_COLUMNS                                                         \
  "a.id, a.case_id, c.reference, a.type, a.assigned_agency_id, g.kind, "      \
  "coalesce(a.assigned_user_id::text, ''), a.due_date::text, a.priority, "    \
  "a.description, a.rationale, a.status, a.notes, a.outcome, "                \
  "a.cancel_reason, coalesce(a.created_by::text, ''), "                       \
  "cb_micros(a.create_time), cb_micros(a.update_time), "                      \
  "cb_micros(a.close_time), coalesce(a.closed_by::text, ''), "                \
  "coalesce(a.marac_referral_id::text, ''), a.version, "                      \
  "c.owning_agency_id, c.risk_level"
#define CB_SG_JOINS                                                           \
  " JOIN cases c ON c.id = a.case_id JOIN agencies g ON g.id = a.assigned_agency_id"

constexpr Statement kInsert = {"cb_sg_insert",
    "WITH a AS (INSERT INTO safeguarding_actions (id, case_id, type, "
    "assigned_agency_id, assigned_user_id, due_date, priority, priority_rank, "
    "description, rationale, status, notes, created_by, create_time, "
    "update_time, marac_referral_id, version) VALUES ($1, $2, $3, $4, $5, "
    "$6::date, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1) RETURNING *) "
    "SELECT " CB_SG_COLUMNS " FROM a" CB_SG_JOINS};

constexpr Statement kGet = {"cb_sg_get",
    "SELECT " CB_SG_COLUMNS " FROM safeguarding_actions a" CB_SG_JOINS
    " WHERE a.case_id = $1 AND a.id = $2"};
constexpr Statement kGetForUpdate = {"cb_sg_get_for_update",
    "SELECT " CB_SG_COLUMNS " FROM safeguarding_actions a" CB_SG_JOINS
    " WHERE a.case_id = $1 AND a.id = $2 FOR UPDATE OF a"};

constexpr Statement kUpdate = {"cb_sg_update",
    "WITH a AS (UPDATE safeguarding_actions SET assigned_user_id = $3, "
    "due_date = $4::date, priority = $5, priority_rank = $6, "
    "description = $7, rationale = $8, status = $9, notes = $10, "
    "outcome = $11, cancel_reason = $12, update_time = $13, "
    "close_time = $14, closed_by = $15, version = version + 1 "
    "WHERE id = $1 AND version = $2 RETURNING *) "
    "SELECT " CB_SG_COLUMNS " FROM a" CB_SG_JOINS};

constexpr Statement kListForCase = {"cb_sg_list_for_case",
    "SELECT " CB_SG_COLUMNS " FROM safeguarding_actions a" CB_SG_JOINS
    " WHERE a.case_id = $1 ORDER BY a.create_time, a.id"};
constexpr Statement kListForCaseLocked = {"cb_sg_list_for_case_locked",
    "SELECT " CB_SG_COLUMNS " FROM safeguarding_actions a" CB_SG_JOINS
    " WHERE a.case_id = $1 ORDER BY a.create_time, a.id FOR UPDATE OF a"};

// The filters of both lists (domain::MatchesSafeguardingListQuery is the
// reference), the caller's visibility, and the keyset position. Parameters:
//   $1 caller's agency     $2 case id        $3 case reference
//   $4 assigned agency     $5 assignee       $6 status
//   $7 active              $8 overdue        $9 due within days
//   $10 risk level         $11 type          $12 priority
//   $13 today              $14-$17 after (due date, rank, create time, id)
//   $18 limit
// Every statement names every parameter. "After" is always bound (the first
// page starts after a key below every row), so the row comparison is an
// index condition and each page is read straight off the index.
#define CB_SG_FILTERS                                                          \
  " (c.owning_agency_id = $1 OR EXISTS (SELECT 1 FROM case_shares s"           \
  "   WHERE s.case_id = a.case_id AND s.agency_id = $1"                        \
  "   AND s.withdraw_time IS NULL))"                                           \
  " AND ($2::uuid IS NULL OR a.case_id = $2::uuid)"                            \
  " AND ($3::text IS NULL OR c.reference = $3::text)"                          \
  " AND ($4::uuid IS NULL OR a.assigned_agency_id = $4::uuid)"                 \
  " AND ($5::uuid IS NULL OR a.assigned_user_id = $5::uuid)"                   \
  " AND ($6::smallint IS NULL OR a.status = $6::smallint)"                     \
  " AND ($7::boolean IS NULL OR (a.status IN (1, 2, 3)) = $7::boolean)"        \
  " AND ($8::boolean IS NULL OR"                                               \
  "      (a.status IN (1, 2, 3) AND a.due_date < $13::date) = $8::boolean)"    \
  " AND ($9::int IS NULL OR"                                                   \
  "      (a.status IN (1, 2, 3) AND a.due_date <= $13::date + $9::int))"       \
  " AND ($10::smallint IS NULL OR c.risk_level = $10::smallint)"               \
  " AND ($11::smallint IS NULL OR a.type = $11::smallint)"                     \
  " AND ($12::smallint IS NULL OR a.priority = $12::smallint)"                 \
  " AND (a.due_date, a.priority_rank, a.create_time, a.id) >"                  \
  "     ($14::date, $15::smallint, $16::timestamptz, $17::uuid)"               \
  " ORDER BY a.due_date, a.priority_rank, a.create_time, a.id LIMIT $18"

// One case's actions (safeguarding_actions_case_idx).
constexpr Statement kListByCase = {"cb_sg_list_by_case",
    "SELECT " CB_SG_COLUMNS " FROM safeguarding_actions a" CB_SG_JOINS
    " WHERE a.case_id = $2::uuid AND" CB_SG_FILTERS};
// Across the caller's cases.
constexpr Statement kListAcross = {"cb_sg_list_across",
    "SELECT " CB_SG_COLUMNS " FROM safeguarding_actions a" CB_SG_JOINS
    " WHERE" CB_SG_FILTERS};
// An agency's open work (safeguarding_actions_open_work_idx: the literal
// status predicate lets the partial index serve it).
constexpr Statement kMyWork = {"cb_sg_my_work",
    "SELECT " CB_SG_COLUMNS " FROM safeguarding_actions a" CB_SG_JOINS
    " WHERE a.assigned_agency_id = $4::uuid AND a.status IN (1, 2, 3) AND"
    CB_SG_FILTERS};

// The list statements carry optional filters ("$n IS NULL OR ..."). Planned
// generically, PostgreSQL cannot tell which are off and may walk every case
// and sort (measured: 470 ms for 120,000 actions) instead of reading the
// agency's open work in order off its index (0.7 ms). Planning each
// execution with its values costs under a millisecond; this transaction only.
constexpr Statement kCustomPlans = {"cb_sg_custom_plans",
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"};

constexpr Statement kInsertHistory = {"cb_sg_history_insert",
    "INSERT INTO safeguarding_action_history (action_id, revision, case_id, "
    "event, from_status, to_status, changed_fields, actor_id, "
    "actor_agency_id, event_time, snapshot) VALUES ($1, $2, $3, $4, $5, $6, "
    "$7::text[], $8, $9, $10, $11)"};
constexpr Statement kHistory = {"cb_sg_history",
    "SELECT revision, event, from_status, to_status, "
    "array_to_json(changed_fields)::text, coalesce(actor_id::text, ''), "
    "coalesce(actor_agency_id::text, ''), cb_micros(event_time), snapshot "
    "FROM safeguarding_action_history WHERE action_id = $1 AND revision > $2 "
    "ORDER BY revision LIMIT $3"};

// Whether the agency ($2) still has work on the case ($1) that was given to
// it from outside: an active action whose CREATE (revision 1) was made by
// another agency (the owning force, directly or by a MARAC referral). The
// storage side of domain::ShareForSafeguardingAssignment: exactly the
// actions that make a SAFEGUARDING_ACTION share are the ones that keep it.
constexpr Statement kHasWorkFromOutside = {"cb_sg_has_work_from_outside",
    "SELECT EXISTS (SELECT 1 FROM safeguarding_actions a "
    "JOIN safeguarding_action_history h ON h.action_id = a.id AND h.revision = 1 "
    "WHERE a.case_id = $1 AND a.assigned_agency_id = $2 AND a.status IN (1, 2, 3) "
    "AND h.actor_agency_id IS DISTINCT FROM a.assigned_agency_id)"};

#define CB_MARAC_COLUMNS                                                      \
  "m.id, m.case_id, c.reference, m.marac_date::text, m.reason, "              \
  "m.risk_level, coalesce(m.referred_by::text, ''), "                         \
  "cb_micros(m.create_time), array_to_json(m.action_ids)::text, "             \
  "array_to_json(m.completed_action_ids)::text"
constexpr Statement kInsertMarac = {"cb_marac_insert",
    "WITH m AS (INSERT INTO marac_referrals (id, case_id, marac_date, reason, "
    "risk_level, referred_by, create_time, action_ids, completed_action_ids) "
    "VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8::uuid[], $9::uuid[]) "
    "RETURNING *) SELECT " CB_MARAC_COLUMNS
    " FROM m JOIN cases c ON c.id = m.case_id"};
constexpr Statement kGetMarac = {"cb_marac_get",
    "SELECT " CB_MARAC_COLUMNS " FROM marac_referrals m "
    "JOIN cases c ON c.id = m.case_id WHERE m.case_id = $1 AND m.id = $2"};

SafeguardingActionRow RowFromResult(const pqxx::row& r, absl::CivilDay today) {
  SafeguardingActionRow row;
  v1::SafeguardingAction& a = row.action;
  row.case_id = Str(r[1]);
  a.set_name(domain::CaseChildResourceName(row.case_id, kActions, Str(r[0])));
  a.set_case_reference(Str(r[2]));
  a.set_type(static_cast<v1::SafeguardingActionType>(Int(r[3])));
  a.set_assigned_agency(domain::AgencyName(Str(r[4])));
  row.assigned_agency_kind = static_cast<v1::AgencyKind>(Int(r[5]));
  if (r[6].size() > 0) a.set_assigned_user(domain::UserName(Str(r[6])));
  SetDate(r[7], a.mutable_due_date());
  a.set_priority(static_cast<v1::SafeguardingActionPriority>(Int(r[8])));
  a.set_description(Str(r[9]));
  a.set_rationale(Str(r[10]));
  a.set_status(static_cast<v1::SafeguardingActionStatus>(Int(r[11])));
  a.set_notes(Str(r[12]));
  a.set_outcome(Str(r[13]));
  a.set_cancel_reason(Str(r[14]));
  if (r[15].size() > 0) a.set_created_by(domain::UserName(Str(r[15])));
  SetTimestamp(r[16], &a, &v1::SafeguardingAction::mutable_create_time);
  SetTimestamp(r[17], &a, &v1::SafeguardingAction::mutable_update_time);
  SetTimestamp(r[18], &a, &v1::SafeguardingAction::mutable_close_time);
  if (r[19].size() > 0) a.set_closed_by(domain::UserName(Str(r[19])));
  if (r[20].size() > 0) {
    a.set_marac_referral(
        domain::CaseChildResourceName(row.case_id, kReferrals, Str(r[20])));
  }
  row.version = Int(r[21]);
  a.set_etag(domain::FormatEtag(row.version));
  row.case_owner_agency_id = Str(r[22]);
  row.case_risk_level = static_cast<v1::RiskLevel>(Int(r[23]));
  a.set_overdue(domain::IsSafeguardingActionOverdue(a, today));
  return row;
}

// The cursor after a row: its work-order key.
domain::PageCursor CursorOf(const SafeguardingActionRow& row) {
  domain::SafeguardingActionFacts facts = row.Facts();
  return domain::PageCursor{
      domain::EncodeWorkOrderSortKey(domain::WorkOrderKeyOf(facts)), facts.id};
}

void AppendHistory(Tx& tx, const SafeguardingActionRow& row,
                   const v1::SafeguardingActionHistoryEntry& entry) {
  std::vector<std::string> fields(entry.changed_fields().begin(),
                                  entry.changed_fields().end());
  tx.Exec(kInsertHistory,
          Params()
              .Text(domain::IdOf(row.action.name()))
              .Int(row.version)
              .Text(row.case_id)
              .Int(entry.event())
              .Int(entry.from_status())
              .Int(entry.to_status())
              .TextArray(fields)
              .TextOrNull(domain::IdOf(entry.actor()))
              .TextOrNull(domain::IdOf(entry.actor_agency()))
              .Time(domain::ToAbslTime(entry.time()))
              .Bytes(row.action.SerializeAsString()));
}

Params ListParams(absl::string_view caller_agency_id,
                  const domain::SafeguardingListQuery& q, absl::CivilDay today) {
  Params p;
  p.Text(caller_agency_id);
  if (q.case_key.has_value() && !q.case_key->by_reference()) {
    p.Text(q.case_key->id);
  } else {
    p.Null();
  }
  if (q.case_key.has_value() && q.case_key->by_reference()) {
    p.Text(q.case_key->reference);
  } else {
    p.Null();
  }
  if (q.agency_id.has_value()) p.Text(*q.agency_id); else p.Null();
  if (q.assignee_id.has_value()) p.Text(*q.assignee_id); else p.Null();
  if (q.status.has_value()) p.Int(*q.status); else p.Null();
  if (q.active.has_value()) p.Bool(*q.active); else p.Null();
  if (q.overdue.has_value()) p.Bool(*q.overdue); else p.Null();
  if (q.due_within_days.has_value()) p.Int(*q.due_within_days); else p.Null();
  if (q.risk_level.has_value()) p.Int(*q.risk_level); else p.Null();
  if (q.type.has_value()) p.Int(*q.type); else p.Null();
  if (q.priority.has_value()) p.Int(*q.priority); else p.Null();
  p.Text(domain::FormatDay(today));
  if (q.after.has_value()) {
    p.Text(domain::FormatDay(q.after->due_date))
        .Int(q.after->priority_rank)
        .Time(q.after->create_time)
        .Text(q.after->id);
  } else {
    // Before every row: ranks start at 0, ids at the nil UUID.
    p.Text("0001-01-01")
        .Int(-1)
        .Text("-infinity")
        .Text("00000000-0000-0000-0000-000000000000");
  }
  p.Int(q.page_size);
  return p;
}

absl::StatusOr<Page<SafeguardingActionRow>> RunList(
    Tx& tx, const Statement& statement, absl::string_view caller_agency_id,
    const domain::SafeguardingListQuery& query, absl::CivilDay today) {
  tx.Exec(kCustomPlans);
  pqxx::result rows =
      tx.Exec(statement, ListParams(caller_agency_id, query, today));
  Page<SafeguardingActionRow> page;
  for (const pqxx::row& r : rows) page.items.push_back(RowFromResult(r, today));
  if (query.page_size > 0 && static_cast<int>(rows.size()) == query.page_size) {
    page.next = CursorOf(page.items.back());
  }
  return page;
}

MaracReferralRecord MaracFromResult(const pqxx::row& r) {
  MaracReferralRecord record;
  v1::MaracReferral& m = record.referral;
  const std::string case_id = Str(r[1]);
  m.set_name(domain::CaseChildResourceName(case_id, kReferrals, Str(r[0])));
  m.set_case_reference(Str(r[2]));
  SetDate(r[3], m.mutable_marac_date());
  m.set_reason(Str(r[4]));
  m.set_risk_level(static_cast<v1::RiskLevel>(Int(r[5])));
  if (r[6].size() > 0) m.set_referred_by(domain::UserName(Str(r[6])));
  SetTimestamp(r[7], &m, &v1::MaracReferral::mutable_create_time);
  record.action_ids = TextsFromJson(r[8]);
  record.completed_action_ids = TextsFromJson(r[9]);
  for (const std::string& id : record.action_ids) {
    m.add_actions(domain::CaseChildResourceName(case_id, kActions, id));
  }
  return record;
}

}  // namespace

domain::SafeguardingActionFacts SafeguardingActionRow::Facts() const {
  domain::SafeguardingActionFacts f;
  f.id = domain::IdOf(action.name());
  f.case_id = case_id;
  f.case_reference = action.case_reference();
  f.status = action.status();
  f.type = action.type();
  f.priority = action.priority();
  f.due_date = domain::ToCivilDay(action.due_date()).value_or(absl::CivilDay());
  f.create_time = domain::ToAbslTime(action.create_time());
  f.assigned_agency_id = domain::IdOf(action.assigned_agency());
  f.assigned_agency_kind = assigned_agency_kind;
  f.assigned_user_id = domain::IdOf(action.assigned_user());
  return f;
}

absl::StatusOr<domain::SafeguardingCaseFacts> SafeguardingRepository::LockCaseFacts(
    Tx& tx, absl::string_view case_id) const {
  pqxx::result r = tx.Exec(kLockCaseFacts, Params().Text(case_id));
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(domain::CaseName(case_id), " not found"));
  }
  domain::SafeguardingCaseFacts facts;
  facts.status = static_cast<v1::CaseStatus>(Int(r[0][0]));
  facts.risk_level = static_cast<v1::RiskLevel>(Int(r[0][1]));
  facts.victim_opted_out =
      Int(r[0][2]) == v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT;
  facts.owning_agency = domain::AgencyName(Str(r[0][3]));
  return facts;
}

absl::StatusOr<SafeguardingActionRow> SafeguardingRepository::Insert(
    Tx& tx, absl::string_view case_id, absl::string_view id,
    const domain::SafeguardingChange& change,
    absl::string_view marac_referral_id, absl::CivilDay today) const {
  const v1::SafeguardingAction& a = change.action;
  pqxx::row r = tx.ExecOne(
      kInsert,
      Params()
          .Text(id)
          .Text(case_id)
          .Int(a.type())
          .Text(domain::IdOf(a.assigned_agency()))
          .TextOrNull(domain::IdOf(a.assigned_user()))
          .Text(DateText(a.due_date()))
          .Int(a.priority())
          .Int(domain::SafeguardingPriorityRank(a.priority()))
          .Text(a.description())
          .Text(a.rationale())
          .Int(a.status())
          .Text(a.notes())
          .TextOrNull(domain::IdOf(a.created_by()))
          .Time(domain::ToAbslTime(a.create_time()))
          .Time(domain::ToAbslTime(a.update_time()))
          .TextOrNull(marac_referral_id));
  SafeguardingActionRow row = RowFromResult(r, today);
  AppendHistory(tx, row, change.entry);
  return row;
}

absl::StatusOr<std::optional<SafeguardingActionRow>> SafeguardingRepository::Get(
    Tx& tx, absl::string_view case_id, absl::string_view id, absl::CivilDay today,
    bool for_update) const {
  pqxx::result r = tx.Exec(for_update ? kGetForUpdate : kGet,
                           Params().Text(case_id).Text(id));
  if (r.empty()) return std::optional<SafeguardingActionRow>();
  return std::optional<SafeguardingActionRow>(RowFromResult(r[0], today));
}

absl::StatusOr<SafeguardingActionRow> SafeguardingRepository::Update(
    Tx& tx, const SafeguardingActionRow& current,
    const domain::SafeguardingChange& change, absl::CivilDay today) const {
  const v1::SafeguardingAction& a = change.action;
  Params p;
  p.Text(domain::IdOf(current.action.name()))
      .Int(current.version)
      .TextOrNull(domain::IdOf(a.assigned_user()))
      .Text(DateText(a.due_date()))
      .Int(a.priority())
      .Int(domain::SafeguardingPriorityRank(a.priority()))
      .Text(a.description())
      .Text(a.rationale())
      .Int(a.status())
      .Text(a.notes())
      .Text(a.outcome())
      .Text(a.cancel_reason())
      .Time(domain::ToAbslTime(a.update_time()));
  if (a.has_close_time()) {
    p.Time(domain::ToAbslTime(a.close_time()));
  } else {
    p.Null();
  }
  p.TextOrNull(domain::IdOf(a.closed_by()));
  pqxx::result r = tx.Exec(kUpdate, p);
  if (r.empty()) {
    return domain::StaleEtagError(current.action.name());
  }
  SafeguardingActionRow row = RowFromResult(r[0], today);
  AppendHistory(tx, row, change.entry);
  return row;
}

absl::StatusOr<std::vector<SafeguardingActionRow>> SafeguardingRepository::ListForCase(
    Tx& tx, absl::string_view case_id, absl::CivilDay today, bool lock) const {
  std::vector<SafeguardingActionRow> out;
  for (const pqxx::row& r :
       tx.Exec(lock ? kListForCaseLocked : kListForCase, Params().Text(case_id))) {
    out.push_back(RowFromResult(r, today));
  }
  return out;
}

absl::StatusOr<Page<SafeguardingActionRow>> SafeguardingRepository::List(
    Tx& tx, absl::string_view caller_agency_id,
    const domain::SafeguardingListQuery& query, absl::CivilDay today) const {
  const bool one_case = query.case_key.has_value() && !query.case_key->by_reference();
  return RunList(tx, one_case ? kListByCase : kListAcross, caller_agency_id, query,
                 today);
}

absl::StatusOr<Page<SafeguardingActionRow>> SafeguardingRepository::ListMyWork(
    Tx& tx, absl::string_view caller_agency_id,
    const domain::SafeguardingListQuery& query, absl::CivilDay today) const {
  if (!query.agency_id.has_value() || query.agency_id->empty()) {
    return absl::InternalError("my work needs the caller's agency");
  }
  return RunList(tx, kMyWork, caller_agency_id, query, today);
}

absl::StatusOr<Page<v1::SafeguardingActionHistoryEntry>> SafeguardingRepository::History(
    Tx& tx, absl::string_view action_id, int64_t after_revision, int limit) const {
  pqxx::result rows =
      tx.Exec(kHistory, Params().Text(action_id).Int(after_revision).Int(limit));
  Page<v1::SafeguardingActionHistoryEntry> page;
  for (const pqxx::row& r : rows) {
    v1::SafeguardingActionHistoryEntry e;
    e.set_revision(Int(r[0]));
    e.set_event(static_cast<v1::SafeguardingActionEvent>(Int(r[1])));
    e.set_from_status(static_cast<v1::SafeguardingActionStatus>(Int(r[2])));
    e.set_to_status(static_cast<v1::SafeguardingActionStatus>(Int(r[3])));
    for (std::string& f : TextsFromJson(r[4])) e.add_changed_fields(std::move(f));
    if (r[5].size() > 0) e.set_actor(domain::UserName(Str(r[5])));
    if (r[6].size() > 0) e.set_actor_agency(domain::AgencyName(Str(r[6])));
    SetTimestamp(r[7], &e, &v1::SafeguardingActionHistoryEntry::mutable_time);
    if (!e.mutable_snapshot()->ParseFromString(BytesFromField(r[8]))) {
      return absl::DataLossError(absl::StrCat(
          "the snapshot of revision ", e.revision(), " of action ", action_id,
          " cannot be read"));
    }
    page.items.push_back(std::move(e));
  }
  if (limit > 0 && static_cast<int>(rows.size()) == limit) {
    page.next = domain::PageCursor{absl::StrCat(page.items.back().revision()),
                                   std::string(action_id)};
  }
  return page;
}

absl::StatusOr<bool> SafeguardingRepository::AgencyHasWorkFromOutside(
    Tx& tx, absl::string_view case_id, absl::string_view agency_id) const {
  return Bool(tx.ExecOne(kHasWorkFromOutside, Params().Text(case_id).Text(agency_id))[0]);
}

absl::StatusOr<v1::MaracReferral> SafeguardingRepository::InsertMaracReferral(
    Tx& tx, absl::string_view case_id, absl::string_view id,
    const v1::MaracReferral& referral, const std::vector<std::string>& action_ids,
    const std::vector<std::string>& completed_action_ids) const {
  pqxx::row r = tx.ExecOne(kInsertMarac,
                           Params()
                               .Text(id)
                               .Text(case_id)
                               .Text(DateText(referral.marac_date()))
                               .Text(referral.reason())
                               .Int(referral.risk_level())
                               .TextOrNull(domain::IdOf(referral.referred_by()))
                               .Time(domain::ToAbslTime(referral.create_time()))
                               .TextArray(action_ids)
                               .TextArray(completed_action_ids));
  return MaracFromResult(r).referral;
}

absl::StatusOr<std::optional<MaracReferralRecord>>
SafeguardingRepository::GetMaracReferral(Tx& tx, absl::string_view case_id,
                                         absl::string_view id) const {
  pqxx::result r = tx.Exec(kGetMarac, Params().Text(case_id).Text(id));
  if (r.empty()) return std::optional<MaracReferralRecord>();
  return std::optional<MaracReferralRecord>(MaracFromResult(r[0]));
}

}  // namespace casebridge::storage
