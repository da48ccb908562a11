#include "storage/identity_repository.h"

#include "absl/strings/str_cat.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

// Rows are read by column name; every statement below names its columns.

constexpr Statement kFindToken = {"cb_identity_find_token", R"sql(
SELECT u.id AS user_id, u.username, u.kind AS user_kind, a.id AS agency_id,
       a.display_name AS agency_name, a.kind AS agency_kind,
       array_to_json(u.roles)::text AS roles, t.id AS token_id,
       cb_micros(t.expire_time) AS expire_micros,
       t.revoke_time IS NOT NULL AS revoked, u.disabled
FROM tokens t
JOIN users u ON u.id = t.user_id
JOIN agencies a ON a.id = u.agency_id
WHERE t.secret_sha256 = $1::bytea)sql"};

#define CB_AGENCY_COLUMNS                                                   \
  "id, display_name, kind, code, "                                          \
  "coalesce(prosecuting_agency_id::text, '') AS prosecuting_agency_id, "    \
  "cb_micros(create_time) AS create_micros"

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

#define CB_USER_COLUMNS                                                        \
  "u.id, u.username, u.display_name, u.agency_id, "                            \
  "array_to_json(u.roles)::text AS roles, u.disabled, u.disable_reason, "      \
  "cb_micros(u.create_time) AS create_micros, u.kind, u.version, "             \
  "a.kind AS agency_kind, a.display_name AS agency_display_name"

constexpr Statement kCreateUser = {"cb_identity_create_user",
    "WITH inserted AS ("
    " INSERT INTO users (id, username, display_name, agency_id, roles, kind) "
    " VALUES ($1, $2, $3, $4, $5::smallint[], $6) "
    " ON CONFLICT (username) DO NOTHING RETURNING *) "
    "SELECT " CB_USER_COLUMNS
    " FROM inserted u JOIN agencies a ON a.id = u.agency_id"};
constexpr Statement kGetUser = {"cb_identity_get_user",
    "SELECT " CB_USER_COLUMNS
    " FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.id = $1"};
constexpr Statement kGetUserForUpdate = {"cb_identity_get_user_for_update",
    "SELECT " CB_USER_COLUMNS
    " FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.id = $1 "
    "FOR UPDATE OF u"};
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
constexpr Statement kAnyUserWithRole = {"cb_identity_any_user_with_role",
    "SELECT EXISTS (SELECT 1 FROM users WHERE $1::smallint = ANY (roles)) AS found"};
constexpr Statement kSetDisabled = {"cb_identity_set_disabled",
    "WITH updated AS ("
    " UPDATE users SET disabled = $2, disable_reason = $3, version = version + 1, "
    " update_time = now() WHERE id = $1 RETURNING *) "
    "SELECT " CB_USER_COLUMNS
    " FROM updated u JOIN agencies a ON a.id = u.agency_id"};
// The version check is part of the UPDATE, so two concurrent role changes
// cannot both pass it.
constexpr Statement kSetRoles = {"cb_identity_set_roles",
    "WITH updated AS ("
    " UPDATE users SET roles = $2::smallint[], version = version + 1, "
    " update_time = now() WHERE id = $1 AND version = $3 RETURNING *) "
    "SELECT " CB_USER_COLUMNS
    " FROM updated u JOIN agencies a ON a.id = u.agency_id"};
constexpr Statement kMoveUser = {"cb_identity_move_user",
    "WITH updated AS ("
    " UPDATE users SET agency_id = $2, roles = $3::smallint[], "
    " version = version + 1, update_time = now() "
    " WHERE id = $1 AND version = $4 RETURNING *) "
    "SELECT " CB_USER_COLUMNS
    " FROM updated u JOIN agencies a ON a.id = u.agency_id"};

#define CB_TOKEN_COLUMNS                                                     \
  "id, user_id, description, cb_micros(create_time) AS create_micros, "     \
  "cb_micros(expire_time) AS expire_micros, "                               \
  "cb_micros(revoke_time) AS revoke_micros, origin, "                       \
  "coalesce(created_by::text, '') AS created_by"

constexpr Statement kIssueToken = {"cb_identity_issue_token",
    "INSERT INTO tokens (user_id, secret_sha256, description, expire_time, "
    "origin, created_by) VALUES ($1, $2::bytea, $3, $4, $5, $6) "
    "RETURNING " CB_TOKEN_COLUMNS};
constexpr Statement kListTokens = {"cb_identity_list_tokens",
    "SELECT " CB_TOKEN_COLUMNS " FROM tokens WHERE user_id = $1 "
    "ORDER BY create_time DESC, id DESC LIMIT 1000"};
constexpr Statement kCountLiveTokens = {"cb_identity_count_live_tokens",
    "SELECT count(*) AS live FROM tokens WHERE user_id = $1 AND revoke_time IS NULL "
    "AND (expire_time IS NULL OR expire_time > $2)"};
constexpr Statement kRevokeAllTokens = {"cb_identity_revoke_all_tokens",
    "UPDATE tokens SET revoke_time = $2 WHERE user_id = $1 AND revoke_time IS NULL"};
constexpr Statement kRevokeToken = {"cb_identity_revoke_token",
    "UPDATE tokens SET revoke_time = coalesce(revoke_time, $3) "
    "WHERE id = $2 AND user_id = $1 RETURNING " CB_TOKEN_COLUMNS};

constexpr Statement kCancelCodes = {"cb_identity_cancel_codes",
    "UPDATE enrolment_codes SET cancel_time = $2 "
    "WHERE user_id = $1 AND redeem_time IS NULL AND cancel_time IS NULL"};
constexpr Statement kCreateCode = {"cb_identity_create_code",
    "INSERT INTO enrolment_codes (user_id, agency_id, code_sha256, created_by, "
    "create_time, expire_time) VALUES ($1, $2, $3::bytea, $4, $5, $6) "
    "RETURNING id, user_id, created_by, cb_micros(create_time) AS create_micros, "
    "cb_micros(expire_time) AS expire_micros"};
constexpr Statement kFindCode = {"cb_identity_find_code",
    "SELECT c.id, c.user_id, c.created_by FROM enrolment_codes c "
    "JOIN users u ON u.id = c.user_id AND u.agency_id = c.agency_id "
    "WHERE c.code_sha256 = $1::bytea AND c.redeem_time IS NULL "
    "AND c.cancel_time IS NULL AND c.expire_time > $2 FOR UPDATE OF c"};
constexpr Statement kRedeemCode = {"cb_identity_redeem_code",
    "UPDATE enrolment_codes SET redeem_time = $3, token_id = $2 WHERE id = $1"};

v1::Agency AgencyFromRow(const pqxx::row& r) {
  v1::Agency a;
  a.set_name(domain::AgencyName(Str(r["id"])));
  a.set_display_name(Str(r["display_name"]));
  a.set_kind(static_cast<v1::AgencyKind>(Int(r["kind"])));
  a.set_code(Str(r["code"]));
  if (r["prosecuting_agency_id"].size() > 0) {
    a.set_prosecuting_agency(domain::AgencyName(Str(r["prosecuting_agency_id"])));
  }
  SetTimestamp(r["create_micros"], &a, &v1::Agency::mutable_create_time);
  return a;
}

v1::User UserFromRow(const pqxx::row& r) {
  v1::User u;
  u.set_name(domain::UserName(Str(r["id"])));
  u.set_username(Str(r["username"]));
  u.set_display_name(Str(r["display_name"]));
  u.set_agency(domain::AgencyName(Str(r["agency_id"])));
  for (int role : IntsFromJson(r["roles"])) u.add_roles(static_cast<v1::Role>(role));
  u.set_disabled(Bool(r["disabled"]));
  u.set_disable_reason(Str(r["disable_reason"]));
  SetTimestamp(r["create_micros"], &u, &v1::User::mutable_create_time);
  u.set_kind(static_cast<v1::UserKind>(Int(r["kind"])));
  u.set_etag(domain::FormatEtag(Int(r["version"])));
  u.set_agency_kind(static_cast<v1::AgencyKind>(Int(r["agency_kind"])));
  u.set_agency_display_name(Str(r["agency_display_name"]));
  return u;
}

v1::Token TokenFromRow(const pqxx::row& r) {
  v1::Token t;
  t.set_name(domain::TokenName(Str(r["user_id"]), Str(r["id"])));
  t.set_description(Str(r["description"]));
  SetTimestamp(r["create_micros"], &t, &v1::Token::mutable_create_time);
  SetTimestamp(r["expire_micros"], &t, &v1::Token::mutable_expire_time);
  SetTimestamp(r["revoke_micros"], &t, &v1::Token::mutable_revoke_time);
  t.set_origin(static_cast<v1::TokenOrigin>(Int(r["origin"])));
  if (r["created_by"].size() > 0) {
    t.set_created_by(domain::UserName(Str(r["created_by"])));
  }
  return t;
}

absl::StatusOr<v1::User> OneUser(const pqxx::result& r, absl::string_view id) {
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat(domain::UserName(id), " not found"));
  }
  return UserFromRow(r[0]);
}

}  // namespace

absl::StatusOr<std::optional<TokenRecord>> IdentityRepository::FindToken(
    Tx& tx, absl::string_view secret_sha256) const {
  pqxx::result r = tx.Exec(kFindToken, Params().Bytes(secret_sha256));
  if (r.empty()) return std::optional<TokenRecord>();
  const pqxx::row& row = r[0];
  TokenRecord rec;
  domain::Principal& p = rec.principal;
  p.user_id = Str(row["user_id"]);
  p.username = Str(row["username"]);
  p.agency_id = Str(row["agency_id"]);
  p.agency_name = Str(row["agency_name"]);
  p.agency_kind = static_cast<v1::AgencyKind>(Int(row["agency_kind"]));
  for (int role : IntsFromJson(row["roles"])) {
    p.roles.push_back(static_cast<v1::Role>(role));
  }
  p.service_account = Int(row["user_kind"]) == v1::USER_KIND_SERVICE;
  p.token_id = Str(row["token_id"]);
  p.credential = domain::TokenName(p.user_id, p.token_id);
  if (!row["expire_micros"].is_null()) {
    rec.expire_time = absl::FromUnixMicros(Int(row["expire_micros"]));
  }
  rec.revoked = Bool(row["revoked"]);
  rec.user_disabled = Bool(row["disabled"]);
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
    return domain::PageCursor{Str(row["code"]), Str(row["id"])};
  });
}

absl::StatusOr<v1::User> IdentityRepository::CreateUser(
    Tx& tx, absl::string_view id, const v1::User& user) const {
  std::vector<int> roles(user.roles().begin(), user.roles().end());
  const int kind = user.kind() == v1::USER_KIND_UNSPECIFIED ? v1::USER_KIND_PERSON
                                                            : user.kind();
  pqxx::result r = tx.Exec(kCreateUser, Params()
                                            .Text(id)
                                            .Text(user.username())
                                            .Text(user.display_name())
                                            .Text(domain::IdOf(user.agency()))
                                            .IntArray(roles)
                                            .Int(kind));
  if (r.empty()) {
    return absl::AlreadyExistsError(absl::StrCat(
        "a user with username ", user.username(), " already exists"));
  }
  return UserFromRow(r[0]);
}

absl::StatusOr<v1::User> IdentityRepository::GetUser(Tx& tx,
                                                     absl::string_view id) const {
  return OneUser(tx.Exec(kGetUser, Params().Text(id)), id);
}

absl::StatusOr<v1::User> IdentityRepository::GetUserForUpdate(
    Tx& tx, absl::string_view id) const {
  return OneUser(tx.Exec(kGetUserForUpdate, Params().Text(id)), id);
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
    return domain::PageCursor{Str(row["username"]), Str(row["id"])};
  });
}

absl::StatusOr<bool> IdentityRepository::AnyUserWithRole(Tx& tx, v1::Role role) const {
  return Bool(tx.ExecOne(kAnyUserWithRole, Params().Int(role))["found"]);
}

absl::StatusOr<v1::User> IdentityRepository::SetDisabled(
    Tx& tx, absl::string_view id, bool disabled, absl::string_view reason) const {
  return OneUser(
      tx.Exec(kSetDisabled, Params().Text(id).Bool(disabled).Text(reason)), id);
}

absl::StatusOr<v1::User> IdentityRepository::SetRoles(
    Tx& tx, absl::string_view id, const std::vector<int>& roles,
    int64_t expected_version) const {
  pqxx::result r =
      tx.Exec(kSetRoles, Params().Text(id).IntArray(roles).Int(expected_version));
  if (r.empty()) return domain::StaleEtagError(domain::UserName(id));
  return UserFromRow(r[0]);
}

absl::StatusOr<v1::User> IdentityRepository::Move(Tx& tx, absl::string_view id,
                                                  absl::string_view agency_id,
                                                  const std::vector<int>& roles,
                                                  int64_t expected_version) const {
  pqxx::result r = tx.Exec(
      kMoveUser,
      Params().Text(id).Text(agency_id).IntArray(roles).Int(expected_version));
  if (r.empty()) return domain::StaleEtagError(domain::UserName(id));
  return UserFromRow(r[0]);
}

absl::StatusOr<v1::Token> IdentityRepository::IssueToken(Tx& tx,
                                                         const NewToken& t) const {
  pqxx::row r = tx.ExecOne(
      kIssueToken, Params()
                       .Text(t.user_id)
                       .Bytes(t.secret_sha256)
                       .Text(t.description)
                       .TimeOrNull(t.expire_time == absl::InfiniteFuture()
                                       ? absl::InfinitePast()
                                       : t.expire_time)
                       .Int(t.origin)
                       .TextOrNull(t.created_by));
  return TokenFromRow(r);
}

absl::StatusOr<std::vector<v1::Token>> IdentityRepository::ListTokens(
    Tx& tx, absl::string_view user_id) const {
  std::vector<v1::Token> out;
  for (const pqxx::row& r : tx.Exec(kListTokens, Params().Text(user_id))) {
    out.push_back(TokenFromRow(r));
  }
  return out;
}

absl::StatusOr<int64_t> IdentityRepository::CountLiveTokens(Tx& tx,
                                                            absl::string_view user_id,
                                                            absl::Time now) const {
  return Int(tx.ExecOne(kCountLiveTokens, Params().Text(user_id).Time(now))["live"]);
}

absl::StatusOr<int64_t> IdentityRepository::RevokeAllTokens(Tx& tx,
                                                            absl::string_view user_id,
                                                            absl::Time now) const {
  return static_cast<int64_t>(
      tx.Exec(kRevokeAllTokens, Params().Text(user_id).Time(now)).affected_rows());
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

absl::Status IdentityRepository::CancelEnrolmentCodes(Tx& tx, absl::string_view user_id,
                                                     absl::Time now) const {
  tx.Exec(kCancelCodes, Params().Text(user_id).Time(now));
  return absl::OkStatus();
}

absl::StatusOr<v1::EnrolmentCode> IdentityRepository::CreateEnrolmentCode(
    Tx& tx, absl::string_view user_id, absl::string_view agency_id,
    absl::string_view code_sha256, absl::string_view created_by, absl::Time now,
    absl::Time expire_time) const {
  CB_RETURN_IF_ERROR(CancelEnrolmentCodes(tx, user_id, now));
  pqxx::row r = tx.ExecOne(kCreateCode, Params()
                                            .Text(user_id)
                                            .Text(agency_id)
                                            .Bytes(code_sha256)
                                            .Text(created_by)
                                            .Time(now)
                                            .Time(expire_time));
  v1::EnrolmentCode code;
  code.set_name(absl::StrCat(domain::UserName(Str(r["user_id"])), "/enrolmentCodes/",
                             Str(r["id"])));
  SetTimestamp(r["create_micros"], &code, &v1::EnrolmentCode::mutable_create_time);
  SetTimestamp(r["expire_micros"], &code, &v1::EnrolmentCode::mutable_expire_time);
  code.set_created_by(domain::UserName(Str(r["created_by"])));
  return code;
}

absl::StatusOr<std::optional<RedeemableCode>> IdentityRepository::FindRedeemableCode(
    Tx& tx, absl::string_view code_sha256, absl::Time now) const {
  pqxx::result r = tx.Exec(kFindCode, Params().Bytes(code_sha256).Time(now));
  if (r.empty()) return std::optional<RedeemableCode>();
  return std::optional<RedeemableCode>(RedeemableCode{
      Str(r[0]["id"]), Str(r[0]["user_id"]), Str(r[0]["created_by"])});
}

absl::Status IdentityRepository::MarkCodeRedeemed(Tx& tx, absl::string_view code_id,
                                                  absl::string_view token_id,
                                                  absl::Time now) const {
  tx.Exec(kRedeemCode, Params().Text(code_id).Text(token_id).Time(now));
  return absl::OkStatus();
}

}  // namespace casebridge::storage
