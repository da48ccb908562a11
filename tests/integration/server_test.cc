// The server around the services: health, reflection, TLS and mutual TLS,
// and riding out a database outage.
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "storage/subprocess.h"
#include "tests/support/grpc_probes.h"
#include "tests/support/postgres_environment.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using test_support::CheckHealth;
using test_support::kNotServing;
using test_support::kServing;
using test_support::PostgresEnvironment;
using test_support::TestServer;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

// Polls `probe` until it returns `want` (or a minute passes): the health
// loop notices changes on its own schedule.
absl::StatusOr<int> AwaitHealth(const std::shared_ptr<grpc::Channel>& channel, int want) {
  absl::StatusOr<int> last = absl::UnknownError("not checked");
  const absl::Time limit = absl::Now() + absl::Minutes(1);
  while (absl::Now() < limit) {
    last = CheckHealth(channel);
    if (last.ok() && *last == want) return last;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return last;
}

grpc::Status WhoAmI(TestServer& server, const std::shared_ptr<grpc::Channel>& channel,
                    v1::User* out, absl::string_view user = "pc.hughes") {
  auto admin = v1::AdminService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", server.Token(user)));
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return admin->GetCurrentUser(&context, v1::GetCurrentUserRequest(), out);
}

TEST(ServerTest, HealthFollowsTheDatabase) {
  if (!PostgresEnvironment::IsEmbedded()) {
    GTEST_SKIP() << "needs the embedded PostgreSQL, which the test can stop";
  }
  auto started = TestServer::Start({.pool_size = 3});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);
  auto channel = server->channel();

  EXPECT_EQ(CheckHealth(channel).value_or(-1), kServing);

  // Every pooled connection has been used, so each is stale after the
  // restart below.
  {
    std::vector<std::thread> callers;
    for (int i = 0; i < 6; ++i) {
      callers.emplace_back([&] {
        v1::User me;
        EXPECT_GRPC_OK(WhoAmI(*server, channel, &me));
      });
    }
    for (std::thread& t : callers) t.join();
  }

  ASSERT_TRUE(PostgresEnvironment::StopServer().ok());
  absl::Cleanup restart = [] {
    absl::Status s = PostgresEnvironment::RestartServer();
    EXPECT_TRUE(s.ok()) << s;
  };
  EXPECT_EQ(AwaitHealth(channel, kNotServing).value_or(-1), kNotServing);
  v1::User me;
  grpc::Status down = WhoAmI(*server, channel, &me);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();

  std::move(restart).Invoke();
  EXPECT_EQ(AwaitHealth(channel, kServing).value_or(-1), kServing);

  // Once it says SERVING, calls work: none fails on a connection that died
  // with the old database process.
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int i = 0; i < 6; ++i) {
    callers.emplace_back([&] {
      for (int k = 0; k < 3; ++k) {
        v1::User user;
        grpc::Status s = WhoAmI(*server, channel, &user);
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.error_code() << ": " << s.error_message();
        }
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ServerTest, ReflectionListsAndDescribesTheServices) {
  auto started = TestServer::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);

  absl::StatusOr<std::vector<std::string>> services =
      test_support::ReflectedServices(server->channel());
  ASSERT_TRUE(services.ok()) << services.status();
  EXPECT_THAT(*services,
              IsSupersetOf({"casebridge.v1.AdminService", "casebridge.v1.CaseService",
                            "casebridge.v1.SharingService", "casebridge.v1.AuditService",
                            "grpc.health.v1.Health"}));
  // Echo is the benchmark baseline, off unless asked for.
  EXPECT_THAT(*services, ::testing::Not(Contains("casebridge.v1.EchoService")));

  // A grpcurl-style client can fetch the schema of a method.
  absl::StatusOr<std::vector<std::string>> files = test_support::ReflectedFilesContaining(
      server->channel(), "casebridge.v1.CaseService");
  ASSERT_TRUE(files.ok()) << files.status();
  bool found = false;
  for (const std::string& bytes : *files) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    for (const auto& service : file.service()) {
      if (service.name() != "CaseService") continue;
      found = true;
      std::vector<std::string> methods;
      for (const auto& m : service.method()) methods.push_back(m.name());
      EXPECT_THAT(methods, IsSupersetOf({"CreateCase", "GetCase", "AddIncident"}));
    }
  }
  EXPECT_TRUE(found);

  absl::StatusOr<std::vector<std::string>> unknown =
      test_support::ReflectedFilesContaining(server->channel(), "casebridge.v1.NoSuch");
  EXPECT_FALSE(unknown.ok());
}

// --- TLS -------------------------------------------------------------------

// A CA, a server certificate for 127.0.0.1/localhost and client
// certificates, made with the openssl command line in a temporary directory.
class Pki {
 public:
  Pki() {
    char dir[] = "/tmp/cb-pki-XXXXXX";
    if (mkdtemp(dir) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    dir_ = dir;
    openssl_ = FindOpenssl();
    if (openssl_.empty()) {
      ADD_FAILURE() << "the openssl command is not installed (./dev installs it)";
      return;
    }
    MakeCa("ca", "Casebridge Test CA");
    MakeCa("rogue-ca", "Someone Else's CA");
    MakeLeaf("server", "ca", "localhost",
             "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
             "extendedKeyUsage=serverAuth\n");
    MakeLeaf("client", "ca", "casebridge-cli", "extendedKeyUsage=clientAuth\n");
    MakeLeaf("rogue-client", "rogue-ca", "casebridge-cli",
             "extendedKeyUsage=clientAuth\n");
  }
  ~Pki() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string Path(absl::string_view name) const { return absl::StrCat(dir_, "/", name); }
  std::string Read(absl::string_view name) const {
    std::ifstream in(Path(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  static std::string FindOpenssl() {
    const char* path = getenv("PATH");
    for (absl::string_view dir :
         absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
      std::string candidate = absl::StrCat(dir, "/openssl");
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
  }

  void Run(std::vector<std::string> args) {
    args.insert(args.begin(), openssl_);
    storage::SubprocessOptions options;
    options.working_dir = dir_;
    absl::StatusOr<storage::SubprocessResult> r = storage::RunSubprocess(args, options);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->exit_code, 0) << absl::StrJoin(args, " ") << "\n" << r->output;
  }

  void MakeCa(const std::string& name, const std::string& cn) {
    Run({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", Path(name + ".key"), "-out", Path(name + ".pem"), "-days",
         "2", "-subj", "/CN=" + cn, "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
  }

  void MakeLeaf(const std::string& name, const std::string& ca, const std::string& cn,
                const std::string& extensions) {
    {
      std::ofstream ext(Path(name + ".ext"));
      ext << extensions;
    }
    Run({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", Path(name + ".key"), "-out", Path(name + ".csr"), "-subj",
         "/CN=" + cn});
    Run({"x509", "-req", "-in", Path(name + ".csr"), "-CA", Path(ca + ".pem"), "-CAkey",
         Path(ca + ".key"), "-set_serial", absl::StrCat(++serial_), "-days", "2",
         "-extfile", Path(name + ".ext"), "-out", Path(name + ".pem")});
  }

  std::string dir_;
  std::string openssl_;
  int serial_ = 1;
};

class TlsTest : public ::testing::Test {
 protected:
  std::shared_ptr<grpc::Channel> TlsChannel(TestServer& server,
                                            absl::string_view client = "") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pki_.Read("ca.pem");
    if (!client.empty()) {
      ssl.pem_private_key = pki_.Read(absl::StrCat(client, ".key"));
      ssl.pem_cert_chain = pki_.Read(absl::StrCat(client, ".pem"));
    }
    return grpc::CreateChannel(server.address(), grpc::SslCredentials(ssl));
  }

  Pki pki_;
};

TEST_F(TlsTest, MutualTlsAcceptsOnlyClientsWithACertificateFromTheCa) {
  auto started = TestServer::Start({.tls_cert_file = pki_.Path("server.pem"),
                                    .tls_key_file = pki_.Path("server.key"),
                                    .tls_client_ca_file = pki_.Path("ca.pem")});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);

  v1::User me;
  ASSERT_GRPC_OK(WhoAmI(*server, TlsChannel(*server, "client"), &me));
  EXPECT_EQ(me.username(), "pc.hughes");
  // The bearer token still decides who the caller is.
  ASSERT_GRPC_OK(WhoAmI(*server, TlsChannel(*server, "client"), &me, "cps.okafor"));
  EXPECT_EQ(me.username(), "cps.okafor");

  grpc::Status no_cert = WhoAmI(*server, TlsChannel(*server), &me);
  EXPECT_EQ(no_cert.error_code(), grpc::StatusCode::UNAVAILABLE)
      << no_cert.error_message();

  grpc::Status rogue = WhoAmI(*server, TlsChannel(*server, "rogue-client"), &me);
  EXPECT_EQ(rogue.error_code(), grpc::StatusCode::UNAVAILABLE) << rogue.error_message();

  grpc::Status plaintext = WhoAmI(
      *server, grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials()),
      &me);
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE)
      << plaintext.error_message();

  // Refused handshakes never reach a handler, so only the two good calls
  // (and the seeding) are in the log.
  EXPECT_EQ(
      *server->CountAuditEvents("method = '/casebridge.v1.AdminService/GetCurrentUser'"),
      2);
}

TEST_F(TlsTest, ServerTlsWithoutClientCaNeedsNoClientCertificate) {
  auto started = TestServer::Start({.tls_cert_file = pki_.Path("server.pem"),
                                    .tls_key_file = pki_.Path("server.key")});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<TestServer> server = *std::move(started);
  v1::User me;
  EXPECT_GRPC_OK(WhoAmI(*server, TlsChannel(*server), &me));
  grpc::Status plaintext = WhoAmI(
      *server, grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials()),
      &me);
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, BadTlsFilesAreRefusedAtStartWithTheirName) {
  struct Bad {
    std::string cert, key, ca, expect;
  } cases[] = {
      {"/nonexistent/server.pem", pki_.Path("server.key"), "", "/nonexistent/server.pem"},
      {pki_.Path("server.pem"), pki_.Path("server.ext"), "", "server.ext"},  // not PEM
      {pki_.Path("server.pem"), "", "", "--tls_key"},
      {"", "", pki_.Path("ca.pem"), "--tls_client_ca"},
      {pki_.Path("server.pem"), pki_.Path("client.key"), "", "does not match"},
      {pki_.Path("server.pem"), pki_.Path("server.key"), pki_.Path("server.ext"),
       "server.ext"},
  };
  for (const Bad& bad : cases) {
    SCOPED_TRACE(absl::StrCat(bad.cert, " | ", bad.key, " | ", bad.ca));
    auto started = TestServer::Start({.tls_cert_file = bad.cert,
                                      .tls_key_file = bad.key,
                                      .tls_client_ca_file = bad.ca});
    ASSERT_FALSE(started.ok());
    EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument)
        << started.status();
    EXPECT_THAT(std::string(started.status().message()), HasSubstr(bad.expect));
  }
}

}  // namespace
}  // namespace casebridge
