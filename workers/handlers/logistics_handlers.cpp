#include "workers/handlers/logistics_handlers.hpp"

namespace sagaflow::workers {
namespace {

class RecordShipmentHandler final : public StepHandler {
 public:
  Result<json::object> Execute(storage::PgConnection& db, const wire::Command& command) override {
    auto order_id = GetString(command.payload, "order_id");
    if (!order_id.ok()) return order_id.status();
    auto carrier = GetString(command.payload, "carrier");
    if (!carrier.ok()) return carrier.status();
    auto tracking = GetString(command.payload, "tracking_number");
    if (!tracking.ok()) return tracking.status();
    // A second shipment record for one order keeps the first: the order ships once.
    auto row = db.Exec(
        "WITH inserted AS (INSERT INTO workers.shipments (order_id, carrier, tracking_number) VALUES ($1, $2, $3)"
        " ON CONFLICT (order_id) DO NOTHING RETURNING carrier, tracking_number, shipped_at)"
        " SELECT carrier, tracking_number, to_char(shipped_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM inserted"
        " UNION ALL SELECT carrier, tracking_number, to_char(shipped_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        " FROM workers.shipments WHERE order_id = $1 LIMIT 1",
        {order_id.value(), carrier.value(), tracking.value()});
    if (!row.ok()) return row.status();
    return json::object{{"carrier", row->Get(0, 0)}, {"tracking_number", row->Get(0, 1)}, {"shipped_at", row->Get(0, 2)}};
  }
};

}  // namespace

HandlerMap LogisticsHandlers() {
  HandlerMap handlers;
  handlers.emplace("logistics.record_shipment", std::make_unique<RecordShipmentHandler>());
  return handlers;
}

}  // namespace sagaflow::workers
