#ifndef CASEBRIDGE_DOMAIN_CHARGING_MACROS_H_
#define CASEBRIDGE_DOMAIN_CHARGING_MACROS_H_

#include "absl/status/status.h"

// Returns early from the enclosing function (returning absl::Status or
// absl::StatusOr<T>) when `expr` is not OK. Private to the charging .cc
// files; a project-wide one would belong in domain/validation.h.
#define CB_RETURN_IF_ERROR(expr)                        \
  do {                                                  \
    const absl::Status cb_status_ = (expr);             \
    if (!cb_status_.ok()) return cb_status_;            \
  } while (0)

#endif  // CASEBRIDGE_DOMAIN_CHARGING_MACROS_H_
