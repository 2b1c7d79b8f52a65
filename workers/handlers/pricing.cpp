#include "workers/handlers/pricing.hpp"

#include <algorithm>

namespace sagaflow::workers {
namespace {

std::int64_t Discount(DiscountKind kind, std::int64_t value, std::int64_t amount, std::int64_t units) {
  const std::int64_t raw = kind == DiscountKind::kPercent ? amount * std::clamp<std::int64_t>(value, 0, 100) / 100
                                                          : value * units;
  return std::clamp<std::int64_t>(raw, 0, amount);
}

}  // namespace

PriceBreakdown ComputePrice(const std::vector<PricedLine>& lines, const std::vector<Promotion>& promotions,
                            const std::optional<Coupon>& coupon, std::int64_t points, std::int64_t points_per_unit) {
  PriceBreakdown price;
  for (const PricedLine& line : lines) {
    const std::int64_t line_cents = line.unit_price_cents * line.quantity;
    price.base_cents += line_cents;
    const Promotion* best = nullptr;
    std::int64_t best_discount = 0;
    for (const Promotion& promotion : promotions) {
      if (promotion.sku != line.sku) continue;
      const std::int64_t discount = Discount(promotion.kind, promotion.value, line_cents, line.quantity);
      if (discount > best_discount) {
        best = &promotion;
        best_discount = discount;
      }
    }
    if (best != nullptr) {
      price.promotion_cents += best_discount;
      price.applied_promotions.push_back(best->id);
    }
  }
  std::int64_t remaining = price.base_cents - price.promotion_cents;

  const Promotion* best_order = nullptr;
  std::int64_t best_order_discount = 0;
  for (const Promotion& promotion : promotions) {
    if (!promotion.sku.empty() || remaining < promotion.min_total_cents) continue;
    const std::int64_t discount = Discount(promotion.kind, promotion.value, remaining, 1);
    if (discount > best_order_discount) {
      best_order = &promotion;
      best_order_discount = discount;
    }
  }
  if (best_order != nullptr) {
    price.promotion_cents += best_order_discount;
    price.applied_promotions.push_back(best_order->id);
    remaining -= best_order_discount;
  }

  if (coupon) {
    price.coupon_cents = Discount(coupon->kind, coupon->value, remaining, 1);
    remaining -= price.coupon_cents;
  }
  if (points > 0 && points_per_unit > 0) {
    price.points_cents = std::min(points * 100 / points_per_unit, remaining);
    // Spend only the points the discount needs (rounded up to whole points).
    price.points_used = (price.points_cents * points_per_unit + 99) / 100;
    remaining -= price.points_cents;
  }
  price.total_cents = std::max<std::int64_t>(remaining, 0);
  return price;
}

json::object BreakdownToJson(const PriceBreakdown& price) {
  json::array applied;
  for (const std::string& id : price.applied_promotions) applied.emplace_back(id);
  return json::object{{"base_cents", price.base_cents},         {"promotion_cents", price.promotion_cents},
                      {"coupon_cents", price.coupon_cents},     {"points_cents", price.points_cents},
                      {"points_used", price.points_used},       {"total_cents", price.total_cents},
                      {"promotions", std::move(applied)}};
}

}  // namespace sagaflow::workers
