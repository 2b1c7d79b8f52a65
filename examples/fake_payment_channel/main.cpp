// fake-payment-channel: a stand-in payment provider speaking real HTTP (see payment_channel.hpp).
// Prints "listening on <address>:<port>" on stdout once bound; SIGINT/SIGTERM stop it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "common/http/http_server.hpp"
#include "common/logging.hpp"
#include "examples/fake_payment_channel/payment_channel.hpp"

int main(int argc, char** argv) {
  CLI::App app{"fake payment channel: create/pay/close/refund payments, signed async callbacks"};
  std::string address = "127.0.0.1";
  unsigned short port = 0;
  int threads = 2;
  std::string log_level = "info";
  sagaflow::examples::PaymentChannelOptions options;
  options.callback_url = "http://127.0.0.1:8080/v1/payments/callback";
  app.add_option("--address", address, "address to bind")->capture_default_str();
  app.add_option("--port", port, "port to bind; 0 picks a free one")->capture_default_str();
  app.add_option("--threads", threads, "io threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--secret", options.secret, "HMAC-SHA256 key signing callbacks")
      ->envname("SAGAFLOW_PAYMENT_SECRET");
  app.add_option("--callback-url", options.callback_url, "callback target for payments without notify_url")
      ->envname("SAGAFLOW_PAYMENT_CALLBACK_URL")
      ->capture_default_str();
  app.add_option("--callback-threads", options.callback_threads, "callbacks delivered at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--fail-rate", options.fail_rate, "fraction of create/query calls answered with 503")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  sagaflow::InitLogging("fake-payment-channel", log_level);

  // Installed before the server starts, so a SIGTERM right after the "listening" line is caught.
  boost::asio::io_context signal_ioc;
  boost::asio::signal_set signals(signal_ioc, SIGINT, SIGTERM);

  sagaflow::examples::PaymentChannel channel(options);
  sagaflow::http::HttpServer server(
      [&channel](sagaflow::http::HttpRequest&& req) { return channel.Handle(std::move(req)); });
  if (port != 0) channel.SetPublicBaseUrl("http://" + address + ":" + std::to_string(port));
  if (auto status = server.Start(address, port, threads); !status.ok()) {
    spdlog::error("cannot listen on {}:{}: {}", address, port, status.ToString());
    return EXIT_FAILURE;
  }
  channel.SetPublicBaseUrl("http://" + address + ":" + std::to_string(server.port()));
  std::cout << "listening on " << address << ":" << server.port() << std::endl;

  signals.async_wait([](const boost::system::error_code& ec, int signal_number) {
    if (!ec) spdlog::info("signal {} received, stopping", signal_number);
  });
  signal_ioc.run();

  server.Stop();
  channel.Stop();
  spdlog::info("stopped");
  return EXIT_SUCCESS;
}
