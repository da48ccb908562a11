#include "domain/case_validation.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

// Every agency kind x every victim-services state: only a victim service, and
// only while the victim has opted out, is refused.
TEST(CheckExplicitShareTest, NoVictimServiceWhileTheVictimOptedOut) {
  const v1::AgencyKind kinds[] = {
      v1::AGENCY_KIND_POLICE, v1::AGENCY_KIND_CPS, v1::AGENCY_KIND_COUNCIL,
      v1::AGENCY_KIND_HEALTH, v1::AGENCY_KIND_VICTIM_SERVICE};
  const v1::VictimServicesReferralState states[] = {
      v1::VICTIM_SERVICES_REFERRAL_STATE_UNSPECIFIED,
      v1::VICTIM_SERVICES_REFERRAL_STATE_PENDING,
      v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED,
      v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT};
  int refused = 0;
  for (v1::AgencyKind kind : kinds) {
    for (v1::VictimServicesReferralState state : states) {
      absl::Status s = CheckExplicitShare(kind, state);
      const bool want_refused = kind == v1::AGENCY_KIND_VICTIM_SERVICE &&
                                state == v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT;
      EXPECT_EQ(!s.ok(), want_refused) << kind << " " << state;
      if (!s.ok()) {
        ++refused;
        EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_TRUE(absl::StrContains(s.message(), "opted out")) << s.message();
      }
    }
  }
  EXPECT_EQ(refused, 1);
}

}  // namespace
}  // namespace casebridge::domain
