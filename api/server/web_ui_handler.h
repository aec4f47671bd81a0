// Copyright 2026 The cxlab Authors.
//
// The web reports at /ui: the experiment list and one page per experiment,
// rendered by api/render/web_ui.h (the renderer of `cxlab report --html`)
// from the reports the ReportService computes for the caller's key.
//
//   GET  /ui                        every experiment: status, days running,
//                                   units, SRM badge, primary-metric verdict
//   GET  /ui/experiments/{key}?method=sequential&alpha=0.05&cuped=true&
//        by_segment=true            the report with its plots
//   GET  /ui/login, POST /ui/login  a form that stores the key in an
//                                   HttpOnly cookie (browsers cannot send an
//                                   Authorization header on navigation)
//   POST /ui/logout                 forgets it
//
// The key comes from the Authorization or X-API-Key header, else from the
// "cxlab_key" cookie; without one the pages answer 401 with the login form.
// Role reader or higher.
//
// Thread-safety: stateless; the services are thread-safe.

#ifndef CXLAB_API_SERVER_WEB_UI_HANDLER_H_
#define CXLAB_API_SERVER_WEB_UI_HANDLER_H_

#include <string>
#include <vector>

#include "api/server/http_message.h"

namespace cxlab::api {

class ExperimentServiceImpl;
class ReportServiceImpl;

// Borrowed; must outlive the call.
struct WebUiServices {
  ExperimentServiceImpl* experiments = nullptr;
  ReportServiceImpl* reports = nullptr;
};

// Answers a request whose decoded path segments `segments` start with "ui".
HttpResponse HandleWebUi(const WebUiServices& services,
                         const HttpRequest& request,
                         const std::vector<std::string>& segments);

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_WEB_UI_HANDLER_H_
