// shop-demo: a shop's backend placing one order through sagaflow and playing the other
// parties (the buyer paying at the payment channel, the merchant shipping, the buyer
// confirming receipt). Prints each step and, last, the saga id on a line of its own.
//
//   shop-demo --url http://127.0.0.1:18080 --sku tea-oolong --quantity 2

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <thread>

#include "common/http/http_client.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

namespace {

using sagaflow::json::object;

//! Calls `url`; exits the demo with a message on any failure.
object CallOrDie(std::string_view method, const std::string& url, const std::string& body = {},
                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  auto response = sagaflow::http::HttpCall(method, url, body, headers);
  if (!response.ok()) {
    std::cerr << "shop-demo: " << method << " " << url << ": " << response.status().message() << std::endl;
    std::exit(1);
  }
  auto parsed = sagaflow::ParseJsonObject(response->body);
  if (response->status >= 300 || !parsed.ok()) {
    std::cerr << "shop-demo: " << method << " " << url << " answered " << response->status << ": " << response->body
              << std::endl;
    std::exit(1);
  }
  return parsed.value();
}

//! Polls the saga until it reaches `state` (30 s at most).
object AwaitState(const std::string& base, const std::string& saga_id, std::string_view state) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    object saga = CallOrDie("GET", base + "/v1/sagas/" + saga_id);
    if (sagaflow::StringOr(saga, "state") == state) return saga;
    const std::string status = sagaflow::StringOr(saga, "status");
    if (status == "compensated" || status == "failed" || status == "stuck" ||
        std::chrono::steady_clock::now() > deadline) {
      std::cerr << "shop-demo: saga " << saga_id << " is " << sagaflow::StringOr(saga, "state") << " (" << status
                << "), not " << state << std::endl;
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a client polling a remote API
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shop-demo: place one order through sagaflow and see it through"};
  std::string base = "http://127.0.0.1:18080";
  std::string sku = "tea-oolong";
  int quantity = 2;
  std::string coupon = "WELCOME-15";
  int points = 500;
  app.add_option("--url", base, "sagad base URL");
  app.add_option("--coupon", coupon, "coupon id (empty: none)");
  app.add_option("--points", points, "points to spend");
  app.add_option("--sku", sku);
  app.add_option("--quantity", quantity);
  CLI11_PARSE(app, argc, argv);

  object order{{"user_id", "user-42"},
               {"items", sagaflow::json::array{object{{"sku", sku}, {"quantity", quantity}}}},
               {"points", points},
               {"address", object{{"city", "Hangzhou"}, {"line1", "1 West Lake Rd"}}}};
  if (!coupon.empty()) order["coupon_id"] = coupon;
  object placed = CallOrDie("POST", base + "/v1/orders", sagaflow::ToJson(order),
                            {{"Idempotency-Key", "demo-" + sagaflow::NewUuid()}});
  const std::string saga_id = sagaflow::StringOr(placed, "saga_id");
  std::cout << "shop:     placed order " << sagaflow::StringOr(placed, "order_id") << " (saga " << saga_id << ")\n";

  object saga = AwaitState(base, saga_id, "awaiting_payment");
  const object& context = *sagaflow::ObjectOrNull(saga, "context");
  const object& price = *sagaflow::ObjectOrNull(context, "price");
  auto cents = [&](std::string_view key) { return sagaflow::IntOr(price, key, 0); };
  std::cout << "sagad:    priced: " << cents("base_cents") << " - promotions " << cents("promotion_cents")
            << " - coupon " << cents("coupon_cents") << " - points " << cents("points_cents") << " = "
            << cents("total_cents") << " cents; stock, coupon and points held\n";
  const object& payment = *sagaflow::ObjectOrNull(context, "payment");
  const std::string pay_url = sagaflow::StringOr(payment, "pay_url");
  std::cout << "shop:     pay " << sagaflow::IntOr(payment, "amount_cents", 0) << " cents at " << pay_url << "\n";

  CallOrDie("POST", pay_url);
  std::cout << "buyer:    paid at the payment channel (it calls sagad back, signed)\n";
  AwaitState(base, saga_id, "awaiting_shipment");
  std::cout << "sagad:    payment verified; stock deducted, coupon and points consumed\n";

  CallOrDie("POST", base + "/v1/sagas/" + saga_id + "/signals/ship",
            sagaflow::ToJson(object{{"carrier", "SF Express"}, {"tracking_number", "SF1234567890"}}));
  std::cout << "merchant: shipped with SF Express, tracking SF1234567890\n";
  AwaitState(base, saga_id, "awaiting_receipt");

  CallOrDie("POST", base + "/v1/sagas/" + saga_id + "/signals/receive", "{}");
  std::cout << "buyer:    confirmed receipt\n";
  AwaitState(base, saga_id, "completed");
  std::cout << "sagad:    order completed\n" << saga_id << std::endl;
  return 0;
}
