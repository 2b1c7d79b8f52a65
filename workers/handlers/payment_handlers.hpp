#pragma once
// The payment role: talks to the payment channel over HTTP and keeps workers.payments.
//   payment.create  create the payment order, return {payment_id, pay_url, amount_cents};
//                   an amount of 0 opens none and answers {status: "paid"}
//   payment.query   ask the channel for the payment's status (active query)
//   payment.close   close an unpaid payment order (refused once it is paid)
//   payment.refund  refund a paid payment (the command id is the refund id: idempotent)
// The channel dedupes on merchant_order_id / refund_id, so a re-sent step is safe even
// though the HTTP call happens before the worker's transaction commits.
// Channel unreachable or 5xx → Transient (retried); 4xx → refused.
//
// | key (block "payment") | description                                  | default                                     |
// |-----------------------|----------------------------------------------|---------------------------------------------|
// | channel_url           | base URL of the payment channel               | http://127.0.0.1:8090                       |
// | notify_url            | where the channel sends the payment callback  | http://127.0.0.1:8080/v1/payments/callback  |

#include <string>

#include "workers/worker_runtime.hpp"

namespace sagaflow::workers {

struct PaymentOptions {
  std::string channel_url = "http://127.0.0.1:8090";
  std::string notify_url = "http://127.0.0.1:8080/v1/payments/callback";
};

HandlerMap PaymentHandlers(const PaymentOptions& options);

}  // namespace sagaflow::workers
