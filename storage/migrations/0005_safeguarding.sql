-- Safeguarding actions, their history, and MARAC referrals
-- (services/safeguarding_service.cc, storage/safeguarding_repository.cc).

-- A referral of a case to a multi-agency risk assessment conference. The
-- actions it created and the MARAC_REFERRAL actions it completed are kept in
-- request order, so a retry with the same request_id answers exactly as the
-- first call did.
CREATE TABLE marac_referrals (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  marac_date date NOT NULL,
  reason text NOT NULL,
  -- The case's level when referred (always HIGH).
  risk_level smallint NOT NULL,
  referred_by uuid REFERENCES users (id),
  create_time timestamptz NOT NULL,
  action_ids uuid[] NOT NULL DEFAULT '{}',
  completed_action_ids uuid[] NOT NULL DEFAULT '{}'
);
CREATE INDEX marac_referrals_case_idx ON marac_referrals (case_id, create_time);

-- Statuses: 1 OPEN, 2 IN_PROGRESS, 3 BLOCKED (active), 4 COMPLETED,
-- 5 CANCELLED (final). Work lists sort by (due_date, priority_rank,
-- create_time, id); priority_rank is domain::SafeguardingPriorityRank
-- (0 URGENT .. 3 LOW), written by the server with the priority.
CREATE TABLE safeguarding_actions (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  type smallint NOT NULL,
  assigned_agency_id uuid NOT NULL REFERENCES agencies (id),
  assigned_user_id uuid REFERENCES users (id),
  due_date date NOT NULL,
  priority smallint NOT NULL,
  priority_rank smallint NOT NULL CHECK (priority_rank BETWEEN 0 AND 3),
  description text NOT NULL,
  rationale text NOT NULL,
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 5),
  notes text NOT NULL DEFAULT '',
  outcome text NOT NULL DEFAULT '',
  cancel_reason text NOT NULL DEFAULT '',
  created_by uuid REFERENCES users (id),
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  close_time timestamptz,
  closed_by uuid REFERENCES users (id),
  marac_referral_id uuid REFERENCES marac_referrals (id),
  -- The etag; also the revision of the latest history entry.
  version bigint NOT NULL DEFAULT 1
);
-- One case's actions in work order.
CREATE INDEX safeguarding_actions_case_idx
  ON safeguarding_actions (case_id, due_date, priority_rank, create_time, id);
-- An agency's actions by status and due date (list filters).
CREATE INDEX safeguarding_actions_agency_idx
  ON safeguarding_actions (assigned_agency_id, status, due_date);
-- "My work": an agency's open actions across every case, read in work order
-- straight off the index, a page at a time (keyset).
CREATE INDEX safeguarding_actions_open_work_idx
  ON safeguarding_actions (assigned_agency_id, due_date, priority_rank,
                           create_time, id)
  WHERE status IN (1, 2, 3);

-- Every change of an action, append-only: the server's role may insert and
-- read, never rewrite. `snapshot` is the serialized
-- casebridge.v1.SafeguardingAction as it was after the change.
CREATE TABLE safeguarding_action_history (
  action_id uuid NOT NULL REFERENCES safeguarding_actions (id),
  revision bigint NOT NULL,
  case_id uuid NOT NULL REFERENCES cases (id),
  event smallint NOT NULL,
  from_status smallint NOT NULL,
  to_status smallint NOT NULL,
  changed_fields text[] NOT NULL,
  actor_id uuid REFERENCES users (id),
  actor_agency_id uuid REFERENCES agencies (id),
  event_time timestamptz NOT NULL,
  snapshot bytea NOT NULL,
  PRIMARY KEY (action_id, revision)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON marac_referrals, safeguarding_actions
  TO casebridge_app;
GRANT SELECT, INSERT ON safeguarding_action_history TO casebridge_app;
