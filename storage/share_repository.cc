#include "storage/share_repository.h"

#include "absl/strings/str_cat.h"
#include "domain/access_policy.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "storage/crypto.h"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

#define CB_SHARE_COLUMNS                                                       \
  "s.id, s.case_id, s.agency_id, a.kind, s.basis, s.purpose, s.lawful_basis, " \
  "cb_micros(s.create_time) AS create_micros, "                                \
  "coalesce(s.created_by::text, ''), cb_micros(s.withdraw_time), "             \
  "coalesce(s.withdrawn_by::text, ''), s.withdraw_reason"

constexpr Statement kInsert = {"cb_share_insert",
    "WITH inserted AS ("
    " INSERT INTO case_shares (id, case_id, agency_id, basis, purpose, "
    " lawful_basis, source, create_time, created_by) "
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    " ON CONFLICT DO NOTHING RETURNING *) "
    "SELECT " CB_SHARE_COLUMNS " FROM inserted s JOIN agencies a ON a.id = s.agency_id"};
constexpr Statement kGet = {"cb_share_get",
    "SELECT " CB_SHARE_COLUMNS " FROM case_shares s "
    "JOIN agencies a ON a.id = s.agency_id WHERE s.case_id = $1 AND s.id = $2"};
constexpr Statement kWithdraw = {"cb_share_withdraw",
    "WITH updated AS ("
    " UPDATE case_shares SET withdraw_time = $3, withdrawn_by = $4, "
    " withdraw_reason = $5 WHERE case_id = $1 AND id = $2 "
    " AND withdraw_time IS NULL RETURNING *) "
    "SELECT " CB_SHARE_COLUMNS " FROM updated s JOIN agencies a ON a.id = s.agency_id"};
constexpr Statement kWithdrawBasis = {"cb_share_withdraw_basis",
    "UPDATE case_shares SET withdraw_time = $4, withdrawn_by = $5, "
    "withdraw_reason = $6 WHERE case_id = $1 AND basis = $2 "
    "AND ($3::uuid IS NULL OR agency_id = $3) AND withdraw_time IS NULL "
    "RETURNING id"};
constexpr Statement kList = {"cb_share_list",
    "SELECT " CB_SHARE_COLUMNS " FROM case_shares s "
    "JOIN agencies a ON a.id = s.agency_id WHERE s.case_id = $1 "
    "AND ($2::boolean IS NULL OR (s.withdraw_time IS NULL) = $2) "
    "AND ($3::timestamptz IS NULL OR (s.create_time, s.id) > ($3, $4::uuid)) "
    "ORDER BY s.create_time, s.id LIMIT $5"};

v1::CaseShare ShareFromRow(const pqxx::row& r) {
  v1::CaseShare s;
  s.set_name(domain::CaseChildResourceName(Str(r[1]), "shares", Str(r[0])));
  s.set_agency(domain::AgencyName(Str(r[2])));
  s.set_agency_kind(static_cast<v1::AgencyKind>(Int(r[3])));
  s.set_basis(static_cast<v1::ShareBasis>(Int(r[4])));
  s.set_purpose(Str(r[5]));
  s.set_lawful_basis(Str(r[6]));
  SetTimestamp(r[7], &s, &v1::CaseShare::mutable_create_time);
  if (r[8].size() > 0) s.set_created_by(domain::UserName(Str(r[8])));
  SetTimestamp(r[9], &s, &v1::CaseShare::mutable_withdraw_time);
  if (r[10].size() > 0) s.set_withdrawn_by(domain::UserName(Str(r[10])));
  s.set_withdraw_reason(Str(r[11]));
  s.set_view(domain::SharedViewFor(s.agency_kind()));
  return s;
}

Params InsertParams(absl::string_view id, const ShareInput& in) {
  Params p;
  p.Text(id)
      .Text(in.case_id)
      .Text(in.agency_id)
      .Int(in.basis)
      .Text(in.purpose)
      .Text(in.lawful_basis)
      .Text(in.source)
      .Time(in.now)
      .TextOrNull(in.actor_id);
  return p;
}

}  // namespace

absl::StatusOr<v1::CaseShare> ShareRepository::Create(
    Tx& tx, absl::string_view id, const ShareInput& input) const {
  pqxx::result r = tx.Exec(kInsert, InsertParams(id, input));
  if (r.empty()) {
    return absl::AlreadyExistsError(absl::StrCat(
        "the case is already shared with ", domain::AgencyName(input.agency_id),
        " on this basis; withdraw that share first to record a new one"));
  }
  return ShareFromRow(r[0]);
}

absl::StatusOr<bool> ShareRepository::EnsureShare(Tx& tx,
                                                  const ShareInput& input) const {
  return !tx.Exec(kInsert, InsertParams(NewUuid(), input)).empty();
}

absl::StatusOr<std::optional<v1::CaseShare>> ShareRepository::Get(
    Tx& tx, absl::string_view case_id, absl::string_view id) const {
  pqxx::result r = tx.Exec(kGet, Params().Text(case_id).Text(id));
  if (r.empty()) return std::optional<v1::CaseShare>();
  return std::optional<v1::CaseShare>(ShareFromRow(r[0]));
}

absl::StatusOr<v1::CaseShare> ShareRepository::Withdraw(
    Tx& tx, absl::string_view case_id, absl::string_view id,
    absl::string_view actor_id, absl::string_view reason, absl::Time now) const {
  pqxx::result r = tx.Exec(kWithdraw, Params()
                                          .Text(case_id)
                                          .Text(id)
                                          .Time(now)
                                          .TextOrNull(actor_id)
                                          .Text(reason));
  if (!r.empty()) return ShareFromRow(r[0]);
  std::string name = domain::CaseChildResourceName(case_id, "shares", id);
  if (tx.Exec(kGet, Params().Text(case_id).Text(id)).empty()) {
    return absl::NotFoundError(absl::StrCat(name, " not found"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(name, " is already withdrawn"));
}

absl::StatusOr<std::vector<std::string>> ShareRepository::WithdrawBasis(
    Tx& tx, absl::string_view case_id, v1::ShareBasis basis,
    absl::string_view agency_id, absl::string_view actor_id,
    absl::string_view reason, absl::Time now) const {
  pqxx::result r = tx.Exec(kWithdrawBasis, Params()
                                               .Text(case_id)
                                               .Int(basis)
                                               .TextOrNull(agency_id)
                                               .Time(now)
                                               .TextOrNull(actor_id)
                                               .Text(reason));
  std::vector<std::string> names;
  for (const pqxx::row& row : r) {
    names.push_back(domain::CaseChildResourceName(case_id, "shares", Str(row[0])));
  }
  return names;
}

absl::StatusOr<Page<v1::CaseShare>> ShareRepository::List(
    Tx& tx, absl::string_view case_id, std::optional<bool> active,
    const std::optional<domain::PageCursor>& after, int limit) const {
  Params p;
  p.Text(case_id);
  if (active.has_value()) p.Bool(*active); else p.Null();
  CB_RETURN_IF_ERROR(CursorParams(p, after));
  p.Int(limit);
  pqxx::result rows = tx.Exec(kList, p);
  return PageFrom<v1::CaseShare>(rows, limit, ShareFromRow,
                                 [](const pqxx::row& r) {
                                   return domain::PageCursor{Str(r[7]), Str(r[0])};
                                 });
}

}  // namespace casebridge::storage
