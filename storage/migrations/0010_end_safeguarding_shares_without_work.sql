-- A SAFEGUARDING_ACTION share lasts while the agency has an active action
-- another agency gave it (the owning force, or a MARAC referral): work a
-- partner gives itself rides on the share it already has, and the share ends
-- with the last of the work that made it (services/safeguarding_service.cc,
-- EndShareWithoutWork; storage kHasWorkFromOutside is the same test).
-- Before that rule, a partner's own action made a share of its own that kept
-- it in the case after its other share was withdrawn, and shares outlived
-- the work they were made for. End those: who sees a case must not depend on
-- when the case was shared.
UPDATE case_shares s
SET withdraw_time = now(),
    withdraw_reason = 'No safeguarding action given to the agency is open on the case'
WHERE s.basis = 3
  AND s.withdraw_time IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM safeguarding_actions a
    JOIN safeguarding_action_history h ON h.action_id = a.id AND h.revision = 1
    WHERE a.case_id = s.case_id
      AND a.assigned_agency_id = s.agency_id
      AND a.status IN (1, 2, 3)
      AND h.actor_agency_id IS DISTINCT FROM a.assigned_agency_id);
