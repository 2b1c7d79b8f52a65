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
      }};
  return kSet;
}

}  // namespace sagaflow::storage
