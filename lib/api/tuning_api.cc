// C API of the tuning table: query and set tile parameters, save a table.
// Loading lives in library_api.cc with the other context functions.
#include <string>

#include "api/error.h"
#include "api/validate.h"
#include "runtime/context.h"
#include "runtime/tuning.h"
#include "runtime/tuning_file.h"
#include "simdnorm/simdnorm.h"

namespace simdnorm::internal {
namespace {

// op and layout as the caller's raw ints (see RawEnumValue).
simdnorm_status CheckKey(const char* function, int op, int layout,
                         int64_t unit_elems) {
  if (op < 0 || op >= kOpKindCount) {
    return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: unknown op %d", function, op);
  }
  if (layout != SIMDNORM_NCHW && layout != SIMDNORM_NHWC) {
    return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: unknown layout %d", function,
                layout);
  }
  if (unit_elems <= 0) {
    return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: unit_elems (%lld) must be > 0",
                function, static_cast<long long>(unit_elems));
  }
  return SIMDNORM_OK;
}

simdnorm_status CheckParamsStruct(const char* function, size_t struct_size) {
  if (struct_size != sizeof(simdnorm_tile_params)) {
    return Fail(SIMDNORM_INVALID_ARGUMENT,
                "%s: params.struct_size is %zu, expected %zu (initialize it "
                "with simdnorm_tile_params_init)",
                function, struct_size, sizeof(simdnorm_tile_params));
  }
  return SIMDNORM_OK;
}

// A new TileParams field must reach the public struct too.
static_assert(sizeof(simdnorm_tile_params) ==
                  sizeof(size_t) + sizeof(TileParams) + sizeof(double),
              "simdnorm_tile_params must mirror every TileParams field");

void ToPublic(const TileParams& t, double speedup, simdnorm_tile_params* out) {
  out->struct_size = sizeof(*out);
  out->block_elems = t.block_elems;
  out->chunk_elems = t.chunk_elems;
  out->task_bytes = t.task_bytes;
  out->inline_bytes = t.inline_bytes;
  out->split_elems = t.split_elems;
  out->spatial_tile = t.spatial_tile;
  out->stream_bytes = t.stream_bytes;
  out->speedup = speedup;
}

TileParams FromPublic(const simdnorm_tile_params& p) {
  TileParams t;
  t.block_elems = p.block_elems;
  t.chunk_elems = p.chunk_elems;
  t.task_bytes = p.task_bytes;
  t.inline_bytes = p.inline_bytes;
  t.split_elems = p.split_elems;
  t.spatial_tile = p.spatial_tile;
  t.stream_bytes = p.stream_bytes;
  return t;
}

// The parameters in effect for (op, layout, dtype, ctx's target, bucket
// of unit_elems): the entry that applies (TuningTable::Applying) with its
// speedup, or the defaults.
// op, layout and dtype as the caller's raw ints (see RawEnumValue): they
// become enums only once checked.
simdnorm_status GetTileParams(const char* function,
                              const simdnorm_context* ctx, int op_raw,
                              int layout_raw, int dtype_raw,
                              int64_t unit_elems, simdnorm_tile_params* out) {
  return GuardExceptions(function, [&] {
    SIMDNORM_CHECK(CheckKey(function, op_raw, layout_raw, unit_elems));
    SIMDNORM_CHECK(CheckStorageDtype(function, dtype_raw));
    const OpKind op = static_cast<OpKind>(op_raw);
    const simdnorm_layout layout = static_cast<simdnorm_layout>(layout_raw);
    const simdnorm_dtype dtype = static_cast<simdnorm_dtype>(dtype_raw);
    if (out == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: out is null", function);
    }
    const simdnorm_context* c = &ResolveContext(ctx);
    const TuningEntry* entry =
        c->tuning.Applying(op, layout, dtype, c->kernels.target,
                           ShapeBucket(unit_elems));
    if (entry != nullptr) {
      ToPublic(entry->params, entry->speedup, out);
    } else {
      ToPublic(DefaultTileParams(), 1.0, out);
    }
    return SIMDNORM_OK;
  });
}

// Sets (params) or removes (NULL) the entry of (op, layout, dtype, ctx's
// target, bucket of unit_elems).
simdnorm_status SetTileParams(const char* function, simdnorm_context* ctx,
                              int op_raw, int layout_raw, int dtype_raw,
                              int64_t unit_elems,
                              const simdnorm_tile_params* params) {
  return WithCallerContext(function, ctx, [&](simdnorm_context* c) {
    SIMDNORM_CHECK(CheckKey(function, op_raw, layout_raw, unit_elems));
    SIMDNORM_CHECK(CheckStorageDtype(function, dtype_raw));
    const OpKind kind = static_cast<OpKind>(op_raw);
    const simdnorm_layout layout = static_cast<simdnorm_layout>(layout_raw);
    const simdnorm_dtype dtype = static_cast<simdnorm_dtype>(dtype_raw);
    const int bucket = ShapeBucket(unit_elems);
    if (params == nullptr) {
      c->tuning.Erase(kind, layout, dtype, c->kernels.target, bucket);
      return SIMDNORM_OK;
    }
    SIMDNORM_CHECK(CheckParamsStruct(function, params->struct_size));
    TuningEntry entry;
    entry.op = kind;
    entry.layout = layout;
    entry.dtype = dtype;
    entry.target = c->kernels.target;
    entry.bucket = bucket;
    entry.params = FromPublic(*params);
    const std::string problem = TileParamsProblem(entry.params);
    if (!problem.empty()) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: %s", function,
                  problem.c_str());
    }
    // The range tuning files accept, so that save_tuning always writes a
    // file that loads.
    if (!(params->speedup > 0.0 && params->speedup <= kMaxSpeedup)) {
      return Fail(SIMDNORM_INVALID_ARGUMENT,
                  "%s: speedup (%g) must be in (0, %g]", function,
                  params->speedup, kMaxSpeedup);
    }
    entry.speedup = params->speedup;
    c->tuning.Set(entry);
    return SIMDNORM_OK;
  });
}

}  // namespace
}  // namespace simdnorm::internal

using simdnorm::internal::Fail;
using simdnorm::internal::GuardExceptions;
using simdnorm::internal::RawEnumValue;

extern "C" {

void simdnorm_tile_params_init(simdnorm_tile_params* params) {
  if (params == nullptr) return;
  simdnorm::internal::ToPublic(simdnorm::internal::DefaultTileParams(), 1.0, params);
}

simdnorm_status simdnorm_context_get_tile_params(const simdnorm_context* ctx,
                                                 simdnorm_op op,
                                                 simdnorm_layout layout,
                                                 int64_t unit_elems,
                                                 simdnorm_tile_params* out) {
  return simdnorm::internal::GetTileParams(
      __func__, ctx, RawEnumValue(op), RawEnumValue(layout), SIMDNORM_F32,
      unit_elems, out);
}

simdnorm_status simdnorm_context_get_dtype_tile_params(
    const simdnorm_context* ctx, simdnorm_op op, simdnorm_layout layout,
    simdnorm_dtype dtype, int64_t unit_elems, simdnorm_tile_params* out) {
  return simdnorm::internal::GetTileParams(
      __func__, ctx, RawEnumValue(op), RawEnumValue(layout),
      RawEnumValue(dtype), unit_elems, out);
}

simdnorm_status simdnorm_context_set_tile_params(
    simdnorm_context* ctx, simdnorm_op op, simdnorm_layout layout,
    int64_t unit_elems, const simdnorm_tile_params* params) {
  return simdnorm::internal::SetTileParams(
      __func__, ctx, RawEnumValue(op), RawEnumValue(layout), SIMDNORM_F32,
      unit_elems, params);
}

simdnorm_status simdnorm_context_set_dtype_tile_params(
    simdnorm_context* ctx, simdnorm_op op, simdnorm_layout layout,
    simdnorm_dtype dtype, int64_t unit_elems,
    const simdnorm_tile_params* params) {
  return simdnorm::internal::SetTileParams(
      __func__, ctx, RawEnumValue(op), RawEnumValue(layout),
      RawEnumValue(dtype), unit_elems, params);
}

simdnorm_status simdnorm_context_save_tuning(const simdnorm_context* ctx,
                                             const char* path) {
  // Named here: inside the lambda __func__ is "operator()".
  const char* const function = __func__;
  return GuardExceptions(function, [&] {
    if (path == nullptr) {
      return Fail(SIMDNORM_INVALID_ARGUMENT, "%s: path is null", function);
    }
    return simdnorm::internal::SaveTuningFile(
        function, path, simdnorm::internal::ResolveContext(ctx));
  });
}

}  // extern "C"
