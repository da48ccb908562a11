#include "clients/cli/exit_codes.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace casebridge::cli {
namespace {

constexpr char kFieldPayload[] = "type.casebridge.dev/cli.field";

}  // namespace

ExitCode ExitCodeFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return ExitCode::kOk;
    case absl::StatusCode::kInvalidArgument:
      return ExitCode::kUsage;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return ExitCode::kNotFoundOrDenied;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return ExitCode::kUnavailable;
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return ExitCode::kConflict;
    default:
      return ExitCode::kFailure;
  }
}

std::string ExitCodeHelp() {
  return "Exit codes:\n"
         "  0  ok\n"
         "  1  any other failure (including a method the server does not offer yet)\n"
         "  2  usage error: bad arguments, or the server said INVALID_ARGUMENT\n"
         "     (the field at fault is printed)\n"
         "  3  not found, permission denied or unauthenticated\n"
         "  4  server unavailable or deadline exceeded\n"
         "  5  conflict: stale etag (ABORTED), illegal state change\n"
         "     (FAILED_PRECONDITION) or ALREADY_EXISTS\n";
}

absl::Status WithField(absl::Status status, absl::string_view field) {
  if (!status.ok() && !field.empty()) {
    status.SetPayload(kFieldPayload, absl::Cord(field));
  }
  return status;
}

std::optional<std::string> FieldOfError(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kFieldPayload);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

absl::Status UsageError(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

std::string DescribeError(const absl::Status& status) {
  std::string out = absl::StrCat("error: ", status.message().empty()
                                                ? absl::StatusCodeToString(status.code())
                                                : std::string(status.message()));
  if (std::optional<std::string> field = FieldOfError(status)) {
    absl::StrAppend(&out, "\nfield: ", *field);
  }
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      absl::StrAppend(&out,
                      "\nhint: the token was refused; give a current one with "
                      "--token, CASEBRIDGE_TOKEN or --as NAME");
      break;
    default:
      break;
  }
  return out;
}

}  // namespace casebridge::cli
