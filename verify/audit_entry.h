#ifndef CASEBRIDGE_VERIFY_AUDIT_ENTRY_H_
#define CASEBRIDGE_VERIFY_AUDIT_ENTRY_H_

// Reading an audit event out of its Merkle leaf's entry, for the CLI: what
// `casebridge audit prove` shows is what the proof covers, not the fields
// the server sent beside it.
//
// The entry is the event's canonical content (docs/AUDIT.md):
//   "cb-audit-v1;" then each field as <length>:<bytes>; and each list as
//   <count>[<field>...]. In order: id, time (microseconds), user id,
//   username, agency id, roles (list), peer, method, resources (list), case
//   id, case reference, owning agency id, outcome, message, request id,
//   changed fields (list), old etag, new etag, content disclosed ("0"/"1"),
//   then optional tagged fields. Written from that description, not from
//   the server's code.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casebridge::verify {

struct AuditEntry {
  int64_t id = 0;
  int64_t time_micros = 0;
  std::string user_id, username, agency_id;
  std::vector<std::string> roles;
  std::string peer, method;
  std::vector<std::string> resources;
  std::string case_id, case_reference, owner_agency_id, outcome, message, request_id;
  std::vector<std::string> changed_fields;
  std::string old_etag, new_etag;
  bool content_disclosed = false;
};

// INVALID_ARGUMENT when `entry` is not a canonical audit event.
absl::StatusOr<AuditEntry> ParseAuditEntry(absl::string_view entry);

}  // namespace casebridge::verify

#endif  // CASEBRIDGE_VERIFY_AUDIT_ENTRY_H_
