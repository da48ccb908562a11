#include "clients/cli/client.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "clients/cli/demo_tokens.h"
#include "clients/cli/exit_codes.h"

namespace casebridge::cli {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view option) {
  std::ifstream in(path);
  if (!in) return WithField(UsageError(absl::StrCat("cannot read ", path)), option);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::string> ResolveToken(const ConnectionOptions& options,
                                         absl::string_view env_token,
                                         absl::string_view working_dir) {
  if (!options.token.empty() && !options.as.empty()) {
    return WithField(UsageError("give --token or --as, not both"), "--as");
  }
  if (!options.token.empty()) return options.token;
  if (!options.as.empty()) {
    std::optional<std::string> path =
        FindDemoTokensFile(options.tokens_file, working_dir);
    if (!path.has_value()) {
      return WithField(UsageError("--as needs the demo tokens file, and there is no "
                                  ".casebridge/demo-tokens.json here or above: start the "
                                  "server with ./dev run (it writes the file), or point "
                                  "--tokens-file / CASEBRIDGE_DEMO_TOKENS at it"),
                       "--as");
    }
    return DemoTokenFor(options.as, *path);
  }
  if (!env_token.empty()) return std::string(env_token);
  return WithField(
      UsageError("who are you? give --as NAME (a demo user, e.g. --as pc.hughes), "
                 "--token TOKEN, or set CASEBRIDGE_TOKEN"),
      "--token");
}

absl::Status FromGrpc(const grpc::Status& status,
                      const std::multimap<grpc::string_ref, grpc::string_ref>& trailers,
                      absl::string_view server, absl::string_view method) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  std::string message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      message =
          absl::StrCat("cannot reach the Casebridge server at ", server, " (", message,
                       "). Is it running? Start it with ./dev run, or point "
                       "--server / CASEBRIDGE_SERVER at it");
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      message =
          absl::StrCat("the server at ", server, " did not answer in time (", method,
                       "); try again or "
                       "raise --timeout");
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      message = absl::StrCat("the server does not offer this yet (", method,
                             "): it has no such service or method");
      break;
    default:
      break;
  }
  absl::Status out(code, message);
  auto it = trailers.find("casebridge-field");
  if (it != trailers.end()) {
    out = WithField(out, absl::string_view(it->second.data(), it->second.size()));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const ConnectionOptions& options,
                                                        std::string token) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments args;
  const bool tls = options.tls || !options.tls_ca.empty() || !options.tls_cert.empty() ||
                   !options.tls_key.empty();
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca.empty()) {
      absl::StatusOr<std::string> ca = ReadFile(options.tls_ca, "--tls-ca");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
    }
    if (options.tls_cert.empty() != options.tls_key.empty()) {
      return WithField(UsageError("--tls-cert and --tls-key go together"),
                       options.tls_cert.empty() ? "--tls-cert" : "--tls-key");
    }
    if (!options.tls_cert.empty()) {
      absl::StatusOr<std::string> cert = ReadFile(options.tls_cert, "--tls-cert");
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadFile(options.tls_key, "--tls-key");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *cert;
      ssl.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  std::unique_ptr<Client> client(new Client());
  client->server_ = options.server;
  client->token_ = std::move(token);
  client->timeout_ = options.timeout;
  client->channel_ = grpc::CreateCustomChannel(options.server, credentials, args);
  client->admin_ = v1::AdminService::NewStub(client->channel_);
  client->audit_ = v1::AuditService::NewStub(client->channel_);
  client->cases_ = v1::CaseService::NewStub(client->channel_);
  client->charging_ = v1::ChargingService::NewStub(client->channel_);
  client->orders_ = v1::ProtectionOrderService::NewStub(client->channel_);
  client->safeguarding_ = v1::SafeguardingService::NewStub(client->channel_);
  client->sharing_ = v1::SharingService::NewStub(client->channel_);
  return client;
}

absl::Status Client::Call(absl::string_view method,
                          absl::FunctionRef<grpc::Status(grpc::ClientContext*)> rpc) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  grpc::Status status = rpc(&context);
  return FromGrpc(status, context.GetServerTrailingMetadata(), server_, method);
}

}  // namespace casebridge::cli
