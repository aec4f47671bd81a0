// Copyright 2026 The cxlab Authors.

#include "api/server/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"

namespace cxlab::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr size_t kMaxHeaderBytes = 16 * 1024;

// Converts a parsed Beast request into the transport-free HttpRequest.
HttpRequest ToHttpRequest(http::request<http::string_body>&& in) {
  HttpRequest out;
  out.method = std::string(in.method_string());
  absl::AsciiStrToUpper(&out.method);
  const beast::string_view target = in.target();
  const size_t q = target.find('?');
  if (q == beast::string_view::npos) {
    out.path = std::string(target);
  } else {
    out.path = std::string(target.substr(0, q));
    out.query = std::string(target.substr(q + 1));
  }
  for (const auto& field : in) {
    std::string name(field.name_string());
    absl::AsciiStrToLower(&name);
    out.headers[name] = std::string(field.value());
  }
  out.body = std::move(in.body());
  return out;
}

// A response that needs no handler: 400, 413.
HttpResponse TransportError(int status, absl::string_view code,
                            absl::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body = absl::StrCat(R"({"code":")", code, R"(","message":")", message,
                        R"(","field":""})");
  r.close = true;
  return r;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: read a request, answer it, repeat while kept alive.
// `Stream` is beast::tcp_stream (plaintext) or TlsStream (TLS: a handshake
// first, a TLS shutdown last).
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  // Plaintext.
  // `open` counts the open sessions (borrowed; outlives the session).
  Session(tcp::socket&& socket, const HttpHandler& handler,
          const HttpServerOptions& options, std::atomic<int>& open)
      : stream_(std::move(socket)),
        handler_(handler),
        options_(options),
        open_(open) {}
  // TLS with `context` (borrowed; outlives the session).
  Session(tcp::socket&& socket, net::ssl::context& context,
          const HttpHandler& handler, const HttpServerOptions& options,
          std::atomic<int>& open)
      : stream_(std::move(socket), context),
        handler_(handler),
        options_(options),
        open_(open) {}
  ~Session() { open_.fetch_sub(1, std::memory_order_relaxed); }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::Start,
                                            this->shared_from_this()));
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Start() {
    if constexpr (kTls) {
      // A client that never completes the handshake is dropped.
      Tcp().expires_after(std::chrono::seconds(10));
      stream_.async_handshake(
          net::ssl::stream_base::server,
          beast::bind_front_handler(&Session::OnHandshake,
                                    this->shared_from_this()));
    } else {
      ReadHeader();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) return;  // not TLS, a certificate refused: drop the connection
    ReadHeader();
  }

 private:
  std::chrono::steady_clock::duration IdleTimeout() const {
    return std::chrono::microseconds(
        absl::ToInt64Microseconds(options_.idle_timeout));
  }

  void ReadHeader() {
    head_ = false;
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(options_.max_body_bytes);
    Tcp().expires_after(IdleTimeout());
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader,
                                  this->shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::body_limit) {
      return Respond(TransportError(413, "RESOURCE_EXHAUSTED",
                                    absl::StrCat("body: at most ",
                                                 options_.max_body_bytes,
                                                 " bytes")),
                     false);
    }
    if (ec == http::error::header_limit) {
      return Respond(TransportError(431, "INVALID_ARGUMENT",
                                    "request headers are too large"),
                     /*keep_alive=*/false);
    }
    if (ec == beast::error::timeout || ec == net::error::operation_aborted) {
      return;  // idle or shut down: drop the connection
    }
    if (ec) {
      return Respond(TransportError(400, "INVALID_ARGUMENT",
                                    "malformed HTTP request"),
                     false);
    }
    const auto& header = parser_->get();
    const auto length = parser_->content_length();
    if (length && *length > options_.max_body_bytes) {
      return Respond(
          TransportError(413, "RESOURCE_EXHAUSTED",
                         absl::StrCat("body: at most ", options_.max_body_bytes,
                                      " bytes, got ", *length)),
          false);
    }
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, header.version());
      http::async_write(
          stream_, *continue_,
          beast::bind_front_handler(&Session::OnContinue,
                                    this->shared_from_this()));
      return;
    }
    ReadBody();
  }

  void OnContinue(beast::error_code ec, size_t) {
    continue_.reset();
    if (ec) return;
    ReadBody();
  }

  void ReadBody() {
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnRead, this->shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) {
      return Respond(TransportError(413, "RESOURCE_EXHAUSTED",
                                    absl::StrCat("body: at most ",
                                                 options_.max_body_bytes,
                                                 " bytes")),
                     false);
    }
    if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == http::error::end_of_stream) {
      return;
    }
    if (ec) {
      return Respond(TransportError(400, "INVALID_ARGUMENT",
                                    "malformed HTTP request"),
                     false);
    }
    http::request<http::string_body> request = parser_->release();
    const bool keep_alive = request.keep_alive();
    version_ = request.version();
    head_ = request.method() == http::verb::head;
    HttpResponse response = handler_(ToHttpRequest(std::move(request)));
    Respond(std::move(response), keep_alive);
  }

  void Respond(HttpResponse response, bool keep_alive) {
    keep_alive = keep_alive && !response.close;
    response_.emplace(static_cast<http::status>(response.status), version_);
    response_->set(http::field::server, "cxlabd");
    if (!response.content_type.empty()) {
      response_->set(http::field::content_type, response.content_type);
    }
    for (auto& [name, value] : response.headers) {
      response_->insert(name, value);
    }
    response_->body() = std::move(response.body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    if (head_) {
      // HEAD: the headers of the GET answer (its Content-Length), no body.
      const size_t length = response_->body().size();
      response_->body().clear();
      response_->content_length(length);
    }
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Session::OnWrite,
                                                this->shared_from_this(),
                                                !keep_alive));
  }

  void OnWrite(bool close, beast::error_code ec, size_t) {
    response_.reset();
    if (ec) return;
    if (close) return Close();
    ReadHeader();
  }

  void Close() {
    if constexpr (kTls) {
      Tcp().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  const HttpHandler& handler_;
  const HttpServerOptions& options_;
  std::atomic<int>& open_;
  unsigned version_ = 11;
  bool head_ = false;  // answering a HEAD request
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> response_;
};

// The server's TLS context: TLS 1.2 and later, the certificate chain and
// key, and when `client_ca_pem` is set, client certificates required and
// verified against it.
absl::StatusOr<std::unique_ptr<net::ssl::context>> MakeTlsContext(
    const HttpTlsOptions& tls) {
  auto context =
      std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  beast::error_code ec;
  context->set_options(net::ssl::context::default_workarounds |
                           net::ssl::context::no_sslv2 |
                           net::ssl::context::no_sslv3 |
                           net::ssl::context::no_tlsv1 |
                           net::ssl::context::no_tlsv1_1 |
                           net::ssl::context::single_dh_use,
                       ec);
  if (!ec) {
    context->use_certificate_chain(
        net::buffer(tls.cert_chain_pem.data(), tls.cert_chain_pem.size()), ec);
  }
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls_cert: not a usable PEM certificate chain: ",
                     ec.message()));
  }
  context->use_private_key(
      net::buffer(tls.private_key_pem.data(), tls.private_key_pem.size()),
      net::ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls_key: not a usable PEM private key for the certificate: ",
        ec.message()));
  }
  if (!tls.client_ca_pem.empty()) {
    context->add_certificate_authority(
        net::buffer(tls.client_ca_pem.data(), tls.client_ca_pem.size()), ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tls_client_ca: not a usable PEM certificate: ", ec.message()));
    }
    context->set_verify_mode(net::ssl::verify_peer |
                             net::ssl::verify_fail_if_no_peer_cert);
  }
  return context;
}

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerOptions options_in, HttpHandler handler_in)
      : options(std::move(options_in)),
        handler(std::move(handler_in)),
        ioc(std::max(1, options.threads)),
        acceptor(net::make_strand(ioc)) {}

  void Accept() {
    net::ssl::context* tls = this->tls.get();
    acceptor.async_accept(
        net::make_strand(ioc),
        [this, tls](beast::error_code ec, tcp::socket s) {
          if (ec == net::error::operation_aborted || !acceptor.is_open()) {
            return;
          }
          if (!ec && options.max_connections > 0 &&
              open.load(std::memory_order_relaxed) >= options.max_connections) {
            beast::error_code ignored;
            s.close(ignored);  // over the cap: shed, do not queue
          } else if (!ec) {
            open.fetch_add(1, std::memory_order_relaxed);
            beast::error_code ignored;
            s.set_option(tcp::no_delay(true), ignored);
            if (tls != nullptr) {
              std::make_shared<Session<TlsStream>>(std::move(s), *tls, handler,
                                                   options, open)
                  ->Run();
            } else {
              std::make_shared<Session<beast::tcp_stream>>(
                  std::move(s), handler, options, open)
                  ->Run();
            }
          }
          Accept();
        });
  }

  HttpServerOptions options;
  HttpHandler handler;
  // Set when serving TLS; outlives the io_context and its sessions.
  std::unique_ptr<net::ssl::context> tls;
  // Open sessions (each decrements it when destroyed, with the io_context).
  std::atomic<int> open{0};
  net::io_context ioc;
  tcp::acceptor acceptor;
  tcp::endpoint endpoint;
  std::vector<std::thread> threads;
  bool stopped = false;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, HttpHandler handler) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_port: must be in [0, 65535], got ", options.port));
  }
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  if (options.tls.has_value()) {
    ASSIGN_OR_RETURN(impl->tls, MakeTlsContext(*options.tls));
  }
  const std::string where = absl::StrCat(options.bind, ":", options.port);
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(options.bind, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("bind: '", options.bind, "' is not an IP address"));
  }
  const tcp::endpoint endpoint(address,
                               static_cast<unsigned short>(options.port));
  auto fail = [&](absl::string_view step) {
    return absl::UnavailableError(
        absl::StrCat("http ", step, " ", where, ": ", ec.message()));
  };
  impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("reuse_address");
  impl->acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  impl->endpoint = impl->acceptor.local_endpoint(ec);
  if (ec) return fail("local_endpoint");
  impl->Accept();
  const int threads = std::max(1, options.threads);
  for (int i = 0; i < threads; ++i) {
    Impl* raw = impl.get();
    impl->threads.emplace_back([raw] { raw->ioc.run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Shutdown();
  impl_.reset();  // the io_context first (members in reverse order)
}

int HttpServer::port() const { return impl_->endpoint.port(); }

std::string HttpServer::address() const {
  return absl::StrCat(impl_->endpoint.address().to_string(), ":",
                      impl_->endpoint.port());
}

void HttpServer::Shutdown() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  beast::error_code ec;
  impl_->acceptor.close(ec);
  // The sessions live in the io_context's pending operations: destroying it
  // (with Impl) closes their sockets. No handler runs after this point.
}

}  // namespace cxlab::api
