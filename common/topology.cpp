#include "common/topology.hpp"

namespace sagaflow::wire {

const std::vector<WorkerRole>& WorkerRoles() {
  static const std::vector<WorkerRole> kRoles{
      {"inventory", {"catalog.price", "inventory.reserve", "inventory.confirm", "inventory.release"}},
      {"promotions", {"coupon.freeze", "coupon.consume", "coupon.unfreeze"}},
      {"points", {"points.freeze", "points.consume", "points.unfreeze"}},
      {"payment", {"payment.create", "payment.query", "payment.close", "payment.refund"}},
      {"logistics", {"logistics.record_shipment"}},
  };
  return kRoles;
}

const WorkerRole* FindWorkerRole(std::string_view name) {
  for (const WorkerRole& role : WorkerRoles()) {
    if (role.name == name) return &role;
  }
  return nullptr;
}

}  // namespace sagaflow::wire
