#include "cli/sagactl_app.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iomanip>
#include <ostream>

#include "common/http/http_client.hpp"
#include "common/json.hpp"

namespace sagaflow::cli {
namespace {

struct Reply {
  int exit_code;
  json::object body;
};

//! Calls sagad; prints the error body on failure.
Reply Call(std::string_view method, const std::string& url, const std::string& body, std::ostream& err) {
  auto response = http::HttpCall(method, url, body);
  if (!response.ok()) {
    err << "sagactl: " << response.status().message() << "\n";
    return {2, {}};
  }
  auto parsed = ParseJsonObject(response->body);
  if (response->status >= 400) {
    err << "sagactl: HTTP " << response->status << ": " << response->body << "\n";
    return {1, parsed.ok() ? parsed.value() : json::object{}};
  }
  if (!parsed.ok()) {
    err << "sagactl: the server's answer is not JSON\n";
    return {2, {}};
  }
  return {0, std::move(parsed.value())};
}

std::string Text(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) return "-";
  if (it->value().is_string()) return std::string(it->value().as_string());
  return json::serialize(it->value());
}

void PrintSaga(const json::object& saga, std::ostream& out) {
  out << "saga     " << Text(saga, "saga_id") << "\n"
      << "type     " << Text(saga, "type") << "  (business key " << Text(saga, "business_key") << ")\n"
      << "state    " << Text(saga, "state") << "\n"
      << "status   " << Text(saga, "status") << "\n";
  if (const json::object* pending = ObjectOrNull(saga, "pending_step")) {
    out << "pending  " << Text(*pending, "step") << " (attempt " << Text(*pending, "attempt") << ")\n";
  }
  out << "context  " << Text(saga, "context") << "\n";
  auto history = saga.find("history");
  if (history == saga.end() || !history->value().is_array()) return;
  out << "\ntimeline\n";
  for (const json::value& entry_value : history->value().as_array()) {
    const json::object& entry = entry_value.as_object();
    const std::string from = Text(entry, "from");
    out << "  " << std::setw(3) << Text(entry, "seq") << "  " << Text(entry, "at") << "  " << std::left
        << std::setw(36) << Text(entry, "event") << std::right << " " << (from == "-" ? "(new)" : from) << " -> "
        << Text(entry, "to") << "\n";
  }
}

}  // namespace

int SagactlMain(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"sagactl: inspect and operate sagaflow sagas"};
  const char* env_url = std::getenv("SAGAFLOW_URL");
  std::string url = env_url != nullptr ? env_url : "http://127.0.0.1:8080";
  bool as_json = false;
  app.add_option("--url", url, "sagad base URL (env SAGAFLOW_URL)");
  app.add_flag("--json", as_json, "print the server's JSON instead of a summary");
  app.require_subcommand(1);

  std::string saga_id;
  CLI::App* get = app.add_subcommand("get", "show one saga and its timeline");
  get->add_option("saga_id", saga_id)->required();

  std::string type, status;
  int limit = 20;
  CLI::App* list = app.add_subcommand("list", "list sagas, newest first");
  list->add_option("--type", type);
  list->add_option("--status", status, "running|waiting|completed|compensated|failed|stuck");
  list->add_option("--limit", limit);

  std::string signal_name, data = "{}";
  CLI::App* signal = app.add_subcommand("signal", "send a signal to a saga");
  signal->add_option("saga_id", saga_id)->required();
  signal->add_option("name", signal_name)->required();
  signal->add_option("--data", data, "JSON body of the signal");

  CLI::App* retry = app.add_subcommand("retry", "re-send the pending step of a saga");
  retry->add_option("saga_id", saga_id)->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err) == 0 ? 0 : 2;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();

  Reply reply{2, {}};
  if (get->parsed()) {
    reply = Call("GET", url + "/v1/sagas/" + saga_id, "", err);
  } else if (list->parsed()) {
    std::string query = "?limit=" + std::to_string(limit);
    if (!type.empty()) query += "&type=" + type;
    if (!status.empty()) query += "&status=" + status;
    reply = Call("GET", url + "/v1/sagas" + query, "", err);
  } else if (signal->parsed()) {
    reply = Call("POST", url + "/v1/sagas/" + saga_id + "/signals/" + signal_name, data, err);
  } else if (retry->parsed()) {
    reply = Call("POST", url + "/v1/sagas/" + saga_id + "/retry", "", err);
  }
  if (reply.exit_code != 0) return reply.exit_code;

  if (as_json) {
    out << json::serialize(reply.body) << "\n";
  } else if (list->parsed()) {
    out << std::left << std::setw(38) << "SAGA" << std::setw(8) << "TYPE" << std::setw(24) << "STATE" << std::setw(13)
        << "STATUS" << "UPDATED\n";
    for (const json::value& item : reply.body["sagas"].as_array()) {
      const json::object& saga = item.as_object();
      out << std::setw(38) << Text(saga, "saga_id") << std::setw(8) << Text(saga, "type") << std::setw(24)
          << Text(saga, "state") << std::setw(13) << Text(saga, "status") << Text(saga, "updated_at") << "\n";
    }
  } else {
    PrintSaga(reply.body, out);
  }
  return 0;
}

}  // namespace sagaflow::cli
