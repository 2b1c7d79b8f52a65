#pragma once
// The promotions role (coupons) and the points role. Each hold is TCC-shaped:
//   coupon.freeze    available → frozen for the order: owner, expiry, status and minimum
//                    spend checked (refusals: coupon_not_found, coupon_expired,
//                    coupon_unavailable, coupon_min_spend)
//   coupon.consume   frozen → consumed (on payment)
//   coupon.unfreeze  frozen → available (on cancellation); refused once consumed
//   points.freeze    balance → frozen, atomically (refusal: insufficient_points)
//   points.consume   frozen → spent
//   points.unfreeze  frozen → balance; refused once consumed

#include "workers/worker_runtime.hpp"

namespace sagaflow::workers {

HandlerMap CouponHandlers();
HandlerMap PointsHandlers();

}  // namespace sagaflow::workers
