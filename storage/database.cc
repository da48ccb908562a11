#include "storage/database.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <exception>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libpq-fe.h"
#include "spdlog/spdlog.h"
#include "storage/connection_string.h"

namespace casebridge::storage {
namespace {

std::string FormatPgTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+00:00", t, absl::UTCTimeZone());
}

// libpqxx 6 throws insufficient_privilege without its SQLSTATE (42501).
std::string SqlState(const pqxx::sql_error& e) {
  if (!e.sqlstate().empty()) return e.sqlstate();
  if (dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr) return "42501";
  return "";
}

int64_t TimeoutMillis(absl::Duration d) {
  int64_t ms = absl::ToInt64Milliseconds(d);
  return ms < 1 ? 1 : ms;
}

// Whether an idle connection (no query in flight) has anything to read: a
// healthy one does not; one its server closed has the server's goodbye and
// end of file. Polls without waiting, so costs no round trip.
bool IdleConnectionHasInput(const pqxx::connection_base& conn) {
  const int fd = conn.sock();
  if (fd < 0) return true;
  pollfd p{};
  p.fd = fd;
  p.events = POLLIN;
  return poll(&p, 1, /*timeout=*/0) != 0;
}

// A libpqxx transaction whose BEGIN also sets the call's statement_timeout
// (SET LOCAL: it ends with the transaction), in one round trip. libpqxx's
// own transaction sends BEGIN alone, and a set_config after it cost every
// transaction of a call with a deadline one more round trip
// (bench/RESULTS.md). 0: no timeout of its own (the connection default).
// A connection found broken at BEGIN throws broken_connection; Transact
// reconnects and begins again.
template <pqxx::isolation_level kIsolation, pqxx::readwrite_policy kReadWrite>
class TimedTransaction : public pqxx::internal::basic_transaction {
 public:
  TimedTransaction(pqxx::connection_base& conn, int64_t statement_timeout_ms)
      : pqxx::internal::namedclass{fullname(
                                       "transaction",
                                       pqxx::isolation_traits<kIsolation>::name()),
                                   ""},
        pqxx::internal::basic_transaction(
            conn, pqxx::isolation_traits<kIsolation>::name(), kReadWrite),
        begin_(BeginCommand(statement_timeout_ms)) {
    Begin();
  }
  ~TimedTransaction() noexcept override { End(); }

 private:
  static std::string BeginCommand(int64_t statement_timeout_ms) {
    std::string command = "BEGIN";
    if (kIsolation != pqxx::read_committed) {
      absl::StrAppend(&command, " ISOLATION LEVEL ",
                      pqxx::isolation_traits<kIsolation>::name());
    }
    if (kReadWrite == pqxx::read_only) absl::StrAppend(&command, " READ ONLY");
    if (statement_timeout_ms > 0) {
      // An integer this code formats: nothing of the caller's is spliced in.
      absl::StrAppend(&command, "; SET LOCAL statement_timeout = ",
                      statement_timeout_ms);
    }
    return command;
  }
  void do_begin() override { direct_exec(begin_.c_str()); }

  std::string begin_;
};

}  // namespace

// --- Params ------------------------------------------------------------------

Params& Params::Text(absl::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}
Params& Params::TextOrNull(absl::string_view value) {
  if (value.empty()) return Null();
  return Text(value);
}
Params& Params::Null() {
  values_.emplace_back(std::nullopt);
  return *this;
}
Params& Params::Int(int64_t value) {
  values_.emplace_back(absl::StrCat(value));
  return *this;
}
Params& Params::Bool(bool value) {
  values_.emplace_back(value ? "true" : "false");
  return *this;
}
Params& Params::Time(absl::Time value) {
  values_.emplace_back(FormatPgTime(value));
  return *this;
}
Params& Params::TimeOrNull(absl::Time value) {
  if (value == absl::InfinitePast()) return Null();
  return Time(value);
}
Params& Params::Bytes(absl::string_view raw) {
  values_.emplace_back(absl::StrCat("\\x", absl::BytesToHexString(raw)));
  return *this;
}
Params& Params::IntArray(const std::vector<int>& values) {
  values_.emplace_back(absl::StrCat("{", absl::StrJoin(values, ","), "}"));
  return *this;
}
Params& Params::TextArray(const std::vector<std::string>& values) {
  // Array literal syntax: every element double-quoted, with backslash and
  // double quote escaped (PostgreSQL docs, "Array Value Input").
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  values_.emplace_back(std::move(out));
  return *this;
}

std::vector<const char*> Params::Pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

// --- Tx ----------------------------------------------------------------------

void Tx::Prepare(const Statement& statement) {
  if (prepared_->insert(statement.name).second) {
    work_->conn().prepare(statement.name, statement.sql);
  }
}

pqxx::result Tx::Exec(const Statement& statement, const Params& params) {
  Prepare(statement);
  std::vector<const char*> pointers = params.Pointers();
  return work_->exec_prepared(statement.name,
                              pqxx::prepare::make_dynamic_params(pointers));
}

namespace {

// libpqxx 6 hands out its connection's PGconn only to its large-object
// class and that class's subclasses; binary results need libpq itself.
class RawConnection : public pqxx::largeobject {
 public:
  static PGconn* Of(const pqxx::dbtransaction& tx) { return raw_connection(tx); }
};

}  // namespace

BinaryResult Tx::ExecBinary(const Statement& statement, const Params& params) {
  // Unprepared (libpqxx prepares its statements lazily, on their first
  // Exec, so the name may not exist yet): bulk reads run few statements,
  // each over many rows, and planning them each time costs nothing.
  const auto* transaction = dynamic_cast<const pqxx::dbtransaction*>(work_);
  if (transaction == nullptr) {
    throw std::logic_error("Tx::ExecBinary needs a transaction (not kAutocommit)");
  }
  PGconn* conn = RawConnection::Of(*transaction);
  std::vector<const char*> values = params.Pointers();
  BinaryResult result(PQexecParams(conn, statement.sql, static_cast<int>(values.size()),
                                   /*paramTypes=*/nullptr, values.data(),
                                   /*paramLengths=*/nullptr, /*paramFormats=*/nullptr,
                                   /*resultFormat=*/1));
  // A failed statement: the same exceptions libpqxx throws for Exec.
  const PGresult* raw = result.raw();
  if (raw == nullptr || PQstatus(conn) == CONNECTION_BAD) {
    throw pqxx::broken_connection(PQerrorMessage(conn));
  }
  if (PQresultStatus(raw) != PGRES_TUPLES_OK) {
    const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
    const std::string sqlstate = state == nullptr ? "" : state;
    const std::string message = PQresultErrorMessage(raw);
    if (sqlstate == "40001") throw pqxx::serialization_failure(message);
    if (sqlstate == "40P01") throw pqxx::deadlock_detected(message);
    throw pqxx::sql_error(message, statement.name, state);
  }
  return result;
}

pqxx::row Tx::ExecOne(const Statement& statement, const Params& params) {
  pqxx::result r = Exec(statement, params);
  if (r.size() != 1) {
    throw pqxx::unexpected_rows(absl::StrCat(statement.name, ": expected 1 row, got ",
                                             r.size()));
  }
  return r[0];
}

// --- Database ----------------------------------------------------------------

std::string RuntimeConnectionString(const DatabaseOptions& options) {
  if (!options.runtime_connection_string.empty()) {
    return options.runtime_connection_string;
  }
  if (options.runtime_role.empty()) return options.connection_string;
  return WithConnectionParameter(options.connection_string, "user",
                                 options.runtime_role);
}

std::string ProcessApplicationName(absl::string_view pool) {
  // PostgreSQL keeps 63 bytes of it; the host name gives way first.
  constexpr size_t kMaxLength = 63;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  const std::string program = program_invocation_short_name;
  const std::string tail = absl::StrCat(":", getpid(), " ", pool);
  std::string name = host;
  const size_t fixed = program.size() + 1 + tail.size();
  if (fixed >= kMaxLength) {
    name.clear();
  } else if (program.size() + 1 + name.size() + tail.size() > kMaxLength) {
    name.resize(kMaxLength - fixed);
  }
  std::string out = absl::StrCat(program, " ", name, tail);
  if (out.size() > kMaxLength) out.resize(kMaxLength);
  return out;
}

Database::Database(DatabaseOptions options) : options_(std::move(options)) {
  runtime_connection_string_ = WithConnectionParameter(
      RuntimeConnectionString(options_), "options",
      absl::StrCat("-c statement_timeout=",
                   TimeoutMillis(options_.default_statement_timeout)));
  if (!options_.application_name.empty()) {
    runtime_connection_string_ = WithConnectionParameter(
        runtime_connection_string_, "application_name", options_.application_name);
  }
}

Database::~Database() = default;

absl::StatusOr<std::unique_ptr<Database>> Database::Open(DatabaseOptions options) {
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("pool size must be at least 1");
  }
  std::unique_ptr<Database> db(new Database(std::move(options)));
  for (int i = 0; i < db->options_.pool_size; ++i) {
    db->slots_.push_back(std::make_unique<Slot>());
  }
  // Connect one eagerly so a wrong connection string fails at start-up; the
  // rest connect on first use.
  absl::Status first = db->Connect(*db->slots_.front());
  if (!first.ok()) return first;
  absl::MutexLock lock(&db->mu_);
  for (auto& slot : db->slots_) db->free_.push_back(slot.get());
  return db;
}

absl::Status Database::Connect(Slot& slot) {
  try {
    slot.prepared.clear();
    slot.conn = std::make_unique<pqxx::connection>(runtime_connection_string_);
    return absl::OkStatus();
  } catch (...) {
    slot.conn.reset();
    absl::Status s = StatusFromCurrentException();
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ", s.message()));
  }
}

absl::StatusOr<Database::Slot*> Database::Acquire(absl::Time deadline) {
  const absl::Time now = absl::Now();
  absl::Time limit = now + options_.acquire_timeout;
  if (deadline != absl::InfiniteFuture()) {
    // Give up while a quarter of the call's time is left, so that the caller
    // hears UNAVAILABLE (retry) rather than running into its own deadline,
    // and the call can still be audited and answered.
    limit = std::min(limit, deadline - (deadline - now) / 4);
  }
  Slot* slot = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return !free_.empty();
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&available), limit)) {
      return absl::UnavailableError(absl::StrCat(
          "all ", options_.pool_size,
          " database connections are busy; try again shortly"));
    }
    slot = free_.back();
    free_.pop_back();
  }
  if (slot->conn == nullptr || !slot->conn->is_open()) {
    absl::Status s = Connect(*slot);
    if (!s.ok()) {
      Release(slot, /*broken=*/true);
      return s;
    }
  }
  return slot;
}

void Database::Release(Slot* slot, bool broken) {
  if (broken) {
    slot->conn.reset();
    slot->prepared.clear();
  }
  absl::MutexLock lock(&mu_);
  free_.push_back(slot);
}

template <typename Transaction>
absl::Status Database::RunIn(Slot& slot, absl::Time deadline,
                             absl::FunctionRef<absl::Status(Tx&)> fn,
                             bool* began) {
  // The call's deadline bounds every statement; the connection default
  // covers calls without one. It goes with BEGIN, in the same round trip.
  absl::Duration remaining = deadline - absl::Now();
  int64_t timeout_ms = remaining < options_.default_statement_timeout
                           ? TimeoutMillis(remaining)
                           : 0;
  Transaction work(*slot.conn, timeout_ms);  // BEGIN
  *began = true;
  Tx tx(&work, &slot.prepared);
  absl::Status status = fn(tx);
  if (status.ok()) work.commit();
  return status;
}

absl::Status Database::Transact(absl::Time deadline,
                                absl::FunctionRef<absl::Status(Tx&)> fn,
                                Mode mode) {
  if (deadline <= absl::Now()) {
    return absl::DeadlineExceededError("the call's deadline has passed");
  }
  absl::StatusOr<Slot*> slot = Acquire(deadline);
  if (!slot.ok()) return slot.status();
  bool broken = false;
  absl::Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool began = false;
    try {
      if (mode == Mode::kAutocommit) {
        // Once the statement is sent, a broken connection leaves it in
        // doubt; so first make sure this one did not die idle in the pool,
        // without a round trip: an idle connection has nothing to read
        // unless its server closed it (a restart, an administrator).
        if (IdleConnectionHasInput(*(*slot)->conn)) {
          // Nothing sent yet: the loop below reconnects and tries again.
          throw pqxx::broken_connection("closed by the server while idle");
        }
        pqxx::nontransaction work(*(*slot)->conn);  // Sends nothing.
        // What fn sends may commit: never run it twice.
        began = true;
        Tx tx(&work, &(*slot)->prepared);
        status = fn(tx);
      } else if (mode == Mode::kReadOnly) {
        status = RunIn<TimedTransaction<pqxx::repeatable_read, pqxx::read_only>>(
            **slot, deadline, fn, &began);
      } else {
        status = RunIn<TimedTransaction<pqxx::read_committed, pqxx::read_write>>(
            **slot, deadline, fn, &began);
      }
      broken = false;
    } catch (const pqxx::broken_connection&) {
      broken = true;
      if (mode == Mode::kAutocommit && began) {
        // The statement may have committed before the connection broke:
        // not UNAVAILABLE, which callers may retry.
        status = absl::UnknownError(
            "the database connection broke while a statement ran; it may or "
            "may not have been saved");
      } else if (began) {
        // Before COMMIT (a break during COMMIT is in_doubt_error), so
        // nothing was saved. libpqxx does not pass on the server's reason;
        // the likeliest are named.
        status = absl::UnavailableError(
            "the database ended this connection during the call's transaction, "
            "so nothing was saved; try again (PostgreSQL ends a session left "
            "idle in a transaction past idle_in_transaction_session_timeout, "
            "and every session when it restarts or an administrator ends it)");
      } else {
        status = StatusFromCurrentException();
      }
    } catch (const pqxx::in_doubt_error&) {
      broken = true;
      status = StatusFromCurrentException();
    } catch (...) {
      status = StatusFromCurrentException();
      broken = (*slot)->conn == nullptr || !(*slot)->conn->is_open();
    }
    // A connection that died while idle in the pool (the database restarted,
    // a proxy dropped it) fails at BEGIN, before `fn` ran: replace it and
    // try once more rather than fail a call the database could serve.
    if (status.ok() || began || attempt > 0) break;
    absl::Status reconnected = Connect(**slot);
    if (!reconnected.ok()) {
      broken = true;
      status = reconnected;
      break;
    }
  }
  Release(*slot, broken);
  return status;
}

absl::Status Database::Ping(absl::Time deadline) {
  static constexpr Statement kPing = {"cb_ping", "SELECT 1"};
  return Transact(deadline, [](Tx& tx) {
    tx.Exec(kPing);
    return absl::OkStatus();
  });
}

absl::Status Database::Probe(absl::Duration timeout) const {
  try {
    std::string conn = absl::StrCat(
        runtime_connection_string_,
        absl::StrContains(runtime_connection_string_, "://")
            ? (absl::StrContains(runtime_connection_string_, "?") ? "&" : "?")
            : " ",
        "connect_timeout=", std::max<int64_t>(1, absl::ToInt64Seconds(timeout)));
    pqxx::connection c(conn);
    pqxx::nontransaction n(c);
    n.exec("SELECT 1");
    return absl::OkStatus();
  } catch (...) {
    return StatusFromCurrentException();
  }
}

absl::Status StatusFromCurrentException() {
  try {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    return absl::UnavailableError(
        "the database connection broke while committing; the change may or "
        "may not have been saved — check before retrying");
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError("the database is unreachable");
  } catch (const pqxx::unique_violation& e) {
    return absl::AlreadyExistsError(absl::StrCat("already exists (",
                                                 e.sqlstate(), ")"));
  } catch (const pqxx::serialization_failure& e) {
    return absl::AbortedError("concurrent change; retry the call");
  } catch (const pqxx::deadlock_detected& e) {
    return absl::AbortedError("concurrent change; retry the call");
  } catch (const pqxx::sql_error& e) {
    const std::string state = SqlState(e);
    if (state == "57014") {
      return absl::DeadlineExceededError(
          "the database did not answer before the call's deadline");
    }
    if (state == "55P03") {
      // lock_not_available: lock_timeout ran out (casebridge_app has one, so
      // that a stuck session cannot hold every server's calls up).
      return absl::UnavailableError(
          "another database session held a lock this call needed for longer "
          "than lock_timeout; nothing was changed, try again shortly");
    }
    if (state == "57P01" || state == "57P02" || state == "57P03" ||
        state.rfind("08", 0) == 0) {
      return absl::UnavailableError("the database is shutting down or unreachable");
    }
    spdlog::error("database error {}: {}", state, e.what());
    return absl::InternalError(
        absl::StrCat("internal database error (SQLSTATE ", state, ")"));
  } catch (const pqxx::failure& e) {
    spdlog::error("database failure: {}", e.what());
    return absl::InternalError("internal database error");
  } catch (const std::exception& e) {
    spdlog::error("unexpected exception at the storage edge: {}", e.what());
    return absl::InternalError("internal error");
  } catch (...) {
    return absl::InternalError("internal error");
  }
}

std::string BytesFromField(const pqxx::field& field) {
  // bytea_output = hex: "\x0a1b..."
  absl::string_view text(field.c_str(), field.size());
  if (absl::StartsWith(text, "\\x")) text.remove_prefix(2);
  return absl::HexStringToBytes(text);
}

absl::Time TimeFromMicrosField(const pqxx::field& field) {
  if (field.is_null()) return absl::InfinitePast();
  return absl::FromUnixMicros(field.as<int64_t>());
}

}  // namespace casebridge::storage
