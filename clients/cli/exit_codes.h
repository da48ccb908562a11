#ifndef CASEBRIDGE_CLIENTS_CLI_EXIT_CODES_H_
#define CASEBRIDGE_CLIENTS_CLI_EXIT_CODES_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace casebridge::cli {

// What `casebridge` exits with. Scripts branch on these, so they are part of
// the CLI's interface (README "CLI reference", `casebridge --help`).
enum class ExitCode : int {
  kOk = 0,
  // Anything not below, including a method the server does not offer yet.
  kFailure = 1,
  // Bad command-line arguments, or the server said INVALID_ARGUMENT.
  kUsage = 2,
  // NOT_FOUND, PERMISSION_DENIED or UNAUTHENTICATED.
  kNotFoundOrDenied = 3,
  // UNAVAILABLE or DEADLINE_EXCEEDED: the server could not be reached in time.
  kUnavailable = 4,
  // ABORTED (stale etag), FAILED_PRECONDITION (illegal state change) or
  // ALREADY_EXISTS.
  kConflict = 5,
};

// The exit code for a call that ended with `code` (the same numbering as
// grpc::StatusCode).
ExitCode ExitCodeFor(absl::StatusCode code);

// The table above, for --help and the README.
std::string ExitCodeHelp();

// Errors carry the field at fault (the server's `casebridge-field` trailing
// metadata, or the option a local check rejected) as a payload.
absl::Status WithField(absl::Status status, absl::string_view field);
std::optional<std::string> FieldOfError(const absl::Status& status);

// A usage error found before calling the server (exit 2).
absl::Status UsageError(absl::string_view message);

// How an error is shown on stderr: the message, the field, and a hint for
// codes that have an obvious next step. Never empty for a non-OK status.
std::string DescribeError(const absl::Status& status);

}  // namespace casebridge::cli

#endif  // CASEBRIDGE_CLIENTS_CLI_EXIT_CODES_H_
