-- Charging (CPS): the files police submit for a charging decision, the
-- CPS's advice, action plans and decisions (storage/charging_repository.h).
-- Enum columns hold the casebridge.v1 enum numbers (charging.proto).

-- One file per submission (or per referral the system opened on an SPO
-- breach). cps_agency_id is the owning force's CPS area at submission: only
-- that agency's prosecutors see and decide the file.
CREATE TABLE charging_files (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  cps_agency_id uuid NOT NULL REFERENCES agencies (id),
  kind smallint NOT NULL CHECK (kind BETWEEN 1 AND 2),
  urgency smallint NOT NULL CHECK (urgency BETWEEN 1 AND 3),
  -- domain::ChargingUrgencyRank(urgency): prosecutors' lists sort by it.
  urgency_rank smallint NOT NULL,
  origin smallint NOT NULL CHECK (origin BETWEEN 1 AND 2),
  -- cases/{case}/protectionOrders/{order} for an SPO breach referral.
  source_order text NOT NULL DEFAULT '',
  summary text NOT NULL,
  state smallint NOT NULL CHECK (state BETWEEN 1 AND 7),
  submitted_by uuid REFERENCES users (id),
  create_time timestamptz NOT NULL,
  full_file_submit_time timestamptz,
  update_time timestamptz NOT NULL,
  withdraw_reason text NOT NULL DEFAULT '',
  withdraw_time timestamptz,
  -- First hearing (both set, or both unset).
  first_hearing_date date,
  first_hearing_court text NOT NULL DEFAULT '',
  -- Whether the victim was told of the decision: NULL until recorded.
  victim_informed boolean,
  victim_inform_date date,
  victim_inform_method text NOT NULL DEFAULT '',
  victim_inform_notes text NOT NULL DEFAULT '',
  victim_informed_record_time timestamptz,
  victim_informed_by uuid REFERENCES users (id),
  version bigint NOT NULL DEFAULT 1,
  CHECK ((first_hearing_date IS NULL) = (first_hearing_court = ''))
);
CREATE INDEX charging_files_case_idx ON charging_files (case_id, create_time, id);
-- Prosecutors' lists: their area's files, most urgent then oldest first.
CREATE INDEX charging_files_cps_idx
  ON charging_files (cps_agency_id, urgency_rank, create_time, id);

-- Suspects on the file, in the order submitted. suspect_number is the
-- 1-based position in the case's suspects at submission; display_name is a
-- snapshot of the name.
CREATE TABLE charging_suspects (
  file_id uuid NOT NULL REFERENCES charging_files (id),
  ordinal int NOT NULL,
  suspect_number int NOT NULL CHECK (suspect_number >= 1),
  display_name text NOT NULL,
  bail_status smallint NOT NULL,
  release_date date,
  bail_return_date date,
  bail_conditions text NOT NULL DEFAULT '',
  PRIMARY KEY (file_id, ordinal)
);

-- Offences the police propose.
CREATE TABLE charging_proposed_offences (
  file_id uuid NOT NULL REFERENCES charging_files (id),
  ordinal int NOT NULL,
  offence smallint NOT NULL,
  particulars text NOT NULL DEFAULT '',
  PRIMARY KEY (file_id, ordinal)
);

-- Advice, append-only, oldest first.
CREATE TABLE charging_advice (
  file_id uuid NOT NULL REFERENCES charging_files (id),
  ordinal int NOT NULL,
  advice text NOT NULL,
  advise_time timestamptz NOT NULL,
  prosecutor_id uuid REFERENCES users (id),
  PRIMARY KEY (file_id, ordinal)
);

-- Action plan items: every item ever issued, in issue order (seq). Each
-- has its own row version (the item's etag).
CREATE TABLE charging_action_items (
  id uuid PRIMARY KEY,
  file_id uuid NOT NULL REFERENCES charging_files (id),
  seq int NOT NULL,
  description text NOT NULL,
  due_date date NOT NULL,
  state smallint NOT NULL CHECK (state BETWEEN 1 AND 5),
  dispute_reason text NOT NULL DEFAULT '',
  provided text NOT NULL DEFAULT '',
  review_note text NOT NULL DEFAULT '',
  issued_by uuid REFERENCES users (id),
  responded_by uuid REFERENCES users (id),
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  resolve_time timestamptz,
  version bigint NOT NULL DEFAULT 1,
  CONSTRAINT charging_action_items_seq_key UNIQUE (file_id, seq)
);
-- "Action plan overdue": outstanding items by due date.
CREATE INDEX charging_action_items_due_idx
  ON charging_action_items (file_id, due_date) WHERE state IN (1, 2, 3);

-- Decisions: the one in force (superseded = false, at most one per file) and
-- the ones it replaced (a Threshold decision replaced by the Full Code
-- review), in the order made (seq). Never deleted.
CREATE TABLE charging_decisions (
  id uuid PRIMARY KEY,
  file_id uuid NOT NULL REFERENCES charging_files (id),
  seq int NOT NULL,
  superseded boolean NOT NULL DEFAULT false,
  superseded_time timestamptz,
  test smallint NOT NULL CHECK (test BETWEEN 1 AND 2),
  outcome smallint NOT NULL CHECK (outcome BETWEEN 1 AND 3),
  nfa_reason smallint NOT NULL DEFAULT 0,
  disposal_details text NOT NULL DEFAULT '',
  rationale text NOT NULL,
  decision_date date NOT NULL,
  threshold_grounds text NOT NULL DEFAULT '',
  -- Threshold Test only; moved by interim reviews.
  threshold_review_by date,
  decide_time timestamptz NOT NULL,
  prosecutor_id uuid REFERENCES users (id),
  CONSTRAINT charging_decisions_seq_key UNIQUE (file_id, seq)
);
CREATE UNIQUE INDEX charging_decisions_in_force_key
  ON charging_decisions (file_id) WHERE NOT superseded;

-- Offences a decision charges (CHARGE) or disposes of (OUT_OF_COURT_DISPOSAL).
CREATE TABLE charging_decision_offences (
  decision_id uuid NOT NULL REFERENCES charging_decisions (id),
  ordinal int NOT NULL,
  offence smallint NOT NULL,
  particulars text NOT NULL DEFAULT '',
  PRIMARY KEY (decision_id, ordinal)
);

-- Interim reviews of a Threshold decision, append-only.
CREATE TABLE charging_threshold_reviews (
  decision_id uuid NOT NULL REFERENCES charging_decisions (id),
  ordinal int NOT NULL,
  note text NOT NULL,
  previous_review_by date,
  next_review_by date NOT NULL,
  review_time timestamptz NOT NULL,
  prosecutor_id uuid REFERENCES users (id),
  PRIMARY KEY (decision_id, ordinal)
);

-- Ancillary orders sought (restraining order; SPO reminder to police).
CREATE TABLE charging_ancillary_orders (
  file_id uuid NOT NULL REFERENCES charging_files (id),
  ordinal int NOT NULL,
  kind smallint NOT NULL CHECK (kind BETWEEN 1 AND 3),
  details text NOT NULL DEFAULT '',
  PRIMARY KEY (file_id, ordinal)
);

-- Every change to a file, append-only: which event moved it from which
-- state to which, who, when, and what in a line.
CREATE TABLE charging_file_history (
  id bigserial PRIMARY KEY,
  file_id uuid NOT NULL REFERENCES charging_files (id),
  event_time timestamptz NOT NULL,
  event text NOT NULL,
  from_state smallint NOT NULL DEFAULT 0,
  to_state smallint NOT NULL,
  actor_id uuid REFERENCES users (id),
  detail text NOT NULL DEFAULT ''
);
CREATE INDEX charging_file_history_file_idx
  ON charging_file_history (file_id, event_time, id);

GRANT SELECT, INSERT, UPDATE, DELETE ON
  charging_files, charging_suspects, charging_proposed_offences,
  charging_advice, charging_action_items, charging_decisions,
  charging_decision_offences, charging_threshold_reviews,
  charging_ancillary_orders, charging_file_history
  TO casebridge_app;
GRANT USAGE ON SEQUENCE charging_file_history_id_seq TO casebridge_app;
