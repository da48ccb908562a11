#include "storage/audit_log.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "domain/status_macros.h"
#include "spdlog/spdlog.h"
#include "storage/audit_tree.h"
#include "storage/binary_result.h"
#include "storage/crypto.h"
#include "storage/lock_holder.h"

namespace casebridge::storage {
namespace {

// One statement appends a batch: the events and their place in the sealer's
// queue, in the same transaction.
constexpr Statement kInsertEvents = {
    "cb_audit_insert", R"sql(
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    ord int, id bigint, mac text, event_time timestamptz, user_id uuid, username text,
    agency_id uuid, roles smallint[], peer text, method text,
    resources text[], case_id uuid, case_reference text,
    case_owner_agency_id uuid, outcome text, message text, request_id text,
    changed_fields text[], old_etag text, new_etag text,
    content_disclosed boolean, credential text, call_count bigint)
), inserted AS (
  INSERT INTO audit_events (
    id, mac, event_time, user_id, username, agency_id, roles, peer, method, resources,
    case_id, case_reference, case_owner_agency_id, outcome, message,
    request_id, changed_fields, old_etag, new_etag, content_disclosed,
    credential, call_count)
  SELECT id, decode(mac, 'hex'), event_time, user_id, username, agency_id, roles, peer, method,
         resources, case_id, case_reference, case_owner_agency_id, outcome,
         message, request_id, changed_fields, old_etag, new_etag,
         content_disclosed, credential, call_count
  FROM input ORDER BY ord
  RETURNING id
)
INSERT INTO audit_pending (event_id) SELECT id FROM inserted)sql"};

// Ids are taken before the events are written: an event's MAC covers its
// id, so a copy of a row under another id does not check.
constexpr Statement kNextEventIds = {
    "cb_audit_next_ids",
    "SELECT nextval('audit_events_id_seq') AS id FROM generate_series(1, $1)"};

constexpr Statement kRejectEvents = {
    "cb_audit_reject", R"sql(
WITH rejected AS (
  INSERT INTO audit_rejected (event_id, reason)
  SELECT * FROM unnest($1::bigint[], $2::text[])
  RETURNING event_id
)
DELETE FROM audit_pending WHERE event_id IN (SELECT event_id FROM rejected))sql"};

constexpr Statement kRejectedEvent = {
    "cb_audit_rejected_first",
    "SELECT event_id, reason FROM audit_rejected ORDER BY event_id LIMIT 1"};

// Only one sealer at a time across every server on the database. Taken
// in the sealing transaction (xact), so it goes with the transaction, and
// with the session of a server that dies or is ended holding it; never
// waited for in the database (SealPending polls), so a holder that does not
// let go cannot keep a caller past its deadline.
constexpr Statement kTrySealerLock = {
    "cb_audit_sealer_lock",
    "SELECT pg_try_advisory_xact_lock($1::bigint) AS locked"};

constexpr Statement kHead = {
    "cb_audit_head",
    "SELECT seq, chain_hash, cb_micros(seal_time) FROM audit_seals "
    "ORDER BY seq DESC LIMIT 1"};

// The columns every reader of stored events selects, read in PostgreSQL's
// binary format by name (EventColumns and ReadStoredEvent below): the
// verification walk reads every event, and the text format's parsing
// (uuids, timestamps, arrays as JSON) was most of its cost.
#define CB_AUDIT_EVENT_COLUMNS                                                   \
  "e.id, e.event_time, e.user_id, e.username, e.agency_id, e.roles, e.peer, "    \
  "e.method, e.resources, e.case_id, e.case_reference, e.case_owner_agency_id, " \
  "e.outcome, e.message, e.request_id, e.changed_fields, e.old_etag, "           \
  "e.new_etag, e.content_disclosed, e.credential, e.call_count, e.mac"

// The lowest pending ids first, then their events: joined the other way
// round, the planner may walk audit_events from id 1 and probe the pending
// queue for each, rescanning every sealed event at every batch (with a
// backlog of 10M events, 4 s a batch and growing; bench/RESULTS.md).
constexpr Statement kPendingEvents = {
    "cb_audit_pending",
    "SELECT " CB_AUDIT_EVENT_COLUMNS ", p.event_id AS pending_id"
    " FROM (SELECT event_id FROM audit_pending ORDER BY event_id LIMIT $1) p"
    " LEFT JOIN audit_events e ON e.id = p.event_id ORDER BY p.event_id"};

constexpr Statement kInsertSeals = {
    "cb_audit_seal", R"sql(
WITH sealed AS (
  INSERT INTO audit_seals (seq, event_id, content_hash, chain_hash, mac)
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[])
  RETURNING event_id
)
DELETE FROM audit_pending WHERE event_id IN (SELECT event_id FROM sealed))sql"};

constexpr Statement kChainChunk = {
    "cb_audit_chain_chunk",
    "SELECT s.seq, s.event_id, s.content_hash, s.chain_hash, "
    CB_AUDIT_EVENT_COLUMNS ", s.mac AS seal_mac"
    " FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id "
    "WHERE s.seq >= $1 AND s.seq <= $2 ORDER BY s.seq LIMIT $3"};

constexpr Statement kChainHashAt = {
    "cb_audit_chain_at", "SELECT chain_hash FROM audit_seals WHERE seq = $1"};

// Where else a content hash is sealed, to tell events that traded places
// from an edited one (read only when a walk has found a mismatch).
constexpr Statement kSealOfContent = {
    "cb_audit_seal_of_content",
    "SELECT seq FROM audit_seals WHERE content_hash = $1 AND seq <> $2 "
    "ORDER BY seq LIMIT 1"};

constexpr Statement kSealAt = {
    "cb_audit_seal_at",
    "SELECT content_hash, chain_hash FROM audit_seals WHERE seq = $1"};

// An event in the log that is neither chained nor waiting to be: it was put
// there behind the server's back.
// From event $1 on: a walk from a saved head looks among the events made
// since the first it walks (events are sealed in about the order of their
// ids), a whole walk among all.
constexpr Statement kOrphanEvent = {
    "cb_audit_orphan",
    "SELECT e.id FROM audit_events e "
    "WHERE e.id >= $1 AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id) "
    "AND NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.event_id = e.id) "
    "ORDER BY e.id LIMIT 1"};

std::string Hex(absl::string_view raw) { return absl::BytesToHexString(raw); }

// PostgreSQL text cannot hold NUL; JSON must be valid UTF-8. Audit fields
// can carry what a caller sent, so both are made safe here, once.
std::string Clean(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\0') {
      out += "\\0";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

nlohmann::json Strings(const std::vector<std::string>& values) {
  nlohmann::json array = nlohmann::json::array();
  for (const std::string& v : values) array.push_back(Clean(v));
  return array;
}

nlohmann::json UuidOrNull(const std::string& id) {
  if (id.empty()) return nullptr;
  return id;
}

// The events as the insert reads them, each with its id and the MAC over
// its canonical content (made here, with the key the database never sees).
std::string EventsJson(absl::Span<const AuditEvent* const> events,
                       absl::Span<const int64_t> ids, const AuditKeyRing& keys) {
  nlohmann::json rows = nlohmann::json::array();
  int ord = 0;
  for (const AuditEvent* e : events) {
    const int64_t id = ids[ord];
    rows.push_back({
        {"ord", ord++},
        {"id", id},
        {"mac", Hex(keys.EventMac(CanonicalAuditContent(id, *e)))},
        {"event_time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+00:00", e->time,
                                        absl::UTCTimeZone())},
        {"user_id", UuidOrNull(e->user_id)},
        {"username", Clean(e->username)},
        {"agency_id", UuidOrNull(e->agency_id)},
        {"roles", e->roles},
        {"peer", Clean(e->peer)},
        {"method", Clean(e->method)},
        {"resources", Strings(e->resources)},
        {"case_id", UuidOrNull(e->case_id)},
        {"case_reference", Clean(e->case_reference)},
        {"case_owner_agency_id", UuidOrNull(e->case_owner_agency_id)},
        {"outcome", e->outcome},
        {"message", Clean(e->message)},
        {"request_id", Clean(e->request_id)},
        {"changed_fields", Strings(e->changed_fields)},
        {"old_etag", e->old_etag},
        {"new_etag", e->new_etag},
        {"content_disclosed", e->content_disclosed},
        {"credential", Clean(e->credential)},
        {"call_count", e->call_count},
    });
  }
  return rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Where CB_AUDIT_EVENT_COLUMNS are in a result, looked up once by name.
struct EventColumns {
  explicit EventColumns(const BinaryResult& r)
      : id(r.Column("id")),
        event_time(r.Column("event_time")),
        user_id(r.Column("user_id")),
        username(r.Column("username")),
        agency_id(r.Column("agency_id")),
        roles(r.Column("roles")),
        peer(r.Column("peer")),
        method(r.Column("method")),
        resources(r.Column("resources")),
        case_id(r.Column("case_id")),
        case_reference(r.Column("case_reference")),
        case_owner_agency_id(r.Column("case_owner_agency_id")),
        outcome(r.Column("outcome")),
        message(r.Column("message")),
        request_id(r.Column("request_id")),
        changed_fields(r.Column("changed_fields")),
        old_etag(r.Column("old_etag")),
        new_etag(r.Column("new_etag")),
        content_disclosed(r.Column("content_disclosed")),
        credential(r.Column("credential")),
        call_count(r.Column("call_count")),
        mac(r.Column("mac")) {}
  int id, event_time, user_id, username, agency_id, roles, peer, method, resources, case_id,
      case_reference, case_owner_agency_id, outcome, message, request_id, changed_fields,
      old_etag, new_etag, content_disclosed, credential, call_count, mac;
};

// The event of row `row` (whose `id` is not NULL). DATA_LOSS for a row no
// server could have written (an array of another shape): the caller names
// the event, as it would one whose MAC does not check.
absl::StatusOr<StoredAuditEvent> ReadStoredEvent(const BinaryResult& r, int row,
                                                 const EventColumns& c) {
  StoredAuditEvent out;
  AuditEvent& e = out.event;
  auto text = [&](int column) { return std::string(r.Bytes(row, column)); };
  out.id = r.Int64(row, c.id);
  e.time = r.Time(row, c.event_time);
  e.user_id = r.Uuid(row, c.user_id);
  e.username = text(c.username);
  e.agency_id = r.Uuid(row, c.agency_id);
  CB_ASSIGN_OR_RETURN(std::vector<std::optional<int>> roles, r.SmallIntArray(row, c.roles));
  for (const std::optional<int>& role : roles) {
    // A role no server writes (NULL, put in by hand) reads as one that no
    // MAC covers: the event is refused or named, never a crash.
    e.roles.push_back(role.value_or(std::numeric_limits<int>::min()));
  }
  e.peer = text(c.peer);
  e.method = text(c.method);
  CB_ASSIGN_OR_RETURN(e.resources, r.TextArray(row, c.resources));
  e.case_id = r.Uuid(row, c.case_id);
  e.case_reference = text(c.case_reference);
  e.case_owner_agency_id = r.Uuid(row, c.case_owner_agency_id);
  e.outcome = text(c.outcome);
  e.message = text(c.message);
  e.request_id = text(c.request_id);
  CB_ASSIGN_OR_RETURN(e.changed_fields, r.TextArray(row, c.changed_fields));
  e.old_etag = text(c.old_etag);
  e.new_etag = text(c.new_etag);
  e.content_disclosed = r.Bool(row, c.content_disclosed);
  e.credential = text(c.credential);
  e.call_count = r.Int64(row, c.call_count);
  out.mac = text(c.mac);
  return out;
}

// Ids for `n` events from the events' sequence.
std::vector<int64_t> NextEventIds(Tx& tx, int n) {
  std::vector<int64_t> ids;
  ids.reserve(n);
  for (const pqxx::row& r : tx.Exec(kNextEventIds, Params().Int(n))) {
    ids.push_back(r["id"].as<int64_t>());
  }
  return ids;
}


}  // namespace

std::string CanonicalAuditContent(int64_t id, const AuditEvent& e) {
  std::string out = "cb-audit-v1;";
  auto field = [&out](absl::string_view value) {
    absl::StrAppend(&out, value.size(), ":", value, ";");
  };
  auto list = [&](const std::vector<std::string>& values) {
    absl::StrAppend(&out, values.size(), "[");
    for (const std::string& v : values) field(v);
    out.push_back(']');
  };
  field(absl::StrCat(id));
  field(absl::StrCat(absl::ToUnixMicros(e.time)));
  field(e.user_id);
  field(e.username);
  field(e.agency_id);
  std::vector<std::string> roles;
  for (int r : e.roles) roles.push_back(absl::StrCat(r));
  list(roles);
  field(e.peer);
  field(e.method);
  list(e.resources);
  field(e.case_id);
  field(e.case_reference);
  field(e.case_owner_agency_id);
  field(e.outcome);
  field(e.message);
  field(e.request_id);
  list(e.changed_fields);
  field(e.old_etag);
  field(e.new_etag);
  field(e.content_disclosed ? "1" : "0");
  // Later fields: a tag and the value, only when not the default (see the
  // header), so every earlier event keeps its sealed bytes.
  if (!e.credential.empty()) {
    out.push_back('c');
    field(e.credential);
  }
  if (e.call_count != 1) {
    out.push_back('n');
    field(absl::StrCat(e.call_count));
  }
  return out;
}

std::string SealMacInput(int64_t sequence, int64_t event_id,
                         absl::string_view content_hash) {
  return absl::StrCat("cb-audit-seal-v1;", sequence, ";", event_id, ";",
                      absl::BytesToHexString(content_hash));
}

std::string ChainHash(absl::string_view previous_chain_hash, int64_t sequence,
                      absl::string_view content_hash) {
  std::string input;
  input.reserve(32 + 8 + 32);
  if (previous_chain_hash.empty()) {
    input.append(32, '\0');
  } else {
    input.append(previous_chain_hash.data(), previous_chain_hash.size());
  }
  for (int shift = 56; shift >= 0; shift -= 8) {
    input.push_back(static_cast<char>((static_cast<uint64_t>(sequence) >> shift) & 0xff));
  }
  input.append(content_hash.data(), content_hash.size());
  return Sha256(input);
}

AuditLog::AuditLog(Database* db, AuditTrust trust, AuditLogOptions options,
                   Database* writer_db, Database* sealer_db)
    : db_(db),
      trust_(std::move(trust)),
      writer_db_(writer_db != nullptr ? writer_db : db),
      sealer_db_(sealer_db != nullptr ? sealer_db : db),
      options_(options) {}

AuditLog::~AuditLog() { Stop(); }

absl::Status AuditLog::Start() {
  if (started_) return absl::OkStatus();
  absl::Status trusted = CheckAgainstWitnesses(absl::Now() + absl::Seconds(30));
  if (!trusted.ok()) {
    spdlog::critical("audit: {}", trusted.ToString());
  }
  started_ = true;
  {
    absl::MutexLock lock(&mu_);
    running_ = true;
    stopping_ = false;
  }
  for (int i = 0; i < std::max(1, options_.writers); ++i) {
    writers_.emplace_back([this] { WriterLoop(); });
  }
  sealer_ = std::thread([this] { SealerLoop(); });
  return trusted;
}

void AuditLog::Stop() {
  if (!started_) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : writers_) t.join();
  {
    absl::MutexLock lock(&mu_);
    running_ = false;
  }
  writers_.clear();
  sealer_stop_.Notify();
  sealer_.join();
  // Whatever the writers committed last gets its place in the chain now.
  absl::StatusOr<int64_t> sealed = SealPending(absl::Now() + absl::Seconds(10));
  if (!sealed.ok()) {
    spdlog::warn("audit: final seal failed ({}); the next start seals them",
                 sealed.status().ToString());
  } else {
    // The last events get a witnessed head before the server goes.
    absl::StatusOr<SignedTreeHead> head = MakeTreeHead(*db_, absl::Now() + absl::Seconds(10));
    if (!head.ok()) {
      spdlog::warn("audit: final tree head failed: {}", head.status().ToString());
    }
  }
  started_ = false;
}

void AuditLog::AppendInTransaction(Tx& tx, const AuditEvent& event,
                                   const AuditKeyRing& keys) {
  const AuditEvent* events[] = {&event};
  const std::vector<int64_t> ids = NextEventIds(tx, 1);
  tx.Exec(kInsertEvents, Params().Text(EventsJson(events, ids, keys)));
}

void AuditLog::AppendBatchInTransaction(Tx& tx, absl::Span<const AuditEvent* const> events,
                                        const AuditKeyRing& keys) {
  if (events.empty()) return;
  const std::vector<int64_t> ids = NextEventIds(tx, static_cast<int>(events.size()));
  tx.Exec(kInsertEvents, Params().Text(EventsJson(events, ids, keys)));
}

absl::Status AuditLog::Acknowledging() const {
  absl::MutexLock lock(&trust_mu_);
  return witness_failure_;
}

absl::Status AuditLog::Sealing() const {
  absl::MutexLock lock(&trust_mu_);
  return sealing_refused_;
}

namespace {

// An event whose call fails at its deadline before the event is written: a
// read that was going to say OK returns nothing instead.
void RecordAsDeadlineExceeded(AuditEvent& event) {
  if (event.outcome != "OK") return;
  event.outcome = "DEADLINE_EXCEEDED";
  event.content_disclosed = false;
  event.message =
      "the call's deadline passed before its audit record was written; "
      "nothing was returned";
}

}  // namespace

absl::Status AuditLog::AppendDurably(AuditEvent event, absl::Time deadline) {
  // While no witness can hold what the log makes of its events, the call is
  // recorded as refused and the caller gets nothing.
  const absl::Status acknowledging = Acknowledging();
  if (!acknowledging.ok()) {
    event.outcome = "UNAVAILABLE";
    event.content_disclosed = false;
    event.message = std::string(acknowledging.message());
    absl::Status recorded = Enqueue(std::move(event), deadline);
    return recorded.ok() ? acknowledging : recorded;
  }
  return Enqueue(std::move(event), deadline);
}

absl::Status AuditLog::Enqueue(AuditEvent event, absl::Time deadline) {
  auto pending = std::make_shared<Pending>();
  pending->event = std::move(event);
  bool synchronous;
  {
    absl::MutexLock lock(&mu_);
    synchronous = !running_ || stopping_;
    if (!synchronous) {
      // Bounded queue: wait for room, but only as long as the call may
      // wait. Then the call fails, and its event still joins the queue,
      // past the bound, as what the caller got: every call stays on the
      // record, and the overflow is at most one event per call in flight
      // (bounded by the server's threads).
      auto has_room = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return queue_.size() < static_cast<size_t>(options_.max_batch) * 8;
      };
      if (!mu_.AwaitWithDeadline(absl::Condition(&has_room), deadline)) {
        RecordAsDeadlineExceeded(pending->event);
        queue_.push_back(pending);
        return absl::DeadlineExceededError(absl::StrCat(
            "the audit log could not record this call before its deadline: "
            "its queue is full (",
            queue_.size() - 1,
            " records wait while its writers wait on the database to commit "
            "earlier ones), so nothing is returned; try again shortly"));
      }
      queue_.push_back(pending);
    }
  }
  // Without writer threads (not started, or shutting down) the caller writes
  // its own event.
  if (synchronous) return WriteBatch({pending});
  if (pending->done.WaitForNotificationWithDeadline(deadline)) {
    return pending->status;
  }
  absl::MutexLock lock(&mu_);
  if (pending->taken) {
    return absl::DeadlineExceededError(absl::StrCat(
        "the audit log did not record this call before its deadline: its "
        "writer has been waiting on the database to commit the record for ",
        absl::FormatDuration(absl::Trunc(absl::Now() - pending->taken_at,
                                         absl::Milliseconds(1))),
        ", so nothing is returned; try again shortly"));
  }
  // Still queued, so it will be written: as what the caller gets.
  RecordAsDeadlineExceeded(pending->event);
  return absl::DeadlineExceededError(absl::StrCat(
      "the audit log did not record this call before its deadline: the "
      "record is still queued behind ",
      QueuePosition(pending),
      " others while the writers wait on the database to commit earlier "
      "ones, so nothing is returned; try again shortly"));
}

int AuditLog::QueuePosition(const std::shared_ptr<Pending>& pending) const {
  for (size_t i = 0; i < queue_.size(); ++i) {
    if (queue_[i] == pending) return static_cast<int>(i);
  }
  return -1;
}

void AuditLog::WriterLoop() {
  while (true) {
    std::vector<std::shared_ptr<Pending>> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() &&
             batch.size() < static_cast<size_t>(options_.max_batch)) {
        queue_.front()->taken = true;
        queue_.front()->taken_at = absl::Now();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    absl::Status status = WriteBatch(batch);
    for (const std::shared_ptr<Pending>& p : batch) {
      p->status = status;
      p->done.Notify();
    }
  }
}

absl::Status AuditLog::WriteBatch(
    const std::vector<std::shared_ptr<Pending>>& batch) {
  std::vector<const AuditEvent*> events;
  events.reserve(batch.size());
  for (const std::shared_ptr<Pending>& p : batch) events.push_back(&p->event);
  std::string json;
  absl::Status status;
  // One retry for a broken connection or a conflict; then the callers get
  // UNAVAILABLE and return no data. Not for a batch in doubt (UNKNOWN: the
  // connection broke while the statement ran): written twice, every call of
  // the batch would have two events.
  for (int attempt = 0; attempt < 2; ++attempt) {
    // One statement inserts the events and their pending rows, atomic by
    // itself: autocommitted, it is one round trip instead of BEGIN, INSERT
    // and COMMIT, and every read waits for it.
    status = writer_db_->Transact(
        absl::Now() + options_.write_timeout,
        [&](Tx& tx) {
          // The ids first (their own statement: a retry reuses them), then
          // one statement with the events, their MACs and pending rows.
          if (json.empty()) {
            json = EventsJson(events, NextEventIds(tx, static_cast<int>(events.size())),
                              *trust_.keys);
          }
          tx.Exec(kInsertEvents, Params().Text(json));
          return absl::OkStatus();
        },
        Database::Mode::kAutocommit);
    if (status.ok()) return status;
    if (status.code() != absl::StatusCode::kUnavailable &&
        status.code() != absl::StatusCode::kAborted) {
      break;
    }
  }
  spdlog::error("audit: could not write {} events: {}", batch.size(),
                status.ToString());
  return absl::UnavailableError(
      "the audit log could not record this call, so nothing is returned; "
      "try again shortly");
}

namespace {

// "pid 4242 (...)" of whoever holds the sealing lock, or why that cannot be
// said.
std::string SealerLockHolderText(Database& db, absl::Time deadline) {
  absl::StatusOr<std::optional<LockHolder>> holder =
      db.TransactFor<std::optional<LockHolder>>(
          deadline,
          [](Tx& tx) -> absl::StatusOr<std::optional<LockHolder>> {
            return FindAdvisoryLockHolder(tx.raw(), kAuditSealerLockKey);
          },
          Database::Mode::kReadOnly);
  if (!holder.ok()) {
    return absl::StrCat("its holder could not be looked up: ",
                        holder.status().message());
  }
  if (!holder->has_value()) return "it has been released since";
  return absl::StrCat(
      "held by ", DescribeLockHolder(**holder),
      "; a frozen server loses it when PostgreSQL ends its idle transaction "
      "(idle_in_transaction_session_timeout), and SELECT "
      "pg_terminate_backend(",
      (*holder)->pid, ") ends it at once");
}

}  // namespace

void AuditLog::SealerLoop() {
  // Since when another session has kept this sealer from the lock, and when
  // that was last logged: a stuck holder is worth a warning, not one every
  // seal_interval.
  absl::Time held_since = absl::InfiniteFuture();
  absl::Time last_warning = absl::InfinitePast();
  while (!sealer_stop_.WaitForNotificationWithTimeout(options_.seal_interval)) {
    bool refused, witness_failing, head_due;
    {
      absl::MutexLock lock(&trust_mu_);
      refused = !sealing_refused_.ok();  // Said loudly at Start().
      witness_failing = !witness_failure_.ok();
      head_due = absl::Now() - last_head_time_ >= options_.tree_head_interval;
    }
    if (refused) continue;
    absl::StatusOr<SealRound> round =
        SealWhileUncontended(*sealer_db_, absl::Now() + absl::Seconds(30));
    if (!round.ok()) {
      if (round.status().code() == absl::StatusCode::kDataLoss) {
        // The log was tampered with: said once, loudly, and no more
        // sealing (which would build on it) until a restart after repair.
        spdlog::critical("audit sealer: {}", round.status().ToString());
        absl::MutexLock lock(&trust_mu_);
        sealing_refused_ = round.status();
        continue;
      }
      spdlog::warn("audit sealer: {}", round.status().ToString());
      continue;
    }
    // A signed, witnessed head at least every tree_head_interval while
    // events arrive; at once to retry a witness that failed.
    if ((round->sealed > 0 && head_due) || witness_failing) {
      absl::StatusOr<SignedTreeHead> head =
          MakeTreeHead(*sealer_db_, absl::Now() + absl::Seconds(30));
      if (!head.ok() && !witness_failing) {
        spdlog::warn("audit sealer: tree head: {}", head.status().ToString());
      }
    }
    const absl::Time now = absl::Now();
    if (!round->lock_held_elsewhere) {
      held_since = absl::InfiniteFuture();
      continue;
    }
    held_since = std::min(held_since, now);
    if (now - held_since >= options_.sealer_lock_warning_after &&
        now - last_warning >= options_.sealer_lock_warning_every) {
      last_warning = now;
      spdlog::warn(
          "audit sealer: another session has kept the sealing lock for {}, so "
          "no server chains audit events: {}",
          absl::FormatDuration(absl::Trunc(now - held_since, absl::Seconds(1))),
          SealerLockHolderText(*sealer_db_, now + absl::Seconds(5)));
    }
  }
}

absl::StatusOr<int64_t> AuditLog::SealPending(absl::Time deadline) {
  const absl::Time start = absl::Now();
  const absl::Time give_up =
      deadline == absl::InfiniteFuture()
          ? deadline
          : deadline - std::min((deadline - start) / 4, absl::Seconds(1));
  absl::Duration pause = absl::Milliseconds(10);
  int64_t total = 0;
  while (true) {
    CB_ASSIGN_OR_RETURN(SealRound round, SealWhileUncontended(*db_, deadline));
    total += round.sealed;
    if (!round.lock_held_elsewhere) return total;
    const absl::Time now = absl::Now();
    if (now >= give_up) break;
    absl::SleepFor(std::min(pause, give_up - now));
    pause = std::min(pause * 2, absl::Milliseconds(200));
  }
  const std::string holder = SealerLockHolderText(*db_, deadline);
  spdlog::warn("audit: waited {} for the sealing lock until the call's deadline; {}",
               absl::FormatDuration(absl::Trunc(absl::Now() - start,
                                                absl::Milliseconds(1))),
               holder);
  return absl::DeadlineExceededError(absl::StrCat(
      "the audit log could not be brought up to date before the call's "
      "deadline: another database session kept the sealing lock (",
      holder, ")"));
}

absl::StatusOr<AuditLog::SealRound> AuditLog::SealWhileUncontended(
    Database& db, absl::Time deadline) {
  SealRound round;
  while (true) {
    CB_ASSIGN_OR_RETURN(std::optional<int64_t> sealed, SealBatch(db, deadline));
    if (!sealed.has_value()) {
      round.lock_held_elsewhere = true;
      return round;
    }
    round.sealed += *sealed;
    if (*sealed < options_.max_seal_batch) return round;
  }
}

absl::StatusOr<std::optional<int64_t>> AuditLog::SealBatch(Database& db,
                                                           absl::Time deadline) {
  {
    absl::MutexLock lock(&trust_mu_);
    if (!sealing_refused_.ok()) return sealing_refused_;
  }
  const AuditKeyRing& keys = *trust_.keys;
  absl::StatusOr<std::optional<int64_t>> sealed = db.TransactFor<std::optional<int64_t>>(
      deadline, [&](Tx& tx) -> absl::StatusOr<std::optional<int64_t>> {
        if (!tx.ExecOne(kTrySealerLock, Params().Int(kAuditSealerLockKey))["locked"]
                 .as<bool>()) {
          return std::optional<int64_t>();  // Another sealer is at work.
        }
        // Under the lock, this transaction's next statement sees what the
        // previous holder committed, and chains on from it.
        int64_t seq = 0;
        std::string previous;
        pqxx::result head = tx.Exec(kHead);
        if (!head.empty()) {
          seq = head[0][0].as<int64_t>();
          previous = BytesFromField(head[0][1]);
        }
        const BinaryResult rows =
            tx.ExecBinary(kPendingEvents, Params().Int(options_.max_seal_batch));
        if (rows.empty()) return std::optional<int64_t>(0);
        // The tree has a leaf for every seal; more leaves than seals means
        // seals were cut off, and sealing on would reuse their numbers.
        const int64_t leaves = StoredTreeSize(tx);
        if (leaves != seq) {
          return absl::DataLossError(absl::StrCat(
              "the audit log's seals end at ", seq, " but its Merkle tree has ", leaves,
              " leaves: ",
              leaves > seq ? "events were cut off the end of the log"
                           : "the tree is missing leaves",
              ". Nothing is sealed until it is restored; `casebridge audit verify` says "
              "what was done"));
        }
        CB_ASSIGN_OR_RETURN(domain::MerkleFrontier tree, LoadFrontier(tx, seq));
        std::vector<std::string> seqs, ids, contents, chains, macs;
        std::vector<std::string> rejected_ids, reasons;
        std::vector<domain::MerkleNode> nodes;
        const EventColumns columns(rows);
        const int pending_id = rows.Column("pending_id");
        for (int row = 0; row < rows.size(); ++row) {
          if (rows.IsNull(row, columns.id)) {
            // A pending row that names no event (put in by hand): dropped
            // from the queue, on the record, so it cannot stall sealing.
            rejected_ids.push_back(absl::StrCat(rows.Int64(row, pending_id)));
            reasons.push_back("a pending row that names no event");
            continue;
          }
          absl::StatusOr<StoredAuditEvent> read = ReadStoredEvent(rows, row, columns);
          if (!read.ok()) {
            rejected_ids.push_back(absl::StrCat(rows.Int64(row, pending_id)));
            reasons.push_back(absl::StrCat("it cannot be read as an event a server wrote (",
                                           read.status().message(), ")"));
            continue;
          }
          const StoredAuditEvent& stored = *read;
          const std::string canonical = CanonicalAuditContent(stored.id, stored.event);
          // Only what a server wrote is sealed: a row put in with database
          // credentials alone (the runtime role's included) has no MAC
          // that checks.
          if (stored.mac.empty() || !keys.CheckEventMac(canonical, stored.mac)) {
            rejected_ids.push_back(absl::StrCat(stored.id));
            reasons.push_back(stored.mac.empty()
                                  ? "it has no MAC: no server wrote it"
                                  : "its MAC does not check: no server wrote it as it is");
            continue;
          }
          std::string content = Sha256(canonical);
          std::string chain = ChainHash(previous, ++seq, content);
          seqs.push_back(absl::StrCat(seq));
          ids.push_back(absl::StrCat(stored.id));
          macs.push_back(absl::StrCat(
              "\\x", Hex(keys.EventMac(SealMacInput(seq, stored.id, content)))));
          contents.push_back(absl::StrCat("\\x", Hex(content)));
          chains.push_back(absl::StrCat("\\x", Hex(chain)));
          for (domain::MerkleNode& n : tree.Append(domain::MerkleLeafHash(canonical))) {
            nodes.push_back(std::move(n));
          }
          previous = std::move(chain);
        }
        if (!seqs.empty()) {
          tx.Exec(kInsertSeals, Params()
                                    .TextArray(seqs)
                                    .TextArray(ids)
                                    .TextArray(contents)
                                    .TextArray(chains)
                                    .TextArray(macs));
          InsertTreeNodes(tx, nodes);
        }
        if (!rejected_ids.empty()) {
          tx.Exec(kRejectEvents, Params().TextArray(rejected_ids).TextArray(reasons));
          spdlog::error(
              "audit: refused to seal {} event(s) no server wrote (first: event {}, {}); "
              "someone with database credentials put them in the log",
              rejected_ids.size(), rejected_ids.front(), reasons.front());
        }
        return std::optional<int64_t>(static_cast<int64_t>(rows.size()));
      });
  if (!sealed.ok() && sealed.status().code() == absl::StatusCode::kDataLoss) {
    // Tampering found while sealing: no more sealing on top of it, and
    // verification says so.
    absl::MutexLock lock(&trust_mu_);
    sealing_refused_ = sealed.status();
  }
  return sealed;
}

namespace {

// Gives the seals made before the tree existed their leaves, in sealed
// order, so the first signed head covers them. Under the sealing lock;
// nothing to do (the usual case) costs one query.
absl::Status BuildTreeOverOlderSeals(Database& db, absl::Time deadline) {
  constexpr int kChunk = 20000;
  while (true) {
    CB_ASSIGN_OR_RETURN(
        bool done,
        db.TransactFor<bool>(deadline, [&](Tx& tx) -> absl::StatusOr<bool> {
          if (!tx.ExecOne(kTrySealerLock, Params().Int(kAuditSealerLockKey))["locked"]
                   .as<bool>()) {
            return true;  // Another server is sealing: it has a tree already.
          }
          int64_t sealed = 0;
          pqxx::result head = tx.Exec(kHead);
          if (!head.empty()) sealed = head[0][0].as<int64_t>();
          const int64_t leaves = StoredTreeSize(tx);
          if (leaves >= sealed) return true;
          CB_ASSIGN_OR_RETURN(domain::MerkleFrontier tree, LoadFrontier(tx, leaves));
          std::vector<domain::MerkleNode> nodes;
          int64_t expected = leaves + 1;
          const BinaryResult rows =
              tx.ExecBinary(kChainChunk, Params().Int(expected).Int(sealed).Int(kChunk));
          const EventColumns columns(rows);
          const int seq_column = rows.Column("seq");
          for (int row = 0; row < rows.size(); ++row) {
            const int64_t seq = rows.Int64(row, seq_column);
            absl::StatusOr<StoredAuditEvent> stored =
                seq != expected || rows.IsNull(row, columns.id)
                    ? absl::NotFoundError("missing")
                    : ReadStoredEvent(rows, row, columns);
            if (!stored.ok()) {
              return absl::DataLossError(absl::StrCat(
                  "the audit event sealed at ", expected,
                  " is missing or unreadable, so the log's Merkle tree cannot be built "
                  "over the older seals; run `casebridge audit verify` to see what was "
                  "done"));
            }
            for (domain::MerkleNode& n : tree.Append(domain::MerkleLeafHash(
                     CanonicalAuditContent(stored->id, stored->event)))) {
              nodes.push_back(std::move(n));
            }
            ++expected;
          }
          InsertTreeNodes(tx, nodes);
          spdlog::info("audit: Merkle tree built over sealed events {} to {}", leaves + 1,
                       expected - 1);
          return expected > sealed;
        }));
    if (done) return absl::OkStatus();
  }
}

// The newest of the heads the witnesses hold.
std::optional<SignedTreeHead> NewestOf(const std::vector<TreeHeadWitness*>& witnesses,
                                       std::string* problem) {
  std::optional<SignedTreeHead> newest;
  for (TreeHeadWitness* w : witnesses) {
    absl::StatusOr<std::optional<SignedTreeHead>> head = w->Newest();
    if (!head.ok()) {
      if (problem != nullptr) {
        *problem = absl::StrCat("witness ", w->Describe(), ": ", head.status().message());
      }
      continue;
    }
    if (head->has_value() && (!newest.has_value() || (*head)->tree_size > newest->tree_size)) {
      newest = **head;
    }
  }
  return newest;
}

}  // namespace

std::optional<SignedTreeHead> AuditLog::NewestWitnessedHead(std::string* problem) {
  return NewestOf(trust_.witnesses, problem);
}

absl::StatusOr<SignedTreeHead> AuditLog::MakeTreeHead(Database& db, absl::Time deadline) {
  const AuditKeyRing& keys = *trust_.keys;
  absl::StatusOr<SignedTreeHead> made =
      db.TransactFor<SignedTreeHead>(deadline, [&](Tx& tx) -> absl::StatusOr<SignedTreeHead> {
        int64_t size = 0;
        pqxx::result r = tx.Exec(kHead);
        if (!r.empty()) size = r[0][0].as<int64_t>();
        std::optional<SignedTreeHead> newest = NewestTreeHead(tx);
        if (newest.has_value() && newest->tree_size == size) return *newest;
        // A head is signed only for a tree that extends every head before
        // it: the newest witnessed one and the newest stored one must still
        // be its prefixes (their roots from today's nodes). Else the nodes
        // or the log under them were rewritten or cut, and signing would
        // vouch for that.
        std::string problem;
        std::optional<SignedTreeHead> witnessed = NewestWitnessedHead(&problem);
        for (const std::optional<SignedTreeHead>& before : {witnessed, newest}) {
          if (!before.has_value() || !keys.Verify(*before).ok()) continue;
          absl::StatusOr<std::string> root_then =
              before->tree_size <= size ? RootFromStore(tx, before->tree_size)
                                        : absl::StatusOr<std::string>(absl::NotFoundError(""));
          if (!root_then.ok() || *root_then != before->root_hash) {
            return absl::DataLossError(absl::StrCat(
                "the audit log no longer extends the signed head of ", before->tree_size,
                " events (", absl::FormatTime(before->time),
                "): events under it were rewritten, removed or cut off. No head is "
                "signed and nothing is sealed until it is restored; `casebridge audit "
                "verify` says what was done"));
          }
        }
        CB_ASSIGN_OR_RETURN(std::string root, RootFromStore(tx, size));
        SignedTreeHead signed_head =
            keys.Sign(size, root, absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())));
        InsertTreeHead(tx, signed_head);
        return signed_head;
      });
  if (!made.ok()) {
    if (made.status().code() == absl::StatusCode::kDataLoss) {
      spdlog::critical("audit: {}", made.status().ToString());
      absl::MutexLock lock(&trust_mu_);
      sealing_refused_ = made.status();
    }
    return made.status();
  }
  SignedTreeHead head = *std::move(made);
  // The database first: a head a witness holds is always in the database
  // too (else the next start would find the database behind the witness).
  absl::Status failure;
  for (TreeHeadWitness* w : trust_.witnesses) {
    absl::Status recorded = w->Record(head);
    if (recorded.ok() || recorded.code() == absl::StatusCode::kFailedPrecondition) {
      // FAILED_PRECONDITION: the witness already holds a newer head (another
      // server's); this one is in the database and covered by it.
      continue;
    }
    failure = absl::UnavailableError(absl::StrCat(
        "the audit log's witness ", w->Describe(),
        " cannot record signed tree heads, so calls are refused until it can: ",
        recorded.message()));
    spdlog::critical("audit: {}", std::string(failure.message()));
    break;
  }
  absl::MutexLock lock(&trust_mu_);
  witness_failure_ = failure;
  if (!failure.ok()) return failure;
  last_head_time_ = absl::Now();
  last_head_size_ = head.tree_size;
  return head;
}

namespace {

constexpr Statement kEventKeyCheck = {
    "cb_audit_event_key_check", "SELECT mac FROM audit_event_key_check"};
constexpr Statement kSetEventKeyCheck = {
    "cb_audit_set_event_key_check",
    "INSERT INTO audit_event_key_check (mac) VALUES ($1) ON CONFLICT DO NOTHING"};
constexpr absl::string_view kEventKeyCheckText = "casebridge audit event key check v1";

}  // namespace

absl::Status CheckAuditEventKey(Database& db, const AuditKeyRing& keys, absl::Time deadline) {
  return db.Transact(deadline, [&](Tx& tx) -> absl::Status {
    pqxx::result r = tx.Exec(kEventKeyCheck);
    if (r.empty()) {
      tx.Exec(kSetEventKeyCheck, Params().Bytes(keys.EventMac(kEventKeyCheckText)));
      return absl::OkStatus();
    }
    if (!keys.CheckEventMac(kEventKeyCheckText, BytesFromField(r[0]["mac"]))) {
      return absl::FailedPreconditionError(
          "this server's audit event key (--audit_key_dir) is not the one the log's events "
          "are authenticated with: it would refuse every other server's events as forged. "
          "Give it a copy of the key directory the other servers use");
    }
    return absl::OkStatus();
  });
}

absl::Status AuditLog::CheckAgainstWitnesses(absl::Time deadline) {
  if (absl::Status key = CheckAuditEventKey(*db_, *trust_.keys, deadline); !key.ok()) {
    absl::MutexLock lock(&trust_mu_);
    sealing_refused_ = key;
    return key;
  }
  // A database from before the tree: its sealed events become the tree's
  // first leaves (in their sealed order), under the sealing lock.
  CB_RETURN_IF_ERROR(BuildTreeOverOlderSeals(*db_, deadline));
  std::string problem;
  std::optional<SignedTreeHead> witnessed = NewestWitnessedHead(&problem);
  if (!problem.empty()) spdlog::warn("audit: {}", problem);
  absl::Status refusal;
  if (witnessed.has_value()) {
    absl::Status signature = trust_.keys->Verify(*witnessed);
    CB_ASSIGN_OR_RETURN(
        refusal,
        db_->TransactFor<absl::Status>(
            deadline,
            [&](Tx& tx) -> absl::StatusOr<absl::Status> {
              int64_t size = 0;
              pqxx::result r = tx.Exec(kHead);
              if (!r.empty()) size = r[0][0].as<int64_t>();
              if (!signature.ok()) {
                return absl::FailedPreconditionError(absl::StrCat(
                    "the newest witnessed tree head (", witnessed->tree_size,
                    " events) does not check against this server's keys: ",
                    signature.message()));
              }
              if (size < witnessed->tree_size) {
                return absl::FailedPreconditionError(absl::StrCat(
                    "the audit log in the database ends at event ", size,
                    " but a witness holds a signed head of ", witnessed->tree_size,
                    " events (", absl::FormatTime(witnessed->time),
                    "): its tail was cut off, or this is an older copy of the "
                    "database. Nothing is sealed until it is restored"));
              }
              absl::StatusOr<std::string> root = RootFromStore(tx, witnessed->tree_size);
              if (!root.ok() || *root != witnessed->root_hash) {
                return absl::FailedPreconditionError(absl::StrCat(
                    "the audit log in the database does not lead to the signed head "
                    "a witness holds (", witnessed->tree_size, " events, ",
                    absl::FormatTime(witnessed->time),
                    "): its history was rewritten. Nothing is sealed until it is "
                    "restored"));
              }
              return absl::OkStatus();
            },
            Database::Mode::kReadOnly));
  }
  {
    absl::MutexLock lock(&trust_mu_);
    sealing_refused_ = refusal;
  }
  if (!refusal.ok()) return refusal;
  // The first head (a new log, or one from before the tree) and a witness
  // that has none yet get the head of the log as it is.
  return MakeTreeHead(*db_, deadline).status();
}

absl::StatusOr<AuditCheckpointValue> AuditLog::Head(absl::Time deadline) {
  return db_->TransactFor<AuditCheckpointValue>(
      deadline, [](Tx& tx) -> absl::StatusOr<AuditCheckpointValue> {
        AuditCheckpointValue head;
        pqxx::result r = tx.Exec(kHead);
        if (!r.empty()) {
          head.sequence = r[0][0].as<int64_t>();
          head.chain_hash = BytesFromField(r[0][1]);
          head.time = absl::FromUnixMicros(r[0][2].as<int64_t>());
        }
        return head;
      });
}

absl::StatusOr<SignedTreeHead> AuditLog::CurrentTreeHead(absl::Time deadline) {
  CB_RETURN_IF_ERROR(SealPending(deadline).status());
  return MakeTreeHead(*db_, deadline);
}

absl::StatusOr<SignedTreeHead> AuditLog::TreeHeadOfSize(int64_t size, absl::Time deadline) {
  return db_->TransactFor<SignedTreeHead>(
      deadline,
      [&](Tx& tx) -> absl::StatusOr<SignedTreeHead> {
        std::optional<SignedTreeHead> head = storage::TreeHeadOfSize(tx, size);
        if (!head.has_value()) {
          return absl::NotFoundError(absl::StrCat(
              "no tree head was signed at ", size,
              " events; ask for the current one (0) or one GetAuditTreeHead gave"));
        }
        return *head;
      },
      Database::Mode::kReadOnly);
}

absl::StatusOr<std::vector<std::string>> AuditLog::InclusionProof(int64_t sequence,
                                                                  int64_t tree_size,
                                                                  absl::Time deadline) {
  return db_->TransactFor<std::vector<std::string>>(
      deadline,
      [&](Tx& tx) { return InclusionProofFromStore(tx, sequence - 1, tree_size); },
      Database::Mode::kReadOnly);
}

absl::StatusOr<std::vector<std::string>> AuditLog::ConsistencyProof(int64_t old_size,
                                                                    int64_t new_size,
                                                                    absl::Time deadline) {
  return db_->TransactFor<std::vector<std::string>>(
      deadline, [&](Tx& tx) { return ConsistencyProofFromStore(tx, old_size, new_size); },
      Database::Mode::kReadOnly);
}

absl::StatusOr<std::pair<std::string, StoredAuditEvent>> AuditLog::EntryAt(
    int64_t sequence, absl::Time deadline) {
  using Entry = std::pair<std::string, StoredAuditEvent>;
  return db_->TransactFor<Entry>(
      deadline,
      [&](Tx& tx) -> absl::StatusOr<Entry> {
        const BinaryResult rows =
            tx.ExecBinary(kChainChunk, Params().Int(sequence).Int(sequence).Int(1));
        if (rows.empty() || rows.Int64(0, rows.Column("seq")) != sequence) {
          return absl::NotFoundError(absl::StrCat("no audit event is sealed at ", sequence));
        }
        const EventColumns columns(rows);
        if (rows.IsNull(0, columns.id)) {
          return absl::DataLossError(absl::StrCat(
              "the audit event sealed at ", sequence, " has been deleted"));
        }
        absl::StatusOr<StoredAuditEvent> read = ReadStoredEvent(rows, 0, columns);
        if (!read.ok()) {
          return absl::DataLossError(absl::StrCat("the audit event sealed at ", sequence,
                                                  " cannot be read: ", read.status().message()));
        }
        StoredAuditEvent stored = *std::move(read);
        stored.sequence = sequence;
        std::string entry = CanonicalAuditContent(stored.id, stored.event);
        return Entry(std::move(entry), std::move(stored));
      },
      Database::Mode::kReadOnly);
}

namespace {

// One seal, its event and what the walk checks of them, derived off the
// walk's thread.
struct SealedRow {
  int64_t seq = 0;
  int64_t event_id = 0;
  std::string content_hash;  // As the seal holds them.
  std::string chain_hash;
  bool event_present = false;   // False when the event was deleted.
  bool event_readable = false;  // False for an event no server could write.
  std::string read_error;
  // Derived from the stored event.
  std::string actual_content_hash;
  std::string leaf_hash;
  bool has_mac = false;
  bool mac_ok = false;
  bool has_seal_mac = false;
  bool seal_mac_ok = false;
};

// A chunk of the walk: consecutive seals by sequence number (fewer rows
// than numbers where seals are missing).
struct SealedChunk {
  std::vector<SealedRow> rows;
};

absl::StatusOr<SealedChunk> ReadSealedChunk(Database& db, const AuditKeyRing& keys,
                                            int64_t first, int64_t last, absl::Time deadline) {
  SealedChunk chunk;
  CB_RETURN_IF_ERROR(db.Transact(
      deadline,
      [&](Tx& tx) -> absl::Status {
        const BinaryResult r = tx.ExecBinary(
            kChainChunk, Params().Int(first).Int(last).Int(last - first + 1));
        const EventColumns event(r);
        const int seq = r.Column("seq"), event_id = r.Column("event_id"),
                  content_hash = r.Column("content_hash"),
                  chain_hash = r.Column("chain_hash"), seal_mac = r.Column("seal_mac");
        chunk.rows.resize(static_cast<size_t>(r.size()));
        for (int i = 0; i < r.size(); ++i) {
          SealedRow& row = chunk.rows[static_cast<size_t>(i)];
          row.seq = r.Int64(i, seq);
          row.event_id = r.Int64(i, event_id);
          row.content_hash = std::string(r.Bytes(i, content_hash));
          row.chain_hash = std::string(r.Bytes(i, chain_hash));
          row.has_seal_mac = !r.IsNull(i, seal_mac);
          if (row.has_seal_mac) {
            row.seal_mac_ok = keys.CheckEventMac(
                SealMacInput(row.seq, row.event_id, row.content_hash), r.Bytes(i, seal_mac));
          }
          row.event_present = !r.IsNull(i, event.id);
          if (!row.event_present) continue;  // The walk names the deletion.
          absl::StatusOr<StoredAuditEvent> stored = ReadStoredEvent(r, i, event);
          if (!stored.ok()) {
            row.read_error = std::string(stored.status().message());
            continue;
          }
          row.event_readable = true;
          const std::string canonical = CanonicalAuditContent(stored->id, stored->event);
          row.actual_content_hash = Sha256(canonical);
          row.leaf_hash = domain::MerkleLeafHash(canonical);
          row.has_mac = !stored->mac.empty();
          row.mac_ok = row.has_mac && keys.CheckEventMac(canonical, stored->mac);
        }
        return absl::OkStatus();
      },
      Database::Mode::kReadOnly));
  return chunk;
}

// The seals from `from` to `to` in chunks, in order, read and hashed ahead
// of the walk by a few threads, each on a connection of its own: the
// database reads one chunk while another is hashed, and both cores stay
// busy. At most kAhead chunks wait for the walk.
class SealedChunkReader {
 public:
  static constexpr int kReaders = 3;
  static constexpr int kAhead = 6;

  SealedChunkReader(Database& db, const AuditKeyRing& keys, int64_t from, int64_t to,
                    int64_t chunk_size, absl::Time deadline)
      : db_(db),
        keys_(keys),
        from_(from),
        to_(to),
        chunk_size_(std::max<int64_t>(1, chunk_size)),
        deadline_(deadline) {
    const int64_t chunks = to < from ? 0 : (to - from) / chunk_size_ + 1;
    // Readers hold pooled connections: leave the pool some for the calls.
    const int readers = static_cast<int>(std::min<int64_t>(
        {chunks, kReaders, std::max(1, db.pool_size() / 2)}));
    for (int i = 0; i < readers; ++i) threads_.emplace_back([this] { Run(); });
  }

  ~SealedChunkReader() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& t : threads_) t.join();
  }

  // The next chunk of the walk; nullopt after the last.
  absl::StatusOr<std::optional<SealedChunk>> Next() {
    absl::MutexLock lock(&mu_);
    const int64_t index = next_to_walk_;
    if (from_ + index * chunk_size_ > to_) return std::optional<SealedChunk>();
    auto ready = [this, index]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return ready_.contains(index);
    };
    mu_.Await(absl::Condition(&ready));
    auto it = ready_.find(index);
    absl::StatusOr<SealedChunk> chunk = std::move(it->second);
    ready_.erase(it);
    ++next_to_walk_;
    if (!chunk.ok()) return chunk.status();
    return std::optional<SealedChunk>(*std::move(chunk));
  }

 private:
  void Run() {
    while (true) {
      int64_t index;
      {
        absl::MutexLock lock(&mu_);
        auto may_read = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || next_to_read_ < next_to_walk_ + kAhead;
        };
        mu_.Await(absl::Condition(&may_read));
        if (stopping_) return;
        index = next_to_read_++;
      }
      const int64_t first = from_ + index * chunk_size_;
      if (first > to_) return;
      absl::StatusOr<SealedChunk> chunk = ReadSealedChunk(
          db_, keys_, first, std::min(to_, first + chunk_size_ - 1), deadline_);
      absl::MutexLock lock(&mu_);
      ready_.emplace(index, std::move(chunk));
    }
  }

  Database& db_;
  const AuditKeyRing& keys_;
  const int64_t from_, to_, chunk_size_;
  const absl::Time deadline_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_to_read_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_to_walk_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<int64_t, absl::StatusOr<SealedChunk>> ready_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace

absl::StatusOr<AuditVerification> AuditLog::Verify(
    int64_t from_sequence, int64_t to_sequence,
    const AuditCheckpointValue* checkpoint, absl::Time deadline) {
  AuditVerification result;
  absl::StatusOr<AuditCheckpointValue> head = Head(deadline);
  if (!head.ok()) return head.status();
  result.head = *head;
  int64_t from = from_sequence > 0 ? from_sequence : 1;
  int64_t to = to_sequence > 0 ? std::min(to_sequence, head->sequence)
                               : head->sequence;
  auto fail = [&result](AuditProblem problem, int64_t seq, std::string detail) {
    result.ok = false;
    result.problem = problem;
    result.first_bad_sequence = seq;
    result.detail = std::move(detail);
  };

  // The newest head a witness holds: the database must reach it, and lead
  // to its root.
  std::string witness_problem;
  result.witnessed = NewestWitnessedHead(&witness_problem);
  if (!witness_problem.empty()) spdlog::warn("audit verify: {}", witness_problem);
  // A log shorter than the witnessed head was cut off: said after the walk,
  // so damage earlier in the log is named first.
  const bool truncated =
      result.witnessed.has_value() && head->sequence < result.witnessed->tree_size;

  if (checkpoint != nullptr && checkpoint->sequence > head->sequence) {
    fail(AuditProblem::kRemoved, head->sequence + 1,
         absl::StrCat("the chain ends at ", head->sequence,
                      " but the checkpoint was taken at ",
                      checkpoint->sequence, ": events were removed"));
    return result;
  }

  // The hash the walk starts from: the one before `from`.
  std::string previous;
  if (from > 1) {
    absl::Status s = db_->Transact(deadline, [&](Tx& tx) {
      pqxx::result r = tx.Exec(kChainHashAt, Params().Int(from - 1));
      if (!r.empty()) previous = BytesFromField(r[0][0]);
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    if (previous.empty()) {
      fail(AuditProblem::kRemoved, from - 1,
           absl::StrCat("the seal of event ", from - 1, " is missing"));
      return result;
    }
  }

  // The Merkle tree as the walk rebuilds it from the events, the signed
  // heads it must meet on the way, and up to where events may predate MACs
  // (the first signed head covers the log as it was before them).
  const AuditKeyRing& keys = *trust_.keys;
  std::optional<domain::MerkleFrontier> tree;
  std::deque<SignedTreeHead> heads;
  int64_t unauthenticated_until = 0;
  {
    absl::Status s = db_->Transact(
        deadline,
        [&](Tx& tx) -> absl::Status {
          if (from == 1) {
            CB_ASSIGN_OR_RETURN(tree, domain::MerkleFrontier::FromNodes(0, {}));
          } else {
            absl::StatusOr<domain::MerkleFrontier> loaded = LoadFrontier(tx, from - 1);
            if (loaded.ok()) tree = *std::move(loaded);
          }
          for (SignedTreeHead& h : TreeHeadsBetween(tx, from, to)) heads.push_back(std::move(h));
          std::optional<SignedTreeHead> oldest = OldestTreeHead(tx);
          if (oldest.has_value() && keys.Verify(*oldest).ok()) {
            unauthenticated_until = oldest->tree_size;
          }
          return absl::OkStatus();
        },
        Database::Mode::kReadOnly);
    if (!s.ok()) return s;
  }
  if (result.witnessed.has_value() && result.witnessed->tree_size >= from &&
      result.witnessed->tree_size <= to) {
    auto at = std::find_if(heads.begin(), heads.end(), [&](const SignedTreeHead& h) {
      return h.tree_size >= result.witnessed->tree_size;
    });
    if (at == heads.end() || at->tree_size != result.witnessed->tree_size ||
        at->root_hash != result.witnessed->root_hash) {
      heads.insert(at, *result.witnessed);
    }
  }
  int64_t last_good_head = from - 1;

  // The chain hash before `previous`, once the walk has passed it: a seal
  // that chains from it instead of from `previous` names an insertion.
  std::optional<std::string> before_previous;

  // Where the chain breaks at `seq` (a seal whose chain hash does not follow,
  // or whose content hash matches no event), the seal after it tells what
  // was done: each kind of tampering leaves its own pattern.
  // `actual_content_hash` is the hash of the event as it is now; it differs
  // from the sealed `content_hash` when the event changed, and is then
  // looked for among the other seals (events that traded places). The
  // lookups run on a connection of their own, beside the walk's readers.
  auto explain_break_in = [&](Tx& tx, int64_t seq, int64_t event_id,
                              const std::string& content_hash,
                              const std::string& actual_content_hash,
                              const std::string& chain_hash) {
    const bool content_matches = actual_content_hash == content_hash;
    if (!content_matches) {
      pqxx::result elsewhere =
          tx.Exec(kSealOfContent, Params().Bytes(actual_content_hash).Int(seq));
      if (!elsewhere.empty()) {
        fail(AuditProblem::kReordered, seq,
             absl::StrCat("event ", event_id, " at ", seq, " holds the content sealed at ",
                          elsewhere[0]["seq"].as<int64_t>()));
        return;
      }
    }
    std::optional<std::pair<std::string, std::string>> next;  // content, chain
    pqxx::result r = tx.Exec(kSealAt, Params().Int(seq + 1));
    if (!r.empty()) next.emplace(BytesFromField(r[0][0]), BytesFromField(r[0][1]));
    const bool next_follows_previous =
        next.has_value() &&
        ChainHash(previous, seq, next->first) == next->second;
    if (content_matches && before_previous.has_value() &&
        ChainHash(*before_previous, seq - 1, content_hash) == chain_hash) {
      // This seal chains from the one before the last: the last was put in.
      fail(AuditProblem::kInserted, seq - 1,
           absl::StrCat("the seal at ", seq - 1,
                        " was inserted: the chain continues past it at ", seq,
                        " as if it were not there"));
    } else if (next_follows_previous && content_matches &&
               ChainHash(next->second, seq + 1, content_hash) == chain_hash) {
      fail(AuditProblem::kReordered, seq,
           absl::StrCat("the seals at ", seq, " and ", seq + 1,
                        " (event ", event_id, ") have traded places"));
    } else if (next_follows_previous) {
      fail(AuditProblem::kInserted, seq,
           absl::StrCat("event ", event_id, " at ", seq,
                        " was inserted: the chain continues past it at ",
                        seq + 1, " as if it were not there"));
    } else if (content_matches && next.has_value() &&
               ChainHash(chain_hash, seq + 2, next->first) == next->second) {
      fail(AuditProblem::kRemoved, seq,
           absl::StrCat("the event sealed at ", seq,
                        " was removed and the later seals renumbered (event ",
                        event_id, " was sealed at ", seq + 1, ")"));
    } else if (!content_matches) {
      fail(AuditProblem::kAltered, seq,
           absl::StrCat("event ", event_id, " at ", seq,
                        " was altered after it was sealed"));
    } else {
      fail(AuditProblem::kInserted, seq,
           absl::StrCat("the chain breaks at ", seq, " (event ", event_id,
                        "): a seal was inserted, removed or rewritten"));
    }
  };

  auto explain_break = [&](const SealedRow& row) {
    return db_->Transact(
        deadline,
        [&](Tx& tx) {
          explain_break_in(tx, row.seq, row.event_id, row.content_hash,
                           row.actual_content_hash, row.chain_hash);
          return absl::OkStatus();
        },
        Database::Mode::kReadOnly);
  };

  // Each step follows from the one before, so the walk itself is sequential;
  // the reading and hashing it needs run ahead of it (SealedChunkReader).
  SealedChunkReader chunks(*db_, keys, from, to, options_.verify_chunk_size, deadline);
  std::optional<int64_t> first_event_walked;
  int64_t expected = from;
  while (result.ok && expected <= to) {
    CB_ASSIGN_OR_RETURN(std::optional<SealedChunk> chunk, chunks.Next());
    if (!chunk.has_value()) break;
    if (chunk->rows.empty()) {
      fail(AuditProblem::kRemoved, expected,
           absl::StrCat("the seals from ", expected, " to ", to, " are missing"));
      break;
    }
    for (SealedRow& row : chunk->rows) {
      const int64_t seq = row.seq;
      const int64_t event_id = row.event_id;
      if (seq != expected) {
        fail(AuditProblem::kRemoved, expected,
             absl::StrCat("the event sealed at ", expected,
                          " is missing from the chain (next is ", seq, ")"));
        break;
      }
      if (!row.event_present) {
        fail(AuditProblem::kRemoved, seq,
             absl::StrCat("event ", event_id, " sealed at ", seq, " has been deleted"));
        break;
      }
      if (!row.event_readable) {
        fail(AuditProblem::kAltered, seq,
             absl::StrCat("event ", event_id, " at ", seq,
                          " was altered after it was sealed: it no longer reads as an "
                          "event a server wrote (", row.read_error, ")"));
        break;
      }
      if (row.actual_content_hash != row.content_hash ||
          ChainHash(previous, seq, row.content_hash) != row.chain_hash) {
        CB_RETURN_IF_ERROR(explain_break(row));
        break;
      }
      // What only a server could have made: the event's MAC, and its
      // seal's, binding it to its place.
      if (!row.has_mac || !row.has_seal_mac) {
        if (seq > unauthenticated_until) {
          fail(AuditProblem::kForged, seq,
               absl::StrCat("event ", event_id, " at ", seq, " has no ",
                            !row.has_mac ? "MAC" : "seal MAC",
                            ": no server wrote it; it was put in with database "
                            "credentials"));
          break;
        }
      } else if (!row.mac_ok) {
        fail(AuditProblem::kAltered, seq,
             absl::StrCat("event ", event_id, " at ", seq,
                          " was altered after it was written: its MAC no longer "
                          "checks (its hashes were recomputed to hide it)"));
        break;
      } else if (!row.seal_mac_ok) {
        fail(AuditProblem::kForged, seq,
             absl::StrCat("the seal at ", seq, " (event ", event_id,
                          ") was not made by a server: events were moved, removed or "
                          "renumbered"));
        break;
      }
      if (tree.has_value()) {
        tree->Append(row.leaf_hash);
        while (!heads.empty() && heads.front().tree_size == seq) {
          const SignedTreeHead& h = heads.front();
          absl::Status signature = keys.Verify(h);
          if (!signature.ok() || tree->Root() != h.root_hash) {
            fail(AuditProblem::kHeadMismatch, last_good_head + 1,
                 absl::StrCat("the events from ", last_good_head + 1, " to ", seq,
                              " no longer make the tree of the signed head of ", seq,
                              " events (", absl::FormatTime(h.time), "): ",
                              signature.ok() ? "its root differs"
                                             : std::string(signature.message())));
            break;
          }
          last_good_head = seq;
          result.tree_head = h;
          heads.pop_front();
        }
        if (!result.ok) break;
      }
      if (checkpoint != nullptr && seq == checkpoint->sequence &&
          row.chain_hash != checkpoint->chain_hash) {
        fail(AuditProblem::kCheckpointMismatch, seq,
             absl::StrCat("the chain no longer passes through the "
                          "checkpoint at ", seq, ": history before it was "
                          "rewritten"));
        break;
      }
      if (!first_event_walked.has_value()) first_event_walked = event_id;
      before_previous = std::move(previous);
      previous = std::move(row.chain_hash);
      ++result.events_checked;
      ++expected;
    }
  }
  if (result.ok && expected <= to) {
    fail(AuditProblem::kRemoved, expected,
         absl::StrCat("the seals from ", expected, " to ", to, " are missing"));
  }

  if (result.ok && truncated && to == head->sequence) {
    fail(AuditProblem::kTruncated, head->sequence + 1,
         absl::StrCat("the log ends at event ", head->sequence, " but a witness holds a ",
                      "signed head of ", result.witnessed->tree_size, " events (",
                      absl::FormatTime(result.witnessed->time), "): events ",
                      head->sequence + 1, " to ", result.witnessed->tree_size,
                      " were cut off"));
    return result;
  }
  if (result.ok) {
    // A log the sealer refuses to seal into (tampered with) does not verify,
    // even when what is sealed does: its newer events are nowhere.
    absl::Status refused;
    {
      absl::MutexLock lock(&trust_mu_);
      refused = sealing_refused_;
    }
    if (!refused.ok()) {
      fail(refused.code() == absl::StatusCode::kDataLoss ? AuditProblem::kHeadMismatch
                                                          : AuditProblem::kTruncated,
           0, absl::StrCat("the sealer refuses to seal: ", refused.message()));
      return result;
    }
  }
  // Every walk, partial (--since) ones included, reports rows the sealer
  // refused: a cheap look at a table that is empty unless someone forged.
  if (result.ok) {
    absl::Status s = db_->Transact(deadline, [&](Tx& tx) {
      pqxx::result rejected = tx.Exec(kRejectedEvent);
      if (!rejected.empty()) {
        fail(AuditProblem::kForged, 0,
             absl::StrCat("event ", rejected[0]["event_id"].as<int64_t>(),
                          " was put in the log by someone without the server's key, "
                          "and the sealer refused it: ",
                          rejected[0]["reason"].c_str()));
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
  }
  // A walk to the end of the log also looks for events slipped in beside
  // the chain: all of them for a whole walk, those since the first event it
  // walked for one from a saved head.
  if (result.ok && to == head->sequence && first_event_walked.has_value()) {
    absl::Status s = db_->Transact(deadline, [&](Tx& tx) {
      pqxx::result orphan =
          tx.Exec(kOrphanEvent, Params().Int(from == 1 ? 0 : *first_event_walked));
      if (!orphan.empty()) {
        int64_t id = orphan[0][0].as<int64_t>();
        fail(AuditProblem::kInserted, 0,
             absl::StrCat("event ", id,
                          " is in the log but was never chained: it was "
                          "inserted outside the server"));
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
  }
  return result;
}

}  // namespace casebridge::storage
