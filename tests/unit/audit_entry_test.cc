// The CLI's reading of a proof's entry (verify/audit_entry.h) against the
// server's canonical form (storage/audit_log.h): written apart, they must
// agree on every field.
#include "verify/audit_entry.h"

#include "gtest/gtest.h"
#include "storage/audit_log.h"

namespace casebridge {
namespace {

storage::AuditEvent Sample() {
  storage::AuditEvent e;
  e.time = absl::FromUnixMicros(1796000000123456);
  e.user_id = "6b0e3c2a-0000-4000-8000-000000000001";
  e.username = "pc.hughes";
  e.agency_id = "6b0e3c2a-0000-4000-8000-000000000002";
  e.roles = {1, 7};
  e.peer = "ipv4:127.0.0.1:4242";
  e.method = "/casebridge.v1.CaseService/GetCase";
  e.resources = {"cases/a;b:c[1]", "cases/x"};
  e.case_id = "6b0e3c2a-0000-4000-8000-000000000003";
  e.case_reference = "SP-2026-000123";
  e.case_owner_agency_id = e.agency_id;
  e.outcome = "OK";
  e.message = "a message; with: separators]";
  e.request_id = "req-1";
  e.changed_fields = {"summary"};
  e.old_etag = "1";
  e.new_etag = "2";
  e.content_disclosed = true;
  e.credential = "users/u/tokens/t";
  e.call_count = 3;
  return e;
}

TEST(AuditEntryTest, ReadsEveryFieldTheServerWrote) {
  const storage::AuditEvent e = Sample();
  absl::StatusOr<verify::AuditEntry> parsed =
      verify::ParseAuditEntry(storage::CanonicalAuditContent(42, e));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->id, 42);
  EXPECT_EQ(parsed->time_micros, absl::ToUnixMicros(e.time));
  EXPECT_EQ(parsed->username, e.username);
  EXPECT_EQ(parsed->roles, (std::vector<std::string>{"1", "7"}));
  EXPECT_EQ(parsed->method, e.method);
  EXPECT_EQ(parsed->resources, e.resources);
  EXPECT_EQ(parsed->case_reference, e.case_reference);
  EXPECT_EQ(parsed->outcome, e.outcome);
  EXPECT_EQ(parsed->message, e.message);
  EXPECT_EQ(parsed->changed_fields, e.changed_fields);
  EXPECT_TRUE(parsed->content_disclosed);
}

TEST(AuditEntryTest, AnythingElseIsRefused) {
  const std::string good = storage::CanonicalAuditContent(42, Sample());
  for (const std::string& bad :
       {std::string(""), std::string("cb-audit-v2;") + good.substr(12), good.substr(0, 40),
        good.substr(0, 12) + "99:" + good.substr(15), std::string("not an entry")}) {
    EXPECT_FALSE(verify::ParseAuditEntry(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace casebridge
