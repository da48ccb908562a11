#include "domain/visibility.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "casebridge/v1/cases.pb.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"

namespace casebridge::domain {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

struct FieldEntry {
  const char* field;  // "Message.field" in package casebridge.v1
  Audiences to;
  uint8_t flags = 0;
};

struct ValueEntry {
  const char* value;  // "Enum.VALUE" in package casebridge.v1
  Audiences to;
  Audiences detail_to = kNobody;
};

// THE visibility table: who sees each field of every message a response can
// carry. Police see the whole record; the CPS the prosecution view (all but
// the police's own housekeeping); partners (councils, health, victim
// services) what safeguarding needs: who and how to contact safely, the
// risk, the orders in force, their own work. The access policy decides
// first whether the reader may have the resource at all (and which rows:
// partners get only orders in force and only their agency's actions).
constexpr FieldEntry kFields[] = {
    // --- The case ------------------------------------------------------------
    {"Case.name", kEveryone},
    {"Case.reference", kEveryone},
    {"Case.owning_agency", kEveryone},
    // Partners need whom to call about the case.
    {"Case.officer_in_charge", kEveryone},
    {"Case.status", kEveryone},
    {"Case.open_time", kEveryone},
    {"Case.close_time", kEveryone},
    {"Case.close_reason", kPoliceAndCps, kFreeText},
    {"Case.summary", kPoliceAndCps, kFreeText},
    {"Case.victim", kEveryone},
    // Partners never receive suspect details.
    {"Case.suspects", kPoliceAndCps},
    {"Case.protected_persons", kEveryone},
    {"Case.relationship", kPoliceAndCps},
    {"Case.typology", kPoliceAndCps},
    {"Case.flags", kEveryone},
    // The deliberation on an order is police and CPS work.
    {"Case.spo_consideration", kPoliceAndCps},
    {"Case.victim_services_referral", kEveryone},
    {"Case.lawful_basis_notes", kPoliceAndCps, kFreeText},
    {"Case.risk_level", kEveryone},
    {"Case.pattern", kEveryone},
    {"Case.view", kEveryone},
    {"Case.has_active_order", kEveryone},
    {"Case.create_time", kEveryone},
    {"Case.update_time", kEveryone},
    // Only the police change the case record.
    {"Case.etag", kPolice},
    {"Case.restricted_text_to_rewrite", kPolice},
    {"RestrictedTextFinding.resource", kPolice},
    {"RestrictedTextFinding.field", kPolice},
    {"RestrictedTextFinding.part", kPolice},
    {"ListCasesResponse.cases", kEveryone},
    {"ListCasesResponse.next_page_token", kEveryone},

    // A person (victim, suspect, protected person).
    {"Person.given_name", kEveryone},
    {"Person.family_name", kEveryone},
    // Other names are police and CPS knowledge (an alias can be how a
    // relocated victim is found).
    {"Person.aliases", kPoliceAndCps},
    // Partners match the person in their own records (NHS, council) by name
    // and date of birth.
    {"Person.date_of_birth", kEveryone},
    {"Person.safe_contact", kEveryone},
    // A restricted (relocated) address never leaves the police.
    {"Person.address", kEveryone, kUnlessAddressRestricted},
    {"Person.address_restricted", kEveryone},
    {"Person.notes", kPoliceAndCps, kFreeText},
    {"ContactDetails.phone", kEveryone},
    {"ContactDetails.email", kEveryone},
    {"ContactDetails.safe_contact_notes", kEveryone, kFreeText},
    {"Date.year", kEveryone},
    {"Date.month", kEveryone},
    {"Date.day", kEveryone},

    // Flags: partners see why a flag is raised (how to visit safely), not
    // who raised it; the derived overdue-notification flag is police and
    // CPS work (FlagType values below).
    {"CaseFlag.name", kEveryone},
    {"CaseFlag.type", kEveryone, kSelectsElement},
    {"CaseFlag.reason", kEveryone, kFreeText},
    {"CaseFlag.raise_time", kEveryone},
    {"CaseFlag.raised_by", kPoliceAndCps},
    {"CaseFlag.clear_time", kEveryone},
    {"CaseFlag.cleared_by", kPoliceAndCps},
    {"CaseFlag.clear_reason", kPoliceAndCps, kFreeText},

    {"SpoConsideration.considered", kPoliceAndCps},
    {"SpoConsideration.reason", kPoliceAndCps, kFreeText},
    {"SpoConsideration.record_time", kPoliceAndCps},
    {"SpoConsideration.recorded_by", kPoliceAndCps},

    // Partners see whether the victim was referred, not why or by whom.
    {"VictimServicesReferral.state", kEveryone},
    {"VictimServicesReferral.agency", kEveryone},
    {"VictimServicesReferral.reason", kPoliceAndCps, kFreeText},
    {"VictimServicesReferral.record_time", kEveryone},
    {"VictimServicesReferral.recorded_by", kPoliceAndCps},

    // The pattern: partners get the risk indicators, not the incident
    // detail behind them.
    {"CasePattern.incident_count", kPoliceAndCps},
    {"CasePattern.course_of_conduct", kEveryone},
    {"CasePattern.first_incident_time", kPoliceAndCps},
    {"CasePattern.last_incident_time", kPoliceAndCps},
    {"CasePattern.duration_days", kPoliceAndCps},
    {"CasePattern.incidents_last_14_days", kPoliceAndCps},
    {"CasePattern.incidents_previous_14_days", kPoliceAndCps},
    {"CasePattern.new_behaviours", kPoliceAndCps},
    {"CasePattern.escalating", kEveryone},
    {"CasePattern.escalation_reason", kPoliceAndCps},
    {"CasePattern.highest_risk_indicator", kEveryone},
    {"CasePattern.rapid_escalation", kEveryone},
    {"CasePattern.four_signs_seen", kPoliceAndCps},
    {"CasePattern.behaviours_seen", kPoliceAndCps},
    {"CasePattern.recommendations", kPoliceAndCps},
    {"Recommendation.code", kPoliceAndCps},
    {"Recommendation.text", kPoliceAndCps},

    // --- Incidents and risk (police and CPS) ---------------------------------
    {"Incident.name", kPoliceAndCps},
    {"Incident.occur_time", kPoliceAndCps},
    {"Incident.report_time", kPoliceAndCps},
    {"Incident.location", kPoliceAndCps, kFreeText},
    {"Incident.behaviours", kPoliceAndCps},
    {"Incident.four_signs", kPoliceAndCps},
    {"Incident.witnesses", kPoliceAndCps, kFreeText},
    {"Incident.description", kPoliceAndCps, kFreeText},
    {"Incident.victim_impact", kPoliceAndCps, kFreeText},
    {"Incident.reported_to_police", kPoliceAndCps},
    {"Incident.recorded_by", kPoliceAndCps},
    {"Incident.create_time", kPoliceAndCps},
    {"Incident.update_time", kPoliceAndCps},
    {"Incident.etag", kPolice},
    {"ListIncidentsResponse.incidents", kPoliceAndCps},
    {"ListIncidentsResponse.next_page_token", kPoliceAndCps},

    {"RiskAssessment.name", kPoliceAndCps},
    {"RiskAssessment.dash_yes_count", kPoliceAndCps},
    {"RiskAssessment.stalking_question_yes", kPoliceAndCps},
    {"RiskAssessment.sdash", kPoliceAndCps},
    {"RiskAssessment.sdash_yes_count", kPoliceAndCps},
    {"RiskAssessment.professional_judgement_level", kPoliceAndCps},
    {"RiskAssessment.rationale", kPoliceAndCps, kFreeText},
    {"RiskAssessment.escalation", kPoliceAndCps},
    {"RiskAssessment.level", kPoliceAndCps},
    {"RiskAssessment.level_reason", kPoliceAndCps},
    {"RiskAssessment.assessor", kPoliceAndCps},
    {"RiskAssessment.assess_time", kPoliceAndCps},
    {"SdashAnswers.victim_very_frightened", kPoliceAndCps},
    {"SdashAnswers.previous_stalking_or_harassment", kPoliceAndCps},
    {"SdashAnswers.property_destroyed_or_vandalised", kPoliceAndCps},
    {"SdashAnswers.visits_home_or_work_more_than_three_times_a_week", kPoliceAndCps},
    {"SdashAnswers.loitering", kPoliceAndCps},
    {"SdashAnswers.threats_of_physical_or_sexual_violence", kPoliceAndCps},
    {"SdashAnswers.harassing_third_parties", kPoliceAndCps},
    {"SdashAnswers.violence_in_current_incidents", kPoliceAndCps},
    {"SdashAnswers.recruiting_others", kPoliceAndCps},
    {"SdashAnswers.drug_or_alcohol_misuse", kPoliceAndCps},
    {"SdashAnswers.known_violent_in_past", kPoliceAndCps},
    {"ListRiskAssessmentsResponse.assessments", kPoliceAndCps},
    {"ListRiskAssessmentsResponse.next_page_token", kPoliceAndCps},

    // --- The timeline: each entry by its kind (TimelineEntryKind below) -----
    {"TimelineEntry.time", kEveryone},
    {"TimelineEntry.kind", kEveryone, kSelectsElement},
    {"TimelineEntry.summary", kEveryone, kFreeText},
    // The resource's name, for readers who can read that resource.
    {"TimelineEntry.resource", kEveryone, kElementDetail},
    {"TimelineEntry.actor", kEveryone},
    {"GetCaseTimelineResponse.entries", kEveryone},
    {"GetCaseTimelineResponse.next_page_token", kEveryone},

    // --- Shares (police: kReadShares) ----------------------------------------
    {"CaseShare.name", kPolice},
    {"CaseShare.agency", kPolice},
    {"CaseShare.agency_kind", kPolice},
    {"CaseShare.basis", kPolice},
    {"CaseShare.purpose", kPolice, kFreeText},
    {"CaseShare.lawful_basis", kPolice, kFreeText},
    {"CaseShare.create_time", kPolice},
    {"CaseShare.created_by", kPolice},
    {"CaseShare.withdraw_time", kPolice},
    {"CaseShare.withdrawn_by", kPolice},
    {"CaseShare.withdraw_reason", kPolice, kFreeText},
    {"CaseShare.view", kPolice},
    {"ListCaseSharesResponse.shares", kPolice},
    {"ListCaseSharesResponse.next_page_token", kPolice},

    // --- Charging (police and the CPS; partners never) -----------------------
    {"ChargingFile.name", kPoliceAndCps},
    {"ChargingFile.case_reference", kPoliceAndCps},
    {"ChargingFile.kind", kPoliceAndCps},
    {"ChargingFile.urgency", kPoliceAndCps},
    {"ChargingFile.origin", kPoliceAndCps},
    {"ChargingFile.source_order", kPoliceAndCps},
    {"ChargingFile.suspects", kPoliceAndCps},
    {"ChargingFile.proposed_offences", kPoliceAndCps},
    {"ChargingFile.summary", kPoliceAndCps, kFreeText},
    {"ChargingFile.state", kPoliceAndCps},
    {"ChargingFile.advice", kPoliceAndCps},
    {"ChargingFile.action_items", kPoliceAndCps},
    {"ChargingFile.decision", kPoliceAndCps},
    {"ChargingFile.superseded_decisions", kPoliceAndCps},
    {"ChargingFile.first_hearing", kPoliceAndCps},
    {"ChargingFile.ancillary_orders", kPoliceAndCps},
    {"ChargingFile.victim_informed", kPoliceAndCps},
    {"ChargingFile.withdraw_reason", kPoliceAndCps, kFreeText},
    {"ChargingFile.submitted_by", kPoliceAndCps},
    {"ChargingFile.create_time", kPoliceAndCps},
    {"ChargingFile.full_file_submit_time", kPoliceAndCps},
    {"ChargingFile.update_time", kPoliceAndCps},
    {"ChargingFile.withdraw_time", kPoliceAndCps},
    // Both change a file: police submit and respond, the CPS decides.
    {"ChargingFile.etag", kPoliceAndCps},
    {"ChargingFile.progress", kPoliceAndCps},
    {"ChargingSuspect.suspect_number", kPoliceAndCps},
    {"ChargingSuspect.display_name", kPoliceAndCps},
    {"ChargingSuspect.bail_status", kPoliceAndCps},
    {"ChargingSuspect.release_date", kPoliceAndCps},
    {"ChargingSuspect.bail_return_date", kPoliceAndCps},
    {"ChargingSuspect.bail_conditions", kPoliceAndCps, kFreeText},
    {"OffenceDetail.offence", kPoliceAndCps},
    {"OffenceDetail.particulars", kPoliceAndCps, kFreeText},
    {"ChargingAdvice.advice", kPoliceAndCps, kFreeText},
    {"ChargingAdvice.advise_time", kPoliceAndCps},
    {"ChargingAdvice.prosecutor", kPoliceAndCps},
    {"ChargingActionItem.name", kPoliceAndCps},
    {"ChargingActionItem.description", kPoliceAndCps, kFreeText},
    {"ChargingActionItem.due_date", kPoliceAndCps},
    {"ChargingActionItem.state", kPoliceAndCps},
    {"ChargingActionItem.dispute_reason", kPoliceAndCps, kFreeText},
    {"ChargingActionItem.provided", kPoliceAndCps, kFreeText},
    {"ChargingActionItem.review_note", kPoliceAndCps, kFreeText},
    {"ChargingActionItem.issued_by", kPoliceAndCps},
    {"ChargingActionItem.responded_by", kPoliceAndCps},
    {"ChargingActionItem.create_time", kPoliceAndCps},
    {"ChargingActionItem.update_time", kPoliceAndCps},
    {"ChargingActionItem.resolve_time", kPoliceAndCps},
    {"ChargingActionItem.etag", kPoliceAndCps},
    {"ChargingDecision.test", kPoliceAndCps},
    {"ChargingDecision.outcome", kPoliceAndCps},
    {"ChargingDecision.offences", kPoliceAndCps},
    {"ChargingDecision.nfa_reason", kPoliceAndCps},
    {"ChargingDecision.disposal_details", kPoliceAndCps, kFreeText},
    {"ChargingDecision.rationale", kPoliceAndCps, kFreeText},
    {"ChargingDecision.decision_date", kPoliceAndCps},
    {"ChargingDecision.threshold_grounds", kPoliceAndCps, kFreeText},
    {"ChargingDecision.threshold_review_by", kPoliceAndCps},
    {"ChargingDecision.threshold_reviews", kPoliceAndCps},
    {"ChargingDecision.decide_time", kPoliceAndCps},
    {"ChargingDecision.prosecutor", kPoliceAndCps},
    {"ThresholdReview.note", kPoliceAndCps, kFreeText},
    {"ThresholdReview.previous_review_by", kPoliceAndCps},
    {"ThresholdReview.next_review_by", kPoliceAndCps},
    {"ThresholdReview.review_time", kPoliceAndCps},
    {"ThresholdReview.prosecutor", kPoliceAndCps},
    {"FirstHearing.date", kPoliceAndCps},
    {"FirstHearing.court", kPoliceAndCps, kFreeText},
    {"AncillaryOrder.kind", kPoliceAndCps},
    {"AncillaryOrder.details", kPoliceAndCps, kFreeText},
    {"VictimInformed.informed", kPoliceAndCps},
    {"VictimInformed.inform_date", kPoliceAndCps},
    {"VictimInformed.method", kPoliceAndCps},
    {"VictimInformed.notes", kPoliceAndCps, kFreeText},
    {"VictimInformed.record_time", kPoliceAndCps},
    {"VictimInformed.recorded_by", kPoliceAndCps},
    {"ChargingProgress.name", kPoliceAndCps},
    {"ChargingProgress.case_reference", kPoliceAndCps},
    {"ChargingProgress.state", kPoliceAndCps},
    {"ChargingProgress.stage", kPoliceAndCps},
    {"ChargingProgress.stage_summary", kPoliceAndCps},
    {"ChargingProgress.kind", kPoliceAndCps},
    {"ChargingProgress.urgency", kPoliceAndCps},
    {"ChargingProgress.origin", kPoliceAndCps},
    {"ChargingProgress.days_since_submission", kPoliceAndCps},
    {"ChargingProgress.outstanding_items", kPoliceAndCps},
    {"ChargingProgress.overdue_items", kPoliceAndCps},
    {"ChargingProgress.next_due_date", kPoliceAndCps},
    {"ChargingProgress.threshold_review_by", kPoliceAndCps},
    {"ChargingProgress.threshold_review_due", kPoliceAndCps},
    {"ChargingProgress.threshold_review_overdue", kPoliceAndCps},
    {"ChargingProgress.days_to_threshold_review", kPoliceAndCps},
    {"ChargingProgress.decision", kPoliceAndCps},
    {"ChargingProgress.first_hearing", kPoliceAndCps},
    {"ChargingProgress.ancillary_orders", kPoliceAndCps},
    {"ChargingProgress.victim_informed", kPoliceAndCps},
    {"ChargingProgress.as_of", kPoliceAndCps},
    {"ListChargingFilesResponse.charging_files", kPoliceAndCps},
    {"ListChargingFilesResponse.next_page_token", kPoliceAndCps},

    // --- Stalking Protection Orders --------------------------------------------
    // Partners see the orders in force (the policy's row filter) and of them
    // what they act on: that the order is in force, its kind, its terms and
    // how long it lasts. The CPS sees all; only the police change orders.
    {"ProtectionOrder.name", kEveryone},
    {"ProtectionOrder.kind", kEveryone},
    {"ProtectionOrder.status", kPoliceAndCps},
    {"ProtectionOrder.main_order", kPoliceAndCps},
    {"ProtectionOrder.interim_orders", kPoliceAndCps},
    {"ProtectionOrder.defendant", kPoliceAndCps},
    {"ProtectionOrder.protected_persons", kPoliceAndCps},
    {"ProtectionOrder.consideration_notes", kPoliceAndCps, kFreeText},
    {"ProtectionOrder.not_pursued_reason", kPoliceAndCps, kFreeText},
    {"ProtectionOrder.proposed_terms", kPoliceAndCps},
    {"ProtectionOrder.proposed_duration", kPoliceAndCps},
    {"ProtectionOrder.court", kPoliceAndCps, kFreeText},
    {"ProtectionOrder.grounds", kPoliceAndCps, kFreeText},
    {"ProtectionOrder.application_date", kPoliceAndCps},
    {"ProtectionOrder.hearings", kPoliceAndCps},
    {"ProtectionOrder.next_hearing_time", kPoliceAndCps},
    {"ProtectionOrder.decision", kPoliceAndCps},
    {"ProtectionOrder.made_date", kEveryone},
    {"ProtectionOrder.terms", kEveryone},
    {"ProtectionOrder.duration", kEveryone},
    {"ProtectionOrder.terms_version", kPoliceAndCps},
    {"ProtectionOrder.end_date", kEveryone},
    {"ProtectionOrder.active", kEveryone},
    {"ProtectionOrder.service", kPoliceAndCps},
    {"ProtectionOrder.notification_obligations", kPoliceAndCps},
    {"ProtectionOrder.notification_status", kPoliceAndCps},
    {"ProtectionOrder.notification_overdue", kPoliceAndCps},
    {"ProtectionOrder.notification_carried_from_interim", kPoliceAndCps},
    {"ProtectionOrder.applications", kPoliceAndCps},
    {"ProtectionOrder.appeals", kPoliceAndCps},
    {"ProtectionOrder.appeal_pending", kPoliceAndCps},
    {"ProtectionOrder.variation_count", kPoliceAndCps},
    {"ProtectionOrder.renewal_count", kPoliceAndCps},
    {"ProtectionOrder.breaches", kPoliceAndCps},
    {"ProtectionOrder.end_time", kEveryone},
    {"ProtectionOrder.create_time", kPoliceAndCps},
    {"ProtectionOrder.update_time", kPoliceAndCps},
    {"ProtectionOrder.etag", kPolice},
    {"ListProtectionOrdersResponse.protection_orders", kEveryone},
    {"ListProtectionOrdersResponse.next_page_token", kEveryone},
    // A term as partners read it: what the defendant may not do, and where.
    {"OrderTerm.kind", kEveryone},
    {"OrderTerm.text", kEveryone, kFreeText},
    {"OrderTerm.geographic_limit", kEveryone},
    {"GeographicLimit.area", kEveryone, kFreeText},
    {"GeographicLimit.distance_metres", kEveryone},
    {"GeographicLimit.place", kEveryone},
    {"GeographicLimit.description", kEveryone},
    {"OrderDuration.end_date", kEveryone},
    {"OrderDuration.until_further_order", kEveryone},
    {"OrderHearing.id", kPoliceAndCps},
    {"OrderHearing.hearing_time", kPoliceAndCps},
    {"OrderHearing.court", kPoliceAndCps, kFreeText},
    {"OrderHearing.status", kPoliceAndCps},
    {"OrderHearing.adjournment_reason", kPoliceAndCps, kFreeText},
    {"OrderHearing.purpose", kPoliceAndCps},
    {"OrderDecision.outcome", kPoliceAndCps},
    {"OrderDecision.decision_date", kPoliceAndCps},
    {"OrderDecision.court", kPoliceAndCps, kFreeText},
    {"OrderDecision.reason", kPoliceAndCps, kFreeText},
    {"OrderServiceRecord.service_time", kPoliceAndCps},
    {"OrderServiceRecord.method", kPoliceAndCps, kFreeText},
    {"OrderServiceRecord.notes", kPoliceAndCps, kFreeText},
    {"NotificationObligation.id", kPoliceAndCps},
    {"NotificationObligation.trigger", kPoliceAndCps},
    {"NotificationObligation.trigger_time", kPoliceAndCps},
    {"NotificationObligation.due_time", kPoliceAndCps},
    {"NotificationObligation.change_details", kPoliceAndCps, kFreeText},
    {"NotificationObligation.notification", kPoliceAndCps},
    {"NotificationObligation.status", kPoliceAndCps},
    {"NotificationObligation.late", kPoliceAndCps},
    {"DefendantNotification.notify_time", kPoliceAndCps},
    {"DefendantNotification.names", kPoliceAndCps},
    {"DefendantNotification.home_address", kPoliceAndCps, kFreeText},
    {"DefendantNotification.acknowledgement", kPoliceAndCps, kFreeText},
    {"OrderApplication.id", kPoliceAndCps},
    {"OrderApplication.type", kPoliceAndCps},
    {"OrderApplication.applicant", kPoliceAndCps},
    {"OrderApplication.application_date", kPoliceAndCps},
    {"OrderApplication.grounds", kPoliceAndCps, kFreeText},
    {"OrderApplication.proposed_terms", kPoliceAndCps},
    {"OrderApplication.proposed_duration", kPoliceAndCps},
    {"OrderApplication.status", kPoliceAndCps},
    {"OrderApplication.decision", kPoliceAndCps},
    {"OrderAppeal.id", kPoliceAndCps},
    {"OrderAppeal.appellant", kPoliceAndCps},
    {"OrderAppeal.lodge_date", kPoliceAndCps},
    {"OrderAppeal.court", kPoliceAndCps, kFreeText},
    {"OrderAppeal.grounds", kPoliceAndCps, kFreeText},
    {"OrderAppeal.outcome", kPoliceAndCps},
    {"OrderAppeal.decision_date", kPoliceAndCps},
    {"OrderAppeal.decision_reason", kPoliceAndCps, kFreeText},
    {"OrderBreach.id", kPoliceAndCps},
    {"OrderBreach.occur_time", kPoliceAndCps},
    {"OrderBreach.description", kPoliceAndCps, kFreeText},
    {"OrderBreach.incident", kPoliceAndCps},
    {"OrderBreach.record_time", kPoliceAndCps},
    {"OrderBreach.charging_file", kPoliceAndCps},
    // A breach is recorded by the police, who alone get its answer.
    {"RecordBreachResponse.protection_order", kPolice},
    {"RecordBreachResponse.breach", kPolice},
    {"RecordBreachResponse.charging_file", kPolice},
    {"OrderHistoryEntry.sequence", kPoliceAndCps},
    {"OrderHistoryEntry.event", kPoliceAndCps},
    {"OrderHistoryEntry.from_status", kPoliceAndCps},
    {"OrderHistoryEntry.to_status", kPoliceAndCps},
    {"OrderHistoryEntry.occur_time", kPoliceAndCps},
    {"OrderHistoryEntry.occur_date", kPoliceAndCps},
    {"OrderHistoryEntry.record_time", kPoliceAndCps},
    {"OrderHistoryEntry.actor", kPoliceAndCps},
    {"OrderHistoryEntry.summary", kPoliceAndCps, kFreeText},
    {"OrderHistoryEntry.terms_version", kPoliceAndCps},
    {"OrderTermsVersion.version", kPoliceAndCps},
    {"OrderTermsVersion.terms", kPoliceAndCps},
    {"OrderTermsVersion.duration", kPoliceAndCps},
    {"OrderTermsVersion.effective_date", kPoliceAndCps},
    {"OrderTermsVersion.made_by", kPoliceAndCps},
    {"OrderTermsVersion.record_time", kPoliceAndCps},
    {"GetOrderHistoryResponse.entries", kPoliceAndCps},
    {"GetOrderHistoryResponse.next_page_token", kPoliceAndCps},
    {"GetOrderHistoryResponse.terms_versions", kPoliceAndCps},

    // --- Safeguarding actions: the police and the agency that holds the
    // action (the policy's row filter); partners update their own, so they
    // get the etag.
    {"SafeguardingAction.name", kPoliceAndPartners},
    {"SafeguardingAction.case_reference", kPoliceAndPartners},
    {"SafeguardingAction.type", kPoliceAndPartners},
    {"SafeguardingAction.assigned_agency", kPoliceAndPartners},
    {"SafeguardingAction.assigned_user", kPoliceAndPartners},
    {"SafeguardingAction.due_date", kPoliceAndPartners},
    {"SafeguardingAction.priority", kPoliceAndPartners},
    {"SafeguardingAction.description", kPoliceAndPartners, kFreeText},
    {"SafeguardingAction.rationale", kPoliceAndPartners, kFreeText},
    {"SafeguardingAction.status", kPoliceAndPartners},
    {"SafeguardingAction.notes", kPoliceAndPartners, kFreeText},
    {"SafeguardingAction.outcome", kPoliceAndPartners, kFreeText},
    {"SafeguardingAction.cancel_reason", kPoliceAndPartners, kFreeText},
    {"SafeguardingAction.created_by", kPoliceAndPartners},
    {"SafeguardingAction.create_time", kPoliceAndPartners},
    {"SafeguardingAction.update_time", kPoliceAndPartners},
    {"SafeguardingAction.close_time", kPoliceAndPartners},
    {"SafeguardingAction.closed_by", kPoliceAndPartners},
    {"SafeguardingAction.overdue", kPoliceAndPartners},
    {"SafeguardingAction.marac_referral", kPoliceAndPartners},
    {"SafeguardingAction.etag", kPoliceAndPartners},
    {"ListSafeguardingActionsResponse.safeguarding_actions", kPoliceAndPartners},
    {"ListSafeguardingActionsResponse.next_page_token", kPoliceAndPartners},
    {"SafeguardingActionHistoryEntry.revision", kPoliceAndPartners},
    {"SafeguardingActionHistoryEntry.event", kPoliceAndPartners},
    {"SafeguardingActionHistoryEntry.from_status", kPoliceAndPartners},
    {"SafeguardingActionHistoryEntry.to_status", kPoliceAndPartners},
    {"SafeguardingActionHistoryEntry.changed_fields", kPoliceAndPartners},
    {"SafeguardingActionHistoryEntry.actor", kPoliceAndPartners},
    {"SafeguardingActionHistoryEntry.actor_agency", kPoliceAndPartners},
    {"SafeguardingActionHistoryEntry.time", kPoliceAndPartners},
    {"SafeguardingActionHistoryEntry.snapshot", kPoliceAndPartners},
    {"GetSafeguardingActionHistoryResponse.entries", kPoliceAndPartners},
    {"GetSafeguardingActionHistoryResponse.next_page_token", kPoliceAndPartners},
    {"MyWorkItem.action", kPoliceAndPartners},
    {"MyWorkItem.case", kPoliceAndPartners},
    {"MyWorkItem.case_reference", kPoliceAndPartners},
    {"MyWorkItem.risk_level", kPoliceAndPartners},
    {"MyWorkItem.type", kPoliceAndPartners},
    {"MyWorkItem.status", kPoliceAndPartners},
    {"MyWorkItem.priority", kPoliceAndPartners},
    {"MyWorkItem.due_date", kPoliceAndPartners},
    {"MyWorkItem.overdue", kPoliceAndPartners},
    {"MyWorkItem.description", kPoliceAndPartners, kFreeText},
    {"MyWorkItem.assigned_user", kPoliceAndPartners},
    {"MyWorkItem.update_time", kPoliceAndPartners},
    {"ListMyWorkResponse.items", kPoliceAndPartners},
    {"ListMyWorkResponse.next_page_token", kPoliceAndPartners},
    // A MARAC referral is made by the police, who alone get its answer.
    {"MaracReferral.name", kPolice},
    {"MaracReferral.case_reference", kPolice},
    {"MaracReferral.marac_date", kPolice},
    {"MaracReferral.reason", kPolice, kFreeText},
    {"MaracReferral.risk_level", kPolice},
    {"MaracReferral.referred_by", kPolice},
    {"MaracReferral.create_time", kPolice},
    {"MaracReferral.actions", kPolice},
    {"ReferToMaracResponse.referral", kPolice},
    {"ReferToMaracResponse.actions", kPolice},
    {"ReferToMaracResponse.completed_referral_actions", kPolice},

    // --- Text a request carries beyond the resources above: who reads it
    // once it is stored (the write check refuses a restricted address in it
    // when anyone outside the police does).
    {"CloseCaseRequest.reason", kPoliceAndCps, kFreeText},
    {"ReopenCaseRequest.reason", kPoliceAndCps, kFreeText},
    {"SetVictimServicesReferralRequest.agency", kEveryone},
    {"SetVictimServicesReferralRequest.reason", kPoliceAndCps, kFreeText},
    {"FlagCaseRequest.reason", kEveryone, kFreeText},
    {"UnflagCaseRequest.reason", kPoliceAndCps, kFreeText},
    {"UnshareCaseRequest.reason", kPolice, kFreeText},
    {"RespondToActionItemRequest.reason", kPoliceAndCps, kFreeText},
    {"RespondToActionItemRequest.provided", kPoliceAndCps, kFreeText},
    {"WithdrawChargingFileRequest.reason", kPoliceAndCps, kFreeText},
    {"RecordAdviceRequest.advice", kPoliceAndCps, kFreeText},
    {"ReviewActionItemRequest.note", kPoliceAndCps, kFreeText},
    {"ReviewThresholdDecisionRequest.note", kPoliceAndCps, kFreeText},
    {"CreateProtectionOrderRequest.not_pursued_reason", kPoliceAndCps, kFreeText},
    {"RecordOrderNotPursuedRequest.reason", kPoliceAndCps, kFreeText},
    {"ApplyForOrderRequest.court", kPoliceAndCps, kFreeText},
    {"ApplyForOrderRequest.grounds", kPoliceAndCps, kFreeText},
    {"RecordHearingRequest.court", kPoliceAndCps, kFreeText},
    {"RecordHearingRequest.adjournment_reason", kPoliceAndCps, kFreeText},
    {"RecordHearingRequest.next_court", kPoliceAndCps, kFreeText},
    {"RecordCourtDecisionRequest.court", kPoliceAndCps, kFreeText},
    {"RecordCourtDecisionRequest.reason", kPoliceAndCps, kFreeText},
    {"RecordServiceRequest.method", kPoliceAndCps, kFreeText},
    {"RecordServiceRequest.notes", kPoliceAndCps, kFreeText},
    {"RecordNotificationRequest.names", kPoliceAndCps},
    // The defendant's own home address, which they must notify: police and
    // CPS business, never a partner's.
    {"RecordNotificationRequest.home_address", kPoliceAndCps},
    {"RecordNotificationRequest.acknowledgement", kPoliceAndCps, kFreeText},
    {"RecordDetailsChangeRequest.details", kPoliceAndCps, kFreeText},
    {"ApplyForVariationRequest.grounds", kPoliceAndCps, kFreeText},
    {"ApplyForRenewalRequest.grounds", kPoliceAndCps, kFreeText},
    {"ApplyForDischargeRequest.grounds", kPoliceAndCps, kFreeText},
    {"RecordApplicationDecisionRequest.court", kPoliceAndCps, kFreeText},
    {"RecordApplicationDecisionRequest.reason", kPoliceAndCps, kFreeText},
    {"RecordAppealRequest.court", kPoliceAndCps, kFreeText},
    {"RecordAppealRequest.grounds", kPoliceAndCps, kFreeText},
    {"RecordAppealDecisionRequest.court", kPoliceAndCps, kFreeText},
    {"RecordAppealDecisionRequest.reason", kPoliceAndCps, kFreeText},
    {"CompleteSafeguardingActionRequest.outcome", kPoliceAndPartners, kFreeText},
    {"CancelSafeguardingActionRequest.reason", kPoliceAndPartners, kFreeText},
};

// Values that select an element (kSelectsElement): who sees the element,
// and who of them its detail (kElementDetail fields).
constexpr ValueEntry kValues[] = {
    {"FlagType.FLAG_TYPE_UNSPECIFIED", kEveryone},
    {"FlagType.FLAG_TYPE_RISK_TO_STAFF", kEveryone},
    {"FlagType.FLAG_TYPE_WEAPONS", kEveryone},
    {"FlagType.FLAG_TYPE_RESTRICTED_ADDRESS", kEveryone},
    {"FlagType.FLAG_TYPE_VULNERABLE_VICTIM", kEveryone},
    {"FlagType.FLAG_TYPE_CHILDREN_AT_RISK", kEveryone},
    {"FlagType.FLAG_TYPE_OTHER", kEveryone},
    // A defendant's overdue notification is police work on the order.
    {"FlagType.FLAG_TYPE_SPO_NOTIFICATION_OVERDUE", kPoliceAndCps},

    // The timeline: who sees an entry of each kind, and who of them the
    // name of the resource it is about (those who can read it).
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_UNSPECIFIED", kPolice, kPolice},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_CASE_OPENED", kEveryone, kEveryone},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_CASE_CLOSED", kEveryone, kEveryone},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_CASE_REOPENED", kEveryone, kEveryone},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_CASE_UPDATED", kPolice, kPolice},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_INCIDENT", kPoliceAndCps, kPoliceAndCps},
    // Partners see that risk was assessed (and the level on the case), not
    // the assessment.
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_RISK_ASSESSMENT", kEveryone, kPoliceAndCps},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_FLAG_RAISED", kEveryone, kEveryone},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_FLAG_CLEARED", kEveryone, kEveryone},
    // Who else holds the case is police knowledge.
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_SHARED", kPolice, kPolice},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_UNSHARED", kPolice, kPolice},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_VICTIM_SERVICES", kPoliceAndCps, kPoliceAndCps},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_PROTECTION_ORDER", kPoliceAndCps, kPoliceAndCps},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_PROTECTION_ORDER_IN_FORCE", kPartners, kPartners},
    // Charging entries also only to the file's own CPS area (the entry is
    // about that agency: storage).
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_CHARGING", kPoliceAndCps, kPoliceAndCps},
    // Safeguarding entries also only to the agency holding the action.
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_SAFEGUARDING", kPoliceAndPartners,
     kPoliceAndPartners},
    {"TimelineEntryKind.TIMELINE_ENTRY_KIND_MARAC_REFERRAL", kPolice, kPolice},
};

// Messages with no case content: who may call their RPCs is the policy
// table's, and what they answer is the caller's to see whole.
constexpr const char* kNoCaseContent[] = {
    "Agency", "ListAgenciesResponse", "User", "ListUsersResponse", "EnrolmentCode",
    "IssueTokenResponse", "Token", "ListTokensResponse", "AuditEvent",
    "ListAuditEventsResponse", "CaseAccess", "ListCaseAccessResponse",
    "VerifyAuditLogResponse", "AuditCheckpoint", "AuditTreeHead", "AuditEventProof",
    "AuditConsistencyProof", "AuditSigningKey", "ListAuditSigningKeysResponse",
    // A force's aggregate figures, no case in them.
    "OrderMeasures", "GetOrderMeasuresRequest",
    // Administration requests.
    "DisableUserRequest", "EnableUserRequest", "SetUserRolesRequest",
    "MoveUserRequest", "CreateEnrolmentCodeRequest", "RedeemEnrolmentCodeRequest",
    "IssueTokenRequest", "ListTokensRequest",
};

constexpr absl::string_view kPackage = "casebridge.v1.";

struct Table {
  absl::flat_hash_map<const FieldDescriptor*, FieldRule> fields;
  absl::flat_hash_map<const EnumValueDescriptor*, ValueRule> values;
  absl::flat_hash_set<const Descriptor*> no_case_content;
  std::vector<std::string> unresolved;
};

const Table& TheTable() {
  static const Table* table = [] {
    auto* t = new Table();
    const DescriptorPool* pool = DescriptorPool::generated_pool();
    for (const FieldEntry& e : kFields) {
      const std::string name = absl::StrCat(kPackage, e.field);
      const FieldDescriptor* f = pool->FindFieldByName(name);
      if (f == nullptr) {
        t->unresolved.push_back(name);
        continue;
      }
      t->fields[f] = FieldRule{e.to, e.flags};
    }
    for (const ValueEntry& e : kValues) {
      // "Enum.VALUE": protobuf scopes a value beside its enum, not in it.
      const std::string name = absl::StrCat(kPackage, e.value);
      const absl::string_view value(e.value);
      const size_t dot = value.find('.');
      const google::protobuf::EnumDescriptor* type =
          dot == absl::string_view::npos
              ? nullptr
              : pool->FindEnumTypeByName(absl::StrCat(kPackage, value.substr(0, dot)));
      const EnumValueDescriptor* v =
          type == nullptr ? nullptr
                          : type->FindValueByName(std::string(value.substr(dot + 1)));
      if (v == nullptr) {
        t->unresolved.push_back(name);
        continue;
      }
      t->values[v] = ValueRule{e.to, e.detail_to};
    }
    for (const char* m : kNoCaseContent) {
      const std::string name = absl::StrCat(kPackage, m);
      const Descriptor* d = pool->FindMessageTypeByName(name);
      if (d == nullptr) {
        t->unresolved.push_back(name);
        continue;
      }
      t->no_case_content.insert(d);
    }
    return t;
  }();
  return *table;
}

bool Sees(Audiences set, Audience audience) { return (set & To(audience)) != 0; }

// Identifiers, not text: a client addresses the resource (or the next page)
// by them, and they hold nothing a person typed.
bool IsIdentifier(const FieldDescriptor* f) {
  return f->name() == "name" || f->name() == "etag" || f->name() == "next_page_token";
}

bool IsText(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
         f->type() != FieldDescriptor::TYPE_BYTES;
}

// The element's selecting value's rule, when the message has a selecting
// field (kSelectsElement); nullptr otherwise.
const ValueRule* SelectingRule(const Message& m) {
  const Descriptor* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const FieldRule* rule = FieldRuleOf(f);
    if (rule == nullptr || (rule->flags & kSelectsElement) == 0) continue;
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_ENUM || f->is_repeated()) continue;
    return ValueRuleOf(r->GetEnum(m, f));
  }
  return nullptr;
}

bool AddressRestricted(const Message& m) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName("address_restricted");
  return f != nullptr && f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL &&
         m.GetReflection()->GetBool(m, f);
}

void RedactMessage(std::optional<Audience> audience,
                   const RestrictedAddressMatcher& matcher, Message* m);

// Removes what the matcher finds from a text field (every element of a
// repeated one).
void RedactText(const RestrictedAddressMatcher& matcher, Message* m,
                const FieldDescriptor* f) {
  const Reflection* r = m->GetReflection();
  if (f->is_repeated()) {
    for (int i = 0; i < r->FieldSize(*m, f); ++i) {
      std::string text = r->GetRepeatedString(*m, f, i);
      std::string redacted = matcher.Redact(text);
      if (redacted != text) r->SetRepeatedString(m, f, i, std::move(redacted));
    }
    return;
  }
  std::string text = r->GetString(*m, f);
  std::string redacted = matcher.Redact(text);
  if (redacted != text) r->SetString(m, f, std::move(redacted));
}

void RedactMessage(std::optional<Audience> audience,
                   const RestrictedAddressMatcher& matcher, Message* m) {
  const Descriptor* d = m->GetDescriptor();
  if (CarriesNoCaseContent(d)) return;
  // A well-known type (google.protobuf.Timestamp) is a value: the field
  // that holds it decides who sees it, whole.
  if (d->file()->package() != kPackage.substr(0, kPackage.size() - 1)) return;
  const Reflection* r = m->GetReflection();
  const ValueRule* element = SelectingRule(*m);
  const bool restricted = AddressRestricted(*m);
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  for (const FieldDescriptor* f : fields) {
    const FieldRule* rule = FieldRuleOf(f);
    const bool police = audience == Audience::kPolice;
    // A reader of no case content keeps what names the resources (and
    // pages) it was answered with, nothing else.
    bool sees = rule != nullptr &&
                (audience.has_value()
                     ? Sees(rule->to, *audience)
                     : f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ||
                           f->name() == "name" || f->name() == "next_page_token");
    if (sees && (rule->flags & kUnlessAddressRestricted) != 0 && restricted && !police) {
      sees = false;
    }
    if (sees && (rule->flags & kElementDetail) != 0 && element != nullptr &&
        (!audience.has_value() || !Sees(element->detail_to, *audience))) {
      sees = false;
    }
    if (!sees) {
      r->ClearField(m, f);
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!f->is_repeated()) {
        RedactMessage(audience, matcher, r->MutableMessage(m, f));
        continue;
      }
      // Elements the audience may not see go; the rest are redacted.
      int kept = 0;
      const int size = r->FieldSize(*m, f);
      for (int i = 0; i < size; ++i) {
        const ValueRule* selected = SelectingRule(r->GetRepeatedMessage(*m, f, i));
        if (selected != nullptr &&
            (!audience.has_value() || !Sees(selected->to, *audience))) {
          continue;
        }
        if (kept != i) r->SwapElements(m, f, kept, i);
        RedactMessage(audience, matcher, r->MutableRepeatedMessage(m, f, kept));
        ++kept;
      }
      while (r->FieldSize(*m, f) > kept) r->RemoveLast(m, f);
      continue;
    }
    if (!police && IsText(f) && !IsIdentifier(f) && !matcher.empty()) {
      RedactText(matcher, m, f);
    }
  }
}

// Every free-text field a reader outside the police sees that holds what
// the matcher finds, with its path; stops after the first when `first_only`.
void CollectRestrictedText(const Message& m, const RestrictedAddressMatcher& matcher,
                           const std::string& prefix, bool first_only,
                           std::vector<RestrictedTextFound>* out) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (first_only && !out->empty()) return;
    const std::string path = FieldPath(prefix, f->name());
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(m, f); ++i) {
          CollectRestrictedText(r->GetRepeatedMessage(m, f, i), matcher,
                                FieldIndex(path, i), first_only, out);
        }
      } else {
        CollectRestrictedText(r->GetMessage(m, f), matcher, path, first_only, out);
      }
      continue;
    }
    const FieldRule* rule = FieldRuleOf(f);
    if (rule == nullptr || (rule->flags & kFreeText) == 0 || !IsText(f) ||
        (rule->to & ~kPolice) == 0) {
      continue;
    }
    auto check = [&](const std::string& text, std::string at) {
      std::vector<RestrictedAddressMatcher::Match> found = matcher.Find(text);
      if (!found.empty()) out->push_back({std::move(at), found.front().part});
    };
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        check(r->GetRepeatedString(m, f, i), FieldIndex(path, i));
      }
    } else {
      check(r->GetString(m, f), path);
    }
  }
}

}  // namespace

absl::string_view AudienceName(Audience audience) {
  switch (audience) {
    case Audience::kPolice: return "police";
    case Audience::kCps: return "CPS";
    case Audience::kCouncil: return "council";
    case Audience::kHealth: return "health";
    case Audience::kVictimService: return "victim service";
  }
  return "unknown";
}

std::optional<Audience> AudienceOf(const Principal& principal) {
  bool police = false, cps = false, partner = false;
  for (v1::Role r : principal.roles) {
    police = police || r == v1::ROLE_POLICE_OFFICER || r == v1::ROLE_POLICE_SUPERVISOR;
    cps = cps || r == v1::ROLE_PROSECUTOR;
    partner = partner || r == v1::ROLE_SAFEGUARDING_LEAD || r == v1::ROLE_VICTIM_ADVOCATE;
  }
  switch (principal.agency_kind) {
    case v1::AGENCY_KIND_POLICE:
      if (police) return Audience::kPolice;
      break;
    case v1::AGENCY_KIND_CPS:
      if (cps) return Audience::kCps;
      break;
    case v1::AGENCY_KIND_COUNCIL:
      if (partner) return Audience::kCouncil;
      break;
    case v1::AGENCY_KIND_HEALTH:
      if (partner) return Audience::kHealth;
      break;
    case v1::AGENCY_KIND_VICTIM_SERVICE:
      if (partner) return Audience::kVictimService;
      break;
    default:
      break;
  }
  return std::nullopt;
}

const FieldRule* FieldRuleOf(const FieldDescriptor* field) {
  const Table& t = TheTable();
  auto it = t.fields.find(field);
  return it == t.fields.end() ? nullptr : &it->second;
}

const ValueRule* ValueRuleOf(const EnumValueDescriptor* value) {
  const Table& t = TheTable();
  auto it = t.values.find(value);
  return it == t.values.end() ? nullptr : &it->second;
}

bool CarriesNoCaseContent(const Descriptor* message) {
  return TheTable().no_case_content.contains(message);
}

std::vector<std::string> UnresolvedTableEntries() { return TheTable().unresolved; }

void Redact(std::optional<Audience> audience, const RestrictedAddressMatcher& matcher,
            Message* message) {
  RedactMessage(audience, matcher, message);
}

std::vector<RestrictedTextFound> FindRestrictedText(const Message& message,
                                                    const RestrictedAddressMatcher& matcher,
                                                    absl::string_view prefix) {
  std::vector<RestrictedTextFound> found;
  if (!matcher.empty()) {
    CollectRestrictedText(message, matcher, std::string(prefix), /*first_only=*/false,
                          &found);
  }
  return found;
}

absl::Status CheckNoRestrictedText(const Message& message,
                                   const RestrictedAddressMatcher& matcher,
                                   absl::string_view prefix) {
  if (matcher.empty()) return absl::OkStatus();
  std::vector<RestrictedTextFound> found;
  CollectRestrictedText(message, matcher, std::string(prefix), /*first_only=*/true, &found);
  if (found.empty()) return absl::OkStatus();
  const RestrictedTextFound& first = found.front();
  // The field travels like a FieldError's, for clients that show it; the
  // message names the part, never the text.
  return WithField(
      absl::FailedPreconditionError(absl::StrCat(
          first.field, ": holds ",
          first.part == "the address" ? std::string("a restricted address")
                                      : absl::StrCat(first.part, " of a restricted address"),
          ", and agencies outside the police read this field. Write \"the victim's "
          "home\" (or what the place is) instead of the address; in an order's term, "
          "name the protected place (geographic_limit.place)")),
      first.field);
}

namespace {

using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

// Whether every path of `mask` names a field of `type`.
bool MaskResolvesIn(const FieldMask& mask, const Descriptor* type) {
  for (const std::string& path : mask.paths()) {
    if (!FieldMaskUtil::GetFieldDescriptors(type, path, nullptr)) return false;
  }
  return true;
}

// The singular message fields of `m`'s type but FieldMasks.
std::vector<const FieldDescriptor*> MessageFields(const Message& m) {
  std::vector<const FieldDescriptor*> out;
  const Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated() &&
        f->message_type() != FieldMask::descriptor()) {
      out.push_back(f);
    }
  }
  return out;
}

void ClearUnchangedText(const Message& stored, Message* written) {
  const Reflection* r = written->GetReflection();
  const Descriptor* d = written->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (!f->is_repeated()) {
        if (r->GetString(*written, f) == r->GetString(stored, f)) r->ClearField(written, f);
        continue;
      }
      const int n = std::min(r->FieldSize(*written, f), r->FieldSize(stored, f));
      for (int k = 0; k < n; ++k) {
        if (r->GetRepeatedString(*written, f, k) == r->GetRepeatedString(stored, f, k)) {
          r->SetRepeatedString(written, f, k, "");
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!f->is_repeated()) {
        if (r->HasField(*written, f)) {
          ClearUnchangedText(r->GetMessage(stored, f), r->MutableMessage(written, f));
        }
        continue;
      }
      const int n = std::min(r->FieldSize(*written, f), r->FieldSize(stored, f));
      for (int k = 0; k < n; ++k) {
        ClearUnchangedText(r->GetRepeatedMessage(stored, f, k),
                           r->MutableRepeatedMessage(written, f, k));
      }
    }
  }
}

}  // namespace

std::unique_ptr<Message> TextWrittenBy(const Message& request, const Message* stored) {
  std::unique_ptr<Message> written(request.New());
  written->CopyFrom(request);
  const Descriptor* d = written->GetDescriptor();
  const Reflection* r = written->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated() || f->message_type() != FieldMask::descriptor() ||
        !r->HasField(*written, f)) {
      continue;
    }
    const FieldMask mask = static_cast<const FieldMask&>(r->GetMessage(*written, f));
    if (mask.paths_size() == 0) break;
    if (MaskResolvesIn(mask, d)) {
      FieldMaskUtil::TrimMessage(mask, written.get());
      break;
    }
    std::vector<const FieldDescriptor*> resources;
    for (const FieldDescriptor* m : MessageFields(*written)) {
      if (MaskResolvesIn(mask, m->message_type())) resources.push_back(m);
    }
    if (resources.size() == 1) {
      FieldMaskUtil::TrimMessage(mask, r->MutableMessage(written.get(), resources[0]));
    }
    break;
  }
  if (stored != nullptr) {
    for (const FieldDescriptor* m : MessageFields(*written)) {
      if (m->message_type() == stored->GetDescriptor() && r->HasField(*written, m)) {
        ClearUnchangedText(*stored, r->MutableMessage(written.get(), m));
      }
    }
  }
  return written;
}

std::vector<int> TimelineKindsVisibleTo(Audience audience) {
  std::vector<int> kinds;
  const google::protobuf::EnumDescriptor* e = v1::TimelineEntryKind_descriptor();
  for (int i = 0; i < e->value_count(); ++i) {
    const ValueRule* rule = ValueRuleOf(e->value(i));
    if (rule != nullptr && Sees(rule->to, audience)) kinds.push_back(e->value(i)->number());
  }
  return kinds;
}

}  // namespace casebridge::domain
