-- ListCases as a partner agency (the cases shared with it, newest first) had
-- no index to walk cases in creation order across forces, so PostgreSQL
-- joined every active share of the agency with its case and sorted them all
-- for each page: 366 ms a page at 150k cases, growing with the case count.
-- With this index it walks the newest cases and probes the agency's shares
-- until the page is full (7 ms). Figures in bench/RESULTS.md.
CREATE INDEX cases_created_idx ON cases (create_time DESC, id DESC);
