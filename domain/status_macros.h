#ifndef CASEBRIDGE_DOMAIN_STATUS_MACROS_H_
#define CASEBRIDGE_DOMAIN_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Early return on error, as Abseil-based code bases spell it (this Abseil
// release ships no public version). The one copy for the whole project:
// works in functions returning absl::Status or absl::StatusOr<T>.
#define CB_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    const ::absl::Status cb_status_ = (expr);    \
    if (!cb_status_.ok()) return cb_status_;     \
  } while (0)

#define CB_CONCAT_INNER_(a, b) a##b
#define CB_CONCAT_(a, b) CB_CONCAT_INNER_(a, b)

// CB_ASSIGN_OR_RETURN(auto x, FunctionReturningStatusOr());
#define CB_ASSIGN_OR_RETURN(lhs, rexpr) \
  CB_ASSIGN_OR_RETURN_IMPL_(CB_CONCAT_(cb_statusor_, __LINE__), lhs, rexpr)
#define CB_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  if (!statusor.ok()) return statusor.status();         \
  lhs = *std::move(statusor)

#endif  // CASEBRIDGE_DOMAIN_STATUS_MACROS_H_
