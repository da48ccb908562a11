-- cb_micros was declared IMMUTABLE, but extract(epoch FROM timestamptz) is
-- STABLE, so PostgreSQL would not inline it and ran it as a SQL function call
-- for every value it converted: about 4 us each, five times the inlined cost,
-- on every instant the server reads (seven per case row, one per incident
-- and audit event). Same body, declared STABLE, so the planner inlines it.
-- Nothing may index cb_micros(...): index expressions need IMMUTABLE.
CREATE OR REPLACE FUNCTION cb_micros(t timestamptz) RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;
