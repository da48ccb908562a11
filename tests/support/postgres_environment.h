#ifndef CASEBRIDGE_TESTS_SUPPORT_POSTGRES_ENVIRONMENT_H_
#define CASEBRIDGE_TESTS_SUPPORT_POSTGRES_ENVIRONMENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "storage/embedded_postgres.h"

namespace casebridge::test_support {

// Creates /tmp/cbpg-XXXXXX for a throwaway cluster whose data directory is
// <returned dir>/d: handed to the server user when we are root, holding an
// `owner` file naming this process, so that ReapOrphanedTestClusters() can
// clean it up if this process dies without removing it.
absl::StatusOr<std::string> MakeReapableTempDir();

// Stops (immediate shutdown) the servers of, and removes, the directories
// MakeReapableTempDir() made for processes that no longer exist. Runs at
// every PostgresEnvironment::Init().
void ReapOrphanedTestClusters();

// Runs `sql` (several statements allowed; the last must return one row) in
// one transaction and returns the first column of that row ("NULL" for a
// null), or the error. For checks in tests, not for production code.
absl::StatusOr<std::string> QueryValue(const std::string& conn_string,
                                       const std::string& sql);

// Prepares the template database (e.g. runs the migrations) given a libpq
// connection string to it. It must close its connections before returning:
// PostgreSQL copies a template only while nobody is connected to it.
using TemplateHook = std::function<absl::Status(const std::string& conn_string)>;

// The PostgreSQL every integration test of one binary uses, set up once per
// process:
//  - if CASEBRIDGE_TEST_DATABASE is set (a libpq connection string or URI
//    to a server where it may create databases), that server; the template
//    and every database made from it get unique names and are dropped at the
//    end, so several runs can share the server;
//  - otherwise a throwaway EmbeddedPostgres (fsync off) in a fresh
//    /tmp/cbpg-XXXXXX, removed at the end. Each process has its own cluster
//    and socket, so test binaries (and ctest -j) never collide. Clusters
//    left by a crashed or killed test process are reaped by the next one.
//
// Register it in main() before RUN_ALL_TESTS():
//   ::testing::AddGlobalTestEnvironment(new PostgresEnvironment(hook));
// and make databases in tests with PostgresEnvironment::FreshDatabase().
class PostgresEnvironment : public ::testing::Environment {
 public:
  static constexpr char kTemplateDatabase[] = "casebridge_template";
  static constexpr char kDatabaseUrlVariable[] = "CASEBRIDGE_TEST_DATABASE";

  // A null hook leaves the template empty.
  explicit PostgresEnvironment(TemplateHook prepare_template = nullptr);
  ~PostgresEnvironment() override;

  // gtest hooks: SetUp() runs Init() and fails fatally (so no test runs) on
  // error; it also makes this the environment the static accessors use.
  void SetUp() override;
  void TearDown() override;

  // Starts or connects to the server and builds the template. Also usable
  // directly, for an environment a test makes for itself.
  absl::Status Init();
  // Drops what Init() and CreateDatabase() made, stops the embedded server
  // and removes its directory. Idempotent.
  absl::Status Shutdown();

  // CREATE DATABASE <unique name> TEMPLATE <template>; returns its
  // connection string (as the superuser). Thread-safe.
  absl::StatusOr<std::string> CreateDatabase();
  // Connection string to `dbname` as the superuser (or the role of
  // CASEBRIDGE_TEST_DATABASE).
  std::string ConnectionStringFor(absl::string_view dbname) const;
  const std::string& template_name() const { return template_name_; }
  // The embedded server, or null when using CASEBRIDGE_TEST_DATABASE.
  storage::EmbeddedPostgres* embedded() const { return embedded_.get(); }

  // --- For tests, through the environment registered with gtest. ---
  // A new database copied from the template; its connection string.
  static absl::StatusOr<std::string> FreshDatabase();
  // The superuser's connection string to `dbname`.
  static absl::StatusOr<std::string> SuperuserConnectionString(
      absl::string_view dbname = "postgres");
  // Whether the server is our embedded one (so it can be stopped).
  static bool IsEmbedded();
  // Stop / start again the embedded server (health and outage tests).
  // FAILED_PRECONDITION with CASEBRIDGE_TEST_DATABASE: tests should skip.
  static absl::Status StopServer();
  static absl::Status RestartServer();

 private:
  static PostgresEnvironment* Current();
  absl::Status BuildTemplate();

  TemplateHook prepare_template_;
  std::string temp_dir_;  // embedded mode: the cluster's data directory
  std::unique_ptr<storage::EmbeddedPostgres> embedded_;
  // key=value pairs of the external server's connection string, without
  // dbname; empty in embedded mode.
  std::vector<std::pair<std::string, std::string>> external_params_;
  std::string template_name_;
  std::string name_prefix_;  // of the databases CreateDatabase() makes

  mutable absl::Mutex mu_;
  int next_database_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> created_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casebridge::test_support

#endif  // CASEBRIDGE_TESTS_SUPPORT_POSTGRES_ENVIRONMENT_H_
