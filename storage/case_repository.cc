#include "storage/case_repository.h"

#include "absl/strings/str_cat.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "nlohmann/json.hpp"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

constexpr int kVictim = 1;
constexpr int kSuspect = 2;
constexpr int kProtected = 3;

constexpr Statement kResolveById = {"cb_case_resolve_id",
    "SELECT c.id, c.reference, c.owning_agency_id, c.status, c.version, "
    "c.risk_level, EXISTS (SELECT 1 FROM case_shares s WHERE s.case_id = c.id "
    "AND s.agency_id = $2 AND s.withdraw_time IS NULL) "
    "FROM cases c WHERE c.id = $1"};
constexpr Statement kResolveByReference = {"cb_case_resolve_ref",
    "SELECT c.id, c.reference, c.owning_agency_id, c.status, c.version, "
    "c.risk_level, EXISTS (SELECT 1 FROM case_shares s WHERE s.case_id = c.id "
    "AND s.agency_id = $2 AND s.withdraw_time IS NULL) "
    "FROM cases c WHERE c.reference = $1"};

// FOR NO KEY UPDATE, not FOR UPDATE: it still serializes with itself and
// with the FOR SHARE of readers that decide on the case's state, but not with
// the KEY SHARE lock every insert of a child row (history, timeline) takes
// through its foreign key, which FOR UPDATE would deadlock against.
constexpr Statement kLock = {"cb_case_lock",
    "SELECT version, vs_state FROM cases WHERE id = $1 FOR NO KEY UPDATE"};

constexpr Statement kNextReference = {"cb_case_next_reference",
    "INSERT INTO case_reference_counters (agency_id, year, last_number) "
    "VALUES ($1, $2, 1) ON CONFLICT (agency_id, year) DO UPDATE "
    "SET last_number = case_reference_counters.last_number + 1 "
    "RETURNING last_number"};

constexpr Statement kInsertCase = {"cb_case_insert",
    "INSERT INTO cases (id, reference, owning_agency_id, officer_in_charge_id, "
    "status, open_time, summary, relationship, typology, spo_considered, "
    "spo_reason, spo_record_time, spo_recorded_by, lawful_basis_notes, "
    "create_time, update_time) "
    "VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $5, $5)"};

constexpr Statement kInsertPerson = {"cb_case_insert_person",
    "INSERT INTO case_people (case_id, role, ordinal, given_name, family_name, "
    "aliases, date_of_birth, phone, email, safe_contact_notes, address, "
    "address_restricted, notes) "
    "VALUES ($1, $2, $3, $4, $5, $6::text[], $7::date, $8, $9, $10, $11, $12, $13)"};
constexpr Statement kDeletePeople = {"cb_case_delete_people",
    "DELETE FROM case_people WHERE case_id = $1 AND role = $2"};

// A person and a flag as JSON arrays, in the order PersonFromJson and
// FlagFromJson read them. `p` and `f` prefix the columns ("p.", or "" where
// the table is implied).
#define CB_PERSON_JSON(p)                                                      \
  "json_build_array(" p "role, " p "given_name, " p "family_name, "           \
  "array_to_json(" p "aliases), " p "date_of_birth::text, " p "phone, "        \
  p "email, " p "safe_contact_notes, " p "address, " p "address_restricted, " \
  p "notes)"
#define CB_FLAG_JSON(f)                                                        \
  "json_build_array(" f "id, " f "type, " f "reason, cb_micros(" f             \
  "raise_time), coalesce(" f "raised_by::text, ''), cb_micros(" f              \
  "clear_time), coalesce(" f "cleared_by::text, ''), " f "clear_reason)"

// A case's people and its raised flags, read with the case row as two JSON
// arrays (NULL when none): one round trip for what took three.
#define CB_CASE_PEOPLE_AND_FLAGS                                               \
  "(SELECT json_agg(" CB_PERSON_JSON("p.") " ORDER BY p.role, p.ordinal)"      \
  "::text FROM case_people p WHERE p.case_id = c.id), "                        \
  "(SELECT json_agg(" CB_FLAG_JSON("f.") " ORDER BY f.raise_time, f.id)"       \
  "::text FROM case_flags f WHERE f.case_id = c.id AND f.clear_time IS NULL)"

// Columns of a case row, in the order CaseFromRow reads them. $today decides
// whether a recorded order is still in force.
#define CB_CASE_COLUMNS(today)                                                 \
  "c.id, c.reference, c.owning_agency_id, "                                    \
  "coalesce(c.officer_in_charge_id::text, ''), c.status, "                     \
  "cb_micros(c.open_time), cb_micros(c.close_time), c.close_reason, "          \
  "c.summary, c.relationship, c.typology, c.spo_considered, c.spo_reason, "    \
  "cb_micros(c.spo_record_time), coalesce(c.spo_recorded_by::text, ''), "      \
  "c.vs_state, coalesce(c.vs_agency_id::text, ''), c.vs_reason, "              \
  "cb_micros(c.vs_record_time), coalesce(c.vs_recorded_by::text, ''), "        \
  "c.lawful_basis_notes, c.risk_level, "                                       \
  "(c.order_active AND (c.order_active_until IS NULL OR "                      \
  "c.order_active_until >= " today "::date)), "                               \
  "cb_micros(c.create_time) AS create_micros, cb_micros(c.update_time), "      \
  "c.version, " CB_CASE_PEOPLE_AND_FLAGS

constexpr Statement kGetCase = {"cb_case_get",
    "SELECT " CB_CASE_COLUMNS("$2") " FROM cases c WHERE c.id = $1"};
constexpr int kPeopleColumn = 26;
constexpr int kFlagsColumn = 27;

// kGetCase plus what a case's response derives from: its incidents' facts
// (as IncidentFactsFromJson reads them) and whether one of its protection
// orders has a notification still open after its due time ($3; the
// condition of ProtectionOrderRepository::WithOpenNotificationsDueBefore).
constexpr Statement kLoadCase = {"cb_case_load",
    "SELECT " CB_CASE_COLUMNS("$2") ", "
    "(SELECT json_agg(json_build_array(cb_micros(i.occur_time), "
    "array_to_json(i.behaviours), array_to_json(i.four_signs)) "
    "ORDER BY i.occur_time)::text FROM incidents i WHERE i.case_id = c.id), "
    "EXISTS (SELECT 1 FROM protection_orders o "
    "JOIN protection_order_notifications n ON n.order_id = o.id "
    "WHERE o.case_id = c.id AND n.notify_time IS NULL AND n.due_time < $3) "
    "FROM cases c WHERE c.id = $1"};
constexpr int kIncidentFactsColumn = 28;
constexpr int kOverdueNotificationColumn = 29;

#define CB_CASE_FILTERS                                                        \
  " AND ($2::smallint IS NULL OR c.status = $2)"                               \
  " AND ($3::smallint IS NULL OR c.risk_level = $3)"                           \
  " AND ($4::uuid IS NULL OR c.officer_in_charge_id = $4)"                     \
  " AND ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM case_shares f "             \
  "      WHERE f.case_id = c.id AND f.agency_id = $5 "                         \
  "      AND f.withdraw_time IS NULL))"                                        \
  " AND ($6::boolean IS NULL OR (c.order_active AND "                          \
  "      (c.order_active_until IS NULL OR c.order_active_until >= $12::date))" \
  "      = $6)"                                                                \
  " AND ($7::timestamptz IS NULL OR c.update_time >= $7)"                      \
  " AND ($8::text IS NULL OR c.reference = $8)"                                \
  " AND ($9::timestamptz IS NULL OR (c.create_time, c.id) < ($9, $10::uuid))"

// The caller's own force's cases and the cases shared with its agency, newest
// first. Two index-friendly halves merged, rather than one OR.
constexpr Statement kListCases = {"cb_case_list",
    "SELECT * FROM ("
    " (SELECT " CB_CASE_COLUMNS("$12") " FROM cases c"
    "  WHERE c.owning_agency_id = $1" CB_CASE_FILTERS
    "  ORDER BY c.create_time DESC, c.id DESC LIMIT $11)"
    " UNION ALL"
    " (SELECT " CB_CASE_COLUMNS("$12") " FROM cases c"
    "  WHERE c.owning_agency_id <> $1 AND c.id IN (SELECT s.case_id FROM"
    "  case_shares s WHERE s.agency_id = $1 AND s.withdraw_time IS NULL)"
    CB_CASE_FILTERS
    "  ORDER BY c.create_time DESC, c.id DESC LIMIT $11)"
    ") v ORDER BY create_micros DESC, id DESC LIMIT $11"};

constexpr Statement kRestrictedAddressesOfCases = {
    "cb_case_restricted_addresses_of_cases",
    "SELECT DISTINCT address FROM case_restricted_addresses "
    "WHERE case_id = ANY ($1::uuid[])"};

constexpr Statement kUpdateCase = {"cb_case_update",
    "UPDATE cases SET officer_in_charge_id = $3, summary = $4, "
    "relationship = $5, typology = $6, lawful_basis_notes = $7, "
    "spo_considered = CASE WHEN $8 THEN $9::boolean ELSE spo_considered END, "
    "spo_reason = CASE WHEN $8 THEN $10 ELSE spo_reason END, "
    "spo_record_time = CASE WHEN $8 THEN $11::timestamptz ELSE spo_record_time END, "
    "spo_recorded_by = CASE WHEN $8 THEN $12::uuid ELSE spo_recorded_by END, "
    "update_time = $11, version = version + 1 "
    "WHERE id = $1 AND version = $2 RETURNING version"};

constexpr Statement kSetStatus = {"cb_case_set_status",
    "UPDATE cases SET status = $3::smallint, "
    "close_time = CASE WHEN $3::smallint = 2 THEN $5::timestamptz ELSE NULL END, "
    "close_reason = $4, update_time = $5, version = version + 1 "
    "WHERE id = $1 AND version = $2 RETURNING version"};

constexpr Statement kSetVictimServices = {"cb_case_set_vs",
    "UPDATE cases SET vs_state = $3, vs_agency_id = $4, vs_reason = $5, "
    "vs_recorded_by = $6, vs_record_time = $7, update_time = $7, "
    "version = version + 1 WHERE id = $1 AND version = $2 RETURNING version"};

// FOR NO KEY UPDATE: the assessment's foreign key holds KEY SHARE on the
// row, which this must not wait for (two assessments would deadlock).
constexpr Statement kLockCaseRow = {"cb_case_lock_row",
    "SELECT 1 FROM cases WHERE id = $1 FOR NO KEY UPDATE"};
// Run after kLockCaseRow: in READ COMMITTED this statement's snapshot then
// includes every assessment committed before the lock was granted.
constexpr Statement kFollowLatestRisk = {"cb_case_follow_latest_risk",
    "UPDATE cases c SET risk_level = latest.level, update_time = $2, "
    "version = c.version + 1 "
    "FROM (SELECT level FROM risk_assessments WHERE case_id = $1 "
    "      ORDER BY assess_time DESC, id DESC LIMIT 1) latest "
    "WHERE c.id = $1 AND c.risk_level IS DISTINCT FROM latest.level "
    "RETURNING c.version"};

constexpr Statement kCurrentVersion = {"cb_case_version",
    "SELECT version FROM cases WHERE id = $1"};

#define CB_INCIDENT_COLUMNS                                                   \
  "i.id, i.case_id, cb_micros(i.occur_time) AS occur_micros, "                \
  "cb_micros(i.report_time), i.location, "                                    \
  "array_to_json(i.behaviours)::text, array_to_json(i.four_signs)::text, "    \
  "i.witnesses, i.description, i.victim_impact, i.reported_to_police, "       \
  "coalesce(i.recorded_by::text, ''), cb_micros(i.create_time), "             \
  "cb_micros(i.update_time), i.version"

constexpr Statement kInsertIncident = {"cb_incident_insert",
    "INSERT INTO incidents AS i (id, case_id, occur_time, report_time, location, "
    "behaviours, four_signs, witnesses, description, victim_impact, "
    "reported_to_police, recorded_by, create_time, update_time) "
    "VALUES ($1, $2, $3, $4, $5, $6::smallint[], $7::smallint[], $8, $9, $10, "
    "$11, $12, $13, $13) RETURNING " CB_INCIDENT_COLUMNS};
constexpr Statement kGetIncident = {"cb_incident_get",
    "SELECT " CB_INCIDENT_COLUMNS " FROM incidents i "
    "WHERE i.case_id = $1 AND i.id = $2"};
constexpr Statement kListIncidents = {"cb_incident_list",
    "SELECT " CB_INCIDENT_COLUMNS " FROM incidents i WHERE i.case_id = $1 "
    "AND ($2::smallint IS NULL OR $2 = ANY (i.behaviours)) "
    "AND ($3::timestamptz IS NULL OR i.occur_time >= $3) "
    "AND ($4::timestamptz IS NULL OR i.occur_time < $4) "
    "AND ($5::timestamptz IS NULL OR (i.occur_time, i.id) < ($5, $6::uuid)) "
    "ORDER BY i.occur_time DESC, i.id DESC LIMIT $7"};
constexpr Statement kUpdateIncident = {"cb_incident_update",
    "UPDATE incidents i SET occur_time = $4, report_time = $5, location = $6, "
    "behaviours = $7::smallint[], four_signs = $8::smallint[], witnesses = $9, "
    "description = $10, victim_impact = $11, reported_to_police = $12, "
    "update_time = $13, version = i.version + 1 "
    "WHERE i.case_id = $1 AND i.id = $2 AND i.version = $3 "
    "RETURNING " CB_INCIDENT_COLUMNS};
#define CB_RISK_COLUMNS                                                     \
  "id, case_id, dash_yes_count, stalking_question_yes, "                    \
  "array_to_json(sdash)::text, sdash_yes_count, judgement_level, "          \
  "rationale, escalation, level, level_reason, "                            \
  "coalesce(assessor_id::text, ''), cb_micros(assess_time) AS assess_micros"

constexpr Statement kInsertRisk = {"cb_risk_insert",
    "INSERT INTO risk_assessments (id, case_id, dash_yes_count, "
    "stalking_question_yes, sdash, sdash_yes_count, judgement_level, "
    "rationale, escalation, level, level_reason, assessor_id, assess_time) "
    "VALUES ($1, $2, $3, $4, $5::boolean[], $6, $7, $8, $9, $10, $11, $12, $13) "
    "RETURNING " CB_RISK_COLUMNS};
constexpr Statement kGetRisk = {"cb_risk_get",
    "SELECT " CB_RISK_COLUMNS " FROM risk_assessments "
    "WHERE case_id = $1 AND id = $2"};
constexpr Statement kListRisk = {"cb_risk_list",
    "SELECT " CB_RISK_COLUMNS " FROM risk_assessments WHERE case_id = $1 "
    "AND ($2::timestamptz IS NULL OR (assess_time, id) < ($2, $3::uuid)) "
    "ORDER BY assess_time DESC, id DESC LIMIT $4"};

constexpr Statement kInsertFlag = {"cb_flag_insert",
    "INSERT INTO case_flags (id, case_id, type, reason, raise_time, raised_by) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING " CB_FLAG_JSON("") "::text"};
constexpr Statement kClearFlag = {"cb_flag_clear",
    "UPDATE case_flags SET clear_time = $3, cleared_by = $4, clear_reason = $5 "
    "WHERE case_id = $1 AND id = $2 AND clear_time IS NULL "
    "RETURNING " CB_FLAG_JSON("") "::text"};
constexpr Statement kFlagExists = {"cb_flag_exists",
    "SELECT 1 FROM case_flags WHERE case_id = $1 AND id = $2"};

// The JSON a statement built (CB_CASE_PEOPLE_AND_FLAGS, kLoadCase,
// CB_FLAG_JSON): its elements; none when NULL (no rows). The database wrote
// it, so it always parses; if it ever did not, nothing is read rather than
// a partial record.
nlohmann::json ParseJson(const pqxx::field& f) {
  return nlohmann::json::parse(f.c_str(), f.c_str() + f.size(), nullptr,
                               /*allow_exceptions=*/false);
}

nlohmann::json JsonRows(const pqxx::field& f) {
  if (f.is_null()) return nlohmann::json::array();
  nlohmann::json parsed = ParseJson(f);
  return parsed.is_array() ? std::move(parsed) : nlohmann::json::array();
}

std::string JsonText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : std::string();
}

int JsonInt(const nlohmann::json& v) {
  return v.is_number_integer() ? v.get<int>() : 0;
}

// A cb_micros value: unset when null.
template <typename Message>
void SetJsonTimestamp(const nlohmann::json& micros, Message* message,
                      google::protobuf::Timestamp* (Message::*mutable_field)()) {
  if (!micros.is_number_integer()) return;
  *(message->*mutable_field)() = TimestampFromMicros(micros.get<int64_t>());
}

// CB_PERSON_JSON: [role, given_name, family_name, aliases, date_of_birth,
// phone, email, safe_contact_notes, address, address_restricted, notes].
// Returns the role.
int PersonFromJson(const nlohmann::json& r, v1::Person* p) {
  if (!r.is_array() || r.size() != 11) return 0;
  p->set_given_name(JsonText(r[1]));
  p->set_family_name(JsonText(r[2]));
  if (r[3].is_array()) {
    for (const nlohmann::json& alias : r[3]) p->add_aliases(JsonText(alias));
  }
  if (r[4].is_string()) SetDate(JsonText(r[4]), p->mutable_date_of_birth());
  if (!p->has_date_of_birth() || p->date_of_birth().year() == 0) {
    p->clear_date_of_birth();
  }
  std::string phone = JsonText(r[5]), email = JsonText(r[6]), notes = JsonText(r[7]);
  if (phone.size() + email.size() + notes.size() > 0) {
    p->mutable_safe_contact()->set_phone(std::move(phone));
    p->mutable_safe_contact()->set_email(std::move(email));
    p->mutable_safe_contact()->set_safe_contact_notes(std::move(notes));
  }
  p->set_address(JsonText(r[8]));
  p->set_address_restricted(r[9].is_boolean() && r[9].get<bool>());
  p->set_notes(JsonText(r[10]));
  return JsonInt(r[0]);
}

// CB_FLAG_JSON: [id, type, reason, raise_time, raised_by, clear_time,
// cleared_by, clear_reason].
v1::CaseFlag FlagFromJson(const nlohmann::json& r, absl::string_view case_id) {
  v1::CaseFlag f;
  if (!r.is_array() || r.size() != 8) return f;
  f.set_name(domain::CaseChildResourceName(case_id, "flags", JsonText(r[0])));
  f.set_type(static_cast<v1::FlagType>(JsonInt(r[1])));
  f.set_reason(JsonText(r[2]));
  SetJsonTimestamp(r[3], &f, &v1::CaseFlag::mutable_raise_time);
  if (!JsonText(r[4]).empty()) f.set_raised_by(domain::UserName(JsonText(r[4])));
  SetJsonTimestamp(r[5], &f, &v1::CaseFlag::mutable_clear_time);
  if (!JsonText(r[6]).empty()) f.set_cleared_by(domain::UserName(JsonText(r[6])));
  f.set_clear_reason(JsonText(r[7]));
  return f;
}

// A one-flag statement's row (RETURNING CB_FLAG_JSON).
v1::CaseFlag FlagFromRow(const pqxx::row& r, absl::string_view case_id) {
  return FlagFromJson(ParseJson(r[0]), case_id);
}

// kLoadCase's incident facts: [occur_time, behaviours, four_signs] each.
std::vector<domain::IncidentFacts> IncidentFactsFromJson(const pqxx::field& f) {
  std::vector<domain::IncidentFacts> out;
  for (const nlohmann::json& r : JsonRows(f)) {
    if (!r.is_array() || r.size() != 3) continue;
    domain::IncidentFacts facts;
    facts.occur_time = r[0].is_number_integer()
                           ? absl::FromUnixMicros(r[0].get<int64_t>())
                           : absl::InfinitePast();
    if (r[1].is_array()) {
      for (const nlohmann::json& b : r[1]) {
        facts.behaviours.push_back(static_cast<v1::Behaviour>(JsonInt(b)));
      }
    }
    if (r[2].is_array()) {
      for (const nlohmann::json& s : r[2]) {
        facts.four_signs.push_back(static_cast<v1::FourSign>(JsonInt(s)));
      }
    }
    out.push_back(std::move(facts));
  }
  return out;
}

v1::Case CaseFromRow(const pqxx::row& r) {
  v1::Case c;
  c.set_name(domain::CaseName(Str(r[0])));
  c.set_reference(Str(r[1]));
  c.set_owning_agency(domain::AgencyName(Str(r[2])));
  if (r[3].size() > 0) c.set_officer_in_charge(domain::UserName(Str(r[3])));
  c.set_status(static_cast<v1::CaseStatus>(Int(r[4])));
  SetTimestamp(r[5], &c, &v1::Case::mutable_open_time);
  SetTimestamp(r[6], &c, &v1::Case::mutable_close_time);
  c.set_close_reason(Str(r[7]));
  c.set_summary(Str(r[8]));
  c.set_relationship(static_cast<v1::Relationship>(Int(r[9])));
  c.set_typology(static_cast<v1::StalkerTypology>(Int(r[10])));
  if (!r[11].is_null()) {
    v1::SpoConsideration* spo = c.mutable_spo_consideration();
    spo->set_considered(Bool(r[11]));
    spo->set_reason(Str(r[12]));
    SetTimestamp(r[13], spo, &v1::SpoConsideration::mutable_record_time);
    if (r[14].size() > 0) spo->set_recorded_by(domain::UserName(Str(r[14])));
  }
  v1::VictimServicesReferral* vs = c.mutable_victim_services_referral();
  vs->set_state(static_cast<v1::VictimServicesReferralState>(Int(r[15])));
  if (r[16].size() > 0) vs->set_agency(domain::AgencyName(Str(r[16])));
  vs->set_reason(Str(r[17]));
  SetTimestamp(r[18], vs, &v1::VictimServicesReferral::mutable_record_time);
  if (r[19].size() > 0) vs->set_recorded_by(domain::UserName(Str(r[19])));
  c.set_lawful_basis_notes(Str(r[20]));
  c.set_risk_level(static_cast<v1::RiskLevel>(Int(r[21])));
  c.set_has_active_order(Bool(r[22]));
  SetTimestamp(r[23], &c, &v1::Case::mutable_create_time);
  SetTimestamp(r[24], &c, &v1::Case::mutable_update_time);
  c.set_etag(domain::FormatEtag(Int(r[25])));
  for (const nlohmann::json& person : JsonRows(r[kPeopleColumn])) {
    v1::Person p;
    switch (PersonFromJson(person, &p)) {
      case kVictim:
        *c.mutable_victim() = std::move(p);
        break;
      case kSuspect:
        *c.add_suspects() = std::move(p);
        break;
      case kProtected:
        *c.add_protected_persons() = std::move(p);
        break;
    }
  }
  const std::string id = Str(r[0]);
  for (const nlohmann::json& flag : JsonRows(r[kFlagsColumn])) {
    *c.add_flags() = FlagFromJson(flag, id);
  }
  return c;
}

std::vector<int> EnumList(const google::protobuf::RepeatedField<int>& values) {
  return std::vector<int>(values.begin(), values.end());
}

v1::Incident IncidentFromRow(const pqxx::row& r) {
  v1::Incident i;
  i.set_name(domain::CaseChildResourceName(Str(r[1]), "incidents", Str(r[0])));
  SetTimestamp(r[2], &i, &v1::Incident::mutable_occur_time);
  SetTimestamp(r[3], &i, &v1::Incident::mutable_report_time);
  i.set_location(Str(r[4]));
  for (int b : IntsFromJson(r[5])) i.add_behaviours(static_cast<v1::Behaviour>(b));
  for (int s : IntsFromJson(r[6])) i.add_four_signs(static_cast<v1::FourSign>(s));
  i.set_witnesses(Str(r[7]));
  i.set_description(Str(r[8]));
  i.set_victim_impact(Str(r[9]));
  i.set_reported_to_police(Bool(r[10]));
  if (r[11].size() > 0) i.set_recorded_by(domain::UserName(Str(r[11])));
  SetTimestamp(r[12], &i, &v1::Incident::mutable_create_time);
  SetTimestamp(r[13], &i, &v1::Incident::mutable_update_time);
  i.set_etag(domain::FormatEtag(Int(r[14])));
  return i;
}

v1::RiskAssessment RiskFromRow(const pqxx::row& r) {
  v1::RiskAssessment a;
  a.set_name(domain::CaseChildResourceName(Str(r[1]), "riskAssessments", Str(r[0])));
  a.set_dash_yes_count(static_cast<int32_t>(Int(r[2])));
  a.set_stalking_question_yes(Bool(r[3]));
  std::vector<std::string> answers = TextsFromJson(r[4]);
  const google::protobuf::Descriptor* d = v1::SdashAnswers::descriptor();
  const google::protobuf::Reflection* refl = v1::SdashAnswers::GetReflection();
  v1::SdashAnswers* sdash = a.mutable_sdash();
  for (int i = 0; i < d->field_count() && i < static_cast<int>(answers.size()); ++i) {
    refl->SetBool(sdash, d->field(i), answers[i] == "true");
  }
  a.set_sdash_yes_count(static_cast<int32_t>(Int(r[5])));
  a.set_professional_judgement_level(static_cast<v1::RiskLevel>(Int(r[6])));
  a.set_rationale(Str(r[7]));
  a.set_escalation(Bool(r[8]));
  a.set_level(static_cast<v1::RiskLevel>(Int(r[9])));
  a.set_level_reason(Str(r[10]));
  if (r[11].size() > 0) a.set_assessor(domain::UserName(Str(r[11])));
  SetTimestamp(r[12], &a, &v1::RiskAssessment::mutable_assess_time);
  return a;
}

void InsertPeople(Tx& tx, absl::string_view case_id, int role,
                  const std::vector<const v1::Person*>& people) {
  int ordinal = 0;
  for (const v1::Person* p : people) {
    std::vector<std::string> aliases(p->aliases().begin(), p->aliases().end());
    tx.Exec(kInsertPerson,
            Params()
                .Text(case_id)
                .Int(role)
                .Int(ordinal++)
                .Text(p->given_name())
                .Text(p->family_name())
                .TextArray(aliases)
                .TextOrNull(DateText(p->date_of_birth()))
                .Text(p->safe_contact().phone())
                .Text(p->safe_contact().email())
                .Text(p->safe_contact().safe_contact_notes())
                .Text(p->address())
                .Bool(p->address_restricted())
                .Text(p->notes()));
  }
}

std::vector<const v1::Person*> PeopleOf(
    const google::protobuf::RepeatedPtrField<v1::Person>& people) {
  std::vector<const v1::Person*> out;
  for (const v1::Person& p : people) out.push_back(&p);
  return out;
}

absl::Status StaleEtag(absl::string_view what, Tx& tx, const Statement& current,
                       absl::string_view id) {
  pqxx::result r = tx.Exec(current, Params().Text(id));
  if (r.empty()) return absl::NotFoundError(absl::StrCat(what, " not found"));
  return domain::StaleEtagError(what, domain::FormatEtag(Int(r[0][0])));
}

}  // namespace

absl::StatusOr<std::optional<CaseRef>> CaseRepository::Resolve(
    Tx& tx, const domain::CaseKey& key, absl::string_view caller_agency_id) const {
  pqxx::result r =
      key.by_reference()
          ? tx.Exec(kResolveByReference,
                    Params().Text(key.reference).TextOrNull(caller_agency_id))
          : tx.Exec(kResolveById, Params().Text(key.id).TextOrNull(caller_agency_id));
  if (r.empty()) return std::optional<CaseRef>();
  CaseRef ref;
  ref.id = Str(r[0][0]);
  ref.reference = Str(r[0][1]);
  ref.owner_agency_id = Str(r[0][2]);
  ref.status = static_cast<v1::CaseStatus>(Int(r[0][3]));
  ref.version = Int(r[0][4]);
  ref.risk_level = static_cast<v1::RiskLevel>(Int(r[0][5]));
  ref.shared_with_caller = Bool(r[0][6]);
  return std::optional<CaseRef>(std::move(ref));
}

absl::StatusOr<LockedCase> CaseRepository::Lock(Tx& tx,
                                                absl::string_view id) const {
  pqxx::result r = tx.Exec(kLock, Params().Text(id));
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(domain::CaseName(id), " not found"));
  }
  LockedCase locked;
  locked.version = Int(r[0][0]);
  locked.victim_services_state =
      static_cast<v1::VictimServicesReferralState>(Int(r[0][1]));
  return locked;
}

absl::StatusOr<std::string> CaseRepository::NextReference(
    Tx& tx, absl::string_view agency_id, absl::string_view force_code,
    int year) const {
  pqxx::row r = tx.ExecOne(kNextReference, Params().Text(agency_id).Int(year));
  return domain::FormatCaseReference(force_code, year, Int(r[0]));
}

absl::Status CaseRepository::Insert(Tx& tx, absl::string_view id,
                                    absl::string_view reference,
                                    absl::string_view owner_agency_id,
                                    absl::string_view officer_id,
                                    const v1::Case& input,
                                    absl::string_view actor_id,
                                    absl::Time now) const {
  Params p;
  p.Text(id)
      .Text(reference)
      .Text(owner_agency_id)
      .TextOrNull(officer_id)
      .Time(now)
      .Text(input.summary())
      .Int(input.relationship())
      .Int(input.typology());
  if (input.has_spo_consideration()) {
    p.Bool(input.spo_consideration().considered())
        .Text(input.spo_consideration().reason())
        .Time(now)
        .Text(actor_id);
  } else {
    p.Null().Text("").Null().Null();
  }
  p.Text(input.lawful_basis_notes());
  tx.Exec(kInsertCase, p);
  if (input.has_victim()) InsertPeople(tx, id, kVictim, {&input.victim()});
  InsertPeople(tx, id, kSuspect, PeopleOf(input.suspects()));
  InsertPeople(tx, id, kProtected, PeopleOf(input.protected_persons()));
  return absl::OkStatus();
}

absl::StatusOr<v1::Case> CaseRepository::Get(Tx& tx, absl::string_view id,
                                             absl::string_view today) const {
  pqxx::result r = tx.Exec(kGetCase, Params().Text(id).Text(today));
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(domain::CaseName(id), " not found"));
  }
  return CaseFromRow(r[0]);
}

absl::StatusOr<LoadedCase> CaseRepository::Load(Tx& tx, absl::string_view id,
                                                absl::string_view today,
                                                absl::Time now) const {
  pqxx::result r = tx.Exec(kLoadCase, Params().Text(id).Text(today).Time(now));
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(domain::CaseName(id), " not found"));
  }
  LoadedCase loaded;
  loaded.c = CaseFromRow(r[0]);
  loaded.incidents = IncidentFactsFromJson(r[0][kIncidentFactsColumn]);
  loaded.has_overdue_notification = Bool(r[0][kOverdueNotificationColumn]);
  return loaded;
}

absl::StatusOr<Page<v1::Case>> CaseRepository::List(
    Tx& tx, absl::string_view caller_agency_id, const CaseListFilter& f,
    const std::optional<domain::PageCursor>& after, int limit,
    absl::string_view today) const {
  Params p;
  p.Text(caller_agency_id);
  if (f.status) p.Int(f.status); else p.Null();
  if (f.risk_level) p.Int(f.risk_level); else p.Null();
  p.TextOrNull(f.officer_id).TextOrNull(f.shared_with_agency_id);
  if (f.has_active_order.has_value()) p.Bool(*f.has_active_order); else p.Null();
  p.TimeOrNull(f.updated_since).TextOrNull(f.reference);
  CB_RETURN_IF_ERROR(CursorParams(p, after));
  p.Int(limit).Text(today);
  pqxx::result rows = tx.Exec(kListCases, p);
  Page<v1::Case> page = PageFrom<v1::Case>(
      rows, limit, CaseFromRow, [](const pqxx::row& r) {
        return domain::PageCursor{Str(r[23]), Str(r[0])};
      });
  return page;
}

absl::StatusOr<int64_t> CaseRepository::Update(
    Tx& tx, absl::string_view id, int64_t expected_version,
    const CaseUpdate& u, const v1::Case& input, absl::string_view actor_id,
    absl::Time now) const {
  Params p;
  p.Text(id)
      .Int(expected_version)
      .TextOrNull(u.officer_id)
      .Text(u.summary)
      .Int(u.relationship)
      .Int(u.typology)
      .Text(u.lawful_basis_notes)
      .Bool(u.spo.has_value());
  if (u.spo.has_value()) {
    p.Bool(u.spo->considered()).Text(u.spo->reason());
  } else {
    p.Null().Text("");
  }
  p.Time(now).TextOrNull(actor_id);
  pqxx::result r = tx.Exec(kUpdateCase, p);
  if (r.empty()) return StaleEtag(domain::CaseName(id), tx, kCurrentVersion, id);
  if (u.replace_victim) {
    tx.Exec(kDeletePeople, Params().Text(id).Int(kVictim));
    if (input.has_victim()) InsertPeople(tx, id, kVictim, {&input.victim()});
  }
  if (u.replace_suspects) {
    tx.Exec(kDeletePeople, Params().Text(id).Int(kSuspect));
    InsertPeople(tx, id, kSuspect, PeopleOf(input.suspects()));
  }
  if (u.replace_protected_persons) {
    tx.Exec(kDeletePeople, Params().Text(id).Int(kProtected));
    InsertPeople(tx, id, kProtected, PeopleOf(input.protected_persons()));
  }
  return Int(r[0][0]);
}

absl::StatusOr<int64_t> CaseRepository::SetStatus(
    Tx& tx, absl::string_view id, int64_t expected_version, v1::CaseStatus status,
    absl::string_view reason, absl::Time now) const {
  pqxx::result r = tx.Exec(kSetStatus, Params()
                                           .Text(id)
                                           .Int(expected_version)
                                           .Int(status)
                                           .Text(reason)
                                           .Time(now));
  if (r.empty()) return StaleEtag(domain::CaseName(id), tx, kCurrentVersion, id);
  return Int(r[0][0]);
}

absl::StatusOr<int64_t> CaseRepository::SetVictimServicesReferral(
    Tx& tx, absl::string_view id, int64_t expected_version,
    v1::VictimServicesReferralState state, absl::string_view agency_id,
    absl::string_view reason, absl::string_view actor_id, absl::Time now) const {
  pqxx::result r = tx.Exec(kSetVictimServices, Params()
                                                   .Text(id)
                                                   .Int(expected_version)
                                                   .Int(state)
                                                   .TextOrNull(agency_id)
                                                   .Text(reason)
                                                   .TextOrNull(actor_id)
                                                   .Time(now));
  if (r.empty()) return StaleEtag(domain::CaseName(id), tx, kCurrentVersion, id);
  return Int(r[0][0]);
}

absl::StatusOr<std::optional<int64_t>> CaseRepository::FollowLatestRiskAssessment(
    Tx& tx, absl::string_view id, absl::Time now) const {
  tx.ExecOne(kLockCaseRow, Params().Text(id));
  pqxx::result r = tx.Exec(kFollowLatestRisk, Params().Text(id).Time(now));
  if (r.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(Int(r[0][0]));
}

std::vector<std::string> RestrictedAddressesOfCases(Tx& tx,
                                                    const std::vector<std::string>& case_ids) {
  std::vector<std::string> out;
  for (const pqxx::row& r : tx.Exec(kRestrictedAddressesOfCases, Params().TextArray(case_ids))) {
    out.push_back(Str(r["address"]));
  }
  return out;
}

absl::StatusOr<v1::Incident> CaseRepository::InsertIncident(
    Tx& tx, absl::string_view case_id, absl::string_view id,
    const v1::Incident& in, absl::string_view actor_id, absl::Time now) const {
  absl::Time reported =
      in.has_report_time() ? domain::ToAbslTime(in.report_time()) : now;
  pqxx::row r = tx.ExecOne(kInsertIncident,
                           Params()
                               .Text(id)
                               .Text(case_id)
                               .Time(domain::ToAbslTime(in.occur_time()))
                               .Time(reported)
                               .Text(in.location())
                               .IntArray(EnumList(in.behaviours()))
                               .IntArray(EnumList(in.four_signs()))
                               .Text(in.witnesses())
                               .Text(in.description())
                               .Text(in.victim_impact())
                               .Bool(in.reported_to_police())
                               .TextOrNull(actor_id)
                               .Time(now));
  return IncidentFromRow(r);
}

absl::StatusOr<std::optional<v1::Incident>> CaseRepository::GetIncident(
    Tx& tx, absl::string_view case_id, absl::string_view id) const {
  pqxx::result r = tx.Exec(kGetIncident, Params().Text(case_id).Text(id));
  if (r.empty()) return std::optional<v1::Incident>();
  return std::optional<v1::Incident>(IncidentFromRow(r[0]));
}

absl::StatusOr<Page<v1::Incident>> CaseRepository::ListIncidents(
    Tx& tx, absl::string_view case_id, int behaviour, absl::Time after_time,
    absl::Time before_time, const std::optional<domain::PageCursor>& after,
    int limit) const {
  Params p;
  p.Text(case_id);
  if (behaviour) p.Int(behaviour); else p.Null();
  p.TimeOrNull(after_time).TimeOrNull(before_time);
  CB_RETURN_IF_ERROR(CursorParams(p, after));
  p.Int(limit);
  pqxx::result rows = tx.Exec(kListIncidents, p);
  return PageFrom<v1::Incident>(rows, limit, IncidentFromRow,
                                [](const pqxx::row& r) {
                                  return domain::PageCursor{Str(r[2]), Str(r[0])};
                                });
}

absl::StatusOr<v1::Incident> CaseRepository::UpdateIncident(
    Tx& tx, absl::string_view case_id, absl::string_view id,
    int64_t expected_version, const v1::Incident& in, absl::Time now) const {
  pqxx::result r = tx.Exec(kUpdateIncident,
                           Params()
                               .Text(case_id)
                               .Text(id)
                               .Int(expected_version)
                               .Time(domain::ToAbslTime(in.occur_time()))
                               .Time(domain::ToAbslTime(in.report_time()))
                               .Text(in.location())
                               .IntArray(EnumList(in.behaviours()))
                               .IntArray(EnumList(in.four_signs()))
                               .Text(in.witnesses())
                               .Text(in.description())
                               .Text(in.victim_impact())
                               .Bool(in.reported_to_police())
                               .Time(now));
  if (r.empty()) {
    static constexpr Statement kIncidentVersion = {
        "cb_incident_version", "SELECT version FROM incidents WHERE id = $1"};
    return StaleEtag(domain::CaseChildResourceName(case_id, "incidents", id), tx,
                     kIncidentVersion, id);
  }
  return IncidentFromRow(r[0]);
}

absl::StatusOr<v1::RiskAssessment> CaseRepository::InsertRiskAssessment(
    Tx& tx, absl::string_view case_id, absl::string_view id,
    const v1::RiskAssessment& a, absl::string_view actor_id,
    absl::Time now) const {
  // S-DASH answers in field-number order.
  std::string sdash = "{";
  const google::protobuf::Descriptor* d = v1::SdashAnswers::descriptor();
  const google::protobuf::Reflection* refl = v1::SdashAnswers::GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    if (i > 0) sdash.push_back(',');
    sdash += refl->GetBool(a.sdash(), d->field(i)) ? "true" : "false";
  }
  sdash.push_back('}');
  pqxx::row r = tx.ExecOne(kInsertRisk, Params()
                                            .Text(id)
                                            .Text(case_id)
                                            .Int(a.dash_yes_count())
                                            .Bool(a.stalking_question_yes())
                                            .Text(sdash)
                                            .Int(a.sdash_yes_count())
                                            .Int(a.professional_judgement_level())
                                            .Text(a.rationale())
                                            .Bool(a.escalation())
                                            .Int(a.level())
                                            .Text(a.level_reason())
                                            .TextOrNull(actor_id)
                                            .Time(now));
  return RiskFromRow(r);
}

absl::StatusOr<std::optional<v1::RiskAssessment>> CaseRepository::GetRiskAssessment(
    Tx& tx, absl::string_view case_id, absl::string_view id) const {
  pqxx::result r = tx.Exec(kGetRisk, Params().Text(case_id).Text(id));
  if (r.empty()) return std::optional<v1::RiskAssessment>();
  return std::optional<v1::RiskAssessment>(RiskFromRow(r[0]));
}

absl::StatusOr<Page<v1::RiskAssessment>> CaseRepository::ListRiskAssessments(
    Tx& tx, absl::string_view case_id,
    const std::optional<domain::PageCursor>& after, int limit) const {
  Params p;
  p.Text(case_id);
  CB_RETURN_IF_ERROR(CursorParams(p, after));
  p.Int(limit);
  pqxx::result rows = tx.Exec(kListRisk, p);
  return PageFrom<v1::RiskAssessment>(rows, limit, RiskFromRow,
                                      [](const pqxx::row& r) {
                                        return domain::PageCursor{Str(r[12]),
                                                                  Str(r[0])};
                                      });
}

absl::StatusOr<v1::CaseFlag> CaseRepository::InsertFlag(
    Tx& tx, absl::string_view case_id, absl::string_view id, v1::FlagType type,
    absl::string_view reason, absl::string_view actor_id, absl::Time now) const {
  pqxx::row r = tx.ExecOne(kInsertFlag, Params()
                                            .Text(id)
                                            .Text(case_id)
                                            .Int(type)
                                            .Text(reason)
                                            .Time(now)
                                            .TextOrNull(actor_id));
  return FlagFromRow(r, case_id);
}

absl::StatusOr<v1::CaseFlag> CaseRepository::ClearFlag(
    Tx& tx, absl::string_view case_id, absl::string_view id,
    absl::string_view reason, absl::string_view actor_id, absl::Time now) const {
  pqxx::result r = tx.Exec(kClearFlag, Params()
                                           .Text(case_id)
                                           .Text(id)
                                           .Time(now)
                                           .TextOrNull(actor_id)
                                           .Text(reason));
  if (!r.empty()) return FlagFromRow(r[0], case_id);
  std::string name = domain::CaseChildResourceName(case_id, "flags", id);
  if (tx.Exec(kFlagExists, Params().Text(case_id).Text(id)).empty()) {
    return absl::NotFoundError(absl::StrCat(name, " not found"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(name, " is already cleared"));
}

}  // namespace casebridge::storage
