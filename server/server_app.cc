#include "server/server_app.h"

#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "domain/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "openssl/err.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "services/admin_service.h"
#include "services/audit_service.h"
#include "services/case_service.h"
#include "services/charging_service.h"
#include "services/echo_service.h"
#include "services/protection_order_service.h"
#include "services/safeguarding_service.h"
#include "services/sharing_service.h"
#include "spdlog/spdlog.h"
#include "storage/migrations.h"

namespace casebridge::server {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the ", what, " file ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", what, " file ", path, " is not PEM"));
  }
  return buffer.str();
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioFree> Bio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// gRPC reports a certificate or key it cannot use only as a failure to
// listen, so they are checked here, naming the file at fault.
absl::Status CheckTlsFiles(const ServerOptions& options, const std::string& cert_pem,
                           const std::string& key_pem, const std::string* ca_pem) {
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(Bio(cert_pem).get(), nullptr, nullptr, nullptr));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(Bio(key_pem).get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (cert == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the TLS certificate file ", options.tls_cert_file,
        " holds no readable certificate"));
  }
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the TLS key file ", options.tls_key_file,
        " holds no readable private key (it must not be encrypted)"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "the TLS key file ", options.tls_key_file,
        " does not match the certificate in ", options.tls_cert_file));
  }
  if (ca_pem != nullptr) {
    std::unique_ptr<X509, X509Free> ca(
        PEM_read_bio_X509(Bio(*ca_pem).get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    if (ca == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the client CA file ", options.tls_client_ca_file,
          " holds no readable certificate"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const ServerOptions& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca needs --tls_cert and --tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  absl::StatusOr<std::string> cert = ReadFile(options.tls_cert_file, "TLS certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(options.tls_key_file, "TLS key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!options.tls_client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadFile(options.tls_client_ca_file, "client CA");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  absl::Status usable = CheckTlsFiles(
      options, *cert, *key,
      options.tls_client_ca_file.empty() ? nullptr : &ssl.pem_root_certs);
  if (!usable.ok()) return usable;
  return grpc::SslServerCredentials(ssl);
}

// A pool logging in as the runtime role, its connections named `pool`.
absl::StatusOr<std::unique_ptr<storage::Database>> OpenPool(
    const ServerOptions& o, absl::string_view pool, int size,
    absl::Duration statement_timeout = storage::DatabaseOptions().default_statement_timeout) {
  storage::DatabaseOptions options;
  options.connection_string = o.database;
  options.runtime_connection_string = o.app_database;
  options.pool_size = size;
  options.default_statement_timeout = statement_timeout;
  options.application_name = storage::ProcessApplicationName(pool);
  return storage::Database::Open(options);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerApp>> ServerApp::Start(ServerOptions options) {
  std::unique_ptr<ServerApp> app(new ServerApp());
  app->options_ = std::move(options);
  const ServerOptions& o = app->options_;
  const services::Clock* clock = o.clock ? o.clock : &app->system_clock_;

  if (o.max_threads < 4) {
    // The synchronous server needs a poller and a thread per call.
    return absl::InvalidArgumentError("--max_threads must be at least 4");
  }
  if (o.max_concurrent_streams < 1) {
    return absl::InvalidArgumentError("--max_concurrent_streams must be at least 1");
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds = Credentials(o);
  if (!creds.ok()) return creds.status();

  CB_RETURN_IF_ERROR(storage::ApplyMigrations(
      o.database, {.lock_timeout = o.migration_lock_timeout}));

  // Three pools, each named in pg_stat_activity, so that a session holding
  // others up can be traced to its server and to which part of it.
  CB_ASSIGN_OR_RETURN(app->db_, OpenPool(o, "requests", o.pool_size));
  CB_ASSIGN_OR_RETURN(app->sealer_db_, OpenPool(o, "sealer", 1));
  CB_ASSIGN_OR_RETURN(app->audit_db_, OpenPool(o, "audit", std::max(1, o.audit.writers),
                                               o.audit.write_timeout));
  if (o.audit_key_dir.empty()) {
    return absl::InvalidArgumentError(
        "--audit_key_dir is required: the audit log's keys live outside the database");
  }
  if (o.audit_witness_dirs.empty()) {
    return absl::InvalidArgumentError(
        "--audit_witness_dir is required: signed tree heads go to a witness outside "
        "the database");
  }
  CB_ASSIGN_OR_RETURN(storage::AuditKeyRing keys,
                      o.create_audit_keys ? storage::AuditKeyRing::LoadOrCreate(o.audit_key_dir)
                                          : storage::AuditKeyRing::Load(o.audit_key_dir));
  app->audit_keys_ = std::make_unique<storage::AuditKeyRing>(std::move(keys));
  storage::AuditTrust trust{.keys = app->audit_keys_.get()};
  for (const std::string& dir : o.audit_witness_dirs) {
    CB_ASSIGN_OR_RETURN(std::unique_ptr<storage::FileWitness> witness,
                        storage::FileWitness::Open(dir));
    trust.witnesses.push_back(witness.get());
    app->witnesses_.push_back(std::move(witness));
  }
  // Every server on the database authenticates events with one key: one
  // with another would refuse theirs as forged, so it does not start.
  CB_RETURN_IF_ERROR(storage::CheckAuditEventKey(*app->db_, *app->audit_keys_,
                                                 absl::Now() + absl::Seconds(30)));
  app->audit_ = std::make_unique<storage::AuditLog>(
      app->db_.get(), trust, o.audit, app->audit_db_.get(), app->sealer_db_.get());
  // A database that does not lead to the newest witnessed head still
  // serves (every call is still recorded), but nothing is sealed into it:
  // Start() has said so loudly, and verification says why.
  // (Its refusal stays in AuditLog::Sealing(), which the health service
  // reports.)
  app->audit_->Start().IgnoreError();
  app->authenticator_ =
      std::make_unique<services::Authenticator>(app->db_.get(), o.auth_cache_ttl,
                                                // Half the pool: the rest
                                                // stays for signed-in calls.
                                                std::max(1, o.pool_size / 2));
  app->fair_share_ = std::make_unique<services::FairShare>(
      services::ResolvedFor(o.fair_share, o.pool_size));
  app->refusals_ = std::make_unique<services::RefusalLedger>(
      app->audit_.get(), o.refusal_summary_window);
  app->refusals_->Start();
  app->runner_ = std::make_unique<services::RpcRunner>(
      app->db_.get(), app->audit_.get(), app->authenticator_.get(), clock,
      app->fair_share_.get(), app->refusals_.get());

  services::RpcRunner* runner = app->runner_.get();
  app->services_.push_back(std::make_unique<services::AdminServiceImpl>(runner));
  app->services_.push_back(std::make_unique<services::CaseServiceImpl>(runner));
  app->services_.push_back(std::make_unique<services::SharingServiceImpl>(runner));
  app->services_.push_back(std::make_unique<services::AuditServiceImpl>(runner));
  app->services_.push_back(std::make_unique<services::ChargingServiceImpl>(runner));
  app->services_.push_back(std::make_unique<services::ProtectionOrderServiceImpl>(runner));
  app->services_.push_back(std::make_unique<services::SafeguardingServiceImpl>(runner));
  if (o.enable_echo) {
    app->services_.push_back(std::make_unique<services::EchoServiceImpl>());
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC binds with SO_REUSEPORT by default: a second server started on a
  // port another one holds would quietly share it and take half its calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // What a flood can make the server hold: threads, and calls at once on one
  // connection.
  grpc::ResourceQuota quota("casebridge");
  quota.SetMaxThreads(o.max_threads);
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, o.max_concurrent_streams);
  // gRPC drops what exceeds its own limit unseen; the call guard enforces
  // ours, auditing it (server/call_guard.h).
  builder.SetMaxReceiveMessageSize(static_cast<int>(TransportRequestLimit(o.max_request_bytes)));
  builder.AddListeningPort(o.listen, *creds, &app->port_);
  for (auto& service : app->services_) builder.RegisterService(service.get());
  // Calls refused before a handler runs are audited and answered clearly
  // (server/call_guard.h).
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<CallGuardFactory>(
      app->runner_.get(), static_cast<size_t>(o.max_request_bytes)));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  app->unknown_methods_ =
      std::make_unique<UnknownMethodService>(app->runner_.get(), builder);
  app->server_ = builder.BuildAndStart();
  if (app->server_ == nullptr || app->port_ == 0) {
    app->server_.reset();
    app->refusals_->Stop();
    app->audit_->Stop();
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", o.listen,
        ": the address is in use, invalid, or not ours to bind"));
  }
  app->unknown_methods_->Start();
  app->server_->GetHealthCheckService()->SetServingStatus(true);
  app->health_ = std::thread([a = app.get()] { a->HealthLoop(); });
  spdlog::info("casebridge listening on {} (port {}){}", o.listen, app->port_,
               o.tls_cert_file.empty() ? "" : " with TLS");
  return app;
}

ServerApp::~ServerApp() { Shutdown(); }

namespace {

// Why the audit log is not whole, or OK.
absl::Status AuditHealth(const storage::AuditLog& audit) {
  absl::Status acknowledging = audit.Acknowledging();
  if (!acknowledging.ok()) return acknowledging;
  return audit.Sealing();
}

}  // namespace

void ServerApp::HealthLoop() {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  bool serving = true;
  std::optional<absl::Status> audit_was;
  do {
    const absl::Status audit = AuditHealth(*audit_);
    if (!audit_was.has_value() || audit.ok() != audit_was->ok()) {
      health->SetServingStatus(kAuditHealthService, audit.ok());
      if (audit.ok()) {
        if (audit_was.has_value()) spdlog::info("audit log whole again: {} SERVING", kAuditHealthService);
      } else {
        spdlog::error("audit log not whole: {} NOT_SERVING: {}", kAuditHealthService,
                      std::string(audit.message()));
      }
    }
    audit_was = audit;
    const bool reachable = db_->Probe(absl::Seconds(2)).ok();
    const bool now_serving = reachable && audit_->Acknowledging().ok();
    if (now_serving != serving) {
      serving = now_serving;
      health->SetServingStatus(serving);
      if (serving) {
        spdlog::info("database reachable and calls acknowledged again: SERVING");
      } else if (!reachable) {
        spdlog::warn("database unreachable: NOT_SERVING");
      } else {
        spdlog::warn("calls are not acknowledged (the audit log's witness): NOT_SERVING");
      }
    }
  } while (!stop_health_.WaitForNotificationWithTimeout(options_.health_interval));
}

void ServerApp::Wait() { shut_down_.WaitForNotification(); }

void ServerApp::Shutdown() {
  {
    absl::MutexLock lock(&shutdown_mu_);
    if (shutting_down_) return;
    shutting_down_ = true;
  }
  if (server_ != nullptr) {
    stop_health_.Notify();
    if (health_.joinable()) health_.join();
    server_->GetHealthCheckService()->SetServingStatus(false);
    spdlog::info("shutting down: finishing calls in flight (up to {}s)",
                 absl::ToInt64Seconds(options_.shutdown_grace));
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoSeconds(options_.shutdown_grace));
    server_->Wait();
  }
  // Its waiting calls were answered before the server finished them.
  if (unknown_methods_ != nullptr) unknown_methods_->Stop();
  // Summaries of refused calls go to the log before it stops.
  if (refusals_ != nullptr) refusals_->Stop();
  if (audit_ != nullptr) audit_->Stop();
  runner_.reset();
  refusals_.reset();
  fair_share_.reset();
  authenticator_.reset();
  audit_.reset();
  sealer_db_.reset();
  audit_db_.reset();
  db_.reset();
  shut_down_.Notify();
}

}  // namespace casebridge::server
