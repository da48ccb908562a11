// main() of casebridge_integration_tests: registers the PostgreSQL every
// test in this binary uses (see tests/support/postgres_environment.h).
#include "gtest/gtest.h"
#include "tests/support/postgres_environment.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // The template hook is where the schema migrations will be applied, so
  // every FreshDatabase() starts migrated. Until then: an empty template.
  ::testing::AddGlobalTestEnvironment(
      new casebridge::test_support::PostgresEnvironment(
          /*prepare_template=*/nullptr));
  return RUN_ALL_TESTS();
}
