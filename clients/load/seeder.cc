#include "clients/load/seeder.h"

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <vector>

#include <openssl/evp.h>
#include <openssl/md5.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "domain/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/provisioning.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace casebridge::load {
namespace {

using storage::Params;
using storage::Statement;
using storage::Tx;

// What has been seeded so far, so a later run tops up instead of starting
// again. Lives only in benchmark databases.
constexpr Statement kCreateState = {
    "cb_bench_state_create",
    "CREATE TABLE IF NOT EXISTS cb_bench_seed ("
    " what text PRIMARY KEY, count bigint NOT NULL)"};
constexpr Statement kGetState = {
    "cb_bench_state_get",
    "SELECT coalesce((SELECT count FROM cb_bench_seed WHERE what = $1), 0)"};
constexpr Statement kSetState = {
    "cb_bench_state_set",
    "INSERT INTO cb_bench_seed (what, count) VALUES ($1, $2) "
    "ON CONFLICT (what) DO UPDATE SET count = excluded.count"};

constexpr Statement kAsyncCommit = {
    "cb_bench_async_commit",
    // Seeding only: a crash mid-seed loses the last chunks, nothing else.
    "SELECT set_config('synchronous_commit', 'off', true)"};

constexpr Statement kAgencyIds = {
    "cb_bench_agencies", "SELECT code, id::text FROM agencies"};
constexpr Statement kDemoUsers = {
    "cb_bench_users",
    "SELECT u.username, u.id::text, u.agency_id::text, u.roles[1] "
    "FROM users u WHERE u.username = ANY ($1::text[]) ORDER BY u.username"};

// Per case n: its year, opening time and whether it is still open. Every
// statement below derives the same values from n alone.
#define CB_SEED_CASE_LATERAL                                                  \
  " LATERAL (SELECT md5('cb-bench-case-' || n)::uuid AS cid,"                 \
  "   2016 + (n % 9)::int AS yr,"                                             \
  "   make_timestamptz(2016 + (n % 9)::int, 1, 1, 0, 0, 0, 'UTC')"            \
  "     + ((n * 7919) % 31536000) * interval '1 second' AS t0,"               \
  "   (2016 + (n % 9) >= 2023 OR n % 4 = 0) AS is_open) c"

// $1 first n, $2 last n, $3 owning force, $4 officer, $5 victim service.
constexpr Statement kSeedCases = {
    "cb_bench_cases",
    "INSERT INTO cases (id, reference, owning_agency_id, officer_in_charge_id,"
    " status, open_time, close_time, close_reason, summary, relationship,"
    " typology, spo_considered, spo_reason, spo_record_time, spo_recorded_by,"
    " vs_state, vs_agency_id, vs_reason, vs_record_time, vs_recorded_by,"
    " lawful_basis_notes, risk_level, create_time, update_time, version) "
    "SELECT c.cid, 'SP-' || c.yr || '-' || lpad(n::text, 7, '0'),"
    " $3::uuid, $4::uuid, CASE WHEN c.is_open THEN 1 ELSE 2 END,"
    " c.t0, CASE WHEN c.is_open THEN NULL ELSE c.t0 + interval '200 days' END,"
    " CASE WHEN c.is_open THEN '' ELSE 'No further action: suspect moved out"
    " of the area and contact has stopped' END,"
    " (ARRAY['Ex-partner repeatedly turning up at the victim''s workplace and"
    " sending messages after the relationship ended',"
    " 'Former colleague monitoring the victim on social media and leaving"
    " gifts at her home',"
    " 'Neighbour loitering outside the victim''s house and following her to"
    " the bus stop',"
    " 'Unknown man sending unwanted messages from multiple accounts and"
    " ordering goods in the victim''s name',"
    " 'Ex-husband contacting the victim''s family and appearing at the"
    " children''s school',"
    " 'Acquaintance from a gym repeatedly calling and waiting in the car"
    " park'])[1 + n % 6],"
    " 1 + (n % 6)::int, (n % 6)::int,"
    " CASE n % 3 WHEN 0 THEN true WHEN 1 THEN false END,"
    " CASE WHEN n % 3 = 2 THEN '' ELSE 'Considered at supervisor review' END,"
    " CASE WHEN n % 3 = 2 THEN NULL ELSE c.t0 + interval '2 days' END,"
    " CASE WHEN n % 3 = 2 THEN NULL ELSE $4::uuid END,"
    " CASE WHEN n % 4 = 1 THEN 2 ELSE 1 END,"
    " CASE WHEN n % 4 = 1 THEN $5::uuid END,"
    " CASE WHEN n % 4 = 1 THEN 'Victim consented to the referral' ELSE '' END,"
    " CASE WHEN n % 4 = 1 THEN c.t0 + interval '1 day' END,"
    " CASE WHEN n % 4 = 1 THEN $4::uuid END,"
    " 'Shared under the Crime and Disorder Act 1998 s115 for safeguarding',"
    " (ARRAY[1, 1, 1, 1, 1, 2, 2, 2, 3, 3])[1 + n % 10],"
    " c.t0, c.t0 + interval '3 days', 1 + n % 3 "
    "FROM generate_series($1::bigint, $2::bigint) AS n," CB_SEED_CASE_LATERAL};

constexpr Statement kSeedPeople = {
    "cb_bench_people",
    "INSERT INTO case_people (case_id, role, ordinal, given_name, family_name,"
    " aliases, date_of_birth, phone, email, safe_contact_notes, address,"
    " address_restricted, notes) "
    "SELECT md5('cb-bench-case-' || n)::uuid, r, 0,"
    " (ARRAY['Amira','Beth','Chloe','Daniel','Ella','Farah','Grace','Hannah',"
    "  'Imogen','Jack','Kiran','Laura'])[1 + (n * r) % 12],"
    " (ARRAY['Ahmed','Brown','Clarke','Davies','Evans','Fletcher','Green',"
    "  'Hughes','Iqbal','Jones','Khan','Lloyd'])[1 + (n * 7 + r) % 12],"
    " CASE WHEN r = 2 AND n % 5 = 0 THEN ARRAY['Jay'] ELSE '{}'::text[] END,"
    " date '1960-01-01' + ((n * 37 + r * 101) % 15000)::int,"
    " CASE WHEN r = 1 THEN '07700 9' || lpad((n % 100000)::text, 5, '0')"
    "  ELSE '' END,"
    " CASE WHEN r = 1 THEN 'victim' || n || '@example.org' ELSE '' END,"
    " CASE WHEN r = 1 THEN 'Text first; do not call before 6pm' ELSE '' END,"
    " (n % 300 + 1) || ' ' || (ARRAY['Hartshill Road','Victoria Street',"
    "  'Church Lane','Station Road','Park Avenue'])[1 + n % 5]"
    "  || ', Stoke-on-Trent ST4 ' || (n % 9 + 1) || 'AB',"
    " r = 1 AND n % 9 = 0,"
    " CASE WHEN r = 2 THEN 'Previous harassment warning (2019)' ELSE '' END "
    "FROM generate_series($1::bigint, $2::bigint) AS n,"
    " (VALUES (1), (2)) AS people(r)"};

// Between half and 1.5x $3 incidents per case, every few days after opening.
constexpr Statement kSeedIncidents = {
    "cb_bench_incidents",
    "INSERT INTO incidents (id, case_id, occur_time, report_time, location,"
    " behaviours, four_signs, witnesses, description, victim_impact,"
    " reported_to_police, recorded_by, create_time, update_time) "
    "SELECT md5('cb-bench-incident-' || n || '-' || k)::uuid, c.cid,"
    " c.t0 + k * interval '3 days' + (n % 36000) * interval '1 second',"
    " c.t0 + k * interval '3 days' + (n % 36000) * interval '1 second'"
    "  + interval '5 hours',"
    " (ARRAY['Outside the victim''s workplace, Hanley','Victim''s home address',"
    "  'Bus station, Hanley','Social media (Instagram)','Supermarket car park',"
    "  'Mobile phone'])[1 + (n + k) % 6],"
    " (CASE WHEN (n + k) % 3 = 0"
    "  THEN ARRAY[1 + (n + k) % 13, 1 + (n + k + 5) % 13]"
    "  ELSE ARRAY[1 + (n + k) % 13] END)::smallint[],"
    " (CASE WHEN k % 4 = 0 THEN ARRAY[1, 2, 3, 4]"
    "  ELSE ARRAY[1 + k % 4] END)::smallint[],"
    " CASE WHEN k % 3 = 0 THEN 'Receptionist saw the suspect waiting outside'"
    "  ELSE '' END,"
    " (ARRAY['Suspect waited outside the building for two hours and followed"
    " the victim to her car.',"
    " 'Eleven messages in one evening from a new number, asking where she was"
    " and who she was with.',"
    " 'Flowers and a card left on the doorstep; the victim had moved and not"
    " given anyone the address.',"
    " 'Suspect commented on photos of the victim''s friends and created a"
    " second account after being blocked.',"
    " 'Suspect seen driving slowly past the house three times between 10pm and"
    " midnight.',"
    " 'Parcel of goods ordered in the victim''s name delivered to her"
    " work.'])[1 + (n * 3 + k) % 6],"
    " (ARRAY['Frightened to leave the house alone','Not sleeping; has changed"
    " her route to work','Anxious and checking the windows at night','Has"
    " taken time off work'])[1 + (n + k) % 4],"
    " k % 2 = 0, $4::uuid,"
    " c.t0 + k * interval '3 days' + interval '6 hours',"
    " c.t0 + k * interval '3 days' + interval '6 hours' "
    "FROM generate_series($1::bigint, $2::bigint) AS n," CB_SEED_CASE_LATERAL ","
    " LATERAL generate_series(1, greatest(1, $3::int / 2"
    "  + (n % ($3::int + 1))::int)) AS k"};

// Shares: CPS 30% (charging referral), the city council 20% and the county
// 14% (safeguarding actions), health 12.5% (explicit), victim services 25%
// (referral).
constexpr Statement kSeedShares = {
    "cb_bench_shares",
    "INSERT INTO case_shares (case_id, agency_id, basis, purpose,"
    " lawful_basis, source, create_time, created_by) "
    "SELECT c.cid, s.agency, s.basis, s.purpose,"
    " 'Crime and Disorder Act 1998 s115', '', c.t0 + interval '4 days',"
    " $3::uuid "
    "FROM generate_series($1::bigint, $2::bigint) AS n," CB_SEED_CASE_LATERAL ","
    " LATERAL (VALUES"
    "  ($4::uuid, 2, 'Charging advice', n % 10 < 3),"
    "  ($5::uuid, 3, 'Safeguarding action: housing', n % 5 = 1),"
    "  ($6::uuid, 3, 'Safeguarding action: adult social care', n % 7 = 2),"
    "  ($7::uuid, 1, 'Mental health liaison', n % 8 = 3),"
    "  ($8::uuid, 4, 'Victim services referral', n % 4 = 1))"
    "  AS s(agency, basis, purpose, wanted) "
    "WHERE s.wanted"};

constexpr Statement kSeedTimeline = {
    "cb_bench_timeline",
    "INSERT INTO case_timeline (case_id, event_time, kind, summary, resource,"
    " actor_id) "
    "SELECT c.cid, c.t0, 1,"
    " 'Case SP-' || c.yr || '-' || lpad(n::text, 7, '0') || ' opened',"
    " 'cases/' || c.cid, $3::uuid "
    "FROM generate_series($1::bigint, $2::bigint) AS n," CB_SEED_CASE_LATERAL};

constexpr Statement kSeedRisk = {
    "cb_bench_risk",
    "INSERT INTO risk_assessments (case_id, dash_yes_count,"
    " stalking_question_yes, sdash, sdash_yes_count, judgement_level,"
    " rationale, escalation, level, level_reason, assessor_id, assess_time) "
    "SELECT c.cid, 4 * l.lvl + (n % 3)::int, true, b.answers, b.yes, 0,"
    " 'Initial DASH at first report', false, l.lvl,"
    " 'DASH and S-DASH answers', $3::uuid, c.t0 + interval '1 day' "
    "FROM generate_series($1::bigint, $2::bigint) AS n," CB_SEED_CASE_LATERAL ","
    " LATERAL (SELECT (ARRAY[1, 1, 1, 1, 1, 2, 2, 2, 3, 3])[1 + n % 10] AS lvl) l,"
    " LATERAL (SELECT array_agg(((n >> bit) & 1) = 1 ORDER BY bit) AS answers,"
    "  count(*) FILTER (WHERE ((n >> bit) & 1) = 1)::int AS yes"
    "  FROM generate_series(0, 10) AS bit) b"};

constexpr Statement kSeedFlags = {
    "cb_bench_flags",
    "INSERT INTO case_flags (case_id, type, reason, raise_time, raised_by) "
    "SELECT c.cid, 4, 'Victim has a learning disability: use plain language',"
    " c.t0 + interval '1 day', $3::uuid "
    "FROM generate_series($1::bigint, $2::bigint) AS n," CB_SEED_CASE_LATERAL
    " WHERE n % 12 = 0"};

// New cases made through the API must not take a seeded reference.
constexpr Statement kSeedCounters = {
    "cb_bench_counters",
    "INSERT INTO case_reference_counters (agency_id, year, last_number) "
    "SELECT $1::uuid, y, $2::bigint FROM generate_series(2016, 2024) AS y "
    "ON CONFLICT (agency_id, year) DO UPDATE SET last_number = "
    "greatest(case_reference_counters.last_number, excluded.last_number)"};

constexpr Statement kSampleOwned = {
    "cb_bench_sample_owned",
    "SELECT id::text FROM cases WHERE owning_agency_id = $1 "
    "AND ($3::boolean IS NULL OR status = 1) ORDER BY random() LIMIT $2"};
constexpr Statement kSampleShared = {
    "cb_bench_sample_shared",
    "SELECT case_id::text FROM (SELECT DISTINCT s.case_id FROM case_shares s "
    "JOIN cases c ON c.id = s.case_id WHERE s.agency_id = $1 "
    "AND s.withdraw_time IS NULL AND c.owning_agency_id <> $1 "
    "AND (c.vs_state <> 3 OR s.basis <> 4)) v ORDER BY random() LIMIT $2"};

constexpr Statement kPendingCount = {
    "cb_bench_pending", "SELECT count(*) FROM audit_pending"};

constexpr const char* kDemoUsernames[] = {
    "pc.hughes",    "sgt.khan",   "cps.okafor", "council.patel", "county.evans",
    "nhs.morgan",   "isac.lewis", "auditor.shah"};

struct DemoUser {
  std::string id, agency_id;
  int role = 0;
};

absl::Time Deadline() { return absl::Now() + absl::Hours(6); }

double Seconds(absl::Time since) { return absl::ToDoubleSeconds(absl::Now() - since); }

absl::StatusOr<int64_t> State(storage::Database& db, absl::string_view what) {
  return db.TransactFor<int64_t>(Deadline(), [&](Tx& tx) -> absl::StatusOr<int64_t> {
    tx.Exec(kCreateState);
    return tx.ExecOne(kGetState, Params().Text(what))[0].as<int64_t>();
  });
}

absl::Status SeedCases(storage::Database& db, const SeedOptions& o,
                       const std::map<std::string, std::string>& agency,
                       const std::string& officer_id) {
  CB_ASSIGN_OR_RETURN(int64_t have, State(db, "cases"));
  if (have >= o.cases) {
    std::cout << "seed: " << have << " cases already seeded\n";
    return absl::OkStatus();
  }
  const absl::Time started = absl::Now();
  for (int64_t lo = have + 1; lo <= o.cases; lo += o.chunk) {
    const int64_t hi = std::min(o.cases, lo + o.chunk - 1);
    CB_RETURN_IF_ERROR(db.Transact(Deadline(), [&](Tx& tx) {
      tx.Exec(kAsyncCommit);
      const std::string& sp = agency.at("SP");
      tx.Exec(kSeedCases, Params()
                              .Int(lo)
                              .Int(hi)
                              .Text(sp)
                              .Text(officer_id)
                              .Text(agency.at("SVG")));
      tx.Exec(kSeedPeople, Params().Int(lo).Int(hi));
      tx.Exec(kSeedIncidents,
              Params().Int(lo).Int(hi).Int(o.incidents_per_case).Text(officer_id));
      tx.Exec(kSeedShares, Params()
                               .Int(lo)
                               .Int(hi)
                               .Text(officer_id)
                               .Text(agency.at("CPSWM"))
                               .Text(agency.at("SOTCC"))
                               .Text(agency.at("SCC"))
                               .Text(agency.at("NSCHT"))
                               .Text(agency.at("SVG")));
      tx.Exec(kSeedTimeline, Params().Int(lo).Int(hi).Text(officer_id));
      tx.Exec(kSeedRisk, Params().Int(lo).Int(hi).Text(officer_id));
      tx.Exec(kSeedFlags, Params().Int(lo).Int(hi).Text(officer_id));
      tx.Exec(kSeedCounters, Params().Text(sp).Int(hi));
      tx.Exec(kSetState, Params().Text("cases").Int(hi));
      return absl::OkStatus();
    }));
    std::cout << "seed: cases " << hi << "/" << o.cases << " ("
              << static_cast<int64_t>((hi - have) / std::max(0.001, Seconds(started)))
              << " cases/s)" << std::endl;
  }
  return absl::OkStatus();
}

// md5(text)::uuid, as PostgreSQL prints it: how the seeded cases are named.
std::string Md5Uuid(const std::string& text) {
  unsigned char digest[MD5_DIGEST_LENGTH];
  EVP_Digest(text.data(), text.size(), digest, nullptr, EVP_md5(), nullptr);
  const std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), 16));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20));
}

// Event `i` of `total`: the mix casebridge-load's workloads make (reads of
// the seeded cases, some writes, a NOT_FOUND in 97), by the demo users, 20
// ms apart, ending now.
storage::AuditEvent SeededEvent(int64_t i, int64_t total, absl::Time now, int64_t cases,
                                const std::vector<std::string>& ids,
                                const std::vector<std::string>& names,
                                const std::vector<std::string>& agencies,
                                const std::vector<int>& roles, const std::string& owner) {
  static constexpr const char* kMethods[] = {"GetCase", "GetCase", "ListIncidents",
                                             "GetCase", "GetCaseTimeline", "GetCase",
                                             "AddIncident", "GetCase", "UpdateCase",
                                             "ListCases"};
  const size_t u = static_cast<size_t>(i % static_cast<int64_t>(ids.size()));
  const int64_t cn = 1 + (i * 7919) % std::max<int64_t>(cases, 1);
  const std::string cid = Md5Uuid(absl::StrCat("cb-bench-case-", cn));
  const bool write = i % 10 == 6 || i % 10 == 8;
  const bool missing = i % 97 == 0;
  storage::AuditEvent e;
  e.time = absl::FromUnixMicros(absl::ToUnixMicros(now - (total - i) * absl::Milliseconds(20)));
  e.user_id = ids[u];
  e.username = names[u];
  e.agency_id = agencies[u];
  e.roles = {roles[u]};
  e.peer = absl::StrCat("ipv4:127.0.0.1:", 40000 + i % 20000);
  e.method = absl::StrCat("/casebridge.v1.CaseService/", kMethods[i % 10]);
  e.resources = {absl::StrCat("cases/", cid)};
  if (write) {
    e.resources.push_back(absl::StrCat("cases/", cid, "/incidents/",
                                       Md5Uuid(absl::StrCat("cb-bench-audit-", i))));
  }
  e.case_id = cid;
  e.case_reference = absl::StrCat("SP-", 2016 + cn % 9, "-", absl::StrFormat("%07d", cn));
  e.case_owner_agency_id = owner;
  e.outcome = missing ? "NOT_FOUND" : "OK";
  if (missing) e.message = absl::StrCat("cases/", cid, " not found");
  if (write) {
    e.request_id = absl::StrCat("req-", i);
    e.changed_fields = {"incident"};
    e.new_etag = "1";
  }
  e.content_disclosed = !write && !missing;
  e.credential = absl::StrCat("users/", ids[u], "/tokens/seeded");
  return e;
}

// Appended as the server appends them (ids from the sequence, MACs with the
// serving server's event key, a pending row each), so the sealer chains
// them like any other.
absl::Status SeedAudit(storage::Database& db, const SeedOptions& o,
                       const storage::AuditKeyRing& keys,
                       const std::map<std::string, std::string>& agency,
                       const std::map<std::string, DemoUser>& users,
                       int64_t cases) {
  CB_ASSIGN_OR_RETURN(int64_t have, State(db, "audit_events"));
  if (have >= o.audit_events) {
    std::cout << "seed: " << have << " audit events already seeded\n";
    return absl::OkStatus();
  }
  std::vector<std::string> ids, names, agencies;
  std::vector<int> roles;
  for (const auto& [name, u] : users) {
    if (name == "auditor.shah") continue;
    names.push_back(name);
    ids.push_back(u.id);
    agencies.push_back(u.agency_id);
    roles.push_back(u.role);
  }
  const absl::Time started = absl::Now();
  const int64_t chunk = 10000;
  for (int64_t lo = have + 1; lo <= o.audit_events; lo += chunk) {
    const int64_t hi = std::min(o.audit_events, lo + chunk - 1);
    std::vector<storage::AuditEvent> events;
    events.reserve(hi - lo + 1);
    for (int64_t i = lo; i <= hi; ++i) {
      events.push_back(SeededEvent(i, o.audit_events, started, cases, ids, names, agencies,
                                   roles, agency.at("SP")));
    }
    std::vector<const storage::AuditEvent*> pointers;
    pointers.reserve(events.size());
    for (const storage::AuditEvent& e : events) pointers.push_back(&e);
    CB_RETURN_IF_ERROR(db.Transact(Deadline(), [&](Tx& tx) {
      tx.Exec(kAsyncCommit);
      storage::AuditLog::AppendBatchInTransaction(tx, pointers, keys);
      tx.Exec(kSetState, Params().Text("audit_events").Int(hi));
      return absl::OkStatus();
    }));
    std::cout << "seed: audit events " << hi << "/" << o.audit_events << " ("
              << static_cast<int64_t>((hi - have) / std::max(0.001, Seconds(started)))
              << " events/s)" << std::endl;
  }
  return absl::OkStatus();
}

absl::Status WriteTargets(storage::Database& db, const SeedOptions& o,
                          const std::map<std::string, std::string>& agency,
                          int64_t cases) {
  nlohmann::json visible = nlohmann::json::object();
  nlohmann::json open = nlohmann::json::object();
  CB_RETURN_IF_ERROR(db.Transact(
      Deadline(),
      [&](Tx& tx) {
        for (const auto& [code, id] : agency) {
          std::vector<std::string> ids;
          const Statement& sample = code == "SP" ? kSampleOwned : kSampleShared;
          Params p;
          p.Text(id).Int(o.targets_per_agency);
          if (code == "SP") p.Null();
          for (const pqxx::row& r : tx.Exec(sample, p)) ids.push_back(r[0].c_str());
          visible[code] = ids;
          if (code == "SP") {
            std::vector<std::string> open_ids;
            for (const pqxx::row& r :
                 tx.Exec(kSampleOwned,
                         Params().Text(id).Int(o.targets_per_agency).Bool(true))) {
              open_ids.push_back(r[0].c_str());
            }
            open[code] = open_ids;
          }
        }
        return absl::OkStatus();
      },
      storage::Database::Mode::kReadOnly));
  nlohmann::json out = {{"cases", cases}, {"visible", visible}, {"open", open}};
  std::ofstream f(o.targets_out, std::ios::trunc);
  f << out.dump() << "\n";
  if (!f) return absl::UnavailableError(absl::StrCat("cannot write ", o.targets_out));
  std::cout << "seed: targets in " << o.targets_out << "\n";
  return absl::OkStatus();
}

absl::Status VacuumAnalyze(const std::string& database) {
  try {
    pqxx::connection conn(database);
    pqxx::nontransaction n(conn);
    // Fresh statistics for the planner and a visibility map for index-only
    // scans, as a long-running database would have.
    n.exec("VACUUM (ANALYZE)");
    return absl::OkStatus();
  } catch (...) {
    return storage::StatusFromCurrentException();
  }
}

}  // namespace

absl::Status Seed(const SeedOptions& o) {
  if (o.cases < 0 || o.audit_events < 0 || o.chunk < 1 || o.incidents_per_case < 1) {
    return absl::InvalidArgumentError(
        "--cases and --audit_events must not be negative; --chunk and "
        "--incidents_per_case must be positive");
  }
  const absl::Time started = absl::Now();
  CB_RETURN_IF_ERROR(storage::ApplyMigrations(o.database));
  storage::DatabaseOptions options;
  options.connection_string = o.database;
  options.runtime_role = "";  // The owner: it also keeps the seed state.
  options.pool_size = 1;
  options.default_statement_timeout = absl::Hours(6);
  CB_ASSIGN_OR_RETURN(std::unique_ptr<storage::Database> db,
                      storage::Database::Open(options));

  // The demo agencies and users (created if missing), with fresh tokens.
  CB_ASSIGN_OR_RETURN(storage::AuditKeyRing audit_keys,
                      storage::AuditKeyRing::LoadOrCreate(o.audit_key_dir));
  CB_ASSIGN_OR_RETURN(std::vector<services::IssuedToken> tokens,
                      services::SeedDemoWorld(*db, audit_keys, absl::Now(),
                                              !o.tokens_out.empty()));
  if (!o.tokens_out.empty()) {
    std::ofstream f(o.tokens_out, std::ios::trunc);
    f << services::IssuedTokensJson(tokens);
    if (!f) return absl::UnavailableError(absl::StrCat("cannot write ", o.tokens_out));
    std::cout << "seed: demo tokens in " << o.tokens_out << "\n";
  }

  std::map<std::string, std::string> agency;
  std::map<std::string, DemoUser> users;
  CB_RETURN_IF_ERROR(db->Transact(Deadline(), [&](Tx& tx) {
    for (const pqxx::row& r : tx.Exec(kAgencyIds)) agency[r[0].c_str()] = r[1].c_str();
    std::vector<std::string> names(std::begin(kDemoUsernames), std::end(kDemoUsernames));
    for (const pqxx::row& r : tx.Exec(kDemoUsers, Params().TextArray(names))) {
      users[r[0].c_str()] = DemoUser{r[1].c_str(), r[2].c_str(), r[3].as<int>()};
    }
    return absl::OkStatus();
  }));
  for (const char* code : {"SP", "CPSWM", "SOTCC", "SCC", "NSCHT", "SVG"}) {
    if (!agency.count(code)) {
      return absl::FailedPreconditionError(absl::StrCat("demo agency ", code, " is missing"));
    }
  }
  if (!users.count("pc.hughes")) {
    return absl::FailedPreconditionError("demo user pc.hughes is missing");
  }
  // Only the demo agencies are sampled for targets.
  std::map<std::string, std::string> demo_agencies;
  for (const char* code : {"SP", "CPSWM", "SOTCC", "SCC", "NSCHT", "SVG"}) {
    demo_agencies[code] = agency.at(code);
  }

  CB_RETURN_IF_ERROR(SeedCases(*db, o, agency, users.at("pc.hughes").id));
  CB_ASSIGN_OR_RETURN(int64_t cases, State(*db, "cases"));
  if (o.audit_events > 0) {
    CB_RETURN_IF_ERROR(SeedAudit(*db, o, audit_keys, agency, users, cases));
  }
  const absl::Time vacuum = absl::Now();
  CB_RETURN_IF_ERROR(VacuumAnalyze(o.database));
  std::cout << "seed: VACUUM ANALYZE took " << Seconds(vacuum) << " s\n";
  if (!o.targets_out.empty()) {
    CB_RETURN_IF_ERROR(WriteTargets(*db, o, demo_agencies, cases));
  }
  std::cout << "seed: done in " << Seconds(started) << " s" << std::endl;
  return absl::OkStatus();
}

absl::Status Seal(const std::string& database, const std::string& audit_key_dir) {
  storage::DatabaseOptions options;
  options.connection_string = database;
  options.pool_size = 2;
  options.default_statement_timeout = absl::Hours(1);
  CB_ASSIGN_OR_RETURN(std::unique_ptr<storage::Database> db,
                      storage::Database::Open(options));
  storage::AuditLogOptions audit_options;
  CB_ASSIGN_OR_RETURN(storage::AuditKeyRing keys,
                      storage::AuditKeyRing::LoadOrCreate(audit_key_dir));
  // Not started: no threads, and no witness (the serving server's heads go
  // to its own).
  storage::AuditLog log(db.get(), storage::AuditTrust{.keys = &keys}, audit_options);
  const absl::Time started = absl::Now();
  int64_t total = 0;
  while (true) {
    CB_ASSIGN_OR_RETURN(int64_t pending,
                        db->TransactFor<int64_t>(Deadline(), [](Tx& tx) -> absl::StatusOr<int64_t> {
                          return tx.ExecOne(kPendingCount)[0].as<int64_t>();
                        }));
    if (pending == 0) break;
    // SealPending stops after a short batch, or when another process (a
    // running server's sealer) holds the sealer lock; go round until none
    // are left.
    CB_ASSIGN_OR_RETURN(int64_t sealed, log.SealPending(Deadline()));
    total += sealed;
    if (sealed == 0) absl::SleepFor(absl::Milliseconds(200));
    std::cout << "seal: " << total << " chained, " << pending - sealed
              << " pending (" << static_cast<int64_t>(total / std::max(0.001, Seconds(started)))
              << " events/s)" << std::endl;
  }
  std::cout << "seal: done, " << total << " events chained in " << Seconds(started)
            << " s" << std::endl;
  return absl::OkStatus();
}

}  // namespace casebridge::load
