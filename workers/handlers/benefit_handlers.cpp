#include "workers/handlers/benefit_handlers.hpp"

#include "workers/handlers/hold_checks.hpp"

namespace sagaflow::workers {
namespace {

using storage::PgConnection;

//! Reads payload.order_id or fails the step.
Result<std::string> OrderIdOf(const wire::Command& command) { return GetString(command.payload, "order_id"); }

class CouponFreezeHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    auto order_id = OrderIdOf(command);
    if (!order_id.ok()) return order_id.status();
    const std::string coupon_id = StringOr(command.payload, "coupon_id");
    const std::string user_id = StringOr(command.payload, "user_id");
    const std::int64_t spend = IntOr(command.payload, "spend_cents", 0);
    SAGAFLOW_RETURN_IF_ERROR(RefuseIfFenced(db, "coupon", order_id.value()));
    auto frozen = db.Exec(
        "UPDATE workers.coupons SET status = 'frozen', order_id = $3"
        " WHERE id = $1 AND user_id = $2 AND status = 'available' AND expires_at > clock_timestamp()"
        " AND min_spend_cents <= $4 RETURNING id",
        {coupon_id, user_id, order_id.value(), std::to_string(spend)});
    if (!frozen.ok()) return frozen.status();
    if (frozen->rows() == 1) return json::object{{"coupon_id", coupon_id}, {"status", "frozen"}};

    auto coupon = db.Exec(
        "SELECT status, coalesce(order_id, ''), expires_at <= clock_timestamp(), min_spend_cents"
        " FROM workers.coupons WHERE id = $1 AND user_id = $2",
        {coupon_id, user_id});
    if (!coupon.ok()) return coupon.status();
    if (coupon->rows() == 0) return Refused("coupon_not_found", "user " + user_id + " has no coupon " + coupon_id);
    if (coupon->Get(0, 0) == "frozen" && coupon->Get(0, 1) == order_id.value()) {
      return json::object{{"coupon_id", coupon_id}, {"status", "frozen"}};  // already ours
    }
    if (coupon->Get(0, 0) != "available") {
      return Refused("coupon_unavailable", "coupon " + coupon_id + " is " + coupon->Get(0, 0));
    }
    if (coupon->Get(0, 2) == "t") return Refused("coupon_expired", "coupon " + coupon_id + " has expired");
    return Refused("coupon_min_spend", "coupon " + coupon_id + " needs a spend of " + coupon->Get(0, 3) + " cents, got " +
                                           std::to_string(spend));
  }
};

//! Moves the order's frozen coupon to `to`; refuses if it is in `conflicting`. With `fence`
//! (an unfreeze), fences the order if it had nothing frozen (RefuseIfHoldsAre).
Result<json::object> MoveCoupon(PgConnection& db, const wire::Command& command, const std::string& to,
                                const std::string& conflicting, bool clear_order, std::string_view fence = {}) {
  auto order_id = OrderIdOf(command);
  if (!order_id.ok()) return order_id.status();
  auto moved = db.Exec(
      "UPDATE workers.coupons SET status = $2, order_id = CASE WHEN $3 THEN NULL ELSE order_id END"
      " WHERE order_id = $1 AND status = 'frozen' RETURNING id",
      {order_id.value(), to, clear_order ? "true" : "false"});
  if (!moved.ok()) return moved.status();
  if (moved->rows() == 0) {
    SAGAFLOW_RETURN_IF_ERROR(
        RefuseIfHoldsAre(db, "coupons", order_id.value(), conflicting, "coupon_" + conflicting, fence));
  }
  return json::object{{"order_id", order_id.value()}, {"status", to}, {"coupons", moved->rows()}};
}

class CouponConsumeHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    return MoveCoupon(db, command, "consumed", "available", false);
  }
};

class CouponUnfreezeHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    // Nothing frozen: the freeze may still be on its way; it must find the order fenced.
    return MoveCoupon(db, command, "available", "consumed", true, "coupon");
  }
};

class PointsFreezeHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    auto order_id = OrderIdOf(command);
    if (!order_id.ok()) return order_id.status();
    const std::string user_id = StringOr(command.payload, "user_id");
    const std::int64_t points = IntOr(command.payload, "points", 0);
    if (points <= 0) return json::object{{"points", 0}, {"status", "frozen"}};
    SAGAFLOW_RETURN_IF_ERROR(RefuseIfFenced(db, "points", order_id.value()));
    auto frozen = db.Exec(
        "UPDATE workers.points_accounts SET balance = balance - $2, frozen = frozen + $2"
        " WHERE user_id = $1 AND balance >= $2 RETURNING balance",
        {user_id, std::to_string(points)});
    if (!frozen.ok()) return frozen.status();
    if (frozen->rows() == 0) {
      auto account = db.Exec("SELECT balance FROM workers.points_accounts WHERE user_id = $1", {user_id});
      if (!account.ok()) return account.status();
      const std::string balance = account->rows() == 0 ? "0" : account->Get(0, 0);
      return Refused("insufficient_points",
                     "user " + user_id + " has " + balance + " points, " + std::to_string(points) + " requested");
    }
    auto held = db.Exec("INSERT INTO workers.points_holds (order_id, user_id, points, status) VALUES ($1, $2, $3, 'frozen')",
                        {order_id.value(), user_id, std::to_string(points)});
    if (!held.ok()) return held.status();
    return json::object{{"points", points}, {"status", "frozen"}, {"balance", frozen->GetInt(0, 0)}};
  }
};

//! Settles the order's points hold: frozen → `to`, moving the points with `account_sql`
//! ($1 user, $2 points). Refuses if the hold is already `conflicting`. With `fence` (an
//! unfreeze), fences the order if it had nothing frozen (RefuseIfHoldsAre).
Result<json::object> SettlePoints(PgConnection& db, const wire::Command& command, const std::string& to,
                                  const std::string& conflicting, std::string_view account_sql,
                                  std::string_view fence = {}) {
  auto order_id = OrderIdOf(command);
  if (!order_id.ok()) return order_id.status();
  auto hold = db.Exec(
      "UPDATE workers.points_holds SET status = $2 WHERE order_id = $1 AND status = 'frozen' RETURNING user_id, points",
      {order_id.value(), to});
  if (!hold.ok()) return hold.status();
  if (hold->rows() == 0) {
    SAGAFLOW_RETURN_IF_ERROR(
        RefuseIfHoldsAre(db, "points_holds", order_id.value(), conflicting, "points_" + conflicting, fence));
    return json::object{{"order_id", order_id.value()}, {"points", 0}, {"status", to}};
  }
  SAGAFLOW_RETURN_IF_ERROR(db.Exec(account_sql, {hold->Get(0, 0), hold->Get(0, 1)}));
  return json::object{{"order_id", order_id.value()}, {"points", hold->GetInt(0, 1)}, {"status", to}};
}

class PointsConsumeHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    return SettlePoints(db, command, "consumed", "released",
                        "UPDATE workers.points_accounts SET frozen = frozen - $2 WHERE user_id = $1");
  }
};

class PointsUnfreezeHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    // Nothing frozen: the freeze may still be on its way; it must find the order fenced.
    return SettlePoints(db, command, "released", "consumed",
                        "UPDATE workers.points_accounts SET frozen = frozen - $2, balance = balance + $2 WHERE user_id = $1",
                        "points");
  }
};

}  // namespace

HandlerMap CouponHandlers() {
  HandlerMap handlers;
  handlers.emplace("coupon.freeze", std::make_unique<CouponFreezeHandler>());
  handlers.emplace("coupon.consume", std::make_unique<CouponConsumeHandler>());
  handlers.emplace("coupon.unfreeze", std::make_unique<CouponUnfreezeHandler>());
  return handlers;
}

HandlerMap PointsHandlers() {
  HandlerMap handlers;
  handlers.emplace("points.freeze", std::make_unique<PointsFreezeHandler>());
  handlers.emplace("points.consume", std::make_unique<PointsConsumeHandler>());
  handlers.emplace("points.unfreeze", std::make_unique<PointsUnfreezeHandler>());
  return handlers;
}

}  // namespace sagaflow::workers
