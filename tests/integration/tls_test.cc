// Copyright 2026 The cxlab Authors.
//
// TLS on both ports of an in-process CxlabServer (127.0.0.1, port 0), with
// a throwaway CA and certificates made by the `openssl` command at test
// time: TLS works with the right CA (gRPC through the C++ client, HTTP
// through curl), plaintext to a TLS port fails, a client trusting another CA
// fails, and with mutual TLS a client without a certificate fails while one
// with a certificate of the client CA works. Bad TLS options are named.

#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/cpp/client/client.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

// Runs `command` with /bin/sh; returns its exit status and stdout.
int RunShell(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) text.append(buffer, n);
  const int status = pclose(pipe);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TempDir();
    const std::string d = certs_->path();
    // Two CAs; a server certificate for 127.0.0.1 and localhost signed by
    // the first; a client certificate signed by the second (the client CA).
    const std::string script = absl::StrCat(
        "set -e; cd ", d, "\n",
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca "
        "-keyout ca.key -out ca.pem 2>/dev/null\n",
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca "
        "-keyout other.key -out other.pem 2>/dev/null\n",
        "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost "
        "-keyout server.key -out server.csr 2>/dev/null\n",
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext\n",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -days 1 -extfile server.ext -out server.pem "
        "2>/dev/null\n",
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=client-ca "
        "-keyout client-ca.key -out client-ca.pem 2>/dev/null\n",
        "openssl req -newkey rsa:2048 -nodes -subj /CN=sdk-client "
        "-keyout client.key -out client.csr 2>/dev/null\n",
        "openssl x509 -req -in client.csr -CA client-ca.pem -CAkey "
        "client-ca.key -CAcreateserial -days 1 -out client.pem 2>/dev/null\n");
    ASSERT_EQ(RunShell(script), 0) << "openssl could not make the certificates";
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  static std::string Cert(const std::string& name) {
    return absl::StrCat(certs_->path(), "/", name);
  }

  void Start(bool mutual) {
    api::ServerOptions options;
    options.data_dir = dir_.path();
    options.grpc_port = 0;
    options.http_port = 0;
    options.admin_key = kAdminKey;
    options.tls_cert_file = Cert("server.pem");
    options.tls_key_file = Cert("server.key");
    if (mutual) options.tls_client_ca_file = Cert("client-ca.pem");
    absl::StatusOr<std::unique_ptr<api::CxlabServer>> server =
        api::CxlabServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_TRUE(server_->tls());
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
  }

  absl::StatusOr<std::unique_ptr<client::Client>> Connect(
      const client::TlsFiles& tls) {
    return client::Client::Connect(
        absl::StrCat("127.0.0.1:", server_->port()), kAdminKey,
        absl::Seconds(5), tls);
  }

  // curl's exit status for GET /healthz on the HTTP port.
  int Curl(const std::string& scheme, const std::string& flags,
           std::string* body = nullptr) {
    return RunShell(absl::StrCat("curl -sS --max-time 5 ", flags, " ", scheme,
                            "://127.0.0.1:", server_->http_port(),
                            "/healthz 2>/dev/null"),
               body);
  }

  static TempDir* certs_;
  TempDir dir_;
  std::unique_ptr<api::CxlabServer> server_;
};

TempDir* TlsTest::certs_ = nullptr;

TEST_F(TlsTest, GrpcWorksWithTheRightCaOnly) {
  ASSERT_NO_FATAL_FAILURE(Start(/*mutual=*/false));
  client::TlsFiles tls;
  tls.ca_file = Cert("ca.pem");
  absl::StatusOr<std::unique_ptr<client::Client>> client = Connect(tls);
  ASSERT_TRUE(client.ok()) << client.status();
  v1::ListRequest request;
  EXPECT_TRUE((*client)->ListExperiments(request).ok());

  // Plaintext to the TLS port.
  EXPECT_EQ(Connect(client::TlsFiles()).status().code(),
            absl::StatusCode::kUnavailable);
  // A client that trusts another CA.
  tls.ca_file = Cert("other.pem");
  EXPECT_EQ(Connect(tls).status().code(), absl::StatusCode::kUnavailable);
  // A CA file that does not exist is named.
  tls.ca_file = Cert("missing.pem");
  const absl::Status missing = Connect(tls).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.message(), ::testing::HasSubstr("tls_ca: cannot read"));
}

TEST_F(TlsTest, HttpWorksWithTheRightCaOnly) {
  ASSERT_NO_FATAL_FAILURE(Start(/*mutual=*/false));
  std::string body;
  EXPECT_EQ(Curl("https", "--cacert " + Cert("ca.pem"), &body), 0);
  EXPECT_EQ(body, "ok\n");
  EXPECT_NE(Curl("http", ""), 0) << "plaintext HTTP to the TLS port";
  EXPECT_NE(Curl("https", "--cacert " + Cert("other.pem")), 0);
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificateOfTheClientCa) {
  ASSERT_NO_FATAL_FAILURE(Start(/*mutual=*/true));
  client::TlsFiles tls;
  tls.ca_file = Cert("ca.pem");
  EXPECT_EQ(Connect(tls).status().code(), absl::StatusCode::kUnavailable)
      << "no client certificate";
  tls.cert_file = Cert("client.pem");
  tls.key_file = Cert("client.key");
  absl::StatusOr<std::unique_ptr<client::Client>> client = Connect(tls);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE((*client)->ListExperiments(v1::ListRequest()).ok());
  // A certificate the client CA did not sign (the server's own).
  tls.cert_file = Cert("server.pem");
  tls.key_file = Cert("server.key");
  EXPECT_EQ(Connect(tls).status().code(), absl::StatusCode::kUnavailable);

  const std::string ca = "--cacert " + Cert("ca.pem");
  EXPECT_NE(Curl("https", ca), 0) << "HTTP without a client certificate";
  std::string body;
  EXPECT_EQ(Curl("https",
                 absl::StrCat(ca, " --cert ", Cert("client.pem"), " --key ",
                              Cert("client.key")),
                 &body),
            0);
  EXPECT_EQ(body, "ok\n");
}

TEST_F(TlsTest, BadTlsOptionsAreNamed) {
  api::ServerOptions options;
  options.data_dir = dir_.path();
  options.admin_key = kAdminKey;
  options.tls_cert_file = Cert("server.pem");
  absl::Status s = api::CxlabServer::Start(options).status();
  EXPECT_THAT(s.message(), ::testing::HasSubstr("give both files or neither"));
  options.tls_key_file = Cert("nope.key");
  s = api::CxlabServer::Start(options).status();
  EXPECT_THAT(s.message(), ::testing::HasSubstr("tls_key: cannot read"));
  options.tls_cert_file.clear();
  options.tls_key_file.clear();
  options.tls_client_ca_file = Cert("client-ca.pem");
  s = api::CxlabServer::Start(options).status();
  EXPECT_THAT(s.message(), ::testing::HasSubstr("tls_client_ca: needs"));
  EXPECT_FALSE(api::IsLoopback("0.0.0.0"));
  EXPECT_TRUE(api::IsLoopback("127.0.0.1"));
  EXPECT_TRUE(api::IsLoopback("::1"));
}

}  // namespace
}  // namespace cxlab::integration
