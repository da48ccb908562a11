#include "storage/binary_result.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libpq-fe.h"

namespace casebridge::storage {
namespace {

// PostgreSQL's epoch for timestamps: 2000-01-01 00:00:00 UTC, in Unix
// microseconds.
constexpr int64_t kPostgresEpochUnixMicros = 946684800LL * 1000000;

// Element type OIDs (pg_type.dat) the array decoders accept.
constexpr uint32_t kInt2Oid = 21;
constexpr uint32_t kTextOid = 25;
constexpr uint32_t kVarcharOid = 1043;

uint32_t ReadU32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

uint64_t ReadU64(const char* p) {
  return (uint64_t{ReadU32(p)} << 32) | ReadU32(p + 4);
}

// A one-dimensional array's elements, each as its raw bytes (nullopt for
// NULL), after checking the element type is one of `accepted`.
absl::StatusOr<std::vector<std::optional<absl::string_view>>> ArrayElements(
    absl::string_view raw, std::initializer_list<uint32_t> accepted) {
  auto malformed = [](absl::string_view why) {
    return absl::DataLossError(absl::StrCat("array value ", why));
  };
  if (raw.size() < 12) return malformed("is too short");
  const int32_t dimensions = static_cast<int32_t>(ReadU32(raw.data()));
  const uint32_t element_type = ReadU32(raw.data() + 8);
  std::vector<std::optional<absl::string_view>> out;
  if (dimensions == 0) return out;
  if (dimensions != 1) return malformed("has more than one dimension");
  if (std::find(accepted.begin(), accepted.end(), element_type) == accepted.end()) {
    return malformed("has elements of another type");
  }
  if (raw.size() < 20) return malformed("is too short");
  const int32_t count = static_cast<int32_t>(ReadU32(raw.data() + 12));
  const int32_t lower_bound = static_cast<int32_t>(ReadU32(raw.data() + 16));
  if (count < 0) return malformed("has a negative length");
  if (lower_bound != 1) return malformed("does not start at 1");
  size_t at = 20;
  out.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    if (at + 4 > raw.size()) return malformed("ends early");
    const int32_t length = static_cast<int32_t>(ReadU32(raw.data() + at));
    at += 4;
    if (length == -1) {
      out.push_back(std::nullopt);
      continue;
    }
    if (length < 0 || at + static_cast<size_t>(length) > raw.size()) {
      return malformed("ends early");
    }
    out.push_back(raw.substr(at, static_cast<size_t>(length)));
    at += static_cast<size_t>(length);
  }
  if (at != raw.size()) return malformed("has bytes after its elements");
  return out;
}

}  // namespace

BinaryResult::BinaryResult(pg_result* result)
    : result_(result), rows_(result == nullptr ? 0 : PQntuples(result)) {}

BinaryResult::~BinaryResult() {
  if (result_ != nullptr) PQclear(result_);
}

BinaryResult::BinaryResult(BinaryResult&& other) noexcept
    : result_(std::exchange(other.result_, nullptr)), rows_(std::exchange(other.rows_, 0)) {}

BinaryResult& BinaryResult::operator=(BinaryResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
    rows_ = std::exchange(other.rows_, 0);
  }
  return *this;
}

int BinaryResult::Column(absl::string_view name) const {
  const int column = PQfnumber(result_, std::string(name).c_str());
  if (column < 0) throw std::logic_error(absl::StrCat("the result has no column ", name));
  return column;
}

bool BinaryResult::IsNull(int row, int column) const {
  return PQgetisnull(result_, row, column) != 0;
}

absl::string_view BinaryResult::Bytes(int row, int column) const {
  if (IsNull(row, column)) return {};
  return absl::string_view(PQgetvalue(result_, row, column),
                           static_cast<size_t>(PQgetlength(result_, row, column)));
}

namespace {
absl::string_view Fixed(absl::string_view raw, size_t size, const char* type) {
  if (raw.size() != size) {
    throw std::runtime_error(absl::StrCat("a ", type, " value of ", raw.size(),
                                          " bytes: the column's type has changed"));
  }
  return raw;
}
}  // namespace

int64_t BinaryResult::Int64(int row, int column) const {
  return static_cast<int64_t>(ReadU64(Fixed(Bytes(row, column), 8, "bigint").data()));
}

bool BinaryResult::Bool(int row, int column) const {
  return Fixed(Bytes(row, column), 1, "boolean")[0] != 0;
}

absl::Time BinaryResult::Time(int row, int column) const {
  const int64_t micros =
      static_cast<int64_t>(ReadU64(Fixed(Bytes(row, column), 8, "timestamptz").data()));
  // 'infinity' and '-infinity' are the int64 extremes: far past any real
  // time, and never the time an event was written.
  return absl::FromUnixMicros(micros) + absl::Microseconds(kPostgresEpochUnixMicros);
}

std::string BinaryResult::Uuid(int row, int column) const {
  if (IsNull(row, column)) return "";
  absl::string_view raw = Fixed(Bytes(row, column), 16, "uuid");
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const auto b = static_cast<unsigned char>(raw[i]);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> BinaryResult::TextArray(int row, int column) const {
  auto elements = ArrayElements(Bytes(row, column), {kTextOid, kVarcharOid});
  if (!elements.ok()) return elements.status();
  std::vector<std::string> out;
  out.reserve(elements->size());
  for (const std::optional<absl::string_view>& e : *elements) {
    out.emplace_back(e.has_value() ? *e : "null");
  }
  return out;
}

absl::StatusOr<std::vector<std::optional<int>>> BinaryResult::SmallIntArray(
    int row, int column) const {
  auto elements = ArrayElements(Bytes(row, column), {kInt2Oid});
  if (!elements.ok()) return elements.status();
  std::vector<std::optional<int>> out;
  out.reserve(elements->size());
  for (const std::optional<absl::string_view>& e : *elements) {
    if (!e.has_value()) {
      out.push_back(std::nullopt);
      continue;
    }
    if (e->size() != 2) return absl::DataLossError("a smallint element of another size");
    const auto* b = reinterpret_cast<const unsigned char*>(e->data());
    out.push_back(static_cast<int16_t>((b[0] << 8) | b[1]));
  }
  return out;
}

}  // namespace casebridge::storage
