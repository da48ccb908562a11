#include "domain/case_view.h"

#include <algorithm>

namespace casebridge::domain {

void ApplyPersonView(v1::CaseView view, v1::Person* p) {
  if (view == v1::CASE_VIEW_FULL) return;
  if (p->address_restricted()) p->clear_address();
  if (view == v1::CASE_VIEW_SAFEGUARDING) p->clear_notes();
}

void RedactCaseToProsecutionView(v1::Case* c) {
  ApplyPersonView(v1::CASE_VIEW_PROSECUTION, c->mutable_victim());
  for (v1::Person& p : *c->mutable_suspects()) {
    ApplyPersonView(v1::CASE_VIEW_PROSECUTION, &p);
  }
  for (v1::Person& p : *c->mutable_protected_persons()) {
    ApplyPersonView(v1::CASE_VIEW_PROSECUTION, &p);
  }
  // The CPS reads but does not update the case record.
  c->clear_etag();
}

void RedactCaseToSafeguardingView(v1::Case* c) {
  if (c->has_victim()) {
    v1::Person* victim = c->mutable_victim();
    v1::Person kept;
    kept.set_given_name(victim->given_name());
    kept.set_family_name(victim->family_name());
    *kept.mutable_date_of_birth() = victim->date_of_birth();
    *kept.mutable_safe_contact() = victim->safe_contact();
    kept.set_address_restricted(victim->address_restricted());
    if (!victim->address_restricted()) kept.set_address(victim->address());
    *victim = std::move(kept);
  }
  for (v1::Person& p : *c->mutable_protected_persons()) {
    v1::Person kept;
    kept.set_given_name(p.given_name());
    kept.set_family_name(p.family_name());
    *kept.mutable_safe_contact() = p.safe_contact();
    kept.set_address_restricted(p.address_restricted());
    if (!p.address_restricted()) kept.set_address(p.address());
    p = std::move(kept);
  }
  c->clear_suspects();
  c->clear_summary();
  c->clear_close_reason();
  c->clear_relationship();
  c->clear_typology();
  c->clear_spo_consideration();
  c->clear_lawful_basis_notes();
  c->clear_etag();
  if (c->has_victim_services_referral()) {
    // Partners see whether the victim was referred, not who recorded it.
    c->mutable_victim_services_referral()->clear_reason();
    c->mutable_victim_services_referral()->clear_recorded_by();
  }
  // A defendant's overdue notification is police work on the order, which
  // partners do not see.
  auto* flags = c->mutable_flags();
  flags->erase(std::remove_if(flags->begin(), flags->end(),
                              [](const v1::CaseFlag& f) {
                                return f.type() ==
                                       v1::FLAG_TYPE_SPO_NOTIFICATION_OVERDUE;
                              }),
               flags->end());
  for (v1::CaseFlag& f : *c->mutable_flags()) f.clear_raised_by();
  if (c->has_pattern()) {
    // Risk indicators, not the incident detail behind them.
    const v1::CasePattern& p = c->pattern();
    v1::CasePattern kept;
    kept.set_course_of_conduct(p.course_of_conduct());
    kept.set_escalating(p.escalating());
    kept.set_highest_risk_indicator(p.highest_risk_indicator());
    kept.set_rapid_escalation(p.rapid_escalation());
    *c->mutable_pattern() = std::move(kept);
  }
}

void ApplyCaseView(v1::CaseView view, v1::Case* c) {
  c->set_view(view);
  switch (view) {
    case v1::CASE_VIEW_FULL:
      return;
    case v1::CASE_VIEW_PROSECUTION:
      RedactCaseToProsecutionView(c);
      return;
    case v1::CASE_VIEW_SAFEGUARDING:
      RedactCaseToSafeguardingView(c);
      return;
    default: {
      // No view: nothing of the case but its name.
      std::string name = c->name();
      c->Clear();
      c->set_name(std::move(name));
      return;
    }
  }
}

int TimelineBit(v1::CaseView view) {
  switch (view) {
    case v1::CASE_VIEW_FULL:
      return kTimelineFull;
    case v1::CASE_VIEW_PROSECUTION:
      return kTimelineProsecution;
    case v1::CASE_VIEW_SAFEGUARDING:
      return kTimelineSafeguarding;
    default:
      return 0;
  }
}

}  // namespace casebridge::domain
