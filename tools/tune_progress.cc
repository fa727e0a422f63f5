#include "tune_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "tune_timing.h"

namespace simdnorm_tune {
namespace {
constexpr int kBarWidth = 24;
constexpr double kRedrawSeconds = 0.1;
}  // namespace

Progress::Progress(bool quiet, int groups, double start, double deadline)
    : quiet_(quiet),
      terminal_(isatty(STDERR_FILENO) != 0),
      groups_(std::max(groups, 1)),
      start_(start),
      deadline_(deadline) {}

void Progress::Update(int index, double fraction, const std::string& label) {
  if (quiet_ || !terminal_) return;
  if (Now() - last_draw_ < kRedrawSeconds) return;
  Draw((index + std::clamp(fraction, 0.0, 1.0)) / groups_, label);
}

void Progress::GroupDone(int index, const std::string& label,
                         const std::string& summary) {
  if (quiet_) return;
  if (terminal_) {
    ClearBar();
    std::fprintf(stderr, "[%d/%d] %s: %s\n", index + 1, groups_, label.c_str(),
                 summary.c_str());
    Draw(static_cast<double>(index + 1) / groups_, "");
  } else {
    std::fprintf(stderr, "[%d/%d] %.1fs %s: %s\n", index + 1, groups_,
                 Now() - start_, label.c_str(), summary.c_str());
  }
  std::fflush(stderr);
}

void Progress::Note(const std::string& message) {
  if (quiet_) return;
  ClearBar();
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
}

void Progress::Finish() { ClearBar(); }

void Progress::Draw(double done, const std::string& label) {
  const double now = Now();
  last_draw_ = now;
  const double elapsed = now - start_;
  // Groups get slices of the budget; they may finish early, never late
  // by much, so the ETA is the smaller of the two estimates.
  double eta = std::max(0.0, deadline_ - now);
  if (done > 0.02) eta = std::min(eta, elapsed * (1.0 - done) / done);
  const int filled = static_cast<int>(done * kBarWidth + 0.5);
  std::string bar(static_cast<size_t>(std::clamp(filled, 0, kBarWidth)), '#');
  bar.resize(kBarWidth, '.');
  std::string shown = label.substr(0, 40);
  std::fprintf(stderr, "\r\033[K[%s] %3.0f%%  ETA %3.0fs  %s", bar.c_str(),
               done * 100.0, eta, shown.c_str());
  std::fflush(stderr);
  bar_shown_ = true;
}

void Progress::ClearBar() {
  if (!bar_shown_) return;
  std::fprintf(stderr, "\r\033[K");
  bar_shown_ = false;
}

}  // namespace simdnorm_tune
