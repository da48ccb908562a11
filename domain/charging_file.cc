#include "domain/charging_file.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "domain/charging_state.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

using google::protobuf::RepeatedPtrField;

std::string DisplayName(const v1::Person& person, int number) {
  std::string name = absl::StrCat(person.given_name(), " ",
                                   person.family_name());
  absl::StripAsciiWhitespace(&name);
  if (name.empty()) return absl::StrCat("suspect ", number);
  return name;
}

// Copies the submitted suspects, checking each number against the case's
// suspects and taking a snapshot of the name.
absl::Status SetSuspects(const RepeatedPtrField<v1::ChargingSuspect>& in,
                         absl::Span<const v1::Person> case_suspects,
                         absl::string_view prefix, v1::ChargingFile* out) {
  out->clear_suspects();
  for (int i = 0; i < in.size(); ++i) {
    const int number = in[i].suspect_number();
    if (number < 1 || static_cast<size_t>(number) > case_suspects.size()) {
      return FieldError(
          absl::StrCat(prefix, ".suspects[", i, "].suspect_number"),
          absl::StrCat("must name one of the case's suspects (the case has ",
                       case_suspects.size(), ")"));
    }
    v1::ChargingSuspect* s = out->add_suspects();
    *s = in[i];
    s->set_display_name(DisplayName(case_suspects[number - 1], number));
  }
  return absl::OkStatus();
}

// The police-submitted content of a file.
absl::Status SetContent(const v1::ChargingFile& in,
                        absl::Span<const v1::Person> case_suspects,
                        absl::string_view prefix, v1::ChargingFile* out) {
  CB_RETURN_IF_ERROR(SetSuspects(in.suspects(), case_suspects, prefix, out));
  out->set_kind(in.kind());
  out->set_urgency(in.urgency());
  *out->mutable_proposed_offences() = in.proposed_offences();
  out->set_summary(in.summary());
  return absl::OkStatus();
}

bool PlanResolved(const v1::ChargingFile& file) {
  for (const v1::ChargingActionItem& item : file.action_items()) {
    if (!IsActionItemResolved(item.state())) return false;
  }
  return true;
}

ChargingGuardFacts FactsOf(const v1::ChargingFile& file) {
  return ChargingGuardFacts{file.kind(), PlanResolved(file)};
}

// Moves `file` by `event`, or the state machine's FAILED_PRECONDITION.
absl::Status Move(v1::ChargingFile* file, ChargingEvent event,
                  const ChargingGuardFacts& facts) {
  absl::StatusOr<v1::ChargingFileState> next =
      ApplyChargingEvent(file->state(), event, facts);
  if (!next.ok()) return next.status();
  file->set_state(*next);
  return absl::OkStatus();
}

void Touch(v1::ChargingFile* file, const ChargingClock& clock) {
  *file->mutable_update_time() = ToProtoTime(clock.now);
}

// The index of the named item in the file, or NOT_FOUND.
absl::StatusOr<int> FindItem(const v1::ChargingFile& file,
                             absl::string_view request_name) {
  absl::StatusOr<ActionItemName> wanted =
      ParseActionItemName(request_name, "name");
  if (!wanted.ok()) return wanted.status();
  if (!file.name().empty()) {
    absl::StatusOr<CaseChildName> own = ParseChargingFileName(file.name(), "");
    if (own.ok() && own->child_id != wanted->file.child_id) {
      return absl::NotFoundError(
          absl::StrCat(request_name, " is not an item of ", file.name()));
    }
  }
  for (int i = 0; i < file.action_items_size(); ++i) {
    absl::StatusOr<ActionItemName> have =
        ParseActionItemName(file.action_items(i).name(), "");
    if (have.ok() && have->item_id == wanted->item_id) return i;
  }
  return absl::NotFoundError(absl::StrCat("action item ", request_name,
                                          " not found"));
}

// Applies an item event to one item of the file and the resulting
// UPDATE_ACTION_ITEM to the file. `update` fills in what the event records.
template <typename Update>
absl::StatusOr<v1::ChargingFile> UpdateItem(const v1::ChargingFile& file,
                                            absl::string_view item_name,
                                            ActionItemEvent event,
                                            const ChargingClock& clock,
                                            Update update) {
  absl::StatusOr<int> index = FindItem(file, item_name);
  if (!index.ok()) return index.status();
  // The file's state speaks first: on a decided or withdrawn file no item
  // moves, whatever its own state. (Whether the plan ends up resolved only
  // picks between rows the state has.)
  constexpr ChargingEvent kEvent = ChargingEvent::kUpdateActionItem;
  ChargingGuardFacts facts = FactsOf(file);
  if (!ApplyChargingEvent(file.state(), kEvent, {file.kind(), false}).ok() &&
      !ApplyChargingEvent(file.state(), kEvent, {file.kind(), true}).ok()) {
    return ApplyChargingEvent(file.state(), kEvent, facts).status();
  }
  v1::ChargingFile next = file;
  v1::ChargingActionItem* item = next.mutable_action_items(*index);
  absl::StatusOr<v1::ChargingActionItemState> item_state =
      ApplyActionItemEvent(item->state(), event);
  if (!item_state.ok()) return item_state.status();
  item->set_state(*item_state);
  *item->mutable_update_time() = ToProtoTime(clock.now);
  if (IsActionItemResolved(*item_state)) {
    *item->mutable_resolve_time() = ToProtoTime(clock.now);
  }
  update(item);

  facts.plan_resolved = PlanResolved(next);
  CB_RETURN_IF_ERROR(Move(&next, kEvent, facts));
  Touch(&next, clock);
  return next;
}

void SetVictimInformed(const v1::VictimInformed& in, absl::string_view actor,
                       const ChargingClock& clock, v1::ChargingFile* file) {
  v1::VictimInformed* v = file->mutable_victim_informed();
  *v = in;
  *v->mutable_record_time() = ToProtoTime(clock.now);
  v->set_recorded_by(std::string(actor));
}

}  // namespace

absl::StatusOr<v1::ChargingFile> NewChargingFile(
    const v1::SubmitChargingFileRequest& request,
    absl::Span<const v1::Person> case_suspects, absl::string_view actor,
    const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateSubmitChargingFileRequest(request, clock));
  v1::ChargingFile file;
  CB_RETURN_IF_ERROR(SetContent(request.charging_file(), case_suspects,
                                "charging_file", &file));
  file.set_origin(v1::CHARGING_ORIGIN_POLICE_SUBMISSION);
  file.set_state(kInitialChargingFileState);
  file.set_submitted_by(std::string(actor));
  *file.mutable_create_time() = ToProtoTime(clock.now);
  *file.mutable_update_time() = ToProtoTime(clock.now);
  if (file.kind() == v1::CHARGING_FILE_KIND_FULL_FILE) {
    *file.mutable_full_file_submit_time() = ToProtoTime(clock.now);
  }
  return file;
}

absl::StatusOr<v1::ChargingFile> NewSpoBreachReferral(
    const SpoBreachReferral& referral,
    absl::Span<const v1::Person> case_suspects, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ParseCaseChildName(referral.source_order,
                                        "protectionOrders", "source_order")
                         .status());
  CB_RETURN_IF_ERROR(CheckText("recorded_by", referral.recorded_by,
                               kMaxShortText, /*required=*/false));
  v1::ChargingFile content;
  content.set_kind(referral.kind);
  content.set_urgency(referral.urgency);
  *content.add_suspects() = referral.suspect;
  content.add_proposed_offences()->set_offence(v1::OFFENCE_SPO_BREACH);
  content.set_summary(referral.summary);
  CB_RETURN_IF_ERROR(ValidateChargingFileContent(content, "referral", clock));

  v1::ChargingFile file;
  CB_RETURN_IF_ERROR(SetContent(content, case_suspects, "referral", &file));
  file.set_origin(v1::CHARGING_ORIGIN_SPO_BREACH);
  file.set_source_order(referral.source_order);
  file.set_state(kInitialChargingFileState);
  file.set_submitted_by(referral.recorded_by);
  *file.mutable_create_time() = ToProtoTime(clock.now);
  *file.mutable_update_time() = ToProtoTime(clock.now);
  if (file.kind() == v1::CHARGING_FILE_KIND_FULL_FILE) {
    *file.mutable_full_file_submit_time() = ToProtoTime(clock.now);
  }
  return file;
}

absl::StatusOr<v1::ChargingFile> ApplySubmitFullFile(
    const v1::ChargingFile& file, const v1::SubmitFullFileRequest& request,
    absl::Span<const v1::Person> case_suspects, absl::string_view actor,
    const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateSubmitFullFileRequest(request, clock));
  v1::ChargingFile next = file;
  CB_RETURN_IF_ERROR(
      Move(&next, ChargingEvent::kSubmitFullFile, FactsOf(file)));
  v1::ChargingFile content = request.charging_file();
  content.set_kind(v1::CHARGING_FILE_KIND_FULL_FILE);
  CB_RETURN_IF_ERROR(
      SetContent(content, case_suspects, "charging_file", &next));
  *next.mutable_full_file_submit_time() = ToProtoTime(clock.now);
  // A referral the system opened has a submitter from now on.
  if (next.submitted_by().empty()) next.set_submitted_by(std::string(actor));
  Touch(&next, clock);
  return next;
}

absl::StatusOr<v1::ChargingFile> ApplyRecordAdvice(
    const v1::ChargingFile& file, const v1::RecordAdviceRequest& request,
    absl::string_view actor, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateRecordAdviceRequest(request));
  v1::ChargingFile next = file;
  CB_RETURN_IF_ERROR(Move(&next, ChargingEvent::kRecordAdvice, FactsOf(file)));
  v1::ChargingAdvice* advice = next.add_advice();
  advice->set_advice(request.advice());
  *advice->mutable_advise_time() = ToProtoTime(clock.now);
  advice->set_prosecutor(std::string(actor));
  Touch(&next, clock);
  return next;
}

absl::StatusOr<v1::ChargingFile> ApplyIssueActionPlan(
    const v1::ChargingFile& file, const v1::IssueActionPlanRequest& request,
    absl::string_view actor, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateIssueActionPlanRequest(request, clock));
  v1::ChargingFile next = file;
  CB_RETURN_IF_ERROR(
      Move(&next, ChargingEvent::kIssueActionPlan, FactsOf(file)));
  for (const v1::ChargingActionItem& in : request.items()) {
    v1::ChargingActionItem* item = next.add_action_items();
    item->set_description(in.description());
    *item->mutable_due_date() = in.due_date();
    item->set_state(v1::CHARGING_ACTION_ITEM_STATE_OPEN);
    item->set_issued_by(std::string(actor));
    *item->mutable_create_time() = ToProtoTime(clock.now);
    *item->mutable_update_time() = ToProtoTime(clock.now);
  }
  Touch(&next, clock);
  return next;
}

absl::StatusOr<v1::ChargingFile> ApplyRespondToActionItem(
    const v1::ChargingFile& file, const v1::RespondToActionItemRequest& request,
    absl::string_view actor, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateRespondToActionItemRequest(request));
  ActionItemEvent event = ActionItemEvent::kAccept;
  switch (request.response()) {
    case v1::CHARGING_ACTION_ITEM_RESPONSE_DISPUTE:
      event = ActionItemEvent::kDispute;
      break;
    case v1::CHARGING_ACTION_ITEM_RESPONSE_COMPLETE:
      event = ActionItemEvent::kComplete;
      break;
    default:
      break;
  }
  return UpdateItem(file, request.name(), event, clock,
                    [&](v1::ChargingActionItem* item) {
                      item->set_responded_by(std::string(actor));
                      if (event == ActionItemEvent::kDispute) {
                        item->set_dispute_reason(request.reason());
                      } else if (event == ActionItemEvent::kComplete) {
                        item->set_provided(request.provided());
                      }
                    });
}

absl::StatusOr<v1::ChargingFile> ApplyReviewActionItem(
    const v1::ChargingFile& file, const v1::ReviewActionItemRequest& request,
    absl::string_view actor, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateReviewActionItemRequest(request, clock));
  const ActionItemEvent event =
      request.review() == v1::CHARGING_ACTION_ITEM_REVIEW_REAFFIRM
          ? ActionItemEvent::kReaffirm
          : ActionItemEvent::kWithdraw;
  return UpdateItem(file, request.name(), event, clock,
                    [&](v1::ChargingActionItem* item) {
                      item->set_review_note(request.note());
                      if (request.has_due_date()) {
                        *item->mutable_due_date() = request.due_date();
                      }
                    });
}

absl::StatusOr<v1::ChargingFile> ApplyRecordDecision(
    const v1::ChargingFile& file, const v1::RecordDecisionRequest& request,
    absl::string_view actor, const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateRecordDecisionRequest(request, clock));
  const bool threshold =
      request.decision().test() == v1::CHARGING_TEST_THRESHOLD;
  v1::ChargingFile next = file;
  CB_RETURN_IF_ERROR(Move(&next,
                          threshold ? ChargingEvent::kDecideThreshold
                                    : ChargingEvent::kDecideFullCode,
                          FactsOf(file)));

  v1::ChargingDecision decision = request.decision();
  decision.clear_threshold_reviews();
  if (!decision.has_decision_date()) {
    *decision.mutable_decision_date() = ToProtoDate(clock.Today());
  }
  *decision.mutable_decide_time() = ToProtoTime(clock.now);
  decision.set_prosecutor(std::string(actor));

  if (file.has_create_time()) {
    const absl::CivilDay submitted =
        clock.DayOf(ToAbslTime(file.create_time()));
    if (*ToCivilDay(decision.decision_date()) < submitted) {
      return FieldError("decision.decision_date",
                        absl::StrCat("must not be before the file was "
                                     "submitted (",
                                     FormatDay(submitted), ")"));
    }
  }
  if (file.has_decision()) {
    // The Full Code review replacing a Threshold decision (the only way the
    // state machine lets a decided file be decided again).
    const absl::CivilDay replaced = EffectiveDecisionDay(file.decision(), clock);
    if (*ToCivilDay(decision.decision_date()) < replaced) {
      return FieldError("decision.decision_date",
                        absl::StrCat("must not be before the Threshold "
                                     "decision it replaces (",
                                     FormatDay(replaced), ")"));
    }
    *next.add_superseded_decisions() = file.decision();
    // The victim must be told of the new decision.
    next.clear_victim_informed();
    if (decision.outcome() != v1::CHARGING_OUTCOME_CHARGE) {
      // No prosecution continues, so no restraining order is sought on it.
      RepeatedPtrField<v1::AncillaryOrder> kept;
      for (const v1::AncillaryOrder& o : next.ancillary_orders()) {
        if (o.kind() != v1::ANCILLARY_ORDER_KIND_RESTRAINING_ORDER) {
          *kept.Add() = o;
        }
      }
      *next.mutable_ancillary_orders() = std::move(kept);
    }
  }
  *next.mutable_decision() = std::move(decision);

  if (request.has_first_hearing()) {
    *next.mutable_first_hearing() = request.first_hearing();
  }
  if (!request.ancillary_orders().empty()) {
    *next.mutable_ancillary_orders() = request.ancillary_orders();
  }
  if (request.has_victim_informed()) {
    SetVictimInformed(request.victim_informed(), actor, clock, &next);
  }
  Touch(&next, clock);
  return next;
}

absl::StatusOr<v1::ChargingFile> ApplyReviewThresholdDecision(
    const v1::ChargingFile& file,
    const v1::ReviewThresholdDecisionRequest& request, absl::string_view actor,
    const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateReviewThresholdDecisionRequest(request, clock));
  v1::ChargingFile next = file;
  CB_RETURN_IF_ERROR(
      Move(&next, ChargingEvent::kReviewThreshold, FactsOf(file)));
  v1::ChargingDecision* decision = next.mutable_decision();
  v1::ThresholdReview* review = decision->add_threshold_reviews();
  review->set_note(request.note());
  *review->mutable_previous_review_by() = decision->threshold_review_by();
  *review->mutable_next_review_by() = request.next_review_by();
  *review->mutable_review_time() = ToProtoTime(clock.now);
  review->set_prosecutor(std::string(actor));
  *decision->mutable_threshold_review_by() = request.next_review_by();
  Touch(&next, clock);
  return next;
}

absl::StatusOr<v1::ChargingFile> ApplyRecordDecisionFollowUp(
    const v1::ChargingFile& file,
    const v1::RecordDecisionFollowUpRequest& request, absl::string_view actor,
    const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateRecordDecisionFollowUpRequest(request, clock));
  v1::ChargingFile next = file;
  CB_RETURN_IF_ERROR(
      Move(&next, ChargingEvent::kRecordFollowUp, FactsOf(file)));
  const v1::ChargingDecision& decision = file.decision();
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "first_hearing") {
      if (request.has_first_hearing()) {
        CB_RETURN_IF_ERROR(CheckFirstHearingAgainstDecision(
            request.first_hearing(), decision, clock));
        *next.mutable_first_hearing() = request.first_hearing();
      } else {
        next.clear_first_hearing();
      }
    } else if (path == "ancillary_orders") {
      CB_RETURN_IF_ERROR(CheckAncillaryOrdersAgainstDecision(
          request.ancillary_orders(), decision));
      *next.mutable_ancillary_orders() = request.ancillary_orders();
    } else if (path == "victim_informed") {
      if (request.has_victim_informed()) {
        CB_RETURN_IF_ERROR(CheckVictimInformedAgainstDecision(
            request.victim_informed(), decision, clock));
        SetVictimInformed(request.victim_informed(), actor, clock, &next);
      } else {
        next.clear_victim_informed();
      }
    }
  }
  Touch(&next, clock);
  return next;
}

absl::StatusOr<v1::ChargingFile> ApplyWithdrawChargingFile(
    const v1::ChargingFile& file,
    const v1::WithdrawChargingFileRequest& request, absl::string_view actor,
    const ChargingClock& clock) {
  CB_RETURN_IF_ERROR(ValidateWithdrawChargingFileRequest(request));
  v1::ChargingFile next = file;
  CB_RETURN_IF_ERROR(Move(&next, ChargingEvent::kWithdraw, FactsOf(file)));
  next.set_withdraw_reason(request.reason());
  *next.mutable_withdraw_time() = ToProtoTime(clock.now);
  Touch(&next, clock);
  return next;
}

}  // namespace casebridge::domain
