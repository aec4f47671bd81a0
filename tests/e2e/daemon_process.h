// Copyright 2026 The cxlab Authors.
//
// A cxlabd child process for end-to-end tests (the real binary): started
// with fork/execve, its stdout and stderr drained by a thread into log() so
// the daemon never blocks on a full pipe, the "listening on ADDR:PORT" line
// parsed into address(). Header-only; used by backup_test.cc and
// config_crash_test.cc (crash_test.cc predates it and keeps its own copy).
//
//   DaemonProcess daemon;
//   ASSERT_TRUE(daemon.Start({"--data_dir", dir, "--grpc_port", "0",
//                             "--http_port", "-1"}, kAdminKey))
//       << daemon.log();
//   ... grpc::CreateChannel(daemon.address(), ...) ...
//   daemon.Kill();  // SIGKILL, as a crash
//
// Not thread-safe, except address() and log().

#ifndef CXLAB_TESTS_E2E_DAEMON_PROCESS_H_
#define CXLAB_TESTS_E2E_DAEMON_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#ifndef CXLABD_BINARY
#error "CXLABD_BINARY must be defined (the path of cxlabd)"
#endif

extern char** environ;

namespace cxlab::e2e {

class DaemonProcess {
 public:
  using Clock = std::chrono::steady_clock;

  DaemonProcess() = default;
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;
  ~DaemonProcess() { Kill(); }

  // Starts `CXLABD_BINARY args...` with CXLAB_ADMIN_KEY=admin_key and waits
  // up to `timeout` for "listening on ADDR:PORT". False (output in log())
  // when it exits or does not come up in time.
  bool Start(const std::vector<std::string>& args, const std::string& admin_key,
             std::chrono::seconds timeout = std::chrono::seconds(20)) {
    if (!Spawn(args, admin_key)) return false;
    const Clock::time_point give_up = Clock::now() + timeout;
    while (Clock::now() < give_up) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!address_.empty()) return true;
        if (eof_) return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Runs `CXLABD_BINARY args...` to completion (e.g. --restore_only) and
  // returns its exit code (-1 if it did not exit normally).
  int Run(const std::vector<std::string>& args, const std::string& admin_key) {
    if (!Spawn(args, admin_key)) return -1;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    JoinDrain();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // SIGKILLs the child (if running) and reaps it; joins the drain thread.
  void Kill() { Stop(SIGKILL); }

  // SIGTERMs the child (graceful shutdown) and reaps it.
  void Terminate() { Stop(SIGTERM); }

  std::string address() const {
    std::lock_guard<std::mutex> lock(mu_);
    return address_;
  }
  std::string log() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }

 private:
  bool Spawn(const std::vector<std::string>& args,
             const std::string& admin_key) {
    Kill();
    {
      std::lock_guard<std::mutex> lock(mu_);
      log_.clear();
      address_.clear();
      eof_ = false;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    // Built before fork: only async-signal-safe calls in the child.
    std::vector<std::string> env_strings = {"CXLAB_ADMIN_KEY=" + admin_key};
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("CXLAB_ADMIN_KEY=", 0) != 0) {
        env_strings.push_back(*e);
      }
    }
    std::vector<char*> envp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> arg_strings = {CXLABD_BINARY};
    arg_strings.insert(arg_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& s : arg_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) {
      close(fds[0]);
      close(fds[1]);
      return false;
    }
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(fds[1]);
    read_fd_ = fds[0];
    drain_ = std::thread([this] { Drain(); });
    return true;
  }

  void Stop(int signal) {
    if (pid_ > 0) {
      kill(pid_, signal);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    JoinDrain();
  }

  void JoinDrain() {
    if (drain_.joinable()) drain_.join();
    if (read_fd_ >= 0) {
      close(read_fd_);
      read_fd_ = -1;
    }
  }

  void Drain() {
    char buffer[4096];
    while (true) {
      ssize_t n = read(read_fd_, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (n <= 0) {
        eof_ = true;
        return;
      }
      log_.append(buffer, static_cast<size_t>(n));
      if (address_.empty()) {
        constexpr char kPrefix[] = "listening on ";
        size_t at = log_.find(kPrefix);
        // "http listening on" is printed after the gRPC line.
        if (at != std::string::npos) {
          size_t end = log_.find('\n', at);
          if (end != std::string::npos) {
            size_t start = at + sizeof(kPrefix) - 1;
            address_ = log_.substr(start, end - start);
          }
        }
      }
    }
  }

  pid_t pid_ = -1;
  int read_fd_ = -1;
  std::thread drain_;
  mutable std::mutex mu_;
  std::string log_;
  std::string address_;
  bool eof_ = false;
};

}  // namespace cxlab::e2e

#endif  // CXLAB_TESTS_E2E_DAEMON_PROCESS_H_
