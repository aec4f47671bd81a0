// Copyright 2026 The cxlab Authors.
//
// HttpServer: an asynchronous HTTP/1.1 server (Boost.Beast over Asio) that
// hands every complete request to one handler and writes its answer. It
// knows nothing of cxlab's routes: the handler (HttpGateway::Handle) does.
//
//   HttpServerOptions options;
//   options.port = 0;                      // pick a free port
//   ASSIGN_OR_RETURN(std::unique_ptr<HttpServer> http,
//                    HttpServer::Start(options, [&](const HttpRequest& r) {
//                      return gateway.Handle(r);
//                    }));
//   std::cout << "http listening on " << http->address() << "\n";
//   ...
//   http->Shutdown();
//
// Connections are kept alive (HTTP/1.1 default, or HTTP/1.0 with
// "Connection: keep-alive") until the client closes them or stays idle for
// `idle_timeout`. A body larger than `max_body_bytes` is answered 413 and
// the connection closed, without reading the body; a malformed request gets
// 400; "Expect: 100-continue" is honoured. Each connection has its own
// strand; `threads` threads run the I/O and the handler, so a handler that
// blocks (a Track call writing to RocksDB) holds one thread, not the server.
//
// Thread-safety: the handler is called concurrently from the I/O threads
// and must be thread-safe. Start/Shutdown from one thread.

#ifndef CXLAB_API_SERVER_HTTP_SERVER_H_
#define CXLAB_API_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/server/http_message.h"

namespace cxlab::api {

// TLS of the HTTP port, as PEM text (the caller reads the files).
struct HttpTlsOptions {
  // The server's certificate, then any intermediates.
  std::string cert_chain_pem;
  std::string private_key_pem;
  // Non-empty: mutual TLS; clients must present a certificate this CA
  // signed, or the handshake fails.
  std::string client_ca_pem;
};

struct HttpServerOptions {
  // Address to bind (an IPv4 or IPv6 literal).
  std::string bind = "127.0.0.1";
  // 0 picks a free port (see HttpServer::port()).
  int port = 0;
  // I/O threads, which also run the handler.
  int threads = 4;
  // Request bodies larger than this are answered 413.
  size_t max_body_bytes = 4 << 20;
  // A connection with no complete request for this long is closed.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Open connections at most; one more is closed as soon as it is accepted
  // (the client sees a reset, not a queue). 0: no cap.
  int max_connections = 1024;
  // Set: serve HTTPS only (TLS 1.2+); a plaintext request fails its
  // handshake and the connection is closed.
  std::optional<HttpTlsOptions> tls;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // Binds, listens and starts the I/O threads. Errors name the failing step
  // ("http bind 127.0.0.1:80: Permission denied") or the bad TLS input
  // ("tls_key: not a usable PEM private key ...").
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, HttpHandler handler);

  // Shuts down (if not yet).
  ~HttpServer();

  // The port actually bound, and "ADDR:PORT".
  int port() const;
  std::string address() const;

  // Stops accepting, closes every connection and joins the I/O threads; a
  // handler already running finishes first. Idempotent.
  void Shutdown();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_HTTP_SERVER_H_
