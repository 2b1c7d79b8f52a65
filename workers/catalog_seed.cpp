#include "workers/catalog_seed.hpp"

#include <spdlog/spdlog.h>

#include "storage/transaction.hpp"

namespace sagaflow::workers {
namespace {

using storage::PgConnection;
using storage::PgParam;

const json::array* Section(const json::value& data, std::string_view key) {
  if (data.is_array() && key == "products") return &data.as_array();
  if (!data.is_object()) return nullptr;
  auto it = data.as_object().find(key);
  return it != data.as_object().end() && it->value().is_array() ? &it->value().as_array() : nullptr;
}

//! Runs `sql` once per entry of the section, with the parameters `bind` picks from it.
template <typename Bind>
Status Upsert(PgConnection& db, const json::value& data, std::string_view section, std::string_view key,
              std::string_view sql, Bind bind) {
  const json::array* entries = Section(data, section);
  if (entries == nullptr) return Status::Ok();
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = std::string(section) + "[" + std::to_string(i) + "]";
    if (!(*entries)[i].is_object()) return Status::InvalidArgument(where, "must be an object");
    const json::object& entry = (*entries)[i].as_object();
    if (StringOr(entry, key).empty()) return Status::InvalidArgument(where + "." + std::string(key), "is required");
    SAGAFLOW_RETURN_IF_ERROR(db.Exec(sql, bind(entry)));
  }
  spdlog::info("seeded {} {}", entries->size(), section);
  return Status::Ok();
}

std::string Int(const json::object& entry, std::string_view key, std::int64_t fallback = 0) {
  return std::to_string(IntOr(entry, key, fallback));
}

}  // namespace

Status SeedShopData(PgConnection& db, const json::value& data) {
  storage::Transaction tx(db);
  SAGAFLOW_RETURN_IF_ERROR(tx.status());
  SAGAFLOW_RETURN_IF_ERROR(Upsert(
      db, data, "products", "sku",
      "INSERT INTO workers.products (sku, name, spec, price_cents, on_sale, available)"
      " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name,"
      " spec = EXCLUDED.spec, price_cents = EXCLUDED.price_cents, on_sale = EXCLUDED.on_sale,"
      " available = EXCLUDED.available",
      [](const json::object& p) -> std::vector<PgParam> {
        const bool on_sale = !(p.contains("on_sale") && p.at("on_sale").is_bool() && !p.at("on_sale").as_bool());
        return {StringOr(p, "sku"), StringOr(p, "name", StringOr(p, "sku")), StringOr(p, "spec"),
                Int(p, "price_cents"), on_sale ? "true" : "false", Int(p, "available")};
      }));
  SAGAFLOW_RETURN_IF_ERROR(Upsert(
      db, data, "promotions", "id",
      "INSERT INTO workers.promotions (id, kind, value, sku, min_total_cents) VALUES ($1, $2, $3, $4, $5)"
      " ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, value = EXCLUDED.value, sku = EXCLUDED.sku,"
      " min_total_cents = EXCLUDED.min_total_cents",
      [](const json::object& p) -> std::vector<PgParam> {
        const std::string sku = StringOr(p, "sku");
        return {StringOr(p, "id"), StringOr(p, "kind", "fixed"), Int(p, "value"),
                sku.empty() ? PgParam{} : PgParam{sku}, Int(p, "min_total_cents")};
      }));
  SAGAFLOW_RETURN_IF_ERROR(Upsert(
      db, data, "coupons", "id",
      "INSERT INTO workers.coupons (id, user_id, kind, value, min_spend_cents, expires_at)"
      " VALUES ($1, $2, $3, $4, $5, clock_timestamp() + make_interval(days => $6::int))"
      " ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, kind = EXCLUDED.kind, value = EXCLUDED.value,"
      " min_spend_cents = EXCLUDED.min_spend_cents, expires_at = EXCLUDED.expires_at, status = 'available',"
      " order_id = NULL",
      [](const json::object& c) -> std::vector<PgParam> {
        return {StringOr(c, "id"), StringOr(c, "user_id"), StringOr(c, "kind", "fixed"), Int(c, "value"),
                Int(c, "min_spend_cents"), Int(c, "valid_days", 30)};
      }));
  SAGAFLOW_RETURN_IF_ERROR(Upsert(
      db, data, "points", "user_id",
      "INSERT INTO workers.points_accounts (user_id, balance) VALUES ($1, $2)"
      " ON CONFLICT (user_id) DO UPDATE SET balance = EXCLUDED.balance, frozen = 0",
      [](const json::object& a) -> std::vector<PgParam> { return {StringOr(a, "user_id"), Int(a, "balance")}; }));
  return tx.Commit();
}

}  // namespace sagaflow::workers
