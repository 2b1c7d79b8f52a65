// The workers' schema: each worker role's own data, separate from the orchestrator's tables
// (a deployment may point workers at another database). Append; never edit a released one.
#include "storage/migrations.hpp"

namespace sagaflow::storage {

const MigrationSet& WorkerMigrations() {
  static const MigrationSet kSet{
      "workers",
      {
          {1, "processed commands, catalog and inventory, payments, shipments", R"sql(
-- Idempotency store: the reply each command produced, replayed when the command comes again.
CREATE TABLE workers.processed_commands (
  command_id   uuid PRIMARY KEY,
  step         text NOT NULL,
  reply        text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE workers.products (
  sku         text PRIMARY KEY,
  name        text NOT NULL,
  spec        text NOT NULL DEFAULT '',
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  on_sale     boolean NOT NULL DEFAULT true,
  available   int NOT NULL CHECK (available >= 0),   -- the CHECK makes oversell impossible
  reserved    int NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  sold        int NOT NULL DEFAULT 0 CHECK (sold >= 0)
);

-- TCC reservations: try = reserved, confirm = confirmed, cancel = released.
CREATE TABLE workers.reservations (
  order_id   text NOT NULL,
  sku        text NOT NULL REFERENCES workers.products (sku),
  quantity   int NOT NULL CHECK (quantity > 0),
  status     text NOT NULL,
  expires_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (order_id, sku)
);

CREATE TABLE workers.payments (
  order_id     text PRIMARY KEY,
  payment_id   text NOT NULL,
  amount_cents bigint NOT NULL,
  pay_url      text NOT NULL,
  status       text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE workers.shipments (
  order_id        text PRIMARY KEY,
  carrier         text NOT NULL,
  tracking_number text NOT NULL,
  shipped_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
)sql"},
          {2, "promotions, coupons, points", R"sql(
-- Promotions: per sku (sku set) or per order over a threshold (sku NULL).
CREATE TABLE workers.promotions (
  id              text PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('percent', 'fixed')),
  value           bigint NOT NULL CHECK (value >= 0),   -- percent 0..100, or cents
  sku             text REFERENCES workers.products (sku),
  min_total_cents bigint NOT NULL DEFAULT 0,
  active          boolean NOT NULL DEFAULT true
);

-- User coupons: available → frozen (order placed) → consumed (paid), or back to available.
CREATE TABLE workers.coupons (
  id              text PRIMARY KEY,
  user_id         text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('percent', 'fixed')),
  value           bigint NOT NULL CHECK (value >= 0),
  min_spend_cents bigint NOT NULL DEFAULT 0,
  expires_at      timestamptz NOT NULL,
  status          text NOT NULL DEFAULT 'available',
  order_id        text
);

CREATE TABLE workers.points_accounts (
  user_id text PRIMARY KEY,
  balance bigint NOT NULL CHECK (balance >= 0),   -- spendable
  frozen  bigint NOT NULL DEFAULT 0 CHECK (frozen >= 0)
);

-- Points frozen for an order: frozen → consumed, or released.
CREATE TABLE workers.points_holds (
  order_id text PRIMARY KEY,
  user_id  text NOT NULL,
  points   bigint NOT NULL CHECK (points > 0),
  status   text NOT NULL
);
)sql"},
          {3, "when each command started", R"sql(
-- Set by the worker when it picks the command up (see migration 4).
ALTER TABLE workers.processed_commands ADD COLUMN started_at timestamptz;
)sql"},
          {4, "when the engine sent each command", R"sql(
-- From the command itself (the outbox row is deleted once published): sent_at → started_at
-- is the dispatch latency saga-bench reports. NULL for commands that did not say.
ALTER TABLE workers.processed_commands ADD COLUMN sent_at timestamptz;
)sql"},
          {5, "retention of stored replies", R"sql(
-- The retention sweeper deletes the oldest stored replies. processed_at grows with the
-- insertion order, so a BRIN index (a few pages, next to nothing per insert) finds them.
CREATE INDEX processed_commands_processed_at ON workers.processed_commands USING brin (processed_at);
)sql"},
          {6, "fences against a hold taken after its cancel", R"sql(
-- A cancel (inventory.release, coupon.unfreeze, points.unfreeze) that finds nothing held for
-- the order leaves a fence: the try it cancelled may still be on its way (the saga gave up
-- waiting for it), and when it comes it must take nothing. TCC's "empty rollback" and
-- "suspension" (Seata's tcc_fence_log). hold: 'inventory', 'coupon' or 'points'.
CREATE TABLE workers.hold_fences (
  order_id   text NOT NULL,
  hold       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (order_id, hold)
);
)sql"},
      }};
  return kSet;
}

}  // namespace sagaflow::storage
