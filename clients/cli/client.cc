#include "clients/cli/client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
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
                                         absl::string_view working_dir,
                                         absl::string_view saved_token) {
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
  if (!saved_token.empty()) return std::string(saved_token);
  return WithField(
      UsageError("who are you? give --as NAME (a demo user, e.g. --as pc.hughes), "
                 "--token TOKEN, set CASEBRIDGE_TOKEN, or redeem your enrolment "
                 "code with `casebridge enrol CODE --save`"),
      "--token");
}

std::string SavedTokenPath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && xdg[0] == '/') return absl::StrCat(xdg, "/casebridge/token");
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.config/casebridge/token");
}

std::string ReadSavedToken(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  if (in) std::getline(in, token);
  return std::string(absl::StripAsciiWhitespace(token));
}

absl::Status SaveToken(const std::string& path, absl::string_view token) {
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos) {
    std::error_code ec;
    std::filesystem::create_directories(path.substr(0, slash), ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", path.substr(0, slash)));
    chmod(path.substr(0, slash).c_str(), 0700);
  }
  const std::string tmp = path + ".tmp";
  unlink(tmp.c_str());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot create ", tmp));
  const std::string text = absl::StrCat(token, "\n");
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (close(fd) != 0 || !written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
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
  // No token: a call that carries its own credential (an enrolment code).
  if (!token_.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  grpc::Status status = rpc(&context);
  return FromGrpc(status, context.GetServerTrailingMetadata(), server_, method);
}

}  // namespace casebridge::cli
