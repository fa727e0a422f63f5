// simdnorm_context_load_tuning on arbitrary bytes. The header's contract:
// a load either succeeds, leaving a table whose parameters are within the
// documented ranges and which saves to a file that loads back to the same
// table; or it fails with SIMDNORM_TUNING_ERROR and a message, and the
// context keeps its previous table and warnings.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"

namespace simdnorm_fuzz {
namespace {

simdnorm_context* NewContext() {
  simdnorm_context* ctx = nullptr;
  if (simdnorm_context_create(&ctx) != SIMDNORM_OK ||
      simdnorm_context_set_threads(ctx, 1) != SIMDNORM_OK) {
    Die(std::string("cannot create a context: ") + simdnorm_last_error());
  }
  return ctx;
}

// A table that a failed load must leave in place.
void SetKnownEntries(simdnorm_context* ctx) {
  simdnorm_tile_params p;
  simdnorm_tile_params_init(&p);
  p.block_elems = 64;
  p.spatial_tile = 3;
  p.speedup = 1.5;
  const struct {
    simdnorm_op op;
    simdnorm_layout layout;
    int64_t unit;
  } kKeys[] = {{SIMDNORM_OP_LAYER_NORM, SIMDNORM_NCHW, 1024},
               {SIMDNORM_OP_GROUP_NORM, SIMDNORM_NHWC, int64_t{1} << 20},
               {SIMDNORM_OP_BATCH_NORM_TRAINING, SIMDNORM_NCHW, 1}};
  for (const auto& k : kKeys) {
    if (simdnorm_context_set_tile_params(ctx, k.op, k.layout, k.unit, &p) !=
        SIMDNORM_OK) {
      Die(std::string("set_tile_params failed: ") + simdnorm_last_error());
    }
    p.block_elems *= 2;
  }
}

void CheckWithinBounds(const TableSnapshot& table) {
  for (const simdnorm_tile_params& p : table) {
    for (const TileFieldInfo& f : kTileFields) {
      FUZZ_CHECK(p.*f.field >= f.min && p.*f.field <= f.max,
                 std::string("a loaded table has ") + f.name + " = " +
                     Str(p.*f.field) + ", outside the documented range");
    }
    FUZZ_CHECK(std::isfinite(p.speedup) && p.speedup > 0.0,
               "a loaded table has speedup " + Str(p.speedup));
  }
}

void FuzzOne(const uint8_t* data, size_t size) {
  SetCaseDescription("tuning file of " + Str(static_cast<int64_t>(size)) + " bytes");
  const std::string path = ScratchDir() + "/bytes.json";
  WriteFile(path, std::string(reinterpret_cast<const char*>(data), size));

  simdnorm_context* ctx = NewContext();
  SetKnownEntries(ctx);
  const TableSnapshot before = SnapshotTable(ctx);
  const std::string warnings_before = simdnorm_context_tuning_warnings(ctx);
  ArmLastError();
  const simdnorm_status status = simdnorm_context_load_tuning(ctx, path.c_str());
  CountOutcome(status == SIMDNORM_OK ? "loaded" : "refused");
  if (status != SIMDNORM_OK) {
    FUZZ_CHECK(status == SIMDNORM_TUNING_ERROR,
               "a bad tuning file gave status " + Str(int64_t{status}) + ": " +
                   simdnorm_last_error());
    FUZZ_CHECK(!LastErrorIsArmed() && simdnorm_last_error()[0] != '\0',
               "a failed load recorded no message");
    CompareTables(SnapshotTable(ctx), before, 0.0,
                  "a failed load changed the table");
    FUZZ_CHECK(warnings_before == simdnorm_context_tuning_warnings(ctx),
               "a failed load changed the warnings");
    simdnorm_context_destroy(ctx);
    return;
  }
  FUZZ_CHECK(LastErrorIsArmed(), "a successful load changed the last error");
  const TableSnapshot loaded = SnapshotTable(ctx);
  CheckWithinBounds(loaded);

  // What was loaded saves to a file that loads back to the same table.
  const std::string saved = ScratchDir() + "/bytes-saved.json";
  ArmLastError();
  if (simdnorm_context_save_tuning(ctx, saved.c_str()) != SIMDNORM_OK) {
    Die(std::string("cannot save a loaded table: ") + simdnorm_last_error());
  }
  simdnorm_context* again = NewContext();
  if (simdnorm_context_load_tuning(again, saved.c_str()) != SIMDNORM_OK) {
    Die(std::string("a saved table does not load: ") + simdnorm_last_error() +
        "\nsaved file:\n" + ReadFile(saved));
  }
  // Files keep speedups to 3 decimals.
  CompareTables(SnapshotTable(again), loaded, 5.0001e-4,
                "after save + load of a loaded table");
  simdnorm_context_destroy(again);
  simdnorm_context_destroy(ctx);
}

}  // namespace
}  // namespace simdnorm_fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  simdnorm_fuzz::FuzzOne(data, size);
  return 0;
}
