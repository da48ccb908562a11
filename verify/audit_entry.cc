#include "verify/audit_entry.h"

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace casebridge::verify {
namespace {

// Reads <length>:<bytes>; from `in`.
bool Field(absl::string_view* in, std::string* out) {
  const size_t colon = in->find(':');
  size_t length = 0;
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(in->substr(0, colon), &length)) {
    return false;
  }
  in->remove_prefix(colon + 1);
  if (in->size() < length + 1 || (*in)[length] != ';') return false;
  *out = std::string(in->substr(0, length));
  in->remove_prefix(length + 1);
  return true;
}

// Reads <count>[<field>...].
bool List(absl::string_view* in, std::vector<std::string>* out) {
  const size_t bracket = in->find('[');
  size_t count = 0;
  if (bracket == absl::string_view::npos ||
      !absl::SimpleAtoi(in->substr(0, bracket), &count)) {
    return false;
  }
  in->remove_prefix(bracket + 1);
  for (size_t i = 0; i < count; ++i) {
    std::string value;
    if (!Field(in, &value)) return false;
    out->push_back(std::move(value));
  }
  return absl::ConsumePrefix(in, "]");
}

}  // namespace

absl::StatusOr<AuditEntry> ParseAuditEntry(absl::string_view entry) {
  AuditEntry e;
  std::string id, time, disclosed;
  absl::string_view in = entry;
  const bool ok = absl::ConsumePrefix(&in, "cb-audit-v1;") && Field(&in, &id) &&
                  Field(&in, &time) && Field(&in, &e.user_id) && Field(&in, &e.username) &&
                  Field(&in, &e.agency_id) && List(&in, &e.roles) && Field(&in, &e.peer) &&
                  Field(&in, &e.method) && List(&in, &e.resources) && Field(&in, &e.case_id) &&
                  Field(&in, &e.case_reference) && Field(&in, &e.owner_agency_id) &&
                  Field(&in, &e.outcome) && Field(&in, &e.message) &&
                  Field(&in, &e.request_id) && List(&in, &e.changed_fields) &&
                  Field(&in, &e.old_etag) && Field(&in, &e.new_etag) &&
                  Field(&in, &disclosed) && absl::SimpleAtoi(id, &e.id) &&
                  absl::SimpleAtoi(time, &e.time_micros);
  if (!ok) return absl::InvalidArgumentError("the proof's entry is not a canonical audit event");
  e.content_disclosed = disclosed == "1";
  return e;
}

}  // namespace casebridge::verify
