// Exactly-sized buffers for the op targets and the checks around one
// call (RunOpCase). Its loops run over every element of every buffer:
// kept out of coverage instrumentation (see coverage_ignore.txt).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fuzz_common.h"

namespace simdnorm_fuzz {
namespace {

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The generated value of element i of a fill stream (before rounding to
// the element type).
class ValueStream {
 public:
  ValueStream(const DataSpec& data, uint64_t stream)
      : data_(data),
        state_(data.seed * 0x100000001b3ull + stream),
        period_(1 + static_cast<int64_t>(data.seed % 7)) {}

  double Next(int64_t i, simdnorm_dtype type) {
    const uint64_t r = SplitMix(state_);
    const double unit = static_cast<double>(r >> 11) * 0x1p-53 * 2.0 - 1.0;
    double v;
    switch (data_.kind) {
      case 0: v = unit * data_.scale + data_.offset; break;
      case 1: v = static_cast<double>(static_cast<int>(r % 9) - 4) * data_.scale + data_.offset; break;
      case 2: v = static_cast<double>(data_.scale) + data_.offset; break;
      case 3: {  // any magnitude, normal or denormal
        const int exponent = static_cast<int>(r % 268) - 149;
        v = std::ldexp((r >> 40) & 1 ? -1.0 : 1.0, exponent);
        break;
      }
      default: v = static_cast<double>(i % period_) * data_.scale + data_.offset; break;
    }
    // Finite in the type: only the special values are Inf or NaN.
    const double max = MaxFinite(type);
    return std::max(-max, std::min(max, v));
  }

 private:
  const DataSpec& data_;
  uint64_t state_;
  int64_t period_;
};

}  // namespace

Arenas::Arenas(const Layout& layout, bool dummy) {
  for (int a = 0; a < layout.arena_count(); ++a) {
    __int128 n = layout.arena_size(a);
    if (dummy) n = std::min<__int128>(n, 256);
    const size_t count = static_cast<size_t>(n);
    // malloc, not a vector: exactly these bytes, so that AddressSanitizer
    // reports any access past them.
    base_.push_back(static_cast<uint8_t*>(std::malloc(count)));
    if (base_.back() == nullptr && count != 0) Die("out of memory");
    allocated_.push_back(static_cast<int64_t>(count));
  }
}

Arenas::~Arenas() {
  for (uint8_t* p : base_) std::free(p);
}

void Arenas::Fill(const std::vector<View>& views, const DataSpec& data) {
  // Element e of view v, if it lies within the (possibly dummy) arena.
  const auto each_element = [&](const View& v, const auto& f) {
    const int64_t size = v.ElementSize(), n = allocated_[static_cast<size_t>(v.arena)];
    const std::vector<int64_t> at =
        v.ExtentBytes() <= n ? Offsets(v) : std::vector<int64_t>();
    for (size_t e = 0; e < at.size(); ++e) {
      if (at[e] >= 0 && at[e] + size <= n) f(static_cast<int64_t>(e), at[e]);
    }
  };
  for (size_t a = 0; a < base_.size(); ++a) {
    const View* first_input = nullptr;
    for (const View& v : views) {
      if (v.present && v.is_input && v.arena == static_cast<int>(a)) {
        first_input = &v;
        break;
      }
    }
    uint8_t* p = base_[a];
    const int64_t n = allocated_[a];
    if (first_input == nullptr) {
      for (int64_t i = 0; i + 4 <= n; i += 4) StoreCanary(SIMDNORM_F32, false, p + i);
      for (int64_t i = n / 4 * 4; i < n; ++i) p[i] = 0xa5;
      for (const View& v : views) {
        if (!v.present || v.arena != static_cast<int>(a)) continue;
        each_element(v, [&](int64_t, int64_t at) { StoreCanary(v.type, false, p + at); });
      }
      continue;
    }
    // The whole arena (stride gaps too) in the first input's type ...
    const simdnorm_dtype type = first_input->type;
    const int64_t size = first_input->ElementSize();
    ValueStream stream(data, a);
    for (int64_t i = 0; i + size <= n; i += size) StoreValue(type, stream.Next(i / size, type), p + i);
    for (int64_t i = n / size * size; i < n; ++i) p[i] = 0;
    for (const auto& s : data.specials) {
      if (n >= size) StoreValue(type, s.second, p + s.first % static_cast<uint64_t>(n / size) * size);
    }
    // ... then the elements of inputs of other types in theirs.
    for (size_t w = 0; w < views.size(); ++w) {
      const View& v = views[w];
      if (!v.present || !v.is_input || v.arena != static_cast<int>(a) || v.type == type) continue;
      ValueStream own(data, (a << 8) + w + 1);
      each_element(v, [&](int64_t e, int64_t at) { StoreValue(v.type, own.Next(e, v.type), p + at); });
    }
  }
}

void* Arenas::Pointer(const View& v) const {
  if (!v.present) return nullptr;
  // May point past a dummy allocation: computed as an integer.
  const uintptr_t base = reinterpret_cast<uintptr_t>(base_[static_cast<size_t>(v.arena)]);
  return reinterpret_cast<void*>(base + static_cast<uintptr_t>(v.offset));
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
      const uint8_t was = snapshot_[a][static_cast<size_t>(i)];
      if (base_[a][i] != was) {
        char bytes[32];
        std::snprintf(bytes, sizeof(bytes), "0x%02x to 0x%02x", was, base_[a][i]);
        Die(std::string(when) + ": byte " + Str(i) + " of buffer " +
            Str(static_cast<int64_t>(a)) + " changed from " + bytes +
            " but the call may not write there");
      }
    }
  }
}

void Arenas::CheckAllUnchanged(const char* when) const {
  CheckUnchanged({}, when);
}

std::vector<int64_t> Arenas::Offsets(const View& v) {
  std::vector<int64_t> out(static_cast<size_t>(v.Elements()));
  if (out.empty()) return out;  // rows may be huge with no columns
  const int64_t rows = static_cast<int64_t>(v.rows), cols = static_cast<int64_t>(v.cols),
                stride = static_cast<int64_t>(v.stride), size = v.ElementSize();
  int64_t* p = out.data();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t row = v.offset + r * stride * size;
    for (int64_t c = 0; c < cols; ++c) *p++ = row + c * size;
  }
  return out;
}

std::vector<std::vector<uint8_t>> Arenas::EmptyMask() const {
  std::vector<std::vector<uint8_t>> mask;
  for (int64_t n : allocated_) mask.emplace_back(static_cast<size_t>(n), 0);
  return mask;
}

Elements Arenas::Gather(const View& v) const {
  const std::vector<uint8_t>& saved = snapshot_[static_cast<size_t>(v.arena)];
  const std::vector<int64_t> at = Offsets(v);
  const size_t size = ElementBytes(v.type);
  Elements out;
  out.type = v.type;
  out.bytes.resize(at.size() * size);
  for (size_t i = 0; i < at.size(); ++i) {
    std::memcpy(out.bytes.data() + i * size, saved.data() + at[i], size);
  }
  return out;
}

void CheckFinite(const View& v, const Elements& e, double bound) {
  if (!IsFloatType(e.type)) return;
  // The statistics may be off by a few ulps, and the variance of values
  // with a large common offset by more: a factor 4 on the bound.
  if (e.type == SIMDNORM_F16 && !(bound * 4.0 <= MaxFinite(SIMDNORM_F16))) return;
  for (size_t i = 0; i < e.size(); ++i) {
    FUZZ_CHECK(std::isfinite(e[i]), std::string(v.name) + "[" +
                                        Str(static_cast<int64_t>(i)) +
                                        "] is not finite for moderate inputs");
  }
}

void RunOpCase(OpRun& run) {
  std::vector<View>& views = *run.views;
  Layout layout;
  layout.Place(views, run.places);
  const Verdict verdict = run.model.verdict();
  const auto count = [&](const char* outcome) { CountOutcome(outcome, run.types); };
  const bool too_big = layout.TotalBytes() > __int128{kMaxValidBytes};
  if (too_big && verdict != Verdict::kInvalid) {  // cannot run it
    count("too large to run");
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
    FUZZ_CHECK(!run.model.OnlyUnsupported() || status == SIMDNORM_UNSUPPORTED,
               "an unsupported type gave status " + Str(int64_t{status}) +
                   ": " + simdnorm_last_error());
    FUZZ_CHECK(!LastErrorIsArmed() && simdnorm_last_error()[0] != '\0',
               "a failed call recorded no message");
    arenas.CheckAllUnchanged("after a failed call");
    count(verdict == Verdict::kInvalid ? "rejected as expected"
                                       : "rejected (open case)");
    return;
  }
  count(verdict == Verdict::kValid ? "ran as expected" : "ran (open case)");
  FUZZ_CHECK(verdict != Verdict::kInvalid,
             "the library accepted an invalid call (" + run.model.Describe() +
                 ")");
  FUZZ_CHECK(LastErrorIsArmed(),
             std::string("a successful call changed simdnorm_last_error() to: ") +
                 simdnorm_last_error());

  // Which logical elements of each output view the call writes, and the
  // bytes they cover.
  std::vector<std::vector<uint8_t>> written(views.size());
  std::vector<std::vector<int64_t>> at(views.size());  // byte offsets
  std::vector<std::vector<uint8_t>> mask = arenas.EmptyMask();
  for (size_t v = 0; v < views.size(); ++v) {
    const View& view = views[v];
    if (!view.present || !view.is_output) continue;
    written[v].assign(static_cast<size_t>(view.Elements()), 0);
    run.written(static_cast<int>(v), written[v]);
    at[v] = Arenas::Offsets(view);
    std::vector<uint8_t>& arena_mask = mask[static_cast<size_t>(view.arena)];
    for (size_t i = 0; i < written[v].size(); ++i) {
      if (!written[v][i]) continue;
      const auto first = arena_mask.begin() + at[v][i];
      std::fill(first, first + view.ElementSize(), 1);
    }
  }
  arenas.CheckUnchanged(mask, "after a successful call");

  std::vector<Elements> dense(views.size());
  for (size_t v = 0; v < views.size(); ++v) {
    const View& view = views[v];
    dense[v].type = view.type;
    if (!view.present) continue;
    if (view.is_input) {
      dense[v] = arenas.Gather(view);
      continue;
    }
    const size_t size = ElementBytes(view.type);
    dense[v].bytes.resize(static_cast<size_t>(view.Elements()) * size);
    for (size_t i = 0; i < dense[v].bytes.size(); i += size) {
      StoreCanary(view.type, true, dense[v].bytes.data() + i);
    }
  }
  const simdnorm_status ref_status = run.reference(dense);
  FUZZ_CHECK(ref_status == SIMDNORM_OK,
             std::string("the dense reference call failed: ") +
                 simdnorm_last_error());
  for (size_t v = 0; v < views.size(); ++v) {
    const View& view = views[v];
    const uint8_t* live = written[v].empty() ? nullptr : arenas.Data(view.arena);
    for (size_t i = 0; i < written[v].size(); ++i) {
      if (!written[v][i]) continue;
      const uint8_t* got = live + at[v][i];
      const uint8_t* want = dense[v].at(i);
      if (!SameResult(view.type, got, want)) {
        Die(std::string(view.name) + "[" + Str(static_cast<int64_t>(i)) + "] (" +
            TypeName(view.type) + ") is " + DescribeElement(view.type, got) +
            " but the dense one-thread call gives " +
            DescribeElement(view.type, want));
      }
    }
  }
  if (run.check_reference) run.check_reference(dense);
}

}  // namespace simdnorm_fuzz
