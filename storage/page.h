#ifndef CASEBRIDGE_STORAGE_PAGE_H_
#define CASEBRIDGE_STORAGE_PAGE_H_

#include <optional>
#include <vector>

#include "domain/list_query.h"
#include "pqxx/pqxx"

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

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_PAGE_H_
