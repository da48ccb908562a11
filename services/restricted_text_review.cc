#include "services/restricted_text_review.h"

#include <optional>
#include <string>
#include <utility>

#include "domain/charging_progress.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/dates.h"
#include "domain/visibility.h"
#include "storage/charging_repository.h"
#include "storage/protection_order_repository.h"
#include "storage/safeguarding_repository.h"

namespace casebridge::services {
namespace {

// Appends a finding per field of `resource` (named `name`) that holds what
// the matcher finds.
void Review(const google::protobuf::Message& resource, absl::string_view name,
            const domain::RestrictedAddressMatcher& matcher,
            std::vector<v1::RestrictedTextFinding>* out) {
  for (domain::RestrictedTextFound& found : domain::FindRestrictedText(resource, matcher)) {
    v1::RestrictedTextFinding* f = &out->emplace_back();
    f->set_resource(std::string(name));
    f->set_field(std::move(found.field));
    f->set_part(std::move(found.part));
  }
}

}  // namespace

absl::StatusOr<std::vector<v1::RestrictedTextFinding>> FindRestrictedTextOnCase(
    storage::Tx& tx, const storage::CaseRef& ref,
    const domain::RestrictedAddressMatcher& matcher, absl::CivilDay today) {
  std::vector<v1::RestrictedTextFinding> out;
  if (matcher.empty()) return out;
  const std::string& case_id = ref.id;

  // The record itself, and each flag as the resource it is.
  storage::CaseRepository cases;
  CB_ASSIGN_OR_RETURN(v1::Case record, cases.Get(tx, case_id, domain::FormatDay(today)));
  for (const v1::CaseFlag& flag : record.flags()) Review(flag, flag.name(), matcher, &out);
  record.clear_flags();
  Review(record, domain::CaseName(case_id), matcher, &out);

  std::optional<domain::PageCursor> after;
  do {
    CB_ASSIGN_OR_RETURN(storage::Page<v1::Incident> page,
                        cases.ListIncidents(tx, case_id, 0, absl::InfinitePast(),
                                            absl::InfinitePast(), after,
                                            domain::kMaxPageSize));
    for (const v1::Incident& i : page.items) Review(i, i.name(), matcher, &out);
    after = page.next;
  } while (after.has_value());
  do {
    CB_ASSIGN_OR_RETURN(storage::Page<v1::RiskAssessment> page,
                        cases.ListRiskAssessments(tx, case_id, after, domain::kMaxPageSize));
    for (const v1::RiskAssessment& r : page.items) Review(r, r.name(), matcher, &out);
    after = page.next;
  } while (after.has_value());

  storage::SafeguardingRepository actions;
  CB_ASSIGN_OR_RETURN(std::vector<storage::SafeguardingActionRow> rows,
                      actions.ListForCase(tx, case_id, today, /*lock=*/false));
  for (const storage::SafeguardingActionRow& row : rows) {
    Review(row.action, row.action.name(), matcher, &out);
  }

  storage::ProtectionOrderRepository orders;
  CB_ASSIGN_OR_RETURN(std::vector<storage::StoredOrder> stored,
                      orders.ListForCase(tx, case_id));
  for (const storage::StoredOrder& o : stored) Review(o.order, o.order.name(), matcher, &out);

  // Every charging file of the case, as its owning force lists them.
  storage::ChargingRepository files;
  storage::ChargingListScope scope;
  scope.agency_id = ref.owner_agency_id;
  scope.as_owning_force = true;
  scope.case_id = case_id;
  v1::ListChargingFilesRequest request;
  request.set_parent(domain::CaseName(case_id));
  request.set_page_size(domain::kMaxPageSize);
  while (true) {
    CB_ASSIGN_OR_RETURN(domain::ChargingListQuery query,
                        domain::ParseListChargingFilesRequest(request));
    CB_ASSIGN_OR_RETURN(std::vector<storage::StoredChargingFile> page,
                        files.List(tx, scope, query, today));
    for (const storage::StoredChargingFile& f : page) {
      Review(f.file, f.file.name(), matcher, &out);
    }
    if (static_cast<int>(page.size()) < query.page_size) break;
    request.set_page_token(domain::NextChargingPageToken(query, page.back().file));
  }
  return out;
}

}  // namespace casebridge::services
