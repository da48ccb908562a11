#ifndef CASEBRIDGE_STORAGE_BINARY_RESULT_H_
#define CASEBRIDGE_STORAGE_BINARY_RESULT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

extern "C" {
struct pg_result;
}

namespace casebridge::storage {

// A query's rows in PostgreSQL's binary format (Tx::ExecBinary), read by
// column name. For bulk readers whose cost is the text format's parsing
// (verifying the audit log reads every event): binary values need no
// unescaping, number parsing or JSON.
//
// The decoders take the column types the schema gives them (int8, bool,
// timestamptz, uuid, text, bytea, smallint[] and text[]). A value of the
// wrong length for its type (a column whose type was changed under the
// server) throws std::runtime_error, which Database::Transact turns into a
// status; an array that is not a one-dimensional array of its element type
// (one dimension is all the server writes) is an error status, so that a
// reader can name the row.
class BinaryResult {
 public:
  explicit BinaryResult(pg_result* result);  // Takes ownership.
  ~BinaryResult();
  BinaryResult(BinaryResult&&) noexcept;
  BinaryResult& operator=(BinaryResult&&) noexcept;

  const pg_result* raw() const { return result_; }
  int size() const { return rows_; }
  bool empty() const { return rows_ == 0; }

  // The column named `name`; throws std::logic_error when there is none
  // (a query and its reader out of step).
  int Column(absl::string_view name) const;

  bool IsNull(int row, int column) const;
  // The raw bytes (bytea, text); empty for NULL.
  absl::string_view Bytes(int row, int column) const;
  int64_t Int64(int row, int column) const;
  bool Bool(int row, int column) const;
  // timestamptz, to the microsecond.
  absl::Time Time(int row, int column) const;
  // A uuid as PostgreSQL prints it (lower-case, hyphenated); "" for NULL.
  std::string Uuid(int row, int column) const;
  // text[]; a NULL element reads as "null" (as array_to_json prints it).
  absl::StatusOr<std::vector<std::string>> TextArray(int row, int column) const;
  // smallint[]; a NULL element reads as nullopt.
  absl::StatusOr<std::vector<std::optional<int>>> SmallIntArray(int row, int column) const;

 private:
  pg_result* result_;
  int rows_ = 0;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_BINARY_RESULT_H_
