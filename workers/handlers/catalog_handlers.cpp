#include "workers/handlers/catalog_handlers.hpp"

#include "workers/handlers/pricing.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sagaflow::workers {
namespace {

using storage::PgConnection;

DiscountKind KindOf(const std::string& text) { return text == "percent" ? DiscountKind::kPercent : DiscountKind::kFixed; }

//! A product row as pricing needs it.
struct ProductRow {
  std::int64_t price_cents = 0;
  bool on_sale = false;
};

//! The active promotions and the given products, read together: deferred (they go out with
//! the connection's next round trip) or at once (one round trip).
class CatalogRead {
 public:
  void Defer(PgConnection& db, std::vector<std::string> skus) {
    Start(db, std::move(skus));
    db.Defer(kProductsSql, {storage::PgArrayLiteral(asked_)},
             [this](const storage::PgResult& rows) { StoreProducts(rows); });
  }
  Status Read(PgConnection& db, std::vector<std::string> skus) {
    Start(db, std::move(skus));
    auto rows = db.Exec(kProductsSql, {storage::PgArrayLiteral(asked_)});
    if (!rows.ok()) return rows.status();
    StoreProducts(rows.value());
    return Status::Ok();
  }
  //! The results arrived, and they cover every one of `skus`.
  bool Answers(const std::vector<std::string>& skus) const {
    return ready_ && std::all_of(skus.begin(), skus.end(), [this](const std::string& sku) {
             return std::binary_search(asked_.begin(), asked_.end(), sku);
           });
  }
  const std::vector<Promotion>& promotions() const { return promotions_; }
  //! nullptr when the product does not exist.
  const ProductRow* product(const std::string& sku) const {
    auto it = products_.find(sku);
    return it == products_.end() ? nullptr : &it->second;
  }

 private:
  static constexpr std::string_view kProductsSql =
      "SELECT sku, price_cents, on_sale FROM workers.products WHERE sku = ANY($1::text[])";

  void Start(PgConnection& db, std::vector<std::string> skus) {
    std::sort(skus.begin(), skus.end());
    skus.erase(std::unique(skus.begin(), skus.end()), skus.end());
    asked_ = std::move(skus);
    promotions_.clear();
    products_.clear();
    ready_ = false;
    db.Defer("SELECT id, kind, value, coalesce(sku, ''), min_total_cents FROM workers.promotions WHERE active", {},
             [this](const storage::PgResult& rows) {
               for (int i = 0; i < rows.rows(); ++i) {
                 promotions_.push_back(Promotion{rows.Get(i, 0), KindOf(rows.Get(i, 1)), rows.GetInt(i, 2),
                                                 rows.Get(i, 3), rows.GetInt(i, 4)});
               }
             });
  }
  void StoreProducts(const storage::PgResult& rows) {
    for (int i = 0; i < rows.rows(); ++i) {
      products_[rows.Get(i, 0)] = ProductRow{rows.GetInt(i, 1), rows.Get(i, 2) == "t"};
    }
    ready_ = true;
  }

  std::vector<std::string> asked_;  //!< sorted, unique
  std::vector<Promotion> promotions_;
  std::map<std::string, ProductRow, std::less<>> products_;
  bool ready_ = false;
};

//! The skus of an order's items ("" for an item without one); InvalidArgument if the items
//! are not an array of objects.
Result<std::vector<std::string>> SkusOf(const json::object& payload) {
  auto items = payload.find("items");
  if (items == payload.end() || !items->value().is_array()) return Status::InvalidArgument("items", "missing");
  std::vector<std::string> skus;
  for (const json::value& item : items->value().as_array()) {
    if (!item.is_object()) return Status::InvalidArgument("items", "every item must be an object");
    skus.push_back(StringOr(item.as_object(), "sku"));
  }
  return skus;
}

class PriceHandler final : public StepHandler {
 public:
  explicit PriceHandler(CatalogOptions options) : options_(options) {}

  // The batch's price commands read their products together, with the batch's first round
  // trip: pricing then needs no round trip of its own (unless a coupon is named).
  void Prepare(PgConnection& db, const std::vector<const wire::Command*>& commands) override {
    std::vector<std::string> skus;
    prepared_for_.clear();
    for (const wire::Command* command : commands) {
      auto order_skus = SkusOf(command->payload);
      if (order_skus.ok()) skus.insert(skus.end(), order_skus->begin(), order_skus->end());
      prepared_for_.insert(command->command_id);
    }
    prepared_.Defer(db, std::move(skus));
  }

  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    const json::object& payload = command.payload;
    auto skus = SkusOf(payload);
    if (!skus.ok()) return skus.status();
    CatalogRead own;
    const CatalogRead* catalog = &prepared_;
    if (prepared_for_.count(command.command_id) == 0 || !prepared_.Answers(skus.value())) {
      // Not prepared in this batch (or the round trip that carried its read failed): one
      // round trip for the promotions and every product of the order.
      SAGAFLOW_RETURN_IF_ERROR(own.Read(db, skus.value()));
      catalog = &own;
    }
    const json::array& items = payload.at("items").as_array();

    std::vector<PricedLine> lines;
    json::array priced_lines;
    for (const json::value& item : items) {
      const json::object& line = item.as_object();
      const std::string sku = StringOr(line, "sku");
      const std::int64_t quantity = IntOr(line, "quantity", 0);
      const ProductRow* product = catalog->product(sku);
      if (product == nullptr) return Refused("unknown_sku", "no product " + sku);
      if (!product->on_sale) return Refused("not_on_sale", "product " + sku + " is not on sale");
      if (quantity <= 0) return Refused("bad_quantity", "quantity of " + sku + " must be positive");
      lines.push_back(PricedLine{sku, quantity, product->price_cents});
      priced_lines.push_back(
          json::object{{"sku", sku}, {"quantity", quantity}, {"unit_price_cents", product->price_cents}});
    }
    const std::vector<Promotion>& promotions = catalog->promotions();

    std::optional<Coupon> coupon;
    if (std::string coupon_id = StringOr(payload, "coupon_id"); !coupon_id.empty()) {
      auto row = db.Exec("SELECT kind, value FROM workers.coupons WHERE id = $1 AND user_id = $2",
                         {coupon_id, StringOr(payload, "user_id")});
      if (!row.ok()) return row.status();
      if (row->rows() == 1) coupon = Coupon{coupon_id, KindOf(row->Get(0, 0)), row->GetInt(0, 1)};
    }

    PriceBreakdown price =
        ComputePrice(lines, promotions, coupon, IntOr(payload, "points", 0), options_.points_per_unit);
    json::object result = BreakdownToJson(price);
    result["lines"] = std::move(priced_lines);
    return result;
  }

 private:
  const CatalogOptions options_;
  CatalogRead prepared_;
  //! The commands prepared_ was read for: the current batch's (a read of an earlier
  //! transaction never answers a later command).
  std::set<std::string, std::less<>> prepared_for_;
};

}  // namespace

HandlerMap CatalogHandlers(const CatalogOptions& options) {
  HandlerMap handlers;
  handlers.emplace("catalog.price", std::make_unique<PriceHandler>(options));
  return handlers;
}

}  // namespace sagaflow::workers
