// Copyright 2026 The cxlab Authors.

#include "api/server/web_ui_handler.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/render/web_ui.h"
#include "api/server/experiment_service.h"
#include "api/server/http_gateway.h"
#include "api/server/report_service.h"

namespace cxlab::api {
namespace {

constexpr char kCookie[] = "cxlab_key";

HttpResponse Html(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  // Pages carry reports: never cached by shared caches; no framing.
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
      "form-action 'self'; frame-ancestors 'none'");
  return r;
}

HttpResponse Redirect(absl::string_view location) {
  HttpResponse r;
  r.status = 303;
  r.content_type.clear();
  r.headers.emplace_back("Location", std::string(location));
  return r;
}

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(absl::string_view header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      std::string value;
      if (PercentDecode(part, &value)) return value;
    }
  }
  return "";
}

// The caller's key: headers first, then the cookie.
std::string UiAuthorization(const HttpRequest& request) {
  std::string auth = AuthorizationOf(request);
  if (!auth.empty()) return auth;
  const std::string key = CookieValue(request.Header("cookie"), kCookie);
  return key.empty() ? "" : absl::StrCat("Bearer ", key);
}

std::string LoginPage(absl::string_view message) {
  // The error page's layout with a form: one labelled password field.
  std::string page = render::RenderErrorPage(401, message);
  const std::string form = absl::StrCat(
      "<form method=\"post\" action=\"", render::kUiRoot,
      "/login\"><p><label for=\"key\">API key (role reader or higher)</label> "
      "<input id=\"key\" name=\"key\" type=\"password\" required "
      "autocomplete=\"current-password\" autofocus> "
      "<button type=\"submit\">Sign in</button></p></form>");
  const size_t at = page.rfind("</main>");
  if (at != std::string::npos) {
    page.insert(at, form);
  } else {
    page += form;
  }
  return page;
}

// An error of a service call as a page (401 offers the login form).
HttpResponse ErrorPage(const absl::Status& status) {
  const int http_status = HttpStatusOf(status.code());
  if (http_status == 401) return Html(401, LoginPage(status.message()));
  return Html(http_status, render::RenderErrorPage(http_status,
                                                   status.message()));
}

// The "key" field of an application/x-www-form-urlencoded body.
std::string FormField(absl::string_view body, absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(body, '&')) {
    if (!absl::ConsumePrefix(&pair, name) || !absl::ConsumePrefix(&pair, "=")) {
      continue;
    }
    std::string raw(pair);
    std::replace(raw.begin(), raw.end(), '+', ' ');
    std::string value;
    if (PercentDecode(raw, &value)) return value;
  }
  return "";
}

HttpResponse ListPage(const WebUiServices& services, absl::string_view auth) {
  v1::ListExperimentsResponse experiments;
  absl::Status status = services.experiments->HandleListExperiments(
      auth, v1::ListRequest(), &experiments);
  if (!status.ok()) return ErrorPage(status);
  std::vector<render::ExperimentRow> rows;
  int failed = 0;
  for (const v1::Experiment& e : experiments.experiments()) {
    const std::string state = absl::AsciiStrToLower(absl::StripPrefix(
        v1::ExperimentStatus_Name(e.status()), "EXPERIMENT_STATUS_"));
    if (e.status() == v1::EXPERIMENT_STATUS_DRAFT) {
      rows.push_back(render::RowWithoutReport(e.key(), e.name(), state,
                                              "draft: not started yet"));
      continue;
    }
    v1::GetReportRequest request;
    request.set_experiment_key(e.key());
    v1::Report report;
    status = services.reports->HandleGetReport(auth, request, &report);
    if (!status.ok()) {
      ++failed;
      rows.push_back(render::RowWithoutReport(e.key(), e.name(), state,
                                              status.message()));
      continue;
    }
    render::ExperimentRow row = render::RowFromReport(report);
    row.key = e.key();
    row.name = e.name();
    row.status = state;
    rows.push_back(std::move(row));
  }
  render::ListPageOptions options;
  if (failed > 0) {
    options.notice = absl::StrCat(failed, failed == 1 ? " report" : " reports",
                                  " could not be computed");
  }
  return Html(200, render::RenderExperimentListPage(rows, options));
}

HttpResponse ExperimentPage(const WebUiServices& services,
                            absl::string_view auth, absl::string_view key,
                            absl::string_view query) {
  absl::StatusOr<render::ReportQuery> parsed = render::ParseReportQuery(query);
  if (!parsed.ok()) {
    return Html(400, render::RenderErrorPage(400, parsed.status().message()));
  }
  v1::Report report;
  absl::Status status = services.reports->HandleGetReport(
      auth, render::ReportRequestFor(key, *parsed), &report);
  if (!status.ok()) return ErrorPage(status);
  render::ExperimentPageOptions options;
  options.query = *parsed;
  v1::GetTimeSeriesResponse series;
  status = services.reports->HandleGetTimeSeries(
      auth, render::TimeSeriesRequestFor(report, *parsed), &series);
  if (!status.ok()) {
    series.Clear();
    options.time_series_note =
        absl::StrCat("The lift over time is not available: ", status.message());
  }
  return Html(200, render::RenderExperimentPage(report, series, options));
}

}  // namespace

HttpResponse HandleWebUi(const WebUiServices& services,
                         const HttpRequest& request,
                         const std::vector<std::string>& segments) {
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  if (segments.size() == 2 && segments[1] == "login") {
    if (get) return Html(200, LoginPage("Sign in with an API key."));
    if (method != "POST") {
      return Html(405, render::RenderErrorPage(405, "use GET or POST"));
    }
    const std::string key = FormField(request.body, "key");
    if (key.empty()) return Html(400, LoginPage("key: must not be empty"));
    // Check the key before storing it.
    v1::ListExperimentsResponse ignored;
    const absl::Status status = services.experiments->HandleListExperiments(
        absl::StrCat("Bearer ", key), v1::ListRequest(), &ignored);
    if (!status.ok()) {
      return Html(HttpStatusOf(status.code()), LoginPage(status.message()));
    }
    HttpResponse r = Redirect(render::kUiRoot);
    r.headers.emplace_back(
        "Set-Cookie",
        absl::StrCat(kCookie, "=", render::UrlEscape(key),
                     "; Path=/ui; HttpOnly; SameSite=Strict"));
    return r;
  }
  if (segments.size() == 2 && segments[1] == "logout") {
    if (method != "POST") {
      return Html(405, render::RenderErrorPage(405, "use POST"));
    }
    HttpResponse r = Redirect(absl::StrCat(render::kUiRoot, "/login"));
    r.headers.emplace_back(
        "Set-Cookie",
        absl::StrCat(kCookie, "=; Path=/ui; HttpOnly; SameSite=Strict; "
                              "Max-Age=0"));
    return r;
  }
  const bool list = segments.size() == 1;
  const bool page = segments.size() == 3 && segments[1] == "experiments";
  if (!list && !page) {
    return Html(404, render::RenderErrorPage(
                         404, absl::StrCat("no page at '", request.path, "'")));
  }
  if (!get) {
    HttpResponse r = Html(405, render::RenderErrorPage(405, "use GET"));
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  const std::string auth = UiAuthorization(request);
  if (list) return ListPage(services, auth);
  return ExperimentPage(services, auth, segments[2], request.query);
}

}  // namespace cxlab::api
