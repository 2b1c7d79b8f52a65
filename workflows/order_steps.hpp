#pragma once
// The order saga's data rules, kept out of the MSM translation unit so they are cheap to
// compile and test: start-request validation, step payloads and context updates.

#include "common/json.hpp"
#include "common/status.hpp"

namespace sagaflow::workflows::order {

//! Validates POST /v1/orders: user_id, items[{sku, quantity>0}], coupon_id?, points>=0?,
//! address? object. InvalidArgument names the field ("items[1].quantity"). Returns the
//! initial context: the input plus "order_id".
Result<json::object> ValidateOrderInput(const json::object& input, const std::string& order_id);
//! Validates the payload of signal.ship: carrier and tracking_number, non-empty strings.
Status ValidateShipSignal(const json::object& payload);

json::object ReservePayload(const json::object& context);
json::object CreatePaymentPayload(const json::object& context);
//! confirm and release both name just the order.
json::object OrderOnlyPayload(const json::object& context);
json::object RecordShipmentPayload(const json::object& context);

//! Stores `from` as `context[section]`, merged over what is there.
void Remember(json::object& context, std::string_view section, const json::object& from);
//! context["failure"] = {step, code, message} from a failed reply's payload.
void RememberFailure(json::object& context, const json::object& failure);
//! The domain event body for the order (order_id, user_id, amount_cents, state).
json::object OrderEventBody(const json::object& context, std::string_view state);

}  // namespace sagaflow::workflows::order
