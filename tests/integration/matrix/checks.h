// What every response of the matrix run is checked for, whatever the RPC.
#ifndef CASEBRIDGE_TESTS_INTEGRATION_MATRIX_CHECKS_H_
#define CASEBRIDGE_TESTS_INTEGRATION_MATRIX_CHECKS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "casebridge/v1/cases.pb.h"
#include "google/protobuf/message.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {

// The fields of a case as `view` shows it (FULL: everything; PROSECUTION: no
// restricted address, no etag; SAFEGUARDING: reference, victim's names and
// safe contact, address only when not restricted, risk level, flags, derived
// risk indicators; no suspects, summary, relationship, typology, SPO
// deliberation, notes, etag). One line per field that is wrong.
std::vector<std::string> CheckCaseFields(const World& world, const v1::Case& c,
                                         v1::CaseView view, const CaseInfo& info);

// Every Case anywhere in `response` is a case the world knows, readable by
// the caller (domain::Decide kReadCase), redacted to exactly that view, with
// the view's fields. Independently of the table: a partner only ever sees
// the SAFEGUARDING view of a case shared with its agency, and no non-police
// caller gets an address marked restricted.
std::vector<std::string> CheckCasesInResponse(const World& world, const Caller& caller,
                                              const google::protobuf::Message& response);

// Searches `text` (a whole response and the status message) for what the
// caller must never receive: a restricted address in any spelling (case,
// spacing and punctuation ignored) in any field (unless police), suspect
// details and narratives (unless police or CPS), any case content at all
// (callers without a case-reading role).
std::vector<std::string> ScanForLeaks(const Caller& caller, absl::string_view text);

// Every string of `message` and its nested messages, as sent (not escaped
// like DebugString), one per line: what a leak scan reads.
std::string AllText(const google::protobuf::Message& message);

// Calls `visit` for `message` and every message nested in it.
void ForEachMessage(const google::protobuf::Message& message,
                    const std::function<void(const google::protobuf::Message&)>& visit);

}  // namespace casebridge::matrix

#endif  // CASEBRIDGE_TESTS_INTEGRATION_MATRIX_CHECKS_H_
