#pragma once
// The order saga's data rules, kept out of the MSM translation unit so they are cheap to
// compile and test: start-request validation, step payloads, context updates and the
// facts the machine's guards ask about.

#include <chrono>

#include "common/json.hpp"
#include "common/status.hpp"

namespace sagaflow::workflows::order {

//! Timers of the order saga (config block "order"):
//!
//! | key                    | description                                              | default |
//! |------------------------|----------------------------------------------------------|---------|
//! | payment_window         | unpaid this long after the payment order: auto-cancel    | 15m     |
//! | payment_query_interval | how often to ask the channel while awaiting payment      | 60s     |
//! | payment_query_max      | stop asking after this long                              | 30m     |
//! | auto_confirm_after     | a shipped order counts as received after this long       | 168h    |
struct OrderOptions {
  std::chrono::milliseconds payment_window{std::chrono::minutes(15)};
  std::chrono::milliseconds payment_query_interval{std::chrono::seconds(60)};
  std::chrono::milliseconds payment_query_max{std::chrono::minutes(30)};
  std::chrono::milliseconds auto_confirm_after{std::chrono::hours(168)};
};

//! Validates POST /v1/orders: user_id, items[{sku, quantity>0}], coupon_id?, points>=0?,
//! address? object. InvalidArgument names the field ("items[1].quantity"). Returns the
//! initial context: the input plus "order_id".
Result<json::object> ValidateOrderInput(const json::object& input, const std::string& order_id);
//! Validates the payload of signal.ship: carrier and tracking_number, non-empty strings.
Status ValidateShipSignal(const json::object& payload);

// ---- Step payloads ------------------------------------------------------------------------
json::object PricePayload(const json::object& context);
json::object ReservePayload(const json::object& context);
json::object CouponFreezePayload(const json::object& context);
json::object PointsFreezePayload(const json::object& context);
json::object CreatePaymentPayload(const json::object& context);
json::object PaymentQueryPayload(const json::object& context);
json::object RefundPayload(const json::object& context);
//! Steps that only name the order (confirm, release, consume, unfreeze).
json::object OrderOnlyPayload(const json::object& context);
json::object RecordShipmentPayload(const json::object& context);
//! Input of the cancellation saga this order starts.
json::object CancellationInput(const json::object& context);

// ---- Facts for guards ----------------------------------------------------------------------
bool UsesCoupon(const json::object& context);
//! Points are frozen only if pricing decided to spend some.
bool UsesPoints(const json::object& context);
//! The payment's amount equals the order's total.
bool AmountMatches(const json::object& context, const json::object& payment);
//! The order holds a payment it must refund (paid before the close, or paid late).
bool HasPaymentToRefund(const json::object& context);
//! Another active payment query fits in payment_query_max.
bool PaymentQueriesLeft(const json::object& context, const OrderOptions& options);

// ---- Context updates -----------------------------------------------------------------------
//! Stores `from` as `context[section]`, merged over what is there.
void Remember(json::object& context, std::string_view section, const json::object& from);
//! context["failure"] = {step, code, message} from a failed step's payload.
void RememberFailure(json::object& context, const json::object& failure);
//! Pushes a compensation step onto context["undo"].
void PushUndo(json::object& context, std::string_view step);
//! Whether a failed step may have taken effect all the same: the engine gave up waiting for
//! its reply (code `retries_exhausted`), so the command may still run, or may have run with
//! its reply lost. A refusal (any other code) took nothing.
bool OutcomeUnknown(const json::object& failure);
//! For a hold step whose outcome is unknown (inventory.reserve, coupon.freeze, points.freeze,
//! payment.create), pushes its own cancel: the hold may exist, or may yet be taken. The
//! cancel releases what is there; for the three holds it also fences the order so that a
//! try still on its way takes nothing (workers/handlers/hold_checks.hpp). A payment order
//! opened after its close is not fenced: the buyer never got its pay_url, and it expires.
void PushUndoOfUncertainHold(json::object& context, const json::object& failure);
//! Pops the last compensation step; empty when none is left.
std::string PopUndo(json::object& context);
bool HasUndo(const json::object& context);
//! The domain event body for the order (order_id, user_id, amount_cents, state).
json::object OrderEventBody(const json::object& context, std::string_view state);
//! Moves the order's business state (context.order_state: created, paid, shipped,
//! completed, cancelled, failed) and returns the event body announcing it.
json::object EnterOrderState(json::object& context, std::string_view state);

}  // namespace sagaflow::workflows::order
