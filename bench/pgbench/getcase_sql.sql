-- The SQL of one GetCase (police, owning force) alone, without its audit
-- event: how the reads themselves scale with the number of cases.
-- Generated from the server's SQL (storage/case_repository.cc, storage/audit_log.cc);
-- keep in step with it. Variables: ncases, sp (force id), officer (user id), today.
\set n random(1, :ncases)
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT c.id, c.reference, c.owning_agency_id, c.status, c.version, c.risk_level, EXISTS (SELECT 1 FROM case_shares s WHERE s.case_id = c.id AND s.agency_id = :sp AND s.withdraw_time IS NULL) FROM cases c WHERE c.id = md5('cb-bench-case-' || :n)::uuid;
SELECT c.id, c.reference, c.owning_agency_id, coalesce(c.officer_in_charge_id::text, ''), c.status, cb_micros(c.open_time), cb_micros(c.close_time), c.close_reason, c.summary, c.relationship, c.typology, c.spo_considered, c.spo_reason, cb_micros(c.spo_record_time), coalesce(c.spo_recorded_by::text, ''), c.vs_state, coalesce(c.vs_agency_id::text, ''), c.vs_reason, cb_micros(c.vs_record_time), coalesce(c.vs_recorded_by::text, ''), c.lawful_basis_notes, c.risk_level, (c.order_active AND (c.order_active_until IS NULL OR c.order_active_until >= :today::date)), cb_micros(c.create_time) AS create_micros, cb_micros(c.update_time), c.version FROM cases c WHERE c.id = md5('cb-bench-case-' || :n)::uuid;
SELECT case_id, role, ordinal, given_name, family_name, array_to_json(aliases)::text, date_of_birth::text, phone, email, safe_contact_notes, address, address_restricted, notes FROM case_people WHERE case_id = ANY (ARRAY[md5('cb-bench-case-' || :n)::uuid]) ORDER BY case_id, role, ordinal;
SELECT id, case_id, type, reason, cb_micros(raise_time), coalesce(raised_by::text, ''), cb_micros(clear_time), coalesce(cleared_by::text, ''), clear_reason FROM case_flags WHERE case_id = ANY (ARRAY[md5('cb-bench-case-' || :n)::uuid]) AND clear_time IS NULL ORDER BY raise_time, id;
SELECT cb_micros(occur_time), array_to_json(behaviours)::text, array_to_json(four_signs)::text FROM incidents WHERE case_id = md5('cb-bench-case-' || :n)::uuid ORDER BY occur_time;
COMMIT;
