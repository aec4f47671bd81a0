// Copyright 2026 The cxlab Authors.
//
// ProgressBar: one self-overwriting progress line on stderr for the CLI's
// long commands (track -f, recompute, simulate --scenario):
//
//     [##########----------]  50%  5000/10000 events
//
//   ProgressBar bar(err, ProgressBar::Wanted(flag, err), "events");
//   for (...) bar.Update(done, total);
//   bar.Finish();  // ends the line (also done by the destructor)
//
// Updates are drawn at most ten times a second, except the first and the one
// reaching the total. A disabled bar draws nothing, so callers need no ifs.
//
// Thread-compatible: one bar per thread; it borrows `out`, which must
// outlive it.

#ifndef CXLAB_CLIENTS_CPP_CLI_PROGRESS_H_
#define CXLAB_CLIENTS_CPP_CLI_PROGRESS_H_

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <ostream>
#include <string>
#include <utility>

namespace cxlab::cli {

class ProgressBar {
 public:
  // Whether to draw: when `forced` (a --progress flag), or when `err` is the
  // process's stderr and that is a terminal.
  static bool Wanted(bool forced, const std::ostream& err) {
    return forced || (&err == &std::cerr && isatty(STDERR_FILENO) == 1);
  }

  // Draws to `out` when `enabled`; `what` names the counted things.
  ProgressBar(std::ostream& out, bool enabled, std::string what)
      : out_(out), enabled_(enabled), what_(std::move(what)) {}

  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  ~ProgressBar() { Finish(); }

  // Shows `done` of `total` (total <= 0: a count without a bar).
  void Update(int64_t done, int64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const bool last = total > 0 && done >= total;
    if (drawn_ && !last && now - last_draw_ < std::chrono::milliseconds(100)) {
      return;
    }
    last_draw_ = now;
    drawn_ = true;
    out_ << "\r  ";
    if (total > 0) {
      constexpr int kWidth = 20;
      const int64_t clamped = std::clamp<int64_t>(done, 0, total);
      const int filled = static_cast<int>(clamped * kWidth / total);
      out_ << '[' << std::string(filled, '#')
           << std::string(kWidth - filled, '-') << "] ";
      const int64_t percent = clamped * 100 / total;
      out_ << (percent < 10 ? "  " : percent < 100 ? " " : "") << percent
           << "%  " << done << "/" << total;
    } else {
      out_ << done;
    }
    out_ << " " << what_;
    out_.flush();
  }

  // Ends the line if anything was drawn. Idempotent.
  void Finish() {
    if (!drawn_) return;
    out_ << "\n";
    out_.flush();
    drawn_ = false;
  }

 private:
  std::ostream& out_;
  const bool enabled_;
  const std::string what_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_PROGRESS_H_
