// Exactly-sized buffers for the op targets and the checks around one
// call (RunOpCase). Its loops run over every element of every buffer:
// kept out of coverage instrumentation (see coverage_ignore.txt).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "fuzz_common.h"

namespace simdnorm_fuzz {
namespace {

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

Arenas::Arenas(const Layout& layout, bool dummy) {
  for (int a = 0; a < layout.arena_count(); ++a) {
    __int128 n = layout.arena_size(a);
    if (dummy) n = std::min<__int128>(n, 64);
    const size_t count = static_cast<size_t>(n);
    // malloc, not a vector: exactly these bytes, so that AddressSanitizer
    // reports any access past them.
    base_.push_back(static_cast<float*>(std::malloc(count * sizeof(float))));
    if (base_.back() == nullptr && count != 0) Die("out of memory");
    allocated_.push_back(static_cast<int64_t>(count));
  }
}

Arenas::~Arenas() {
  for (float* p : base_) std::free(p);
}

void Arenas::Fill(const std::vector<View>& views, const DataSpec& data) {
  for (size_t a = 0; a < base_.size(); ++a) {
    bool holds_input = false;
    for (const View& v : views) {
      holds_input |= v.present && v.is_input && v.arena == static_cast<int>(a);
    }
    float* p = base_[a];
    const int64_t n = allocated_[a];
    if (!holds_input) {
      const float canary = FloatFromBits(kCanaryBits);
      for (int64_t i = 0; i < n; ++i) p[i] = canary;
      continue;
    }
    uint64_t state = data.seed * 0x100000001b3ull + a;
    const int64_t period = 1 + static_cast<int64_t>(data.seed % 7);
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t r = SplitMix(state);
      const double unit = static_cast<double>(r >> 11) * 0x1p-53 * 2.0 - 1.0;
      double v;
      switch (data.kind) {
        case 0: v = unit * data.scale + data.offset; break;
        case 1: v = static_cast<double>(static_cast<int>(r % 9) - 4) * data.scale + data.offset; break;
        case 2: v = static_cast<double>(data.scale) + data.offset; break;
        case 3: {  // any magnitude, normal or denormal
          const int exponent = static_cast<int>(r % 268) - 149;
          v = std::ldexp((r >> 40) & 1 ? -1.0 : 1.0, exponent);
          break;
        }
        default: v = static_cast<double>(i % period) * data.scale + data.offset; break;
      }
      p[i] = static_cast<float>(std::max(-3.4e38, std::min(3.4e38, v)));
    }
    for (const auto& s : data.specials) {
      if (n > 0) p[s.first % static_cast<uint64_t>(n)] = s.second;
    }
  }
}

float* Arenas::Pointer(const View& v) const {
  if (!v.present) return nullptr;
  // May point past a dummy allocation: computed as an integer.
  const uintptr_t base = reinterpret_cast<uintptr_t>(base_[static_cast<size_t>(v.arena)]);
  return reinterpret_cast<float*>(base + static_cast<uintptr_t>(v.offset) * sizeof(float));
}

void Arenas::Snapshot() {
  snapshot_.clear();
  for (size_t a = 0; a < base_.size(); ++a) {
    snapshot_.emplace_back(base_[a], base_[a] + allocated_[a]);
  }
}

void Arenas::CheckUnchanged(const std::vector<std::vector<uint8_t>>& writable,
                            const char* when) const {
  for (size_t a = 0; a < base_.size(); ++a) {
    for (int64_t i = 0; i < allocated_[a]; ++i) {
      if (!writable.empty() && writable[a][static_cast<size_t>(i)]) continue;
      if (FloatBits(base_[a][i]) != FloatBits(snapshot_[a][static_cast<size_t>(i)])) {
        Die(std::string(when) + ": float " + Str(i) + " of buffer " +
            Str(static_cast<int64_t>(a)) + " changed from " +
            Str(snapshot_[a][static_cast<size_t>(i)]) + " to " + Str(base_[a][i]) +
            " but the call may not write there");
      }
    }
  }
}

void Arenas::CheckAllUnchanged(const char* when) const {
  CheckUnchanged({}, when);
}

std::vector<int64_t> Arenas::Indexes(const View& v) {
  std::vector<int64_t> out(static_cast<size_t>(v.Elements()));
  const int64_t rows = static_cast<int64_t>(v.rows), cols = static_cast<int64_t>(v.cols),
                stride = static_cast<int64_t>(v.stride);
  int64_t* p = out.data();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t row = v.offset + r * stride;
    for (int64_t c = 0; c < cols; ++c) *p++ = row + c;
  }
  return out;
}

std::vector<std::vector<uint8_t>> Arenas::EmptyMask() const {
  std::vector<std::vector<uint8_t>> mask;
  for (int64_t n : allocated_) mask.emplace_back(static_cast<size_t>(n), 0);
  return mask;
}

std::vector<float> Arenas::Gather(const View& v) const {
  const std::vector<float>& saved = snapshot_[static_cast<size_t>(v.arena)];
  const std::vector<int64_t> at = Indexes(v);
  std::vector<float> out(at.size());
  for (size_t i = 0; i < at.size(); ++i) out[i] = saved[static_cast<size_t>(at[i])];
  return out;
}

bool SameResult(float got, float want) {
  if (std::isnan(want)) return std::isnan(got) && FloatBits(got) != kCanaryBits;
  return FloatBits(got) == FloatBits(want);
}

void RunOpCase(OpRun& run) {
  std::vector<View>& views = *run.views;
  Layout layout;
  layout.Place(views, run.places);
  const Verdict verdict = run.model.verdict();
  const bool too_big = layout.TotalBytes() > __int128{kMaxValidBytes};
  if (too_big && verdict != Verdict::kInvalid) {  // cannot run it
    CountOutcome("too large to run");
    return;
  }

  std::string where;
  for (const View& v : views) {
    where += std::string(" ") + v.name + "=";
    where += v.present ? "buf" + Str(int64_t{v.arena}) + "+" + Str(v.offset)
                       : std::string("null");
  }
  AppendCaseDescription(where + " | model " + run.model.Describe());

  Arenas arenas(layout, too_big);
  arenas.Fill(views, run.data);
  run.bind(arenas);
  arenas.Snapshot();
  ArmLastError();
  const simdnorm_status status = run.call();

  if (status != SIMDNORM_OK) {
    FUZZ_CHECK(verdict != Verdict::kValid,
               "a valid call failed with status " + Str(int64_t{status}) +
                   ": " + simdnorm_last_error());
    FUZZ_CHECK(status == SIMDNORM_INVALID_ARGUMENT ||
                   status == SIMDNORM_UNSUPPORTED,
               "bad arguments gave status " + Str(int64_t{status}) + ": " +
                   simdnorm_last_error());
    FUZZ_CHECK(!LastErrorIsArmed() && simdnorm_last_error()[0] != '\0',
               "a failed call recorded no message");
    arenas.CheckAllUnchanged("after a failed call");
    CountOutcome(verdict == Verdict::kInvalid ? "rejected as expected"
                                              : "rejected (open case)");
    return;
  }
  CountOutcome(verdict == Verdict::kValid ? "ran as expected" : "ran (open case)");
  FUZZ_CHECK(verdict != Verdict::kInvalid,
             "the library accepted an invalid call (" + run.model.Describe() +
                 ")");
  FUZZ_CHECK(LastErrorIsArmed(),
             std::string("a successful call changed simdnorm_last_error() to: ") +
                 simdnorm_last_error());

  // Which logical elements of each output view the call writes.
  std::vector<std::vector<uint8_t>> written(views.size());
  std::vector<std::vector<int64_t>> at(views.size());  // arena indexes
  std::vector<std::vector<uint8_t>> mask = arenas.EmptyMask();
  for (size_t v = 0; v < views.size(); ++v) {
    const View& view = views[v];
    if (!view.present || !view.is_output) continue;
    written[v].assign(static_cast<size_t>(view.Elements()), 0);
    run.written(static_cast<int>(v), written[v]);
    at[v] = Arenas::Indexes(view);
    std::vector<uint8_t>& arena_mask = mask[static_cast<size_t>(view.arena)];
    for (size_t i = 0; i < written[v].size(); ++i) {
      if (written[v][i]) arena_mask[static_cast<size_t>(at[v][i])] = 1;
    }
  }
  arenas.CheckUnchanged(mask, "after a successful call");

  std::vector<std::vector<float>> dense(views.size());
  for (size_t v = 0; v < views.size(); ++v) {
    const View& view = views[v];
    if (!view.present) continue;
    if (view.is_input) {
      dense[v] = arenas.Gather(view);
    } else {
      dense[v].assign(static_cast<size_t>(view.Elements()), FloatFromBits(kCanaryBits));
    }
  }
  const simdnorm_status ref_status = run.reference(dense);
  FUZZ_CHECK(ref_status == SIMDNORM_OK,
             std::string("the dense reference call failed: ") +
                 simdnorm_last_error());
  for (size_t v = 0; v < views.size(); ++v) {
    const View& view = views[v];
    const float* live = written[v].empty() ? nullptr : arenas.Data(view.arena);
    for (size_t i = 0; i < written[v].size(); ++i) {
      if (!written[v][i]) continue;
      const float got = live[at[v][i]];
      const float want = dense[v][i];
      if (!SameResult(got, want)) {
        Die(std::string(view.name) + "[" + Str(static_cast<int64_t>(i)) + "] is " +
            Str(got) + " but the dense one-thread call gives " + Str(want));
      }
    }
  }
  if (run.check_reference) run.check_reference(dense);
}

}  // namespace simdnorm_fuzz
