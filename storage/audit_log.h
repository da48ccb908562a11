#ifndef CASEBRIDGE_STORAGE_AUDIT_LOG_H_
#define CASEBRIDGE_STORAGE_AUDIT_LOG_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "storage/audit_keys.h"
#include "storage/database.h"
#include "storage/tree_head_witness.h"

namespace casebridge::storage {

// One RPC, as the audit log records it.
struct AuditEvent {
  absl::Time time;
  std::string user_id;  // Empty when unauthenticated.
  std::string username;
  std::string agency_id;
  std::vector<int> roles;
  // The credential that acted (users/{user}/tokens/{token}); empty when
  // none was valid.
  std::string credential;
  std::string peer;
  std::string method;
  std::vector<std::string> resources;
  std::string case_id;
  std::string case_reference;
  std::string case_owner_agency_id;
  std::string outcome;  // gRPC code name: OK, NOT_FOUND, ...
  std::string message;
  std::string request_id;
  std::vector<std::string> changed_fields;
  std::string old_etag;
  std::string new_etag;
  bool content_disclosed = false;
  // Calls this event stands for: more than 1 only for a summary of refused
  // calls of one kind from one caller (services/refusal_ledger.h).
  int64_t call_count = 1;
};

// An event as stored, with its place in the chain once sealed.
struct StoredAuditEvent {
  int64_t id = 0;
  AuditEvent event;
  // The server's HMAC over CanonicalAuditContent (AuditKeyRing::EventMac);
  // empty for events written before the log was authenticated.
  std::string mac;
  int64_t sequence = 0;  // 0 until sealed.
  std::string content_hash;
  std::string chain_hash;
};

// The canonical bytes of an event (and its id) that its content hash covers:
// every field, length-prefixed, in a fixed order. Changing this breaks every
// existing chain, so it is versioned by the leading tag. Fields added later
// (credential, call_count) are appended, each with a tag of its own, only
// when they differ from their defaults: events written before they existed
// keep the bytes they were sealed with, and no two events share bytes.
std::string CanonicalAuditContent(int64_t id, const AuditEvent& event);
// SHA-256(previous chain hash || big-endian seq || content hash). The first
// event's previous hash is 32 zero bytes.
std::string ChainHash(absl::string_view previous_chain_hash, int64_t sequence,
                      absl::string_view content_hash);

// What the sealer's MAC covers: an event's place (seq), its id and its
// content hash, so that moving, removing or renumbering events needs the key.
std::string SealMacInput(int64_t sequence, int64_t event_id,
                         absl::string_view content_hash);

// FAILED_PRECONDITION when the log's events are authenticated with another
// event key than `keys`' (a server given the wrong key directory would
// refuse every other server's events as forged); records this key's check
// value when the log has none yet.
absl::Status CheckAuditEventKey(Database& db, const AuditKeyRing& keys, absl::Time deadline);

// The PostgreSQL advisory lock held (in the sealing transaction) by whoever
// is sealing: one sealer at a time across every server on the database.
inline constexpr int64_t kAuditSealerLockKey = 0x4361736553656c;  // "CaseSel"

struct AuditCheckpointValue {
  int64_t sequence = 0;
  std::string chain_hash;  // Raw bytes; empty for an empty chain.
  absl::Time time;
};

enum class AuditProblem {
  kNone,
  kAltered,
  kRemoved,
  kInserted,
  kCheckpointMismatch,
  kReordered,
  // An event or seal the server did not write: its MAC is missing or wrong
  // (written by someone holding only database credentials).
  kForged,
  // The log is shorter than a head a witness holds: its tail was cut off.
  kTruncated,
  // The tree no longer has the root a signed head gave it, or a head's
  // signature does not check.
  kHeadMismatch,
};

struct AuditVerification {
  bool ok = true;
  int64_t events_checked = 0;
  int64_t first_bad_sequence = 0;
  AuditProblem problem = AuditProblem::kNone;
  std::string detail;
  AuditCheckpointValue head;
  // The newest head a witness holds, checked against (none: no witness, or
  // none has a head yet).
  std::optional<SignedTreeHead> witnessed;
  // The signed head of the log as verified (its size is the last event
  // checked when the walk reached the end).
  std::optional<SignedTreeHead> tree_head;
};

// What makes the log verifiable without trusting the database
// (docs/AUDIT.md): the keys, which the database never holds, and the
// witnesses every signed tree head goes to. Not owned; they outlive the log.
struct AuditTrust {
  const AuditKeyRing* keys = nullptr;
  std::vector<TreeHeadWitness*> witnesses;
};

struct AuditLogOptions {
  // Most events one group commit writes.
  int max_batch = 1000;
  // Threads writing group commits; two let one batch fill while another
  // commits.
  int writers = 2;
  // How long one group commit may take. Each is one autocommitted
  // statement, so this is also the statement_timeout the writers'
  // connections should have (ServerApp opens them so).
  absl::Duration write_timeout = absl::Seconds(10);
  // How often the sealer looks for committed, unchained events.
  absl::Duration seal_interval = absl::Milliseconds(200);
  int max_seal_batch = 10000;
  // When another session has kept the background sealer from the sealing
  // lock this long (a frozen server, say: nothing is chained meanwhile), it
  // logs a warning naming that session, then again at most this often.
  absl::Duration sealer_lock_warning_after = absl::Seconds(10);
  absl::Duration sealer_lock_warning_every = absl::Minutes(1);
  // While events arrive, a signed tree head at least this often.
  absl::Duration tree_head_interval = absl::Seconds(1);
  // Seals per query of the verification walk (each read and hashed ahead of
  // the walk on a connection of its own). Tests make it small to walk many
  // chunks.
  int64_t verify_chunk_size = 8192;
};

// The one audit path. Writes append their event inside their own
// transaction (AppendInTransaction), so the change and its record commit
// together. Everything else (reads, denials, failures) goes through
// AppendDurably, which group-commits events from many calls in one
// transaction and returns only once the event is durable; a read whose event
// cannot be written gets an error and must not return data. A sealer thread
// chains committed events in the order it observes them.
class AuditLog {
 public:
  // `db` serves verification and SealPending. Group commits go through
  // `writer_db` when given: connections of their own (one per writer), so
  // that a pool exhausted by requests cannot hold up the events those same
  // requests wait on. The background sealer uses `sealer_db` when given (a
  // connection of its own, named as the sealer's), else `db`. None is
  // owned.
  // `trust.keys` is required.
  AuditLog(Database* db, AuditTrust trust, AuditLogOptions options = {},
           Database* writer_db = nullptr, Database* sealer_db = nullptr);
  ~AuditLog();

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Checks the database against the newest witnessed head (a database
  // whose tree is shorter than it, or does not lead to it, is not sealed
  // into: the error says so, and is logged), makes the first signed head
  // when there is none, then starts the group-commit writers and the
  // sealer. The writers and the sealer start either way, so calls are still
  // recorded; SealPending returns the refusal.
  absl::Status Start();
  // Writes everything queued, seals what is committed, stops the threads.
  void Stop();

  // Inside a caller's transaction, authenticated with `keys`' event key.
  // Throws like any statement (the caller's Database::Transact maps it).
  static void AppendInTransaction(Tx& tx, const AuditEvent& event,
                                  const AuditKeyRing& keys);
  // Many events at once, in order (the benchmark seeder's bulk path).
  static void AppendBatchInTransaction(Tx& tx, absl::Span<const AuditEvent* const> events,
                                       const AuditKeyRing& keys);
  void AppendInTransaction(Tx& tx, const AuditEvent& event) const {
    AppendInTransaction(tx, event, *trust_.keys);
  }

  // OK while calls may be answered; UNAVAILABLE once a witness could not
  // record a signed tree head (a full disk, say): then the server stops
  // acknowledging calls rather than make events no witness holds.
  absl::Status Acknowledging() const;
  // OK while the sealer may seal. Otherwise why it may not: the database is
  // behind, or does not lead to, the newest witnessed head, or was tampered
  // with under the sealer. Calls are still answered and recorded; nothing
  // more is sealed until someone restores the log (the health service says
  // so: server/server_app.h).
  absl::Status Sealing() const;

  // Seals what is committed and signs a head for the whole tree (unless the
  // newest stored head already covers it); records it with every witness.
  absl::StatusOr<SignedTreeHead> CurrentTreeHead(absl::Time deadline);
  // The stored signed head of exactly `size` events; NOT_FOUND when none
  // was made at that size.
  absl::StatusOr<SignedTreeHead> TreeHeadOfSize(int64_t size, absl::Time deadline);
  // RFC 9162 proofs against stored heads (InclusionProofFromStore and
  // ConsistencyProofFromStore, in a read-only transaction).
  absl::StatusOr<std::vector<std::string>> InclusionProof(int64_t sequence, int64_t tree_size,
                                                          absl::Time deadline);
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(int64_t old_size,
                                                            int64_t new_size,
                                                            absl::Time deadline);
  // The canonical bytes of the event sealed at `sequence` (its Merkle
  // leaf's entry) and the event.
  absl::StatusOr<std::pair<std::string, StoredAuditEvent>> EntryAt(int64_t sequence,
                                                                   absl::Time deadline);
  const AuditKeyRing& keys() const { return *trust_.keys; }

  // Queues the event for the next group commit and blocks until it is
  // committed (OK) or cannot be (UNAVAILABLE), but never past `deadline`
  // (the call's): then the answer is DEADLINE_EXCEEDED, so the call fails
  // (a read returns no data) rather than hang on a stuck log.
  //  - Waiting for room in the bounded queue: at the deadline the event is
  //    not queued and is not written (the server log has the call).
  //  - Queued: the event is written whatever happens to the caller (Stop()
  //    drains the queue). If the deadline passes before a writer takes it,
  //    an event that said OK is rewritten to say what the caller got
  //    (DEADLINE_EXCEEDED, no content disclosed); a failed call's event
  //    keeps its own outcome. Once a writer has taken it, it is written as
  //    it was (an OK event then over-states, never under-states, what was
  //    returned).
  // A DEADLINE_EXCEEDED message says which: the queue was full, or the
  // record was queued or being written while the writers waited on the
  // database.
  absl::Status AppendDurably(AuditEvent event,
                             absl::Time deadline = absl::InfiniteFuture());

  // Chains every event committed before the call (the sealer does this on
  // its own; checkpoints, verification and shutdown call it directly). If
  // another sealer (this server's or another's) holds the sealing lock,
  // waits for it, so that a following Head() or Verify() covers those
  // events: it polls (pg_try_advisory_xact_lock, short sleeps) rather than
  // queue on the lock, so a holder that never lets go (a frozen server)
  // costs the call only its own time. Gives up shortly before `deadline` (a
  // quarter of the time left, at most a second, so the caller still hears
  // why and the call is audited) with DEADLINE_EXCEEDED naming the holder
  // (pid, application_name, client, since when, state), and logs one
  // warning. Returns how many this call sealed.
  absl::StatusOr<int64_t> SealPending(absl::Time deadline);

  absl::StatusOr<AuditCheckpointValue> Head(absl::Time deadline);

  // Walks the chain from `from_sequence` (1 if 0) to `to_sequence` (the head
  // if 0): each event's content, its MAC and its seal's MAC, the hash chain,
  // and the Merkle tree against every signed head it passes and against the
  // newest witnessed head (a log shorter than that head was truncated).
  // With a checkpoint, also proves the chain passes through it.
  absl::StatusOr<AuditVerification> Verify(
      int64_t from_sequence, int64_t to_sequence,
      const AuditCheckpointValue* checkpoint, absl::Time deadline);

 private:
  // Shared by the caller and the queue: a caller that leaves at its
  // deadline leaves its event queued.
  struct Pending {
    AuditEvent event;
    // A writer has taken it (at `taken_at`), so `event` is no longer
    // changed. Guarded by mu_ (of the log).
    bool taken = false;
    absl::Time taken_at;
    absl::Notification done;
    absl::Status status;
  };

  // What one pass of sealing did.
  struct SealRound {
    int64_t sealed = 0;
    // Another session held the sealing lock, so this pass stopped there.
    bool lock_held_elsewhere = false;
  };

  absl::Status Enqueue(AuditEvent event, absl::Time deadline);
  void WriterLoop();
  void SealerLoop();
  // Chains pending events, batch by batch, while this session gets the
  // sealing lock without waiting.
  absl::StatusOr<SealRound> SealWhileUncontended(Database& db, absl::Time deadline);
  // One batch; nullopt when another session holds the lock.
  absl::StatusOr<std::optional<int64_t>> SealBatch(Database& db, absl::Time deadline);
  // How many events are ahead of `pending` in the queue (-1: not queued).
  int QueuePosition(const std::shared_ptr<Pending>& pending) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status WriteBatch(const std::vector<std::shared_ptr<Pending>>& batch);
  // Signs a head for the stored tree as it is, stores it, and records it
  // with every witness (UNAVAILABLE, and the log stops acknowledging, when
  // one cannot).
  absl::StatusOr<SignedTreeHead> MakeTreeHead(Database& db, absl::Time deadline);
  absl::Status CheckAgainstWitnesses(absl::Time deadline);
  std::optional<SignedTreeHead> NewestWitnessedHead(std::string* problem);

  Database* db_;
  AuditTrust trust_;
  Database* writer_db_;
  Database* sealer_db_;
  AuditLogOptions options_;

  absl::Mutex mu_;
  std::deque<std::shared_ptr<Pending>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Writers are taking from the queue.
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ = false;  // Start()/Stop() run on one thread.
  std::vector<std::thread> writers_;
  std::thread sealer_;
  absl::Notification sealer_stop_;

  mutable absl::Mutex trust_mu_;
  // Why nothing is sealed (the database does not lead to the witnessed
  // head); OK otherwise.
  absl::Status sealing_refused_ ABSL_GUARDED_BY(trust_mu_);
  // Why calls are not acknowledged (a witness failed); OK otherwise.
  absl::Status witness_failure_ ABSL_GUARDED_BY(trust_mu_);
  absl::Time last_head_time_ ABSL_GUARDED_BY(trust_mu_) = absl::InfinitePast();
  int64_t last_head_size_ ABSL_GUARDED_BY(trust_mu_) = -1;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_AUDIT_LOG_H_
