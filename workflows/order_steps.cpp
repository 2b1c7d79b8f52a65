#include "workflows/order_steps.hpp"

#include "workflows/saga_workflow.hpp"

namespace sagaflow::workflows::order {
namespace {
Status RequireNonEmptyString(const json::object& obj, std::string_view key, const std::string& field) {
  auto value = GetString(obj, key, field);
  if (!value.ok()) return value.status();
  if (value->empty()) return Status::InvalidArgument(field, "must not be empty");
  return Status::Ok();
}

const json::object& Section(const json::object& context, std::string_view key) {
  static const json::object kEmpty;
  const json::object* section = ObjectOrNull(context, key);
  return section != nullptr ? *section : kEmpty;
}

json::value Field(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() ? json::value(nullptr) : it->value();
}
}  // namespace

Result<json::object> ValidateOrderInput(const json::object& input, const std::string& order_id) {
  SAGAFLOW_RETURN_IF_ERROR(RequireNonEmptyString(input, "user_id", "user_id"));
  auto items_it = input.find("items");
  if (items_it == input.end()) return Status::InvalidArgument("items", "is required");
  if (!items_it->value().is_array()) return Status::InvalidArgument("items", "must be an array");
  const json::array& items = items_it->value().as_array();
  if (items.empty()) return Status::InvalidArgument("items", "must not be empty");
  if (items.size() > 100) return Status::InvalidArgument("items", "must hold at most 100 lines");
  json::array clean_items;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string field = "items[" + std::to_string(i) + "]";
    if (!items[i].is_object()) return Status::InvalidArgument(field, "must be an object");
    const json::object& item = items[i].as_object();
    SAGAFLOW_RETURN_IF_ERROR(RequireNonEmptyString(item, "sku", field + ".sku"));
    auto quantity = GetInt(item, "quantity", field + ".quantity");
    if (!quantity.ok()) return quantity.status();
    if (quantity.value() <= 0) return Status::InvalidArgument(field + ".quantity", "must be greater than 0");
    if (quantity.value() > 10'000) return Status::InvalidArgument(field + ".quantity", "must be at most 10000");
    clean_items.push_back(json::object{{"sku", item.at("sku")}, {"quantity", quantity.value()}});
  }
  if (auto coupon = input.find("coupon_id"); coupon != input.end() && !coupon->value().is_string()) {
    return Status::InvalidArgument("coupon_id", "must be a string");
  }
  if (input.contains("points")) {
    auto points = GetInt(input, "points");
    if (!points.ok()) return points.status();
    if (points.value() < 0) return Status::InvalidArgument("points", "must be at least 0");
  }
  if (auto address = input.find("address"); address != input.end() && !address->value().is_object()) {
    return Status::InvalidArgument("address", "must be an object");
  }
  json::object context = input;
  context["items"] = std::move(clean_items);
  context["order_id"] = order_id;
  return context;
}

Status ValidateShipSignal(const json::object& payload) {
  SAGAFLOW_RETURN_IF_ERROR(RequireNonEmptyString(payload, "carrier", "carrier"));
  return RequireNonEmptyString(payload, "tracking_number", "tracking_number");
}

json::object PricePayload(const json::object& context) {
  return {{"order_id", context.at("order_id")},   {"user_id", Field(context, "user_id")},
          {"items", context.at("items")},         {"coupon_id", StringOr(context, "coupon_id")},
          {"points", IntOr(context, "points", 0)}};
}

json::object ReservePayload(const json::object& context) {
  return {{"order_id", context.at("order_id")}, {"items", context.at("items")}};
}

json::object CouponFreezePayload(const json::object& context) {
  const json::object& price = Section(context, "price");
  return {{"order_id", context.at("order_id")},
          {"user_id", Field(context, "user_id")},
          {"coupon_id", StringOr(context, "coupon_id")},
          {"spend_cents", IntOr(price, "base_cents", 0) - IntOr(price, "promotion_cents", 0)}};
}

json::object PointsFreezePayload(const json::object& context) {
  return {{"order_id", context.at("order_id")},
          {"user_id", Field(context, "user_id")},
          {"points", IntOr(Section(context, "price"), "points_used", 0)}};
}

json::object CreatePaymentPayload(const json::object& context) {
  return {{"order_id", context.at("order_id")}, {"amount_cents", IntOr(context, "amount_cents", 0)}};
}

json::object PaymentQueryPayload(const json::object& context) {
  return {{"order_id", context.at("order_id")}, {"payment_id", StringOr(Section(context, "payment"), "payment_id")}};
}

json::object RefundPayload(const json::object& context) {
  const json::object& payment = Section(context, "payment");
  return {{"order_id", context.at("order_id")},
          {"payment_id", StringOr(payment, "payment_id")},
          {"amount_cents", IntOr(payment, "amount_cents", IntOr(context, "amount_cents", 0))}};
}

json::object OrderOnlyPayload(const json::object& context) { return {{"order_id", context.at("order_id")}}; }

json::object RecordShipmentPayload(const json::object& context) {
  const json::object& shipment = Section(context, "shipment");
  json::object payload{{"order_id", context.at("order_id")},
                       {"carrier", StringOr(shipment, "carrier")},
                       {"tracking_number", StringOr(shipment, "tracking_number")}};
  if (auto address = context.find("address"); address != context.end()) payload["address"] = address->value();
  return payload;
}

json::object CancellationInput(const json::object& context) {
  return {{"order_id", context.at("order_id")},
          {"user_id", Field(context, "user_id")},
          {"reason", StringOr(context, "cancel_reason", "user")},
          {"payment_id", StringOr(Section(context, "payment"), "payment_id")},
          {"coupon", UsesCoupon(context)},
          {"points", UsesPoints(context)}};
}

bool UsesCoupon(const json::object& context) { return !StringOr(context, "coupon_id").empty(); }

bool UsesPoints(const json::object& context) { return IntOr(Section(context, "price"), "points_used", 0) > 0; }

bool AmountMatches(const json::object& context, const json::object& payment) {
  return IntOr(payment, "amount_cents", -1) == IntOr(context, "amount_cents", -2);
}

bool HasPaymentToRefund(const json::object& context) {
  const std::string status = StringOr(Section(context, "payment"), "status");
  return status == "paid" && !context.contains("refund");
}

bool PaymentQueriesLeft(const json::object& context, const OrderOptions& options) {
  return IntOr(context, "payment_queries", 0) * options.payment_query_interval.count() <
         options.payment_query_max.count();
}

void Remember(json::object& context, std::string_view section, const json::object& from) {
  json::value& slot = context[section];
  if (!slot.is_object()) slot = json::object{};
  for (const auto& [key, value] : from) slot.as_object()[key] = value;
}

void RememberFailure(json::object& context, const json::object& failure) { context["failure"] = failure; }

void PushUndo(json::object& context, std::string_view step) {
  json::value& undo = context["undo"];
  if (!undo.is_array()) undo = json::array{};
  undo.as_array().emplace_back(step);
}

bool OutcomeUnknown(const json::object& failure) { return StringOr(failure, "code") == kRetriesExhausted; }

void PushUndoOfUncertainHold(json::object& context, const json::object& failure) {
  if (!OutcomeUnknown(failure)) return;
  static constexpr std::pair<std::string_view, std::string_view> kCancelOf[] = {
      {"inventory.reserve", "inventory.release"},
      {"coupon.freeze", "coupon.unfreeze"},
      {"points.freeze", "points.unfreeze"},
      {"payment.create", "payment.close"}};
  const std::string step = StringOr(failure, "step");
  for (const auto& [hold, cancel] : kCancelOf) {
    if (step == hold) return PushUndo(context, cancel);
  }
}

std::string PopUndo(json::object& context) {
  auto it = context.find("undo");
  if (it == context.end() || !it->value().is_array() || it->value().as_array().empty()) return {};
  json::array& undo = it->value().as_array();
  std::string step(undo.back().as_string());
  undo.pop_back();
  return step;
}

bool HasUndo(const json::object& context) {
  auto it = context.find("undo");
  return it != context.end() && it->value().is_array() && !it->value().as_array().empty();
}

json::object EnterOrderState(json::object& context, std::string_view state) {
  context["order_state"] = state;
  return OrderEventBody(context, state);
}

json::object OrderEventBody(const json::object& context, std::string_view state) {
  json::object body{{"order_id", context.at("order_id")}, {"state", state}};
  if (auto user = context.find("user_id"); user != context.end()) body["user_id"] = user->value();
  if (auto amount = context.find("amount_cents"); amount != context.end()) body["amount_cents"] = amount->value();
  // The shop sends its buyer to the payment page when it hears the order exists.
  if (const json::object* payment = ObjectOrNull(context, "payment"); payment != nullptr && state == "created") {
    if (auto url = payment->find("pay_url"); url != payment->end()) body["pay_url"] = url->value();
  }
  return body;
}

}  // namespace sagaflow::workflows::order
