#include "storage/lock_holder.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/database.h"

namespace casebridge::storage {
namespace {

// pg_locks splits a bigint advisory key into classid (high 32 bits) and
// objid (low 32 bits), with objsubid 1 (2 is the two-int4 form). Times are
// formatted here so the message does not depend on the session's DateStyle
// or TimeZone. client_port -1 is a Unix socket; NULL, a session whose
// details this role may not see.
constexpr Statement kAdvisoryLockHolder = {
    "cb_advisory_lock_holder", R"sql(
SELECT l.pid AS pid,
       coalesce(a.application_name, '') AS application_name,
       CASE WHEN a.client_port = -1 THEN 'local socket'
            ELSE coalesce(host(a.client_addr), '') END AS client,
       coalesce(to_char(a.backend_start AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '') AS backend_start,
       coalesce(to_char(a.xact_start AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '') AS transaction_start,
       coalesce(to_char(a.query_start AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '') AS query_start,
       coalesce(a.state, '') AS state,
       coalesce(to_char(a.state_change AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '') AS state_change
FROM pg_locks l
LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint
ORDER BY l.pid
LIMIT 1)sql"};

}  // namespace

std::optional<LockHolder> FindAdvisoryLockHolder(pqxx::transaction_base& tx,
                                                 int64_t key) {
  pqxx::result r = tx.exec_params(kAdvisoryLockHolder.sql, key);
  if (r.empty()) return std::nullopt;
  const pqxx::row& row = r[0];
  LockHolder holder;
  holder.pid = row["pid"].is_null() ? 0 : row["pid"].as<int>();
  holder.application_name = row["application_name"].c_str();
  holder.client = row["client"].c_str();
  holder.backend_start = row["backend_start"].c_str();
  holder.transaction_start = row["transaction_start"].c_str();
  holder.query_start = row["query_start"].c_str();
  holder.state = row["state"].c_str();
  holder.state_change = row["state_change"].c_str();
  return holder;
}

std::string DescribeLockHolder(const LockHolder& h) {
  std::vector<std::string> parts;
  parts.push_back(absl::StrCat("application_name \"", h.application_name, "\""));
  if (!h.client.empty()) parts.push_back(absl::StrCat("client ", h.client));
  if (!h.backend_start.empty()) {
    parts.push_back(absl::StrCat("connected ", h.backend_start));
  }
  if (!h.transaction_start.empty()) {
    parts.push_back(absl::StrCat("in a transaction since ", h.transaction_start));
  }
  if (!h.state.empty()) {
    parts.push_back(absl::StrCat("state \"", h.state, "\"",
                                 h.state_change.empty() ? "" : " since ",
                                 h.state_change));
  } else {
    parts.push_back("state not visible to this database role");
  }
  if (!h.query_start.empty()) {
    parts.push_back(absl::StrCat("last statement started ", h.query_start));
  }
  return absl::StrCat("pid ", h.pid, " (", absl::StrJoin(parts, ", "), ")");
}

}  // namespace casebridge::storage
