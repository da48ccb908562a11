#include "storage/identity_repository.h"

#include "absl/strings/str_cat.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

constexpr Statement kFindToken = {"cb_identity_find_token", R"sql(
SELECT u.id, u.username, a.id, a.display_name, a.kind,
       array_to_json(u.roles)::text, t.id, cb_micros(t.expire_time),
       t.revoke_time IS NOT NULL, u.disabled
FROM tokens t
JOIN users u ON u.id = t.user_id
JOIN agencies a ON a.id = u.agency_id
WHERE t.secret_sha256 = $1::bytea)sql"};

#define CB_AGENCY_COLUMNS \
  "id, display_name, kind, code, coalesce(prosecuting_agency_id::text, ''), " \
  "cb_micros(create_time)"

constexpr Statement kCreateAgency = {"cb_identity_create_agency",
    "INSERT INTO agencies (id, display_name, kind, code, prosecuting_agency_id) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING "
    "RETURNING " CB_AGENCY_COLUMNS};
constexpr Statement kGetAgency = {"cb_identity_get_agency",
    "SELECT " CB_AGENCY_COLUMNS " FROM agencies WHERE id = $1"};
constexpr Statement kAgencyByCode = {"cb_identity_agency_by_code",
    "SELECT " CB_AGENCY_COLUMNS " FROM agencies WHERE code = $1"};
constexpr Statement kListAgencies = {"cb_identity_list_agencies",
    "SELECT " CB_AGENCY_COLUMNS " FROM agencies "
    "WHERE ($1::smallint IS NULL OR kind = $1) "
    "AND ($2::text IS NULL OR (code, id) > ($2, $3::uuid)) "
    "ORDER BY code, id LIMIT $4"};

#define CB_USER_COLUMNS \
  "u.id, u.username, u.display_name, u.agency_id, " \
  "array_to_json(u.roles)::text, u.disabled, cb_micros(u.create_time), a.kind"

constexpr Statement kCreateUser = {"cb_identity_create_user",
    "WITH inserted AS ("
    " INSERT INTO users (id, username, display_name, agency_id, roles) "
    " VALUES ($1, $2, $3, $4, $5::smallint[]) "
    " ON CONFLICT (username) DO NOTHING RETURNING *) "
    "SELECT " CB_USER_COLUMNS
    " FROM inserted u JOIN agencies a ON a.id = u.agency_id"};
constexpr Statement kGetUser = {"cb_identity_get_user",
    "SELECT " CB_USER_COLUMNS
    " FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.id = $1"};
constexpr Statement kUserByUsername = {"cb_identity_user_by_username",
    "SELECT " CB_USER_COLUMNS
    " FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.username = $1"};
constexpr Statement kListUsers = {"cb_identity_list_users",
    "SELECT " CB_USER_COLUMNS
    " FROM users u JOIN agencies a ON a.id = u.agency_id "
    "WHERE ($1::uuid IS NULL OR u.agency_id = $1) "
    "AND ($2::boolean IS NULL OR u.disabled = $2) "
    "AND ($3::smallint IS NULL OR $3 = ANY (u.roles)) "
    "AND ($4::text IS NULL OR (u.username, u.id) > ($4, $5::uuid)) "
    "ORDER BY u.username, u.id LIMIT $6"};
constexpr Statement kDisableUser = {"cb_identity_disable_user",
    "WITH updated AS ("
    " UPDATE users SET disabled = true, disable_reason = $2 WHERE id = $1 "
    " RETURNING *) "
    "SELECT " CB_USER_COLUMNS
    " FROM updated u JOIN agencies a ON a.id = u.agency_id"};

#define CB_TOKEN_COLUMNS \
  "id, user_id, description, cb_micros(create_time), cb_micros(expire_time), " \
  "cb_micros(revoke_time)"

constexpr Statement kIssueToken = {"cb_identity_issue_token",
    "INSERT INTO tokens (user_id, secret_sha256, description, expire_time) "
    "VALUES ($1, $2::bytea, $3, $4) RETURNING " CB_TOKEN_COLUMNS};
constexpr Statement kRevokeToken = {"cb_identity_revoke_token",
    "UPDATE tokens SET revoke_time = coalesce(revoke_time, $3) "
    "WHERE id = $2 AND user_id = $1 RETURNING " CB_TOKEN_COLUMNS};

v1::Agency AgencyFromRow(const pqxx::row& r) {
  v1::Agency a;
  a.set_name(domain::AgencyName(Str(r[0])));
  a.set_display_name(Str(r[1]));
  a.set_kind(static_cast<v1::AgencyKind>(Int(r[2])));
  a.set_code(Str(r[3]));
  if (!r[4].is_null() && r[4].size() > 0) {
    a.set_prosecuting_agency(domain::AgencyName(Str(r[4])));
  }
  SetTimestamp(r[5], &a, &v1::Agency::mutable_create_time);
  return a;
}

v1::User UserFromRow(const pqxx::row& r) {
  v1::User u;
  u.set_name(domain::UserName(Str(r[0])));
  u.set_username(Str(r[1]));
  u.set_display_name(Str(r[2]));
  u.set_agency(domain::AgencyName(Str(r[3])));
  for (int role : IntsFromJson(r[4])) u.add_roles(static_cast<v1::Role>(role));
  u.set_disabled(Bool(r[5]));
  SetTimestamp(r[6], &u, &v1::User::mutable_create_time);
  u.set_agency_kind(static_cast<v1::AgencyKind>(Int(r[7])));
  return u;
}

v1::Token TokenFromRow(const pqxx::row& r) {
  v1::Token t;
  t.set_name(domain::TokenName(Str(r[1]), Str(r[0])));
  t.set_description(Str(r[2]));
  SetTimestamp(r[3], &t, &v1::Token::mutable_create_time);
  SetTimestamp(r[4], &t, &v1::Token::mutable_expire_time);
  SetTimestamp(r[5], &t, &v1::Token::mutable_revoke_time);
  return t;
}

}  // namespace

absl::StatusOr<std::optional<TokenRecord>> IdentityRepository::FindToken(
    Tx& tx, absl::string_view secret_sha256) const {
  pqxx::result r = tx.Exec(kFindToken, Params().Bytes(secret_sha256));
  if (r.empty()) return std::optional<TokenRecord>();
  const pqxx::row& row = r[0];
  TokenRecord rec;
  rec.principal.user_id = Str(row[0]);
  rec.principal.username = Str(row[1]);
  rec.principal.agency_id = Str(row[2]);
  rec.principal.agency_name = Str(row[3]);
  rec.principal.agency_kind = static_cast<v1::AgencyKind>(Int(row[4]));
  for (int role : IntsFromJson(row[5])) {
    rec.principal.roles.push_back(static_cast<v1::Role>(role));
  }
  rec.principal.token_id = Str(row[6]);
  if (!row[7].is_null()) rec.expire_time = absl::FromUnixMicros(Int(row[7]));
  rec.revoked = Bool(row[8]);
  rec.user_disabled = Bool(row[9]);
  return std::optional<TokenRecord>(std::move(rec));
}

absl::StatusOr<v1::Agency> IdentityRepository::CreateAgency(
    Tx& tx, absl::string_view id, const v1::Agency& agency) const {
  std::string prosecuting;
  if (!agency.prosecuting_agency().empty()) {
    prosecuting = domain::IdOf(agency.prosecuting_agency());
  }
  pqxx::result r = tx.Exec(kCreateAgency, Params()
                                              .Text(id)
                                              .Text(agency.display_name())
                                              .Int(agency.kind())
                                              .Text(agency.code())
                                              .TextOrNull(prosecuting));
  if (r.empty()) {
    return absl::AlreadyExistsError(
        absl::StrCat("an agency with code ", agency.code(), " already exists"));
  }
  return AgencyFromRow(r[0]);
}

absl::StatusOr<v1::Agency> IdentityRepository::GetAgency(
    Tx& tx, absl::string_view id) const {
  pqxx::result r = tx.Exec(kGetAgency, Params().Text(id));
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(domain::AgencyName(id), " not found"));
  }
  return AgencyFromRow(r[0]);
}

absl::StatusOr<std::optional<v1::Agency>> IdentityRepository::FindAgencyByCode(
    Tx& tx, absl::string_view code) const {
  pqxx::result r = tx.Exec(kAgencyByCode, Params().Text(code));
  if (r.empty()) return std::optional<v1::Agency>();
  return std::optional<v1::Agency>(AgencyFromRow(r[0]));
}

absl::StatusOr<Page<v1::Agency>> IdentityRepository::ListAgencies(
    Tx& tx, int kind, const std::optional<domain::PageCursor>& after,
    int limit) const {
  Params p;
  if (kind != 0) p.Int(kind); else p.Null();
  CB_RETURN_IF_ERROR(TextCursorParams(p, after));
  p.Int(limit);
  pqxx::result r = tx.Exec(kListAgencies, p);
  return PageFrom<v1::Agency>(r, limit, AgencyFromRow, [](const pqxx::row& row) {
    return domain::PageCursor{Str(row[3]), Str(row[0])};
  });
}

absl::StatusOr<v1::User> IdentityRepository::CreateUser(
    Tx& tx, absl::string_view id, const v1::User& user) const {
  std::vector<int> roles(user.roles().begin(), user.roles().end());
  pqxx::result r = tx.Exec(
      kCreateUser, Params()
                       .Text(id)
                       .Text(user.username())
                       .Text(user.display_name())
                       .Text(domain::IdOf(user.agency()))
                       .IntArray(roles));
  if (r.empty()) {
    return absl::AlreadyExistsError(absl::StrCat(
        "a user with username ", user.username(), " already exists"));
  }
  return UserFromRow(r[0]);
}

absl::StatusOr<v1::User> IdentityRepository::GetUser(Tx& tx,
                                                     absl::string_view id) const {
  pqxx::result r = tx.Exec(kGetUser, Params().Text(id));
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(domain::UserName(id), " not found"));
  }
  return UserFromRow(r[0]);
}

absl::StatusOr<std::optional<v1::User>> IdentityRepository::FindUserByUsername(
    Tx& tx, absl::string_view username) const {
  pqxx::result r = tx.Exec(kUserByUsername, Params().Text(username));
  if (r.empty()) return std::optional<v1::User>();
  return std::optional<v1::User>(UserFromRow(r[0]));
}

absl::StatusOr<Page<v1::User>> IdentityRepository::ListUsers(
    Tx& tx, const UserFilter& filter,
    const std::optional<domain::PageCursor>& after, int limit) const {
  Params p;
  p.TextOrNull(filter.agency_id);
  if (filter.disabled.has_value()) p.Bool(*filter.disabled); else p.Null();
  if (filter.role != 0) p.Int(filter.role); else p.Null();
  CB_RETURN_IF_ERROR(TextCursorParams(p, after));
  p.Int(limit);
  pqxx::result r = tx.Exec(kListUsers, p);
  return PageFrom<v1::User>(r, limit, UserFromRow, [](const pqxx::row& row) {
    return domain::PageCursor{Str(row[1]), Str(row[0])};
  });
}

absl::StatusOr<v1::User> IdentityRepository::DisableUser(
    Tx& tx, absl::string_view id, absl::string_view reason) const {
  pqxx::result r = tx.Exec(kDisableUser, Params().Text(id).Text(reason));
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(domain::UserName(id), " not found"));
  }
  return UserFromRow(r[0]);
}

absl::StatusOr<v1::Token> IdentityRepository::IssueToken(
    Tx& tx, absl::string_view user_id, absl::string_view secret_sha256,
    absl::string_view description, absl::Time expire_time) const {
  pqxx::row r = tx.ExecOne(kIssueToken,
                           Params()
                               .Text(user_id)
                               .Bytes(secret_sha256)
                               .Text(description)
                               .TimeOrNull(expire_time == absl::InfiniteFuture()
                                               ? absl::InfinitePast()
                                               : expire_time));
  return TokenFromRow(r);
}

absl::StatusOr<v1::Token> IdentityRepository::RevokeToken(
    Tx& tx, absl::string_view user_id, absl::string_view token_id,
    absl::Time now) const {
  pqxx::result r =
      tx.Exec(kRevokeToken, Params().Text(user_id).Text(token_id).Time(now));
  if (r.empty()) {
    return absl::NotFoundError(
        absl::StrCat(domain::TokenName(user_id, token_id), " not found"));
  }
  return TokenFromRow(r[0]);
}

}  // namespace casebridge::storage
