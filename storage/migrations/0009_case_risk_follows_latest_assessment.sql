-- A case's risk level is that of its latest assessment by (assess_time, id)
-- (CaseRepository::FollowLatestRiskAssessment). It used to be that of the
-- last one entered, so a backdated assessment entered after a newer one
-- (an old paper form) could have downgraded the case: put every case back
-- on its latest assessment. A case that changes gets a new version (its
-- etag moves) and update time, so readers and updated_since see it.
UPDATE cases c
   SET risk_level = latest.level, update_time = now(), version = c.version + 1
  FROM (SELECT DISTINCT ON (case_id) case_id, level
          FROM risk_assessments
         ORDER BY case_id, assess_time DESC, id DESC) latest
 WHERE c.id = latest.case_id
   AND c.risk_level IS DISTINCT FROM latest.level;
