#pragma once
// The request/response types every HTTP handler in sagaflow speaks (Boost.Beast string bodies),
// and helpers that build JSON responses and the common error body
//   {"error": {"code": "...", "message": "...", "field": "..."}}
// All functions are stateless and thread-safe.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "common/status.hpp"

namespace sagaflow::http {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
//! Turns one request into one response. Called on the connection's strand; may block briefly
//! (e.g. on the database). An exception it throws becomes a 500 JSON error.
using HttpHandler = std::function<HttpResponse(HttpRequest&&)>;
using Verb = boost::beast::http::verb;
using Field = boost::beast::http::field;

//! A response with `body` serialised as its JSON payload (Content-Type application/json).
HttpResponse JsonResponse(unsigned status, const json::value& body, unsigned version, bool keep_alive);

//! The error body {"error":{"code","message","field"}} (field omitted when empty).
json::object ErrorBody(std::string_view code, std::string_view message, std::string_view field = {});

//! A JSON error response answering `req` (same HTTP version and keep-alive).
HttpResponse ErrorResponse(const HttpRequest& req, unsigned status, std::string_view code,
                           std::string_view message, std::string_view field = {});

//! A JSON error response for a failed Status: code name, message and field from `status`,
//! HTTP status from HttpStatusFor().
HttpResponse ErrorResponse(const HttpRequest& req, const Status& status);

//! The HTTP status a StatusCode maps to: not_found 404, conflict 409, invalid_argument 400,
//! unprocessable 422, unauthorized 401, transient 503, permanent 500, ok 200.
unsigned HttpStatusFor(StatusCode code);

//! The path part of a request target ("/a/b?x=1" → "/a/b").
std::string_view TargetPath(std::string_view target);

//! The percent-decoded value of query parameter `name` in `target`, or nullopt if absent.
std::optional<std::string> QueryParam(std::string_view target, std::string_view name);

}  // namespace sagaflow::http
