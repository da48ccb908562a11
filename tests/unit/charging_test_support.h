// Fixtures shared by the charging unit tests: a fixed clock and a valid
// example of every request, which tests then break one field at a time.
#ifndef CASEBRIDGE_TESTS_UNIT_CHARGING_TEST_SUPPORT_H_
#define CASEBRIDGE_TESTS_UNIT_CHARGING_TEST_SUPPORT_H_

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/charging.pb.h"
#include "domain/charging_validation.h"

namespace casebridge::domain::charging_test {

inline constexpr char kCaseId[] = "0b7f8a52-3c1d-4e5f-9a6b-7c8d9e0f1a2b";
inline constexpr char kFileId[] = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
inline constexpr char kProsecutor[] = "users/2e1f0a9b-8c7d-4e6f-a5b4-c3d2e1f0a9b8";
inline constexpr char kOfficer[] = "users/3f2e1d0c-9b8a-4f7e-b6d5-c4b3a2f1e0d9";

// 2026-03-10 12:00 UTC (GMT: the same day in the UK), a Tuesday.
inline ChargingClock FixedClock() {
  return ChargingClock{absl::FromCivil(absl::CivilSecond(2026, 3, 10, 12, 0, 0),
                                       absl::UTCTimeZone())};
}

inline v1::Date D(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

inline std::string FileName() {
  return std::string("cases/") + kCaseId + "/chargingFiles/" + kFileId;
}

// The n-th item id (n < 10): distinct UUIDs.
inline std::string ItemId(int n) {
  return "aaaaaaaa-0000-4000-8000-00000000000" + std::to_string(n);
}
inline std::string ItemName(int n) {
  return ActionItemResourceName(kCaseId, kFileId, ItemId(n));
}

inline std::vector<v1::Person> CaseSuspects() {
  v1::Person a;
  a.set_given_name("Dean");
  a.set_family_name("Harper");
  v1::Person b;
  b.set_given_name("Lee");
  b.set_family_name("Marsh");
  return {a, b};
}

inline v1::ChargingFile ValidContent(v1::ChargingFileKind kind) {
  v1::ChargingFile f;
  f.set_kind(kind);
  f.set_urgency(v1::CHARGING_URGENCY_GREEN_PRIORITY);
  v1::ChargingSuspect* s = f.add_suspects();
  s->set_suspect_number(1);
  s->set_bail_status(v1::BAIL_STATUS_PRE_CHARGE_BAIL);
  *s->mutable_release_date() = D(2026, 3, 2);
  *s->mutable_bail_return_date() = D(2026, 3, 30);
  s->set_bail_conditions("Not to contact the victim directly or indirectly");
  f.add_proposed_offences()->set_offence(v1::OFFENCE_PHA_S2A_STALKING);
  v1::OffenceDetail* o = f.add_proposed_offences();
  o->set_offence(v1::OFFENCE_PHA_S4A_STALKING_FEAR_OF_VIOLENCE);
  o->set_particulars("Between 1 January and 28 February 2026 at Stoke");
  f.set_summary("Ex-partner; 23 incidents logged; threats made on 27 Feb.");
  return f;
}

inline v1::SubmitChargingFileRequest ValidSubmit(
    v1::ChargingFileKind kind = v1::CHARGING_FILE_KIND_FULL_FILE) {
  v1::SubmitChargingFileRequest r;
  r.set_parent(std::string("cases/") + kCaseId);
  *r.mutable_charging_file() = ValidContent(kind);
  r.set_request_id("submit-1");
  return r;
}

inline v1::SubmitFullFileRequest ValidSubmitFullFile() {
  v1::SubmitFullFileRequest r;
  r.set_name(FileName());
  *r.mutable_charging_file() = ValidContent(v1::CHARGING_FILE_KIND_FULL_FILE);
  r.set_etag("e1");
  return r;
}

inline v1::RecordAdviceRequest ValidAdvice() {
  v1::RecordAdviceRequest r;
  r.set_name(FileName());
  r.set_advice("Obtain the phone download and the neighbour's statement.");
  r.set_etag("e1");
  return r;
}

// Two items: due 2026-03-17 and 2026-03-24.
inline v1::IssueActionPlanRequest ValidPlan() {
  v1::IssueActionPlanRequest r;
  r.set_name(FileName());
  v1::ChargingActionItem* a = r.add_items();
  a->set_description("Download of the victim's phone (messages Jan-Feb)");
  *a->mutable_due_date() = D(2026, 3, 17);
  v1::ChargingActionItem* b = r.add_items();
  b->set_description("Statement from the neighbour who saw him loitering");
  *b->mutable_due_date() = D(2026, 3, 24);
  r.set_etag("e1");
  return r;
}

inline v1::RespondToActionItemRequest Respond(
    int item, v1::ChargingActionItemResponse response) {
  v1::RespondToActionItemRequest r;
  r.set_name(ItemName(item));
  r.set_response(response);
  if (response == v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE) {
    r.set_reason("The neighbour has moved abroad and will not engage");
  }
  if (response == v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE) {
    r.set_provided("Download report exhibit DH/1 uploaded");
  }
  r.set_etag("i1");
  return r;
}

inline v1::ReviewActionItemRequest Review(int item,
                                          v1::ChargingActionItemReview review) {
  v1::ReviewActionItemRequest r;
  r.set_name(ItemName(item));
  r.set_review(review);
  r.set_note("Agreed: proceed on the remaining evidence");
  r.set_etag("i2");
  return r;
}

inline v1::ChargingDecision FullCodeCharge() {
  v1::ChargingDecision d;
  d.set_test(v1::CHARGING_TEST_FULL_CODE);
  d.set_outcome(v1::CHARGING_OUTCOME_CHARGE);
  d.add_offences()->set_offence(v1::OFFENCE_PHA_S4A_STALKING_FEAR_OF_VIOLENCE);
  d.set_rationale("Evidential stage met on the messages and the CCTV; "
                  "prosecution required given the escalation.");
  return d;
}

inline v1::ChargingDecision ThresholdCharge() {
  v1::ChargingDecision d = FullCodeCharge();
  d.set_test(v1::CHARGING_TEST_THRESHOLD);
  d.set_threshold_grounds("In custody; substantial bail risk: threatened to "
                          "kill her; phone download expected within 14 days");
  *d.mutable_threshold_review_by() = D(2026, 3, 24);
  return d;
}

inline v1::ChargingDecision NoFurtherAction(v1::NfaReason reason) {
  v1::ChargingDecision d;
  d.set_test(v1::CHARGING_TEST_FULL_CODE);
  d.set_outcome(v1::CHARGING_OUTCOME_NO_FURTHER_ACTION);
  d.set_nfa_reason(reason);
  d.set_rationale("Identification cannot be proved.");
  return d;
}

inline v1::RecordDecisionRequest Decide(const v1::ChargingDecision& d) {
  v1::RecordDecisionRequest r;
  r.set_name(FileName());
  *r.mutable_decision() = d;
  r.set_etag("e1");
  return r;
}

inline v1::FirstHearing Hearing(v1::Date date) {
  v1::FirstHearing h;
  *h.mutable_date() = date;
  h.set_court("North Staffordshire Justice Centre");
  return h;
}

inline v1::VictimInformed Informed(v1::Date date) {
  v1::VictimInformed v;
  v.set_informed(true);
  *v.mutable_inform_date() = date;
  v.set_method("Phone call by the officer in the case");
  return v;
}

// A stored file as storage would hand it back: named, with names on items.
inline void NameAsStorageWould(v1::ChargingFile* file) {
  file->set_name(FileName());
  int n = 0;
  for (v1::ChargingActionItem& item : *file->mutable_action_items()) {
    if (item.name().empty()) item.set_name(ItemName(n));
    ++n;
  }
}

}  // namespace casebridge::domain::charging_test

#endif  // CASEBRIDGE_TESTS_UNIT_CHARGING_TEST_SUPPORT_H_
