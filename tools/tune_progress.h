// Progress of a tuning run on stderr: a bar with ETA, redrawn in place when
// stderr is a terminal, one plain line per finished group otherwise.
#ifndef SIMDNORM_TOOLS_TUNE_PROGRESS_H_
#define SIMDNORM_TOOLS_TUNE_PROGRESS_H_

#include <string>

namespace simdnorm_tune {

class Progress {
 public:
  // quiet: print nothing. deadline: the run's budget end (Now() clock).
  Progress(bool quiet, int groups, double start, double deadline);
  // Group `index` (0-based) is `fraction` done.
  void Update(int index, double fraction, const std::string& label);
  // Group `index` finished with this summary.
  void GroupDone(int index, const std::string& label,
                 const std::string& summary);
  // Any message, without breaking a bar in progress.
  void Note(const std::string& message);
  void Finish();

 private:
  void Draw(double done, const std::string& label);
  void ClearBar();

  bool quiet_;
  bool terminal_;
  int groups_;
  double start_, deadline_;
  bool bar_shown_ = false;
  double last_draw_ = 0.0;
};

}  // namespace simdnorm_tune

#endif  // SIMDNORM_TOOLS_TUNE_PROGRESS_H_
