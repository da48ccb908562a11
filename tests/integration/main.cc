// main() of casebridge_integration_tests: registers the PostgreSQL every
// test in this binary uses (see tests/support/postgres_environment.h).
#include "gtest/gtest.h"
#include "storage/migrations.h"
#include "tests/support/postgres_environment.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Every FreshDatabase() starts migrated: the template is.
  ::testing::AddGlobalTestEnvironment(
      new casebridge::test_support::PostgresEnvironment(
          [](const std::string& conn) {
            return casebridge::storage::ApplyMigrations(conn);
          }));
  return RUN_ALL_TESTS();
}
