#ifndef CASEBRIDGE_STORAGE_PAGE_H_
#define CASEBRIDGE_STORAGE_PAGE_H_

#include <optional>
#include <vector>

#include "domain/list_query.h"
#include "pqxx/pqxx"
#include "storage/database.h"

namespace casebridge::storage {

// One page of a keyset-paginated list.
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<domain::PageCursor> next;  // Set when there may be more.
};

// Builds a page from rows fetched with LIMIT `limit`: a full page means there
// may be more, continuing after the last row's key.
template <typename T, typename FromRow, typename KeyOf>
Page<T> PageFrom(const pqxx::result& rows, int limit, FromRow from_row,
                 KeyOf key_of) {
  Page<T> page;
  page.items.reserve(rows.size());
  for (const pqxx::row& r : rows) page.items.push_back(from_row(r));
  if (limit > 0 && static_cast<int>(rows.size()) == limit) {
    page.next = key_of(rows[rows.size() - 1]);
  }
  return page;
}

// Binds the keyset position most lists page by: (a time selected as
// cb_micros(...), the row's uuid), as a timestamptz and a uuid parameter, or
// two NULLs for the first page. A position this server cannot have issued
// (not microseconds of an instant the API stores and a uuid: a forged or
// garbled token, INT64_MIN) binds nothing and is INVALID_ARGUMENT naming
// page_token (domain::CursorTime, InvalidPageToken), never a silent first
// page nor a failed statement.
absl::Status CursorParams(Params& p, const std::optional<domain::PageCursor>& after);
// The same for lists ordered by a text column and the row's uuid (names,
// codes): the text as it came, the id checked.
absl::Status TextCursorParams(Params& p,
                              const std::optional<domain::PageCursor>& after);

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_PAGE_H_
