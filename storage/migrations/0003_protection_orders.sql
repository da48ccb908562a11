-- Stalking Protection Orders (storage/protection_order_repository.*).
--
-- One row per order and one row per child (hearing, application, appeal,
-- notification obligation, breach, terms version, history entry), each child
-- numbered 1, 2, ... within its order as the domain numbers it. Together they
-- hold everything domain::OrderFromProto needs to rebuild the order. Only
-- facts are stored: statuses that follow from dates alone (EXPIRED, a
-- notification due/overdue/lapsed, an application lapsed) are computed when
-- read. Terms versions and history are append-only: the runtime role may not
-- change or remove them.

-- Enum columns hold the casebridge.v1 enum numbers.
-- Durations: *_duration 0 = none, 1 = fixed (until *_end_date, inclusive, UK
-- days), 2 = until further order.
CREATE TABLE protection_orders (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  kind smallint NOT NULL CHECK (kind IN (1, 2)),
  -- The stored status: never EXPIRED (13), which is computed.
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 12),
  -- Interim orders: their main (full) application, of the same case.
  main_order_id uuid REFERENCES protection_orders (id),
  defendant text NOT NULL DEFAULT '',
  protected_persons text[] NOT NULL DEFAULT '{}',
  consideration_notes text NOT NULL DEFAULT '',
  not_pursued_reason text NOT NULL DEFAULT '',
  -- The draft, then the application as made (terms: protection_order_terms,
  -- list 1).
  proposed_duration smallint NOT NULL DEFAULT 0 CHECK (proposed_duration BETWEEN 0 AND 2),
  proposed_end_date date,
  court text NOT NULL DEFAULT '',
  grounds text NOT NULL DEFAULT '',
  application_date date,
  -- The decision on the application (outcome 0: none yet).
  decision_outcome smallint NOT NULL DEFAULT 0,
  decision_date date,
  decision_court text NOT NULL DEFAULT '',
  decision_reason text NOT NULL DEFAULT '',
  made_date date,
  service_time timestamptz,
  service_method text NOT NULL DEFAULT '',
  service_notes text NOT NULL DEFAULT '',
  notification_carried_from_interim boolean NOT NULL DEFAULT false,
  -- When the order stops (or stopped) having effect: the end of its fixed
  -- period, or of the day it was discharged, quashed or superseded. NULL
  -- until made, or while until further order.
  end_time timestamptz,
  created_by uuid REFERENCES users (id),
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  version bigint NOT NULL DEFAULT 1,
  CONSTRAINT protection_orders_interim_main
    CHECK ((kind = 2) = (main_order_id IS NOT NULL))
);
CREATE INDEX protection_orders_case_idx
  ON protection_orders (case_id, create_time, id);
CREATE INDEX protection_orders_list_idx ON protection_orders (create_time, id);
CREATE INDEX protection_orders_main_idx
  ON protection_orders (main_order_id) WHERE main_order_id IS NOT NULL;
CREATE INDEX protection_orders_made_idx
  ON protection_orders (made_date) WHERE made_date IS NOT NULL;

-- Terms, in order, of three kinds of list: 1 the order's draft/application
-- (list_id 0), 2 terms version `list_id`, 3 application `list_id`'s proposed
-- terms. Lists 2 and 3 are written once.
CREATE TABLE protection_order_terms (
  order_id uuid NOT NULL REFERENCES protection_orders (id),
  list smallint NOT NULL CHECK (list BETWEEN 1 AND 3),
  list_id int NOT NULL,
  ordinal int NOT NULL,
  kind smallint NOT NULL,
  text text NOT NULL,
  -- A geographic limit is present (its area may not be empty).
  has_limit boolean NOT NULL DEFAULT false,
  area text NOT NULL DEFAULT '',
  distance_metres int NOT NULL DEFAULT 0,
  PRIMARY KEY (order_id, list, list_id, ordinal)
);

-- Every version of what the order says; the latest is in force.
CREATE TABLE protection_order_terms_versions (
  order_id uuid NOT NULL REFERENCES protection_orders (id),
  version int NOT NULL CHECK (version >= 1),
  -- The last day in force; NULL: until further order.
  end_date date,
  effective_date date NOT NULL,
  made_by smallint NOT NULL,
  record_time timestamptz NOT NULL,
  PRIMARY KEY (order_id, version)
);

CREATE TABLE protection_order_hearings (
  order_id uuid NOT NULL REFERENCES protection_orders (id),
  id int NOT NULL,
  hearing_time timestamptz NOT NULL,
  court text NOT NULL,
  status smallint NOT NULL,
  adjournment_reason text NOT NULL DEFAULT '',
  purpose smallint NOT NULL,
  PRIMARY KEY (order_id, id)
);

-- Applications to vary, renew or discharge an order in force.
CREATE TABLE protection_order_applications (
  order_id uuid NOT NULL REFERENCES protection_orders (id),
  id int NOT NULL,
  type smallint NOT NULL,
  applicant smallint NOT NULL,
  application_date date NOT NULL,
  grounds text NOT NULL DEFAULT '',
  proposed_duration smallint NOT NULL DEFAULT 0 CHECK (proposed_duration BETWEEN 0 AND 2),
  proposed_end_date date,
  -- PENDING, GRANTED, REFUSED, WITHDRAWN (LAPSED is computed).
  status smallint NOT NULL,
  decision_outcome smallint NOT NULL DEFAULT 0,
  decision_date date,
  decision_court text NOT NULL DEFAULT '',
  decision_reason text NOT NULL DEFAULT '',
  PRIMARY KEY (order_id, id)
);

-- Appeals to the Crown Court (outcome 0 while pending).
CREATE TABLE protection_order_appeals (
  order_id uuid NOT NULL REFERENCES protection_orders (id),
  id int NOT NULL,
  appellant smallint NOT NULL,
  lodge_date date NOT NULL,
  court text NOT NULL,
  grounds text NOT NULL DEFAULT '',
  outcome smallint NOT NULL DEFAULT 0,
  decision_date date,
  decision_reason text NOT NULL DEFAULT '',
  PRIMARY KEY (order_id, id)
);

-- The defendant's 3-day duties to notify name(s) and home address, and the
-- notification that met each (notify_time NULL: not yet made).
CREATE TABLE protection_order_notifications (
  order_id uuid NOT NULL REFERENCES protection_orders (id),
  id int NOT NULL,
  trigger smallint NOT NULL,
  trigger_time timestamptz NOT NULL,
  due_time timestamptz NOT NULL,
  change_details text NOT NULL DEFAULT '',
  notify_time timestamptz,
  names text[] NOT NULL DEFAULT '{}',
  home_address text NOT NULL DEFAULT '',
  acknowledgement text NOT NULL DEFAULT '',
  PRIMARY KEY (order_id, id)
);
-- Overdue notifications: open obligations by due time.
CREATE INDEX protection_order_notifications_open_idx
  ON protection_order_notifications (due_time, order_id) WHERE notify_time IS NULL;

CREATE TABLE protection_order_breaches (
  order_id uuid NOT NULL REFERENCES protection_orders (id),
  id int NOT NULL,
  occur_time timestamptz NOT NULL,
  description text NOT NULL,
  -- An incident of the same case, if linked.
  incident_id uuid REFERENCES incidents (id),
  record_time timestamptz NOT NULL,
  -- The charging file opened for it (charging service), if any.
  charging_file_id uuid,
  PRIMARY KEY (order_id, id)
);

-- Every event of every order, oldest first.
CREATE TABLE protection_order_history (
  order_id uuid NOT NULL REFERENCES protection_orders (id),
  sequence bigint NOT NULL,
  event smallint NOT NULL,
  -- As read at the time (EXPIRED included).
  from_status smallint NOT NULL,
  to_status smallint NOT NULL,
  occur_time timestamptz,
  occur_date date,
  record_time timestamptz NOT NULL,
  actor_id uuid REFERENCES users (id),
  summary text NOT NULL,
  terms_version int NOT NULL DEFAULT 0,
  PRIMARY KEY (order_id, sequence)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON
  protection_orders, protection_order_terms, protection_order_hearings,
  protection_order_applications, protection_order_appeals,
  protection_order_notifications, protection_order_breaches
  TO casebridge_app;
-- Old terms versions and history are kept: append-only for the server.
GRANT SELECT, INSERT ON protection_order_terms_versions, protection_order_history
  TO casebridge_app;
