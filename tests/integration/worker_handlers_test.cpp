// The worker-side services' own rules, called directly against a real database (no broker):
// TCC transitions of inventory, coupon and points holds refuse what the protocol forbids,
// and a refused step leaves nothing behind.

#include <gtest/gtest.h>

#include "common/ids.hpp"
#include "tests/integration/saga_cluster.hpp"
#include "workers/handlers/benefit_handlers.hpp"
#include "workers/handlers/catalog_handlers.hpp"
#include "workers/handlers/inventory_handlers.hpp"
#include "workers/handlers/payment_handlers.hpp"

namespace sagaflow::test {
namespace {

class WorkerHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SAGAFLOW_REQUIRE_SERVERS();
    cluster_ = std::make_unique<SagaCluster>();
    cluster_->AddProduct("tea", 1200, 10);
    cluster_->AddProduct("cup", 800, 1);
    auto db = storage::PgConnection::Connect(cluster_->db_url());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db.value());
    handlers_ = workers::InventoryHandlers(workers::InventoryOptions{});
    handlers_.merge(workers::CouponHandlers());
    handlers_.merge(workers::PointsHandlers());
    handlers_.merge(workers::CatalogHandlers(workers::CatalogOptions{}));
    // No channel: the payment steps here never get as far as calling one.
    handlers_.merge(workers::PaymentHandlers(workers::PaymentOptions{}));
  }

  //! Runs one step the way the runtime does: in a transaction, rolled back if refused.
  Result<json::object> Run(const std::string& step, json::object payload) {
    wire::Command command{NewUuid(), NewUuid(), "order", step, 1, std::move(payload)};
    EXPECT_TRUE(db_->Begin().ok());
    auto result = handlers_.at(step)->Execute(*db_, command);
    EXPECT_TRUE((result.ok() ? db_->Commit() : db_->Rollback()).ok());
    return result;
  }
  static json::object Order(const std::string& order_id) { return {{"order_id", order_id}}; }
  std::int64_t Int(const std::string& sql) { return cluster_->Query(sql).GetInt(0, 0); }

  std::unique_ptr<SagaCluster> cluster_;
  std::unique_ptr<storage::PgConnection> db_;
  workers::HandlerMap handlers_;
};

TEST_F(WorkerHandlersTest, ReservationOfSeveralLinesIsAllOrNothing) {
  json::object order{{"order_id", "o-1"},
                     {"items", json::array{json::object{{"sku", "tea"}, {"quantity", 2}},
                                           json::object{{"sku", "cup"}, {"quantity", 2}}}}};
  auto refused = Run("inventory.reserve", order);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("insufficient_stock"), std::string::npos);
  EXPECT_EQ(Int("SELECT available FROM workers.products WHERE sku = 'tea'"), 10);
  EXPECT_EQ(Int("SELECT count(*) FROM workers.reservations"), 0);

  order["items"].as_array()[1].as_object()["quantity"] = 1;
  auto reserved = Run("inventory.reserve", order);
  ASSERT_TRUE(reserved.ok()) << reserved.status().ToString();
  EXPECT_EQ(IntOr(reserved.value(), "amount_cents", 0), 2 * 1200 + 800);
  EXPECT_EQ(Int("SELECT available FROM workers.products WHERE sku = 'cup'"), 0);
}

TEST_F(WorkerHandlersTest, PricingLooksUpEveryLineWhateverItsSkuHolds) {
  const std::string odd = R"(odd "sku", {with} \ 'quotes')";
  cluster_->AddProduct(odd, 250, 5);
  cluster_->AddProduct("retired", 100, 5, /*on_sale=*/false);
  json::object order{{"order_id", "o-price"},
                     {"items", json::array{json::object{{"sku", "tea"}, {"quantity", 2}},
                                           json::object{{"sku", odd}, {"quantity", 3}}}}};
  auto priced = Run("catalog.price", order);
  ASSERT_TRUE(priced.ok()) << priced.status().ToString();
  EXPECT_EQ(IntOr(priced.value(), "base_cents", 0), 2 * 1200 + 3 * 250);
  EXPECT_EQ(IntOr(priced.value(), "total_cents", 0), 2 * 1200 + 3 * 250);
  const json::array& lines = priced->at("lines").as_array();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(StringOr(lines[1].as_object(), "sku"), odd);
  EXPECT_EQ(IntOr(lines[1].as_object(), "unit_price_cents", 0), 250);

  order["items"].as_array().push_back(json::object{{"sku", "nope"}, {"quantity", 1}});
  auto unknown = Run("catalog.price", order);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown_sku"), std::string::npos) << unknown.status().ToString();
  order["items"].as_array().back().as_object()["sku"] = "retired";
  auto retired = Run("catalog.price", order);
  ASSERT_FALSE(retired.ok());
  EXPECT_NE(retired.status().message().find("not_on_sale"), std::string::npos) << retired.status().ToString();
}

TEST_F(WorkerHandlersTest, ConfirmAfterReleaseAndReleaseAfterConfirmAreRefused) {
  const json::object line{{"sku", "tea"}, {"quantity", 3}};
  ASSERT_TRUE(Run("inventory.reserve", {{"order_id", "o-released"}, {"items", json::array{line}}}).ok());
  ASSERT_TRUE(Run("inventory.release", Order("o-released")).ok());
  auto confirm = Run("inventory.confirm", Order("o-released"));
  ASSERT_FALSE(confirm.ok());
  EXPECT_NE(confirm.status().message().find("already_released"), std::string::npos);

  ASSERT_TRUE(Run("inventory.reserve", {{"order_id", "o-confirmed"}, {"items", json::array{line}}}).ok());
  ASSERT_TRUE(Run("inventory.confirm", Order("o-confirmed")).ok());
  auto release = Run("inventory.release", Order("o-confirmed"));
  ASSERT_FALSE(release.ok());
  EXPECT_NE(release.status().message().find("already_confirmed"), std::string::npos);

  EXPECT_EQ(Int("SELECT available FROM workers.products WHERE sku = 'tea'"), 7);
  EXPECT_EQ(Int("SELECT reserved FROM workers.products WHERE sku = 'tea'"), 0);
  EXPECT_EQ(Int("SELECT sold FROM workers.products WHERE sku = 'tea'"), 3);
}

TEST_F(WorkerHandlersTest, CouponHoldFollowsItsProtocol) {
  cluster_->AddCoupon("c-1", "bob", "fixed", 300, 1000);
  const json::object freeze{{"order_id", "o-1"}, {"user_id", "bob"}, {"coupon_id", "c-1"}, {"spend_cents", 5000}};
  auto wrong_user = Run("coupon.freeze", {{"order_id", "o-1"}, {"user_id", "eve"}, {"coupon_id", "c-1"}});
  ASSERT_FALSE(wrong_user.ok());
  EXPECT_NE(wrong_user.status().message().find("coupon_not_found"), std::string::npos);
  auto too_small = Run("coupon.freeze", {{"order_id", "o-1"}, {"user_id", "bob"}, {"coupon_id", "c-1"}, {"spend_cents", 999}});
  ASSERT_FALSE(too_small.ok());
  EXPECT_NE(too_small.status().message().find("coupon_min_spend"), std::string::npos);

  ASSERT_TRUE(Run("coupon.freeze", freeze).ok());
  auto other_order = Run("coupon.freeze", {{"order_id", "o-2"}, {"user_id", "bob"}, {"coupon_id", "c-1"}, {"spend_cents", 5000}});
  ASSERT_FALSE(other_order.ok());
  EXPECT_NE(other_order.status().message().find("coupon_unavailable"), std::string::npos);
  ASSERT_TRUE(Run("coupon.consume", Order("o-1")).ok());
  auto unfreeze = Run("coupon.unfreeze", Order("o-1"));
  ASSERT_FALSE(unfreeze.ok());
  EXPECT_NE(unfreeze.status().message().find("coupon_consumed"), std::string::npos);
  EXPECT_EQ(cluster_->Query("SELECT status FROM workers.coupons WHERE id = 'c-1'").Get(0, 0), "consumed");
}

TEST_F(WorkerHandlersTest, PointsHoldFollowsItsProtocol) {
  cluster_->SetPoints("bob", 300);
  auto short_points = Run("points.freeze", {{"order_id", "o-1"}, {"user_id", "bob"}, {"points", 301}});
  ASSERT_FALSE(short_points.ok());
  EXPECT_NE(short_points.status().message().find("insufficient_points"), std::string::npos);

  ASSERT_TRUE(Run("points.freeze", {{"order_id", "o-1"}, {"user_id", "bob"}, {"points", 200}}).ok());
  EXPECT_EQ(Int("SELECT balance FROM workers.points_accounts WHERE user_id = 'bob'"), 100);
  ASSERT_TRUE(Run("points.unfreeze", Order("o-1")).ok());
  EXPECT_EQ(Int("SELECT balance FROM workers.points_accounts WHERE user_id = 'bob'"), 300);
  auto consume = Run("points.consume", Order("o-1"));
  ASSERT_FALSE(consume.ok());
  EXPECT_NE(consume.status().message().find("points_released"), std::string::npos);
  EXPECT_EQ(Int("SELECT frozen FROM workers.points_accounts WHERE user_id = 'bob'"), 0);
}

// The saga gave up waiting for a hold's reply and cancelled it, and the try arrives only then
// (held up in a broker that was down): the cancel found nothing, so it fenced the order, and
// the late try takes nothing (TCC's empty rollback and suspension).
TEST_F(WorkerHandlersTest, HoldTakenAfterItsCancelTakesNothing) {
  const json::object line{{"sku", "tea"}, {"quantity", 3}};
  auto released = Run("inventory.release", Order("o-late"));
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_EQ(IntOr(released.value(), "lines", -1), 0);
  auto reserve = Run("inventory.reserve", {{"order_id", "o-late"}, {"items", json::array{line}}});
  ASSERT_FALSE(reserve.ok());
  EXPECT_NE(reserve.status().message().find("cancelled_before_hold"), std::string::npos) << reserve.status().ToString();
  EXPECT_EQ(Int("SELECT available FROM workers.products WHERE sku = 'tea'"), 10);
  EXPECT_EQ(Int("SELECT reserved FROM workers.products WHERE sku = 'tea'"), 0);
  EXPECT_EQ(Int("SELECT count(*) FROM workers.reservations WHERE order_id = 'o-late'"), 0);
  // Another order is not fenced.
  ASSERT_TRUE(Run("inventory.reserve", {{"order_id", "o-other"}, {"items", json::array{line}}}).ok());

  cluster_->AddCoupon("c-late", "bob", "fixed", 300, 1000);
  ASSERT_TRUE(Run("coupon.unfreeze", Order("o-late")).ok());
  auto freeze = Run("coupon.freeze", {{"order_id", "o-late"}, {"user_id", "bob"}, {"coupon_id", "c-late"}, {"spend_cents", 5000}});
  ASSERT_FALSE(freeze.ok());
  EXPECT_NE(freeze.status().message().find("cancelled_before_hold"), std::string::npos) << freeze.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM workers.coupons WHERE id = 'c-late' AND status = 'available'"), 1);

  cluster_->SetPoints("bob", 300);
  ASSERT_TRUE(Run("points.unfreeze", Order("o-late")).ok());
  auto points = Run("points.freeze", {{"order_id", "o-late"}, {"user_id", "bob"}, {"points", 200}});
  ASSERT_FALSE(points.ok());
  EXPECT_NE(points.status().message().find("cancelled_before_hold"), std::string::npos) << points.status().ToString();
  EXPECT_EQ(Int("SELECT balance FROM workers.points_accounts WHERE user_id = 'bob'"), 300);

  // A payment.create that got no reply and recorded no payment order: nothing to close.
  auto closed = Run("payment.close", Order("o-late"));
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(StringOr(closed.value(), "status"), "nothing_to_close");
}

}  // namespace
}  // namespace sagaflow::test
