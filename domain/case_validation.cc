#include "domain/case_validation.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "domain/dates.h"
#include "domain/status_macros.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

absl::Status CheckPhone(absl::string_view field, absl::string_view phone) {
  CB_RETURN_IF_ERROR(CheckText(field, phone, 40, false));
  int digits = 0;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')') {
      return FieldError(field, "may hold only digits, spaces, +, - and brackets");
    }
  }
  if (!phone.empty() && digits < 6) {
    return FieldError(field, "is too short to be a phone number");
  }
  return absl::OkStatus();
}

absl::Status CheckEmail(absl::string_view field, absl::string_view email) {
  CB_RETURN_IF_ERROR(CheckText(field, email, 254, false));
  if (email.empty()) return absl::OkStatus();
  size_t at = email.find('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 >= email.size() ||
      email.find('@', at + 1) != absl::string_view::npos ||
      !absl::StrContains(email.substr(at + 1), '.') ||
      absl::StrContains(email, ' ')) {
    return FieldError(field, "is not an email address");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePerson(absl::string_view prefix, const v1::Person& p,
                            const v1::Date& today) {
  CB_RETURN_IF_ERROR(CheckText(FieldPath(prefix, "given_name"), p.given_name(),
                               kMaxShortText, false));
  CB_RETURN_IF_ERROR(CheckText(FieldPath(prefix, "family_name"),
                               p.family_name(), kMaxShortText, false));
  if (IsBlank(p.given_name()) && IsBlank(p.family_name())) {
    return FieldError(FieldPath(prefix, "family_name"),
                      "a person needs a given or family name");
  }
  if (p.aliases_size() > kMaxAliases) {
    return FieldError(FieldPath(prefix, "aliases"),
                      absl::StrCat("at most ", kMaxAliases, " aliases"));
  }
  for (int i = 0; i < p.aliases_size(); ++i) {
    CB_RETURN_IF_ERROR(CheckText(FieldIndex(FieldPath(prefix, "aliases"), i),
                                 p.aliases(i), kMaxShortText, true));
  }
  CB_RETURN_IF_ERROR(
      ParseOptionalDate(FieldPath(prefix, "date_of_birth"), p.date_of_birth(),
                        {.min_year = kMinRecordYear,
                         .not_future = absl::CivilDay(
                             today.year(), today.month(), today.day())})
          .status());
  const std::string contact = FieldPath(prefix, "safe_contact");
  CB_RETURN_IF_ERROR(
      CheckPhone(FieldPath(contact, "phone"), p.safe_contact().phone()));
  CB_RETURN_IF_ERROR(
      CheckEmail(FieldPath(contact, "email"), p.safe_contact().email()));
  CB_RETURN_IF_ERROR(CheckText(FieldPath(contact, "safe_contact_notes"),
                               p.safe_contact().safe_contact_notes(), 2000,
                               false));
  CB_RETURN_IF_ERROR(
      CheckText(FieldPath(prefix, "address"), p.address(), 1000, false));
  CB_RETURN_IF_ERROR(
      CheckText(FieldPath(prefix, "notes"), p.notes(), kMaxLongText, false));
  return absl::OkStatus();
}

absl::Status ValidateCaseContent(absl::string_view prefix, const v1::Case& c,
                                 const v1::Date& today) {
  if (!c.has_victim()) {
    return FieldError(FieldPath(prefix, "victim"), "is required");
  }
  CB_RETURN_IF_ERROR(
      ValidatePerson(FieldPath(prefix, "victim"), c.victim(), today));
  if (c.suspects_size() > kMaxSuspects) {
    return FieldError(FieldPath(prefix, "suspects"),
                      absl::StrCat("at most ", kMaxSuspects, " suspects"));
  }
  for (int i = 0; i < c.suspects_size(); ++i) {
    CB_RETURN_IF_ERROR(ValidatePerson(
        FieldIndex(FieldPath(prefix, "suspects"), i), c.suspects(i), today));
  }
  if (c.protected_persons_size() > kMaxProtectedPersons) {
    return FieldError(
        FieldPath(prefix, "protected_persons"),
        absl::StrCat("at most ", kMaxProtectedPersons, " people"));
  }
  for (int i = 0; i < c.protected_persons_size(); ++i) {
    CB_RETURN_IF_ERROR(
        ValidatePerson(FieldIndex(FieldPath(prefix, "protected_persons"), i),
                       c.protected_persons(i), today));
  }
  CB_RETURN_IF_ERROR(CheckEnum(FieldPath(prefix, "relationship"),
                               c.relationship(), v1::Relationship_IsValid,
                               true));
  CB_RETURN_IF_ERROR(CheckEnum(FieldPath(prefix, "typology"), c.typology(),
                               v1::StalkerTypology_IsValid, true));
  CB_RETURN_IF_ERROR(CheckText(FieldPath(prefix, "summary"), c.summary(),
                               kMaxLongText, false));
  CB_RETURN_IF_ERROR(CheckText(FieldPath(prefix, "lawful_basis_notes"),
                               c.lawful_basis_notes(), kMaxLongText, false));
  if (c.has_spo_consideration()) {
    const std::string field = FieldPath(prefix, "spo_consideration.reason");
    // An order not pursued must say why (docs/DOMAIN.md "Stalking
    // Protection Orders": "not pursued (with reason)").
    CB_RETURN_IF_ERROR(CheckText(field, c.spo_consideration().reason(),
                                 kMaxLongText, !c.spo_consideration().considered()));
  }
  return absl::OkStatus();
}

absl::Status ValidateIncident(absl::string_view prefix, const v1::Incident& i,
                              absl::Time now) {
  const std::string occur = FieldPath(prefix, "occur_time");
  CB_RETURN_IF_ERROR(CheckTimestamp(occur, i.occur_time(), i.has_occur_time(), true));
  absl::Time occurred = ToAbslTime(i.occur_time());
  // A minute of grace for clocks that disagree.
  if (occurred > now + absl::Minutes(1)) {
    return FieldError(occur, "must not be in the future");
  }
  if (occurred < absl::FromCivil(absl::CivilSecond(1900, 1, 1), absl::UTCTimeZone())) {
    return FieldError(occur, "is implausibly far in the past");
  }
  const std::string report = FieldPath(prefix, "report_time");
  CB_RETURN_IF_ERROR(CheckTimestamp(report, i.report_time(), i.has_report_time(), false));
  if (i.has_report_time()) {
    absl::Time reported = ToAbslTime(i.report_time());
    if (reported > now + absl::Minutes(1)) {
      return FieldError(report, "must not be in the future");
    }
    if (reported < occurred) {
      return FieldError(report, "must not be before occur_time");
    }
  }
  CB_RETURN_IF_ERROR(
      CheckText(FieldPath(prefix, "location"), i.location(), 500, false));
  if (i.behaviours_size() > 13) {
    return FieldError(FieldPath(prefix, "behaviours"),
                      "lists a behaviour twice");
  }
  for (int k = 0; k < i.behaviours_size(); ++k) {
    CB_RETURN_IF_ERROR(CheckEnum(FieldIndex(FieldPath(prefix, "behaviours"), k),
                                 i.behaviours(k), v1::Behaviour_IsValid,
                                 false));
    for (int j = 0; j < k; ++j) {
      if (i.behaviours(j) == i.behaviours(k)) {
        return FieldError(FieldIndex(FieldPath(prefix, "behaviours"), k),
                          "lists a behaviour twice");
      }
    }
  }
  for (int k = 0; k < i.four_signs_size(); ++k) {
    CB_RETURN_IF_ERROR(CheckEnum(FieldIndex(FieldPath(prefix, "four_signs"), k),
                                 i.four_signs(k), v1::FourSign_IsValid, false));
    for (int j = 0; j < k; ++j) {
      if (i.four_signs(j) == i.four_signs(k)) {
        return FieldError(FieldIndex(FieldPath(prefix, "four_signs"), k),
                          "lists a sign twice");
      }
    }
  }
  CB_RETURN_IF_ERROR(
      CheckText(FieldPath(prefix, "witnesses"), i.witnesses(), 2000, false));
  CB_RETURN_IF_ERROR(CheckText(FieldPath(prefix, "description"),
                               i.description(), kMaxLongText, false));
  CB_RETURN_IF_ERROR(CheckText(FieldPath(prefix, "victim_impact"),
                               i.victim_impact(), kMaxLongText, false));
  return absl::OkStatus();
}

absl::Status ValidateRequestId(absl::string_view request_id) {
  return CheckText("request_id", request_id, kMaxRequestIdLength, false);
}

absl::Status CheckExplicitShare(v1::AgencyKind kind,
                                v1::VictimServicesReferralState victim_services_state) {
  if (kind == v1::AGENCY_KIND_VICTIM_SERVICE &&
      victim_services_state == v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT) {
    return absl::FailedPreconditionError(
        "the victim opted out of victim services: the case cannot be shared "
        "with a victim service (if the victim self-refers, record the referral "
        "with SetVictimServicesReferral)");
  }
  return absl::OkStatus();
}

}  // namespace casebridge::domain
