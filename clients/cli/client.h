#ifndef CASEBRIDGE_CLIENTS_CLI_CLIENT_H_
#define CASEBRIDGE_CLIENTS_CLI_CLIENT_H_

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "casebridge/v1/protection_orders.grpc.pb.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace casebridge::cli {

inline constexpr char kDefaultServer[] = "127.0.0.1:50051";

// Who calls and where: the global options of the command line.
struct ConnectionOptions {
  std::string server = kDefaultServer;
  // --token, else the environment's CASEBRIDGE_TOKEN (see ResolveToken).
  std::string token;
  // --as NAME: a user of the demo tokens file.
  std::string as;
  std::string tokens_file;
  // TLS: on with --tls or any of the files below.
  bool tls = false;
  std::string tls_ca;           // PEM roots; empty: the system's
  std::string tls_cert;         // PEM client certificate (mutual TLS)
  std::string tls_key;          // its key
  std::string tls_server_name;  // expected name in the server certificate
  absl::Duration timeout = absl::Seconds(30);
};

// The bearer token to send: --token, then --as (from the demo tokens file),
// then `env_token` (CASEBRIDGE_TOKEN), then `saved_token` (the one
// `casebridge enrol --save` kept). Giving both --token and --as, or none of
// them, is a usage error.
absl::StatusOr<std::string> ResolveToken(const ConnectionOptions& options,
                                         absl::string_view env_token,
                                         absl::string_view working_dir,
                                         absl::string_view saved_token = "");

// Where the CLI keeps the caller's own token: $XDG_CONFIG_HOME/casebridge/
// token, else ~/.config/casebridge/token.
std::string SavedTokenPath();
// The saved token, "" when there is none.
std::string ReadSavedToken(const std::string& path);
// Writes the token to `path`, readable by its owner only from the first byte
// (created 0600, directories 0700), replacing what was there.
absl::Status SaveToken(const std::string& path, absl::string_view token);

// Turns a finished call into an absl::Status: the server's code and
// message, the `casebridge-field` trailer as the field, and messages that
// say what to do for UNAVAILABLE and UNIMPLEMENTED.
absl::Status FromGrpc(const grpc::Status& status,
                      const std::multimap<grpc::string_ref, grpc::string_ref>& trailers,
                      absl::string_view server, absl::string_view method);

// One connection to the server, with the caller's token on every call.
class Client {
 public:
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const ConnectionOptions& options,
                                                         std::string token);

  // Runs one RPC. `method` names it for messages ("GetCase").
  absl::Status Call(absl::string_view method,
                    absl::FunctionRef<grpc::Status(grpc::ClientContext*)> rpc);

  v1::AdminService::Stub& admin() { return *admin_; }
  v1::AuditService::Stub& audit() { return *audit_; }
  v1::CaseService::Stub& cases() { return *cases_; }
  v1::ChargingService::Stub& charging() { return *charging_; }
  v1::ProtectionOrderService::Stub& orders() { return *orders_; }
  v1::SafeguardingService::Stub& safeguarding() { return *safeguarding_; }
  v1::SharingService::Stub& sharing() { return *sharing_; }

 private:
  Client() = default;

  std::string server_;
  std::string token_;
  absl::Duration timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::ChargingService::Stub> charging_;
  std::unique_ptr<v1::ProtectionOrderService::Stub> orders_;
  std::unique_ptr<v1::SafeguardingService::Stub> safeguarding_;
  std::unique_ptr<v1::SharingService::Stub> sharing_;
};

}  // namespace casebridge::cli

#endif  // CASEBRIDGE_CLIENTS_CLI_CLIENT_H_
