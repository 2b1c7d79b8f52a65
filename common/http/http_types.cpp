#include "common/http/http_types.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

namespace sagaflow::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

//! Decodes %XX escapes and '+' (form encoding) in a query component; bad escapes stay as they are.
std::string PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

HttpResponse JsonResponse(unsigned status, const json::value& body, unsigned version, bool keep_alive) {
  HttpResponse res{static_cast<boost::beast::http::status>(status), version};
  res.set(Field::server, "sagaflow");
  res.set(Field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = ToJson(body);
  res.prepare_payload();
  return res;
}

json::object ErrorBody(std::string_view code, std::string_view message, std::string_view field) {
  json::object error;
  error["code"] = code;
  error["message"] = message;
  if (!field.empty()) error["field"] = field;
  json::object body;
  body["error"] = std::move(error);
  return body;
}

HttpResponse ErrorResponse(const HttpRequest& req, unsigned status, std::string_view code,
                           std::string_view message, std::string_view field) {
  return JsonResponse(status, ErrorBody(code, message, field), req.version(), req.keep_alive());
}

HttpResponse ErrorResponse(const HttpRequest& req, const Status& status) {
  return ErrorResponse(req, HttpStatusFor(status.code()), StatusCodeName(status.code()), status.message(),
                       status.field());
}

unsigned HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kConflict: return 409;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnprocessable: return 422;
    case StatusCode::kUnauthorized: return 401;
    case StatusCode::kTransient: return 503;
    case StatusCode::kPermanent: return 500;
  }
  return 500;
}

std::string_view TargetPath(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::optional<std::string> QueryParam(std::string_view target, std::string_view name) {
  auto question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    if (key != name) continue;
    return eq == std::string_view::npos ? std::string{} : PercentDecode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace sagaflow::http
