#pragma once
// The price rule, as a pure function: base total − promotions − coupon − points, never below
// zero. Promotions: the best per-sku promotion for each line, then the best order-level
// promotion whose threshold the discounted subtotal meets. The coupon applies to what is
// left, then points (at `points_per_unit` points per 1.00) up to what is left.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"

namespace sagaflow::workers {

enum class DiscountKind { kPercent, kFixed };

struct PricedLine {
  std::string sku;
  std::int64_t quantity = 0;
  std::int64_t unit_price_cents = 0;
};

struct Promotion {
  std::string id;
  DiscountKind kind = DiscountKind::kFixed;
  std::int64_t value = 0;          //!< percent (0..100) or cents (per unit for a sku promotion)
  std::string sku;                 //!< empty: order-level
  std::int64_t min_total_cents = 0;  //!< order-level threshold
};

struct Coupon {
  std::string id;
  DiscountKind kind = DiscountKind::kFixed;
  std::int64_t value = 0;
};

struct PriceBreakdown {
  std::int64_t base_cents = 0;
  std::int64_t promotion_cents = 0;
  std::int64_t coupon_cents = 0;
  std::int64_t points_cents = 0;
  std::int64_t points_used = 0;
  std::int64_t total_cents = 0;
  std::vector<std::string> applied_promotions;
};

PriceBreakdown ComputePrice(const std::vector<PricedLine>& lines, const std::vector<Promotion>& promotions,
                            const std::optional<Coupon>& coupon, std::int64_t points, std::int64_t points_per_unit);

json::object BreakdownToJson(const PriceBreakdown& price);

}  // namespace sagaflow::workers
