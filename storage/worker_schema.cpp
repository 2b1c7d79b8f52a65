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
      }};
  return kSet;
}

}  // namespace sagaflow::storage
