#include "storage/timeline_repository.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/resource_names.h"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

constexpr Statement kAppend = {"cb_timeline_append",
    "INSERT INTO case_timeline (case_id, event_time, kind, summary, resource, "
    "actor_id, agency_id) VALUES ($1, $2, $3, $4, $5, $6, $7)"};

constexpr Statement kList = {"cb_timeline_list",
    "SELECT id, cb_micros(event_time) AS event_micros, kind, summary, resource, "
    "coalesce(actor_id::text, '') AS actor_id FROM case_timeline "
    "WHERE case_id = $1 AND kind = ANY($2::smallint[]) "
    "AND (agency_id IS NULL OR agency_id = $3 OR $4) "
    "AND ($5::bigint IS NULL OR (cb_micros(event_time), id) > ($5, $6::bigint)) "
    "ORDER BY event_time, id LIMIT $7"};

}  // namespace

void TimelineRepository::Append(Tx& tx, const TimelineEntryInput& e) const {
  tx.Exec(kAppend, Params()
                       .Text(e.case_id)
                       .Time(e.time)
                       .Int(e.kind)
                       .Text(e.summary)
                       .Text(e.resource)
                       .TextOrNull(e.actor_user_id)
                       .TextOrNull(e.agency_id));
}

absl::StatusOr<Page<v1::TimelineEntry>> TimelineRepository::List(
    Tx& tx, absl::string_view case_id, const Reader& reader,
    const std::optional<domain::PageCursor>& after, int limit) const {
  Params p;
  p.Text(case_id)
      .Text(absl::StrCat("{", absl::StrJoin(reader.kinds, ","), "}"))
      .Text(reader.agency_id)
      .Bool(reader.every_agency);
  if (after.has_value()) {
    int64_t micros, id;
    if (!absl::SimpleAtoi(after->sort_key, &micros) ||
        !absl::SimpleAtoi(after->id, &id)) {
      return domain::InvalidPageToken();
    }
    p.Int(micros).Int(id);
  } else {
    p.Null().Null();
  }
  p.Int(limit);
  pqxx::result rows = tx.Exec(kList, p);
  return PageFrom<v1::TimelineEntry>(
      rows, limit,
      [](const pqxx::row& r) {
        v1::TimelineEntry e;
        SetTimestamp(r["event_micros"], &e, &v1::TimelineEntry::mutable_time);
        e.set_kind(static_cast<v1::TimelineEntryKind>(Int(r["kind"])));
        e.set_summary(Str(r["summary"]));
        e.set_resource(Str(r["resource"]));
        if (r["actor_id"].size() > 0) e.set_actor(domain::UserName(Str(r["actor_id"])));
        return e;
      },
      [](const pqxx::row& r) {
        return domain::PageCursor{Str(r["event_micros"]), Str(r["id"])};
      });
}

}  // namespace casebridge::storage
