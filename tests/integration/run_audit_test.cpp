// saga-bench's audit (bench/run_audit.hpp) on tables written by hand: a run whose orders each
// took effect once passes, and every way an order can be lost or applied twice is named.

#include "bench/run_audit.hpp"

#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include "tests/integration/database_test.hpp"

namespace sagaflow::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kStock = 10;

class RunAuditTest : public OrchestratorSchemaTest {
 protected:
  void SetUp() override {
    OrchestratorSchemaTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(storage::ApplyMigrations(*conn_, storage::WorkerMigrations()).ok());
    Sql("INSERT INTO workers.products (sku, name, price_cents, available) VALUES ('a', 'a', 100, $1), ('b', 'b', 100, $1)",
        {std::to_string(kStock)});
  }

  void Sql(const std::string& sql, const std::vector<storage::PgParam>& params = {}) {
    auto done = conn_->Exec(sql, params);
    ASSERT_TRUE(done.ok()) << done.status().ToString() << "\n" << sql;
  }

  //! What one completed order leaves behind: its saga, a confirmed reservation of one unit
  //! (moved from available to sold), a payment and a shipment.
  void CompletedOrder(const std::string& order_id, const std::string& sku) {
    Sql("INSERT INTO sagaflow.sagas (id, type, business_key, state, status, version, input, context)"
        " VALUES (gen_random_uuid(), 'order', $1, 'completed', 'completed', 9, '{}', '{}')",
        {order_id});
    Sql("INSERT INTO workers.reservations (order_id, sku, quantity, status, expires_at)"
        " VALUES ($1, $2, 1, 'confirmed', now())",
        {order_id, sku});
    Sql("UPDATE workers.products SET available = available - 1, sold = sold + 1 WHERE sku = $1", {sku});
    Sql("INSERT INTO workers.payments (order_id, payment_id, amount_cents, pay_url, status)"
        " VALUES ($1, 'pay-' || $1, 100, 'http://pay', 'paid')",
        {order_id});
    Sql("INSERT INTO workers.shipments (order_id, carrier, tracking_number) VALUES ($1, 'c', 't')", {order_id});
  }

  std::vector<std::string> Audit(int orders) {
    auto audit = bench::AuditRun(*conn_, bench::AuditExpectation{orders, kStock, 2});
    EXPECT_TRUE(audit.ok()) << audit.status().ToString();
    return audit.ok() ? audit->violations : std::vector<std::string>{"audit failed"};
  }
};

TEST_F(RunAuditTest, OrdersThatEachTookEffectOncePass) {
  CompletedOrder("o1", "a");
  CompletedOrder("o2", "b");
  EXPECT_THAT(Audit(2), ElementsAre());
}

TEST_F(RunAuditTest, AnOrderThatNeverCompletedIsNamed) {
  CompletedOrder("o1", "a");
  Sql("INSERT INTO sagaflow.sagas (id, type, business_key, state, status, version, input, context)"
      " VALUES (gen_random_uuid(), 'order', 'o2', 'awaiting_payment', 'waiting', 4, '{}', '{}')");
  EXPECT_THAT(Audit(2), ::testing::IsSupersetOf({HasSubstr("order sagas completed: 1, expected 2"),
                                                 HasSubstr("sagas that are not completed orders: 1, expected 0")}));
}

TEST_F(RunAuditTest, AStockMoveAppliedTwiceIsNamed) {
  CompletedOrder("o1", "a");
  CompletedOrder("o2", "b");
  Sql("UPDATE workers.products SET available = available - 1, sold = sold + 1 WHERE sku = 'a'");
  EXPECT_THAT(Audit(2), ElementsAre(HasSubstr("units sold: 3, expected 2")));
}

TEST_F(RunAuditTest, StockLeftReservedOrLostIsNamed) {
  CompletedOrder("o1", "a");
  Sql("UPDATE workers.products SET available = available - 1, reserved = reserved + 1 WHERE sku = 'b'");
  EXPECT_THAT(Audit(1), ElementsAre(HasSubstr("units still reserved: 1, expected 0"),
                                    HasSubstr("units available + sold: 19, expected 20")));
}

TEST_F(RunAuditTest, AMissingShipmentAndAnUnsettledReservationAreNamed) {
  CompletedOrder("o1", "a");
  CompletedOrder("o2", "b");
  Sql("DELETE FROM workers.shipments WHERE order_id = 'o2'");
  Sql("UPDATE workers.reservations SET status = 'reserved' WHERE order_id = 'o1'");
  EXPECT_THAT(Audit(2), ElementsAre(HasSubstr("confirmed reservations: 1, expected 2"),
                                    HasSubstr("reservations not confirmed: 1, expected 0"),
                                    HasSubstr("shipments: 1, expected 2")));
}

}  // namespace
}  // namespace sagaflow::test
