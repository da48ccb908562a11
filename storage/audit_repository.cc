#include "storage/audit_repository.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "domain/resource_names.h"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

// Rows are read by column name (below), never by position.
constexpr Statement kListEvents = {"cb_audit_list", R"sql(
SELECT e.id, coalesce(s.seq, 0) AS seq, cb_micros(e.event_time) AS time_micros,
       coalesce(e.user_id::text, '') AS user_id, e.username,
       coalesce(e.agency_id::text, '') AS agency_id,
       array_to_json(e.roles)::text AS roles, e.peer, e.method,
       array_to_json(e.resources)::text AS resources,
       coalesce(e.case_id::text, '') AS case_id, e.case_reference, e.outcome,
       e.message, e.request_id,
       array_to_json(e.changed_fields)::text AS changed_fields, e.old_etag,
       e.new_etag, coalesce(s.content_hash, ''::bytea) AS content_hash,
       coalesce(s.chain_hash, ''::bytea) AS chain_hash, e.credential,
       e.call_count,
       -- A case the caller was told does not exist stays unnamed to readers
       -- of the caller's agency (unless their agency owns it): its id and
       -- reference would tell them it exists.
       ($12::boolean AND e.outcome = 'NOT_FOUND'
        AND e.case_owner_agency_id IS DISTINCT FROM $11::uuid) AS case_hidden
FROM audit_events e
LEFT JOIN audit_seals s ON s.event_id = e.id
WHERE ($1::uuid IS NULL OR e.case_id = $1)
  AND ($2::uuid IS NULL OR e.user_id = $2)
  AND ($3::uuid IS NULL OR e.agency_id = $3)
  AND ($4::text IS NULL OR e.method = $4)
  AND ($5::text IS NULL OR e.outcome = $5)
  AND ($6::timestamptz IS NULL OR e.event_time >= $6)
  AND ($7::timestamptz IS NULL OR e.event_time < $7)
  AND ($8::uuid IS NULL OR e.case_owner_agency_id = $8)
  AND ($9::bigint IS NULL OR e.id < $9)
  AND ($11::uuid IS NULL OR e.agency_id = $11 OR e.case_owner_agency_id = $11)
ORDER BY e.id DESC
LIMIT $10)sql"};

constexpr Statement kCaseAccess = {"cb_audit_case_access", R"sql(
SELECT g.user_id, g.username, g.agency_id, coalesce(a.display_name, ''),
       coalesce(a.kind, 0), g.method, g.n, cb_micros(g.first_time),
       cb_micros(g.last_time)
FROM (
  SELECT coalesce(e.user_id::text, '') AS user_id, e.username,
         coalesce(e.agency_id::text, '') AS agency_id, e.method,
         count(*) AS n, min(e.event_time) AS first_time,
         max(e.event_time) AS last_time
  FROM audit_events e
  WHERE (e.case_id = $1 OR e.resources @> ARRAY[$2::text])
    AND e.content_disclosed AND e.outcome = 'OK'
    AND ($6::uuid IS NULL OR e.agency_id = $6)
  GROUP BY 1, 2, 3, 4
) g
LEFT JOIN agencies a ON a.id::text = g.agency_id
WHERE ($3::text IS NULL OR (g.user_id, g.method) > ($3, $4))
ORDER BY g.user_id, g.method
LIMIT $5)sql"};

}  // namespace

absl::StatusOr<Page<v1::AuditEvent>> AuditRepository::ListEvents(
    Tx& tx, const AuditEventFilter& f,
    const std::optional<domain::PageCursor>& after, int limit) const {
  Params p;
  p.TextOrNull(f.case_id)
      .TextOrNull(f.user_id)
      .TextOrNull(f.agency_id)
      .TextOrNull(f.method)
      .TextOrNull(f.outcome)
      .TimeOrNull(f.after)
      .TimeOrNull(f.before)
      .TextOrNull(f.case_owner_agency_id);
  int64_t id;
  if (after.has_value() && absl::SimpleAtoi(after->id, &id)) {
    p.Int(id);
  } else if (after.has_value()) {
    return domain::InvalidPageToken();
  } else {
    p.Null();
  }
  p.Int(limit);
  p.TextOrNull(f.scope_agency_id);
  p.Bool(!f.scope_agency_id.empty() && f.case_id.empty());
  pqxx::result rows = tx.Exec(kListEvents, p);
  return PageFrom<v1::AuditEvent>(
      rows, limit,
      [](const pqxx::row& r) {
        v1::AuditEvent e;
        e.set_name(absl::StrCat("auditEvents/", Str(r["id"])));
        e.set_sequence(Int(r["seq"]));
        SetTimestamp(r["time_micros"], &e, &v1::AuditEvent::mutable_time);
        if (r["user_id"].size() > 0) e.set_user(domain::UserName(Str(r["user_id"])));
        e.set_username(Str(r["username"]));
        if (r["agency_id"].size() > 0) {
          e.set_agency(domain::AgencyName(Str(r["agency_id"])));
        }
        for (int role : IntsFromJson(r["roles"])) {
          e.add_roles(static_cast<v1::Role>(role));
        }
        e.set_peer(Str(r["peer"]));
        e.set_method(Str(r["method"]));
        if (!Bool(r["case_hidden"])) {
          for (std::string& res : TextsFromJson(r["resources"])) {
            e.add_resources(std::move(res));
          }
          if (r["case_id"].size() > 0) e.set_case_(domain::CaseName(Str(r["case_id"])));
          e.set_case_reference(Str(r["case_reference"]));
        }
        e.set_outcome(Str(r["outcome"]));
        e.set_message(Str(r["message"]));
        e.set_request_id(Str(r["request_id"]));
        for (std::string& f : TextsFromJson(r["changed_fields"])) {
          e.add_changed_fields(std::move(f));
        }
        e.set_old_etag(Str(r["old_etag"]));
        e.set_new_etag(Str(r["new_etag"]));
        e.set_content_hash(absl::BytesToHexString(BytesFromField(r["content_hash"])));
        e.set_chain_hash(absl::BytesToHexString(BytesFromField(r["chain_hash"])));
        e.set_credential(Str(r["credential"]));
        e.set_call_count(Int(r["call_count"]));
        return e;
      },
      [](const pqxx::row& r) { return domain::PageCursor{"", Str(r["id"])}; });
}

absl::StatusOr<Page<v1::CaseAccess>> AuditRepository::ListCaseAccess(
    Tx& tx, absl::string_view case_id, absl::string_view agency_id,
    const std::optional<domain::PageCursor>& after, int limit) const {
  Params p;
  p.Text(case_id).Text(domain::CaseName(case_id));
  if (after.has_value()) {
    p.Text(after->sort_key).Text(after->id);
  } else {
    p.Null().Null();
  }
  p.Int(limit);
  p.TextOrNull(agency_id);
  pqxx::result rows = tx.Exec(kCaseAccess, p);
  return PageFrom<v1::CaseAccess>(
      rows, limit,
      [](const pqxx::row& r) {
        v1::CaseAccess a;
        if (r[0].size() > 0) a.set_user(domain::UserName(Str(r[0])));
        a.set_username(Str(r[1]));
        if (r[2].size() > 0) a.set_agency(domain::AgencyName(Str(r[2])));
        a.set_agency_display_name(Str(r[3]));
        a.set_agency_kind(static_cast<v1::AgencyKind>(Int(r[4])));
        a.set_method(Str(r[5]));
        a.set_count(Int(r[6]));
        SetTimestamp(r[7], &a, &v1::CaseAccess::mutable_first_time);
        SetTimestamp(r[8], &a, &v1::CaseAccess::mutable_last_time);
        return a;
      },
      [](const pqxx::row& r) { return domain::PageCursor{Str(r[0]), Str(r[5])}; });
}

}  // namespace casebridge::storage
