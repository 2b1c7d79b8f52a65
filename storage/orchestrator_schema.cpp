// The orchestrator's schema. Append new migrations; never edit a released one.
#include "storage/migrations.hpp"

namespace sagaflow::storage {

const MigrationSet& OrchestratorMigrations() {
  static const MigrationSet kSet{
      "sagaflow",
      {
          {1, "sagas, history, outbox, inbox, timers", R"sql(
CREATE TABLE sagaflow.sagas (
  id                 uuid PRIMARY KEY,
  type               text NOT NULL,
  business_key       text NOT NULL,            -- the order id for order sagas
  state              text NOT NULL,            -- MSM state name, never its numeric id
  status             text NOT NULL,            -- running|waiting|completed|compensated|failed|stuck
  version            bigint NOT NULL,          -- bumped by every change; equals the last history seq
  idempotency_key    text,
  request_hash       text,
  input              jsonb NOT NULL,
  context            jsonb NOT NULL,
  pending_command_id uuid,                     -- the step in flight, if any
  pending_step       text,
  pending_payload    jsonb,
  pending_attempt    int NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The last guard against duplicate sagas: one saga per (type, idempotency key).
CREATE UNIQUE INDEX sagas_idempotency_key ON sagaflow.sagas (type, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX sagas_business_key ON sagaflow.sagas (business_key);
CREATE INDEX sagas_status_updated ON sagaflow.sagas (status, updated_at);

CREATE TABLE sagaflow.saga_history (
  saga_id    uuid NOT NULL REFERENCES sagaflow.sagas (id),
  seq        bigint NOT NULL,
  event      text NOT NULL,
  from_state text,
  to_state   text NOT NULL,
  payload    jsonb NOT NULL DEFAULT '{}',
  at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (saga_id, seq)
);

CREATE TABLE sagaflow.outbox (
  id          bigserial PRIMARY KEY,
  message_id  uuid NOT NULL,                   -- the command id: equal across retries of a step
  exchange    text NOT NULL,
  routing_key text NOT NULL,
  saga_id     uuid,
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  sent_at     timestamptz
);
CREATE INDEX outbox_unsent ON sagaflow.outbox (id) WHERE sent_at IS NULL;

CREATE TABLE sagaflow.inbox (
  message_id  uuid PRIMARY KEY,
  saga_id     uuid,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE sagaflow.timers (
  saga_id uuid NOT NULL REFERENCES sagaflow.sagas (id),
  name    text NOT NULL,
  fire_at timestamptz NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (saga_id, name)
);
CREATE INDEX timers_fire_at ON sagaflow.timers (fire_at);
)sql"},
          {2, "child sagas", R"sql(
-- A saga started by another (an order's cancellation); the parent hears when it ends.
ALTER TABLE sagaflow.sagas ADD COLUMN parent_id uuid REFERENCES sagaflow.sagas (id);
CREATE INDEX sagas_parent ON sagaflow.sagas (parent_id) WHERE parent_id IS NOT NULL;
)sql"},
          {3, "throughput: row-count check for pipelined writes, HOT saga updates", R"sql(
-- Deferred (pipelined) writes cannot look at their row count before the COMMIT that follows
-- them in the same round trip, so the check runs on the server: a mismatch raises a
-- serialization failure, which aborts the transaction and makes the engine retry it.
CREATE FUNCTION sagaflow.expect_one_row(written bigint, what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF written <> 1 THEN
    RAISE EXCEPTION '% (% rows written)', what, written USING ERRCODE = 'serialization_failure';
  END IF;
END
$$;

-- Every event updates its saga row. With updated_at indexed, no update was HOT: each one
-- wrote a new entry into every index of the table. Lists order by created_at instead.
DROP INDEX sagaflow.sagas_status_updated;
CREATE INDEX sagas_created ON sagaflow.sagas (created_at);
-- Room on each page for the new row versions HOT updates write next to the old ones.
ALTER TABLE sagaflow.sagas SET (fillfactor = 70);
-- History and timers are written only for the saga row the same transaction has just read;
-- the foreign keys cost a lookup and a row lock on every insert.
ALTER TABLE sagaflow.saga_history DROP CONSTRAINT saga_history_saga_id_fkey;
ALTER TABLE sagaflow.timers DROP CONSTRAINT timers_saga_id_fkey;
)sql"},
          {4, "lazy step timers: when the pending step was sent", R"sql(
-- The step timer is no longer moved at every dispatch and deleted at every answer: one
-- 'step' timer row per saga with work in flight, checked against this when it fires.
-- Not indexed, so saga updates stay HOT. NULL: unknown (the step was sent before this).
ALTER TABLE sagaflow.sagas ADD COLUMN pending_sent_at_ms bigint;
)sql"},
          {5, "outbox rows are deleted once published", R"sql(
-- The relay deletes a row once the broker has confirmed it, instead of marking it sent:
-- the outbox no longer grows without end, and every row in it is unsent, so the sweep needs
-- no partial index (whose predicate column made each mark a non-HOT update).
DELETE FROM sagaflow.outbox WHERE sent_at IS NOT NULL;
DROP INDEX sagaflow.outbox_unsent;
ALTER TABLE sagaflow.outbox DROP COLUMN sent_at;
)sql"},
      }};
  return kSet;
}

}  // namespace sagaflow::storage
