#ifndef CASEBRIDGE_STORAGE_DATABASE_H_
#define CASEBRIDGE_STORAGE_DATABASE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"
#include "storage/binary_result.h"

namespace casebridge::storage {

// A named SQL statement. Every query the server runs is one of these
// constants, prepared once per connection; values are always bound as
// parameters, never spliced into the text.
struct Statement {
  const char* name;
  const char* sql;
};

// Positional parameters for a Statement, as text (PostgreSQL casts them to
// the column types named in the SQL). Unset optionals bind NULL.
class Params {
 public:
  Params& Text(absl::string_view value);
  // Empty string binds NULL.
  Params& TextOrNull(absl::string_view value);
  Params& Null();
  Params& Int(int64_t value);
  Params& Bool(bool value);
  Params& Time(absl::Time value);
  // absl::InfinitePast() binds NULL.
  Params& TimeOrNull(absl::Time value);
  Params& Bytes(absl::string_view raw);  // bytea, hex-encoded.
  // A PostgreSQL array literal of integers, e.g. {1,4,7}.
  Params& IntArray(const std::vector<int>& values);
  Params& TextArray(const std::vector<std::string>& values);

  std::vector<const char*> Pointers() const;
  size_t size() const { return values_.size(); }

 private:
  std::vector<std::optional<std::string>> values_;
};

// One transaction on one pooled connection. Handed to the function given to
// Database::Transact; never outlives it.
class Tx {
 public:
  pqxx::result Exec(const Statement& statement, const Params& params = {});
  // Exactly one row, or NOT_FOUND-style handling is the caller's: throws
  // pqxx::unexpected_rows when the count differs.
  pqxx::row ExecOne(const Statement& statement, const Params& params = {});
  // The statement (unprepared) with its rows in PostgreSQL's binary format
  // (storage/binary_result.h), for bulk readers. Not in kAutocommit mode.
  // Errors throw as Exec's do (pqxx::sql_error with the SQLSTATE, or
  // pqxx::broken_connection), so Database::Transact maps them alike.
  BinaryResult ExecBinary(const Statement& statement, const Params& params = {});
  pqxx::transaction_base& raw() { return *work_; }

 private:
  friend class Database;
  Tx(pqxx::transaction_base* work, absl::flat_hash_set<std::string>* prepared)
      : work_(work), prepared_(prepared) {}
  void Prepare(const Statement& statement);

  pqxx::transaction_base* work_;
  absl::flat_hash_set<std::string>* prepared_;
};

struct DatabaseOptions {
  // libpq connection string or URL of the database (as its owner).
  std::string connection_string;
  // How the pool logs in: as the runtime role, which may not alter the audit
  // log and cannot become the owner (it is a login of its own, not a SET
  // ROLE that RESET ROLE would undo). Empty: `connection_string` with its
  // user replaced by `runtime_role` (libpq takes the last user given), which
  // suits peer authentication or a password file holding the runtime role's
  // password too (passfile=..., as the embedded PostgreSQL's connection
  // strings have); give a full string with the runtime role's password
  // otherwise.
  std::string runtime_connection_string;
  std::string runtime_role = "casebridge_app";
  // application_name of every connection of this pool, so that a session
  // others wait on (a lock holder) can be named and found in
  // pg_stat_activity; see ProcessApplicationName. Empty: none set.
  std::string application_name;
  int pool_size = 8;
  // How long Acquire waits for a free connection when the call has no
  // earlier deadline.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // statement_timeout when the call has no deadline.
  absl::Duration default_statement_timeout = absl::Seconds(30);
};

// A fixed-size, thread-safe pool of connections and the one way code runs
// SQL: Transact() runs a function inside one transaction, passes the call's
// deadline to PostgreSQL as statement_timeout, and turns libpqxx exceptions
// into absl::Status at this edge:
//   unique violation        -> ALREADY_EXISTS
//   serialization/deadlock  -> ABORTED
//   broken connection       -> UNAVAILABLE (the connection is replaced)
//   statement timeout       -> DEADLINE_EXCEEDED
//   lock timeout (55P03)    -> UNAVAILABLE (a lock stayed held: retry)
//   session ended mid-transaction (idle_in_transaction_session_timeout, a
//   restart, pg_terminate_backend)
//                           -> UNAVAILABLE saying nothing was saved (the
//                              connection is replaced)
//   commit outcome unknown  -> UNAVAILABLE
//   anything else           -> INTERNAL
class Database {
 public:
  static absl::StatusOr<std::unique_ptr<Database>> Open(DatabaseOptions options);
  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  enum class Mode {
    // READ COMMITTED, read-write: writes guard themselves with row versions.
    kReadWrite,
    // REPEATABLE READ, READ ONLY: every statement of a read sees one snapshot.
    kReadOnly,
    // No BEGIN/COMMIT: each statement commits on its own, in one round trip.
    // Only for a function that runs exactly one statement (atomic by
    // itself). Its statement_timeout is the connection default
    // (DatabaseOptions::default_statement_timeout); `deadline` bounds the
    // wait for a connection. A connection that breaks while the statement
    // runs leaves it in doubt: UNKNOWN, never UNAVAILABLE (which callers
    // retry), so a committed statement is not run twice.
    kAutocommit,
  };

  // Runs `fn` in a transaction that commits if it returns OK and rolls back
  // otherwise. A pool that stays exhausted gives UNAVAILABLE before
  // `deadline` (with a quarter of the time left) or after acquire_timeout.
  absl::Status Transact(absl::Time deadline,
                        absl::FunctionRef<absl::Status(Tx&)> fn,
                        Mode mode = Mode::kReadWrite);

  template <typename T>
  absl::StatusOr<T> TransactFor(absl::Time deadline,
                                absl::FunctionRef<absl::StatusOr<T>(Tx&)> fn,
                                Mode mode = Mode::kReadWrite) {
    std::optional<absl::StatusOr<T>> result;
    absl::Status status = Transact(deadline, [&](Tx& tx) -> absl::Status {
      result.emplace(fn(tx));
      return result->status();
    }, mode);
    if (!status.ok()) return status;
    return *std::move(result);
  }

  // SELECT 1 on a pooled connection: is the database reachable?
  absl::Status Ping(absl::Time deadline);
  // SELECT 1 on a fresh connection outside the pool, so a busy pool does not
  // look like a dead database (health checks).
  absl::Status Probe(absl::Duration timeout) const;

  int pool_size() const { return options_.pool_size; }
  const DatabaseOptions& options() const { return options_; }

 private:
  struct Slot {
    std::unique_ptr<pqxx::connection> conn;
    absl::flat_hash_set<std::string> prepared;
  };

  explicit Database(DatabaseOptions options);
  absl::StatusOr<Slot*> Acquire(absl::Time deadline);
  void Release(Slot* slot, bool broken);
  absl::Status Connect(Slot& slot);
  template <typename Transaction>
  absl::Status RunIn(Slot& slot, absl::Time deadline,
                     absl::FunctionRef<absl::Status(Tx&)> fn, bool* began);

  DatabaseOptions options_;
  std::string runtime_connection_string_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_ ABSL_GUARDED_BY(mu_);
};

// The connection string a pool made with `options` logs in with (the
// runtime role's).
std::string RuntimeConnectionString(const DatabaseOptions& options);

// "<program> <host>:<pid> <pool>" (at most 63 bytes, PostgreSQL's limit):
// the application_name this process gives its connections of `pool`
// ("requests", "audit", "sealer", "migrate"), so that an operator looking at
// a lock holder in pg_stat_activity knows which server, and which part of
// it, to look at.
std::string ProcessApplicationName(absl::string_view pool);

// Maps a libpqxx/standard exception (the one in flight) to a status.
absl::Status StatusFromCurrentException();

// Canonical hex of a bytea column value ("\x..." text form) as raw bytes.
std::string BytesFromField(const pqxx::field& field);
// Microseconds since the epoch, as selected with cb_micros(...).
absl::Time TimeFromMicrosField(const pqxx::field& field);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_DATABASE_H_
