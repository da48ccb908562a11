#ifndef CASEBRIDGE_SERVER_SERVER_APP_H_
#define CASEBRIDGE_SERVER_SERVER_APP_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "server/call_guard.h"
#include "services/authenticator.h"
#include "services/clock.h"
#include "services/fair_share.h"
#include "services/refusal_ledger.h"
#include "services/rpc_runner.h"
#include "storage/audit_log.h"
#include "storage/database.h"

namespace casebridge::server {

struct ServerOptions {
  // host:port; port 0 picks a free one (tests).
  std::string listen = "127.0.0.1:50051";
  // libpq connection string of the database, as its owner (migrations).
  std::string database;
  // How requests log in, as the runtime role casebridge_app. Empty:
  // `database` with the user replaced (peer authentication, or a password
  // file with the runtime role's password: see storage/database.h).
  std::string app_database;
  int pool_size = 16;
  // How long start-up waits for another session's migration lock before
  // giving up, naming the holder.
  absl::Duration migration_lock_timeout = absl::Seconds(60);
  absl::Duration auth_cache_ttl = absl::Seconds(2);
  // Bounds on what callers can make the server hold (a flood, a misbehaving
  // client). Threads: the gRPC resource quota's thread limit for the
  // synchronous server (one thread per call in progress, plus pollers);
  // beyond it gRPC answers new calls RESOURCE_EXHAUSTED before any handler
  // runs (so those calls, carrying no checked identity, are not audited).
  // Streams: HTTP/2 concurrent streams per connection; a client past it
  // waits for one of its calls to finish.
  int max_threads = 256;
  int max_concurrent_streams = 100;
  // Most bytes of one request message; a larger one is refused
  // RESOURCE_EXHAUSTED before it is read (and audited).
  int max_request_bytes = 4 * 1024 * 1024;
  // Calls in progress per user, agency, anonymous callers, expensive calls.
  services::FairShareOptions fair_share;
  // How long refused calls of one kind are summarised into one event.
  absl::Duration refusal_summary_window = absl::Seconds(1);
  // PEM files. Certificate and key turn TLS on; a client CA also requires
  // and verifies client certificates (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Register the bare echo service (benchmark baseline).
  bool enable_echo = false;
  // How long shutdown waits for in-flight calls.
  absl::Duration shutdown_grace = absl::Seconds(10);
  absl::Duration health_interval = absl::Seconds(1);
  storage::AuditLogOptions audit;
  // The audit log's keys (docs/AUDIT.md): a directory the database roles
  // cannot read. Required. With create_audit_keys (the embedded default),
  // missing keys are made on first start.
  std::string audit_key_dir;
  bool create_audit_keys = false;
  // Directories of append-only files every signed tree head goes to. At
  // least one; keep one on another disk or machine.
  std::vector<std::string> audit_witness_dirs;
  // Not owned; the system clock when null.
  const services::Clock* clock = nullptr;
};

// The whole server, wired: migrations, pool, audit log, services, health,
// reflection. main() and the integration tests both run it.
//
// Health (grpc.health.v1): the server ("") is SERVING while the database is
// reachable and calls are acknowledged. kAuditHealthService is NOT_SERVING
// while the audit log is not whole: no witness could record its newest
// signed head (calls are then refused), or the sealer refuses to seal (the
// database is behind or inconsistent with the newest witnessed head, or
// was tampered with). Each change is logged with its reason.
inline constexpr char kAuditHealthService[] = "casebridge.audit";

class ServerApp {
 public:
  // Clear errors (never a crash or a hang) for an unreachable database,
  // failed migration, unreadable TLS files or a port that cannot be bound.
  static absl::StatusOr<std::unique_ptr<ServerApp>> Start(ServerOptions options);
  ~ServerApp();

  int port() const { return port_; }
  // Blocks until Shutdown() has finished.
  void Wait();
  // NOT_SERVING, stop accepting, finish in-flight calls (bounded by
  // shutdown_grace), drain and seal the audit log, close the pool.
  // Idempotent.
  void Shutdown();

  storage::Database& database() { return *db_; }
  storage::AuditLog& audit_log() { return *audit_; }
  // The audit log's own connections (tests hold them to stall the log).
  storage::Database& audit_database() { return *audit_db_; }
  services::Authenticator& authenticator() { return *authenticator_; }
  services::FairShare& fair_share() { return *fair_share_; }
  // Writes every pending summary of refused calls now (tests, shutdown).
  void FlushRefusalSummaries() { refusals_->Flush(/*all=*/true); }

 private:
  ServerApp() = default;
  void HealthLoop();

  ServerOptions options_;
  services::SystemClock system_clock_;
  std::unique_ptr<storage::Database> db_;
  // The audit log's group commits, apart from the request pool.
  std::unique_ptr<storage::Database> audit_db_;
  // The background sealer's one connection.
  std::unique_ptr<storage::Database> sealer_db_;
  std::unique_ptr<storage::AuditKeyRing> audit_keys_;
  std::vector<std::unique_ptr<storage::TreeHeadWitness>> witnesses_;
  // Why the audit log refuses to seal (it does not lead to the newest
  // witnessed head); OK otherwise. Reported by health checks.
  std::unique_ptr<storage::AuditLog> audit_;
  std::unique_ptr<services::Authenticator> authenticator_;
  std::unique_ptr<services::FairShare> fair_share_;
  std::unique_ptr<services::RefusalLedger> refusals_;
  std::unique_ptr<services::RpcRunner> runner_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<UnknownMethodService> unknown_methods_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::thread health_;
  absl::Notification stop_health_;
  absl::Notification shut_down_;
  absl::Mutex shutdown_mu_;
  bool shutting_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace casebridge::server

#endif  // CASEBRIDGE_SERVER_SERVER_APP_H_
