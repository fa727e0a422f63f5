#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/).

Each seed is encoded the way its target decodes its input (see the
FuzzOne functions and fuzz_common.cc): one byte per choice, integers
little-endian. Seeds cover the valid shapes of every entry point (dense,
strided, in place, slices, optional outputs, every context preset, bf16
and fp16 storage with fp32 or 16-bit parameters, s8 and u8 outputs, older
struct sizes) and one example of each kind of invalid call; the inputs that found defects
are kept as files named after them (see README.md, "Fuzzing").

Usage: tests/fuzz/make_corpus.py [OUTPUT_DIR]   (default: its corpus/)
"""
import json
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus")


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def write(target, name, data):
    directory = os.path.join(OUT, target)
    os.makedirs(directory, exist_ok=True)
    mode = "w" if isinstance(data, str) else "wb"
    with open(os.path.join(directory, name), mode) as f:
        f.write(data)


# ------------------------------------------------------ shared decoders

def slice_bytes(range_):
    """A slice or unit range: (begin, end) within [0, count], or 'reversed'
    ([1, 0)) or 'past_end' ([0, count + 1))."""
    if range_ == "reversed":
        return bytes([226])  # 226 % 7 == 2
    if range_ == "past_end":
        return bytes([225])  # 225 % 7 == 1
    begin, end = range_ or (0, 0)
    return bytes([0]) + u32(begin) + u32(end - begin)


def ctx(target=0, threads=1, preset=0):
    """DecodeContext: target index (255 = NULL), threads 1|2, preset."""
    return bytes([target, threads - 1, preset])


def count(value):
    """DecodeCount for a small value (tag < 176 is the value itself)."""
    assert 0 <= value < 176
    return bytes([value])


def medium(value):
    """DecodeCount: tag in [176, 208) then U32 % (medium_max + 1)."""
    return bytes([176]) + u32(value)


SPECIAL_COUNTS = [-1, 0, 1, -(2**63), 2**63 - 1, 2**31 - 1, 2**32, 2**40,
                  2**60, 2**61, -(2**40), 2**31]


def special_count(value):
    i = SPECIAL_COUNTS.index(value)
    return bytes([next(t for t in range(208, 232) if t % 12 == i)])


def stride(kind, k=0):
    """DecodeStride: 'dense', 'plus' (cols + k), 'times' (cols * k),
    'short' (cols - 1), or a special value."""
    if kind == "dense":
        return bytes([0])
    if kind == "plus":
        return bytes([next(t for t in range(128, 176) if t % 6 == k)])
    if kind == "times":
        return bytes([next(t for t in range(176, 192) if 2 + t % 3 == k)])
    if kind == "short":
        return bytes([192])
    specials = ["-1", "-cols", "INT64_MAX", "INT64_MIN", "INT64_MAX/2",
                "2^40", "2^61", "2^60+1", "1"]
    i = specials.index(kind)
    return bytes([next(t for t in range(208, 232) if t % 9 == i)])


EPS = ["0", "-0", "denormal", "1e-30", "1", "1e30", "FLT_MAX", "NaN",
       "-NaN", "Inf", "-Inf", "-1e-5", "-FLT_MIN"]


def eps(kind="usual"):
    if kind == "usual":
        return bytes([0])
    return bytes([192 + EPS.index(kind)])


def struct_size(ok=True, version=None, versions=1):
    """DecodeArgsSize: the newest size (tag < 216), a version's size
    (oldest + 8 * version: tag in [216, 232) with tag % versions ==
    version, `versions` the number of 8-byte steps + 1), or an invalid one
    (250 % 12 = 10: newest / 2)."""
    if version is not None:
        return bytes([next(t for t in range(216, 232)
                           if t % versions == version)])
    return bytes([0 if ok else 250])


# DecodeDtypeFields: dtype (below 240 by tag % 3, else 240 + i picks
# INVALID_DTYPES[i]), param_dtype (below 240 by tag % 2: 0 fp32, 1 dtype;
# 240: another type), reserved (0, or 252 + i: nonzero), y_dtype (below
# 240 by tag % 4: 0 same, 1 dtype, 2 s8, 3 u8; 240 + i: OTHER_Y[i]),
# y_scale (an index into {0.05, 1/64, 1, 3}, then an eps tag),
# y_zero_point (0, 128 + a value byte, 224 + i: ZERO_POINT_EDGES[i]).
STORAGE = {"f32": 0, "bf16": 1, "f16": 2}
INVALID_DTYPES = ["s8", "u8", "5", "-1", "INT_MIN", "INT_MAX", "256",
                  "65536"]
OTHER_Y = ["bf16", "f16", "f32", "5", "-1", "INT_MIN", "255", "65536"]
Y_TAGS = {"same": 0, "dtype": 1, "s8": 2, "u8": 3}
SCALES = {0.05: 0, 1 / 64: 1, 1.0: 2, 3.0: 3}
ZERO_POINT_EDGES = [-129, 128, 256, -1, "INT32_MIN", "INT32_MAX", 255, -128]


def dtypes(x="f32", params="f32", y="same", scale=0.05, scale_kind="usual",
           zero_point=0, reserved=0, other_y=None):
    """The type fields: x a storage type name or one of INVALID_DTYPES;
    params 'f32', 'dtype' or 'other'; y a key of Y_TAGS or, with other_y,
    one of OTHER_Y; zero_point an in-range value or, if a string
    'edge:<v>', one of ZERO_POINT_EDGES."""
    out = bytes([STORAGE[x] if x in STORAGE else
                 240 + INVALID_DTYPES.index(x)])
    out += bytes([{"f32": 0, "dtype": 1, "other": 240}[params]])
    out += bytes([252 + reserved if reserved else 0])
    out += bytes([240 + OTHER_Y.index(other_y) if other_y else Y_TAGS[y]])
    out += bytes([SCALES[scale]]) + eps(scale_kind)
    if isinstance(zero_point, str):
        edge = zero_point.split(":", 1)[1]
        edge = int(edge) if edge.lstrip("-").isdigit() else edge
        return out + bytes([224 + ZERO_POINT_EDGES.index(edge)])
    if zero_point == 0:
        return out + bytes([0])
    return out + bytes([128, zero_point & 0xFF])


def placement(kind, null_weight, index=1, other=0, shift=0):
    """DecodePlacement: 'null', 'own', 'same' (as view `other`), 'shift'
    (inside view `other`'s buffer; shift byte as decoded)."""
    floor = null_weight
    if kind == "null":
        assert floor > 0
        return bytes([0])
    if kind == "own" or index == 0:
        return bytes([floor])
    span = 256 - floor
    def first_tag(lo, hi):
        return next(t for t in range(floor, 256)
                    if lo <= (t - floor) * 100 // span < hi)
    if kind == "same":
        return bytes([first_tag(70, 85), other])
    return bytes([first_tag(85, 101), other, shift])


# Shift bytes (d % 8): 0 +1, 1 -1, 3 one row, 4 right after, 5 right
# before, 6 last element, 7 middle.
SHIFT_AFTER, SHIFT_ONE_ROW, SHIFT_MIDDLE, SHIFT_PLUS_ONE = 4, 3, 7, 0


def data(seed=1, kind=0, scale=0, offset=0, specials=()):
    """DecodeData: seed, kind (0 uniform, 1 small ints, 2 constant, 3 any
    magnitude, 4 periodic), scale/offset indexes, special values."""
    out = u32(seed) + bytes([kind, scale | (offset << 3)])
    if not specials:
        return out + bytes([0])
    out += bytes([192 + len(specials)])
    for pos, value in specials:
        out += u32(pos) + bytes([value])
    return out


# Special values (DecodeData): 0 NaN, 2 Inf, 3 -Inf, 4 FLT_MAX, 6 denormal.
NAN, INF, FLT_MAX = 0, 2, 4

# --------------------------------------------------------- row norms

ROW = ["x", "y", "gamma", "beta", "residual", "sum_out", "mean", "rstd",
       "residual_bias"]
ROW_VERSIONS = 5  # 0.1.0's size and 4 groups of appended fields


def row_case(entry, rows, cols, strides=("dense",) * 4, views=None,
             context=ctx(), eps_kind="usual", slice_range=None, values=None,
             size=struct_size(), types=dtypes(), null_args=False):
    """entry: 0 layer, 1 rms, 2 layer slice, 3 rms slice. views: name ->
    ('own'|'null'|'same'|'shift', other name, shift)."""
    rms = entry % 2 == 1
    weights = [3, 3, 96, 236 if rms else 96, 150, 180, 240 if rms else 150,
               150, 160]
    views = views or {}
    out = bytes([entry]) + context + bytes([255 if null_args else 0])
    out += size + types
    out += rows if isinstance(rows, bytes) else count(rows)
    out += cols if isinstance(cols, bytes) else count(cols)
    for s in strides:
        out += stride(*s) if isinstance(s, tuple) else stride(s)
    out += eps(eps_kind)
    if entry >= 2:
        out += slice_bytes(slice_range)
    for i, name in enumerate(ROW):
        kind, other, shift = views.get(name, ("own" if i < 2 else "null",
                                              None, 0))
        out += placement(kind, weights[i], i,
                         ROW.index(other) if other else 0, shift)
    return out + (values or data())


def row_seeds():
    t = "row_norm_fuzzer"
    own = ("own", None, 0)
    write(t, "layer_norm_dense", row_case(
        0, 4, 33, views={"gamma": own, "beta": own}))
    write(t, "rms_norm_in_place_strided", row_case(
        1, 5, 17, strides=(("plus", 3), ("plus", 3), "dense", "dense"),
        views={"y": ("same", "x", 0), "gamma": own}))
    write(t, "layer_norm_slice_residual_stats", row_case(
        2, 8, 70, slice_range=(2, 5),
        views={"gamma": own, "residual": own, "sum_out": own, "mean": own,
               "rstd": own}))
    write(t, "rms_norm_slice_sum_in_place", row_case(
        3, 6, 40, slice_range=(1, 6),
        views={"residual": own, "sum_out": ("same", "x", 0), "rstd": own}))
    # Views can only alias earlier ones: residual (4th) on y is y == residual.
    write(t, "layer_norm_y_in_place_of_residual", row_case(
        0, 3, 64, views={"residual": ("same", "y", 0), "sum_out": own}))
    write(t, "rms_norm_sum_in_place_of_residual", row_case(
        1, 4, 30, strides=("dense", "dense", ("plus", 2), ("plus", 2)),
        views={"residual": own, "sum_out": ("same", "residual", 0)}))
    write(t, "layer_norm_parallel_tiny_tiles", row_case(
        0, medium(40), medium(3000), context=ctx(0, 2, 1),
        views={"gamma": own, "beta": own, "mean": own, "rstd": own}))
    write(t, "layer_norm_split_row", row_case(
        0, 1, medium(70000), context=ctx(1, 2, 0)))
    write(t, "rms_norm_odd_tiles", row_case(
        1, 8, medium(2500), context=ctx(2, 2, 2), views={"gamma": own}))
    write(t, "layer_norm_streaming_stores", row_case(
        0, 7, medium(700), context=ctx(3, 1, 1),
        strides=(("plus", 5), ("plus", 1), "dense", "dense")))
    write(t, "layer_norm_nan_inf_eps0", row_case(
        0, 4, 20, eps_kind="0",
        values=data(7, 0, 0, 0, [(3, NAN), (30, INF), (61, FLT_MAX)])))
    write(t, "layer_norm_huge_values", row_case(
        0, 3, 50, values=data(9, 3), views={"mean": own, "rstd": own}))
    write(t, "rms_norm_constant_rows_default_context", row_case(
        1, 4, 24, context=ctx(255), values=data(3, 2, 0, 4)))
    # Storage and output types.
    write(t, "layer_norm_bf16_params_bf16", row_case(
        0, 4, 33, views={"gamma": own, "beta": own},
        types=dtypes("bf16", "dtype")))
    write(t, "rms_norm_f16_in_place_strided", row_case(
        1, 5, 17, strides=(("plus", 3), ("plus", 3), "dense", "dense"),
        views={"y": ("same", "x", 0), "gamma": own}, types=dtypes("f16")))
    write(t, "layer_norm_bf16_residual_bias_sum", row_case(
        0, 3, 40, views={"gamma": own, "residual": own, "sum_out": own,
                         "residual_bias": own},
        types=dtypes("bf16", "dtype")))
    write(t, "rms_norm_f16_bias_only_sum_in_place", row_case(
        1, 4, 24, views={"sum_out": ("same", "x", 0), "residual_bias": own},
        types=dtypes("f16")))
    write(t, "layer_norm_s8_output", row_case(
        0, 4, 33, views={"gamma": own, "beta": own, "mean": own},
        types=dtypes(y="s8", zero_point=-3)))
    write(t, "rms_norm_slice_bf16_u8_output", row_case(
        3, 6, 40, slice_range=(1, 5), views={"gamma": own, "rstd": own},
        types=dtypes("bf16", "dtype", "u8", scale=1 / 64, zero_point=128)))
    write(t, "layer_norm_f16_u8_strided_y_residual", row_case(
        0, 5, 21, strides=("dense", ("plus", 1), "dense", "dense"),
        views={"residual": own, "sum_out": own},
        types=dtypes("f16", "dtype", "u8", scale=3.0, zero_point=7)))
    write(t, "layer_norm_parallel_bf16_s8_tiny_tiles", row_case(
        0, medium(40), medium(3000), context=ctx(0, 2, 1),
        views={"gamma": own, "beta": own, "rstd": own},
        types=dtypes("bf16", "f32", "s8", scale=1.0)))
    # Older struct sizes: fields past the end take their defaults, whatever
    # they hold (0.1.0's size: no residual_bias, fp32 parameters and y of
    # dtype; 152 bytes: parameters of dtype, y still of dtype).
    write(t, "layer_norm_0_1_0_size_ignores_new_fields", row_case(
        0, 3, 20, size=struct_size(version=0, versions=ROW_VERSIONS),
        views={"gamma": own, "residual_bias": ("same", "x", 0)},
        types=dtypes("bf16", "other", "s8", scale_kind="NaN")))
    write(t, "rms_norm_size_152_reads_param_dtype", row_case(
        1, 3, 20, size=struct_size(version=2, versions=ROW_VERSIONS),
        views={"gamma": own},
        types=dtypes("f16", "dtype", "u8", zero_point="edge:-129")))
    # Invalid calls.
    write(t, "invalid_dtype_s8", row_case(0, 3, 8, types=dtypes("s8")))
    write(t, "invalid_param_dtype", row_case(
        0, 3, 8, views={"gamma": own}, types=dtypes("bf16", "other")))
    write(t, "invalid_y_f16_of_bf16", row_case(
        0, 3, 8, types=dtypes("bf16", other_y="f16")))
    write(t, "invalid_y_bf16_of_f32", row_case(
        0, 3, 8, types=dtypes("f32", other_y="bf16")))
    write(t, "invalid_y_scale_zero", row_case(
        1, 3, 8, types=dtypes(y="s8", scale_kind="0")))
    write(t, "invalid_y_zero_point", row_case(
        1, 3, 8, types=dtypes(y="u8", zero_point="edge:-1")))
    write(t, "invalid_s8_in_place", row_case(
        0, 3, 8, views={"y": ("same", "x", 0)}, types=dtypes(y="s8")))
    write(t, "invalid_reserved", row_case(0, 3, 8, types=dtypes(reserved=1)))
    write(t, "invalid_negative_rows", row_case(0, special_count(-1), 8))
    write(t, "invalid_zero_cols", row_case(0, 2, 0))
    write(t, "invalid_short_stride", row_case(
        0, 3, 8, strides=("short", "dense", "dense", "dense")))
    write(t, "invalid_eps_nan", row_case(1, 3, 8, eps_kind="NaN"))
    write(t, "invalid_struct_size", row_case(0, 3, 8,
                                             size=struct_size(False)))
    write(t, "invalid_null_args", row_case(0, 3, 8, null_args=True))
    write(t, "invalid_partial_overlap", row_case(
        0, 3, 8, views={"y": ("shift", "x", SHIFT_PLUS_ONE)}))
    write(t, "invalid_slice_range", row_case(2, 3, 8,
                                             slice_range="reversed"))
    write(t, "invalid_rms_with_beta", row_case(
        1, 3, 8, views={"beta": own}))
    # Known defects: huge residual/sum strides are not range-checked
    # (out-of-bounds range arithmetic), and mean/rstd may alias
    # gamma/beta/residual.
    write(t, "defect_residual_stride_int64_max", row_case(
        0, 2, 1, strides=("dense", "dense", "INT64_MAX", "dense"),
        views={"residual": own}))
    write(t, "defect_sum_stride_int64_max", row_case(
        1, 2, 4, strides=("dense", "dense", "dense", "INT64_MAX"),
        views={"residual": own, "sum_out": own}))
    write(t, "defect_mean_aliases_gamma", row_case(
        0, 4, 8, views={"gamma": own, "mean": ("same", "gamma", 0)}))
    write(t, "defect_rstd_inside_residual", row_case(
        1, 4, 8, views={"residual": own,
                        "rstd": ("shift", "residual", SHIFT_ONE_ROW)}))


# ------------------------------------------------ group / instance norm

GROUP = ["x", "y", "gamma", "beta", "mean", "rstd"]
CHANNEL_VERSIONS = 6  # 0.1.0's size and 5 groups of appended fields


def group_case(entry, n, c, s, groups_tag=0, layout=0, activation=0,
               views=None, context=ctx(), eps_kind="usual", param_tag=0,
               units=None, values=None, size=struct_size(),
               types=dtypes(), batch_strides=("dense", "dense")):
    """entry: 0 group, 1 instance, 2 group slice. groups_tag < 200 picks
    the (tag % count)-th divisor of C; 200 + a count byte gives any value.
    param_tag: 0 for param_count 0, 210 for C, 240 + a count byte."""
    weights = [3, 3, 110, 110, 150, 150]
    views = views or {}
    out = bytes([entry]) + context + bytes([0]) + size + types
    out += bytes([layout, activation])
    for v in (n, c, s):
        out += v if isinstance(v, bytes) else count(v)
    out += groups_tag if isinstance(groups_tag, bytes) else bytes([groups_tag])
    out += eps(eps_kind)
    out += param_tag if isinstance(param_tag, bytes) else bytes([param_tag])
    out += b"".join(stride(*s) if isinstance(s, tuple) else stride(s)
                    for s in batch_strides)
    if entry == 2:
        out += slice_bytes(units)
    for i, name in enumerate(GROUP):
        kind, other, shift = views.get(name, ("own" if i < 2 else "null",
                                              None, 0))
        out += placement(kind, weights[i], i,
                         GROUP.index(other) if other else 0, shift)
    return out + (values or data())


def group_seeds():
    t = "group_norm_fuzzer"
    own = ("own", None, 0)
    affine = {"gamma": own, "beta": own}
    # C = 12: divisors 1, 2, 3, 4, 6, 12.
    write(t, "group_norm_nchw", group_case(0, 2, 12, 9, groups_tag=2,
                                           views=affine))
    write(t, "group_norm_nhwc_silu_stats", group_case(
        0, 2, 12, 16, groups_tag=3, layout=1, activation=2,
        views={**affine, "mean": own, "rstd": own}))
    write(t, "group_norm_in_place_gelu", group_case(
        0, 1, 16, 5, groups_tag=1, activation=3,
        views={"y": ("same", "x", 0), "gamma": own}))
    write(t, "instance_norm_nhwc", group_case(
        1, 3, 8, 7, layout=1, views={"mean": own, "rstd": own}))
    write(t, "group_norm_slice_nhwc", group_case(
        2, 3, 12, 6, groups_tag=3, layout=1, units=(2, 7),
        views={**affine, "mean": own}))
    write(t, "group_norm_parallel_tiny_tiles", group_case(
        0, 2, medium(64), medium(900), groups_tag=4, context=ctx(0, 2, 1),
        layout=1, activation=4, views=affine))
    write(t, "group_norm_split_group", group_case(
        0, 1, 4, medium(40000), groups_tag=0, context=ctx(1, 2, 2)))
    write(t, "instance_norm_huge_values", group_case(
        1, 2, 6, 10, values=data(5, 3), views={"rstd": own}))
    write(t, "group_norm_nan_relu", group_case(
        0, 2, 4, 8, groups_tag=1, activation=1, param_tag=210,
        views=affine, values=data(2, 0, 0, 0, [(5, NAN)])))
    # Storage and output types.
    write(t, "group_norm_bf16_nhwc_params_bf16", group_case(
        0, 2, 12, 9, groups_tag=3, layout=1, views=affine,
        types=dtypes("bf16", "dtype")))
    write(t, "group_norm_f16_in_place_silu", group_case(
        0, 2, 8, 5, groups_tag=1, activation=2,
        views={"y": ("same", "x", 0), "gamma": own}, types=dtypes("f16")))
    write(t, "instance_norm_s8_gelu", group_case(
        1, 2, 6, 10, activation=3, views={**affine, "rstd": own},
        types=dtypes(y="s8", zero_point=-20)))
    write(t, "group_norm_slice_f16_u8_nhwc", group_case(
        2, 3, 12, 6, groups_tag=2, layout=1, units=(1, 8), views=affine,
        types=dtypes("f16", "dtype", "u8", scale=1 / 64, zero_point=100)))
    write(t, "group_norm_parallel_bf16_u8_tiny_tiles", group_case(
        0, 2, medium(64), medium(900), groups_tag=4, context=ctx(0, 2, 1),
        views=affine, types=dtypes("bf16", "f32", "u8", scale=1.0)))
    # 136 bytes: the batch strides are read, the type fields past them
    # take their defaults.
    write(t, "group_norm_size_136_ignores_type_fields", group_case(
        0, 2, 4, 8, groups_tag=1, views=affine,
        size=struct_size(version=2, versions=CHANNEL_VERSIONS),
        types=dtypes("bf16", "other", "s8", scale_kind="-Inf")))
    # Batch strides count elements of each tensor's type.
    write(t, "group_norm_strided_bf16_s8", group_case(
        0, 3, 8, 5, groups_tag=1, views=affine,
        batch_strides=(("plus", 3), ("plus", 5)),
        types=dtypes("bf16", y="s8", zero_point=9)))
    write(t, "instance_norm_strided_in_place_f16", group_case(
        1, 3, 4, 6, layout=1, views={"y": ("same", "x", 0)},
        batch_strides=(("times", 2), ("times", 2)), types=dtypes("f16")))
    write(t, "invalid_short_batch_stride", group_case(
        0, 2, 4, 4, batch_strides=("dense", "short")))
    write(t, "invalid_in_place_other_strides", group_case(
        0, 3, 4, 4, views={"y": ("same", "x", 0)},
        batch_strides=(("plus", 1), ("plus", 2))))
    write(t, "invalid_dtype_u8", group_case(0, 2, 4, 4, types=dtypes("u8")))
    write(t, "invalid_u8_in_place", group_case(
        0, 2, 4, 4, views={"y": ("same", "x", 0)},
        types=dtypes("bf16", y="u8")))
    write(t, "invalid_y_scale_nan", group_case(
        1, 2, 4, 4, types=dtypes("f16", y="s8", scale_kind="NaN")))
    write(t, "invalid_y_zero_point_s8", group_case(
        0, 2, 4, 4, types=dtypes(y="s8", zero_point="edge:128")))
    write(t, "invalid_y_bf16_of_f16", group_case(
        0, 2, 4, 4, types=dtypes("f16", other_y="bf16")))
    write(t, "invalid_groups_do_not_divide", group_case(
        0, 2, 12, 4, groups_tag=bytes([200, 5]), views=affine))
    write(t, "invalid_layout", group_case(0, 2, 12, 4, layout=244))
    write(t, "invalid_activation", group_case(0, 2, 12, 4, activation=245))
    write(t, "invalid_mean_overlaps_x", group_case(
        0, 2, 4, 4, views={"mean": ("shift", "x", SHIFT_MIDDLE)}))
    write(t, "invalid_unit_range", group_case(2, 2, 4, 4, units="past_end"))
    # Defect found: an empty slice on the NCHW read-ahead path (x and y
    # beyond a third of stream_bytes: preset 1) read the statistics of its
    # first unit, here one past the last, beyond the end of x.
    write(t, "defect_empty_slice_read_ahead_past_x", group_case(
        2, 2, 4, medium(40), groups_tag=1, context=ctx(0, 1, 1), units=(4, 4),
        views=affine))
    write(t, "invalid_param_count", group_case(
        0, 2, 4, 4, param_tag=bytes([240, 3]), views={"gamma": ("own", None, 0)}))


# ----------------------------------------------------------- batch norm

BATCH = ["x", "y", "gamma", "beta", "running_mean", "running_var",
         "batch_mean", "batch_rstd"]


def batch_case(training, n, c, s, layout=0, activation=0, views=None,
               context=ctx(), eps_kind="usual", momentum_tag=0,
               update_tag=0, param_tag=0, values=None, size=struct_size(),
               types=dtypes(), batch_strides=("dense", "dense"),
               running_stats=0):
    """running_stats: 0 PyTorch, 1 ONNX, 244 + i an out-of-range value."""
    weights = [3, 3, 110, 110, 128 if training else 8, 128 if training else 8,
               150 if training else 246, 150 if training else 246]
    views = views or {}
    out = bytes([1 if training else 0]) + context + bytes([0]) + size
    out += types + bytes([layout, activation])
    for v in (n, c, s):
        out += v if isinstance(v, bytes) else count(v)
    out += eps(eps_kind) + bytes([momentum_tag, update_tag])
    out += param_tag if isinstance(param_tag, bytes) else bytes([param_tag])
    out += b"".join(stride(*s) if isinstance(s, tuple) else stride(s)
                    for s in batch_strides)
    out += bytes([running_stats])
    for i, name in enumerate(BATCH):
        default = "own" if i < 2 or (not training and i in (4, 5)) else "null"
        kind, other, shift = views.get(name, (default, None, 0))
        out += placement(kind, weights[i], i,
                         BATCH.index(other) if other else 0, shift)
    return out + (values or data())


def batch_seeds():
    t = "batch_norm_fuzzer"
    own = ("own", None, 0)
    affine = {"gamma": own, "beta": own}
    stats = {"running_mean": own, "running_var": own}
    write(t, "inference_nchw", batch_case(False, 4, 8, 9, views=affine,
                                          values=data(4, 4, 0, 2)))
    write(t, "inference_1d_in_place", batch_case(
        False, 6, 16, 1, views={"y": ("same", "x", 0)}))
    write(t, "training_update_nhwc", batch_case(
        True, 3, 8, 5, layout=1, update_tag=200,
        views={**affine, **stats, "batch_mean": own, "batch_rstd": own}))
    write(t, "training_no_update_silu", batch_case(
        True, 2, 5, 7, activation=2, views={"batch_rstd": own}))
    write(t, "training_parallel_tiny_tiles", batch_case(
        True, 4, medium(48), medium(600), context=ctx(0, 2, 1), layout=1,
        update_tag=200, param_tag=210, views={**affine, **stats}))
    write(t, "inference_parallel_odd_tiles", batch_case(
        False, 2, 16, medium(5000), context=ctx(2, 2, 2), views=affine,
        values=data(8, 4, 0, 2)))
    write(t, "training_momentum_one", batch_case(
        True, 2, 3, 4, momentum_tag=161, update_tag=200, views=stats))
    # Storage and output types.
    write(t, "inference_bf16_params_bf16", batch_case(
        False, 3, 8, 9, views=affine, values=data(4, 4, 0, 2),
        types=dtypes("bf16", "dtype")))
    write(t, "inference_f16_in_place_nhwc", batch_case(
        False, 4, 16, 3, layout=1, views={"y": ("same", "x", 0)},
        types=dtypes("f16")))
    write(t, "training_bf16_update_s8", batch_case(
        True, 3, 8, 5, update_tag=200,
        views={**affine, **stats, "batch_mean": own, "batch_rstd": own},
        types=dtypes("bf16", "dtype", "s8", zero_point=5)))
    write(t, "inference_f16_u8_relu", batch_case(
        False, 2, 6, 7, activation=1, views=affine,
        types=dtypes("f16", "f32", "u8", scale=1 / 64, zero_point=200)))
    write(t, "training_parallel_f16_tiny_tiles", batch_case(
        True, 4, medium(48), medium(600), context=ctx(0, 2, 1), layout=1,
        update_tag=200, views={**affine, **stats},
        types=dtypes("f16", "dtype")))
    # 160 bytes: param_dtype is read, y_dtype and after take defaults.
    write(t, "inference_size_160_reads_param_dtype", batch_case(
        False, 2, 8, 3, views=affine,
        size=struct_size(version=3, versions=CHANNEL_VERSIONS),
        types=dtypes("bf16", "dtype", "u8", scale_kind="0")))
    write(t, "inference_strided_u8", batch_case(
        False, 3, 6, 4, layout=1, views=affine,
        batch_strides=(("plus", 2), ("plus", 5)),
        types=dtypes("f16", "dtype", "u8", scale=1.0, zero_point=128)))
    write(t, "training_onnx_running_stats_strided", batch_case(
        True, 3, 5, 4, update_tag=200, views={**affine, **stats},
        batch_strides=(("times", 2), "dense"), running_stats=1,
        types=dtypes("bf16")))
    write(t, "invalid_running_stats", batch_case(
        True, 2, 4, 3, running_stats=245))
    write(t, "invalid_short_batch_stride", batch_case(
        False, 2, 8, 3, batch_strides=("short", "dense")))
    write(t, "invalid_param_dtype", batch_case(
        False, 2, 8, 3, views=affine, types=dtypes("f16", "other")))
    write(t, "invalid_s8_in_place", batch_case(
        False, 2, 8, 3, views={"y": ("same", "x", 0)}, types=dtypes(y="s8")))
    write(t, "invalid_y_zero_point_u8", batch_case(
        True, 2, 8, 3, types=dtypes("bf16", y="u8", zero_point="edge:256")))
    write(t, "invalid_y_f16_of_f32", batch_case(
        False, 2, 8, 3, types=dtypes(other_y="f16")))
    write(t, "invalid_one_value_per_channel", batch_case(True, 1, 8, 1))
    # Defect found: the vector finish of small batch statistics (dense
    # samples) saturated coefficients past the float range at FLT_MAX on
    # EMU128 (target index 1 here), where the general path (strided
    # samples) and the other targets round them to Inf.
    write(t, "defect_vector_finish_saturates_past_float_range", batch_case(
        True, 3, 3, 3, layout=1, context=ctx(1),
        views={**affine, "batch_mean": own, "batch_rstd": own},
        batch_strides=(("plus", 3), "dense"), values=data(1, 2, 7, 0)))
    write(t, "invalid_momentum_nan", batch_case(True, 2, 8, 3,
                                                momentum_tag=164))
    write(t, "invalid_no_running_stats", batch_case(
        False, 2, 8, 3, views={"running_mean": ("null", None, 0)}))
    write(t, "invalid_running_var_aliases_mean_on_update", batch_case(
        True, 2, 4, 3, update_tag=200,
        views={"running_mean": own,
               "running_var": ("same", "running_mean", 0)}))
    write(t, "invalid_param_count", batch_case(
        False, 2, 8, 3, param_tag=bytes([240, 7]), views=affine))


# ------------------------------------------------------------ context

def context_seeds():
    """A sequence of steps: [action % 10] [NULL context if >= 248] [operands]
    (see FuzzOne in context_fuzzer.cc)."""
    t = "context_fuzzer"
    keep = bytes([0]) * 7  # tile fields: defaults

    def threads(tag):  # {0, 1, 2, 3, -1, 1024, 1025, INT_MIN, INT_MAX, 64}
        return bytes([0, 0, tag])

    def target(tag, *operands):  # 0-3 supported[byte], 4 best, 5 NULL,
        return bytes([1, 0, tag] + list(operands))  # 11: random string

    def set_params(op=0, layout=0, unit_log2=12, fields=keep, speedup=0):
        # field tags: 0 keep, 128 min, 129 max, 130 min - 1, 131 max + 1;
        # speedup tags 128 + i: {1, 0.5, 2, 1e6, 1e6+1, 0, -1, NaN, Inf,
        # 1e-4, 1e300, ...}[i]
        return (bytes([2, 0, op, layout, unit_log2, 0, 0]) + fields +
                bytes([speedup]))

    def get(op=0, layout=0, unit_log2=12):
        return bytes([4, 0, op, layout, unit_log2, 0])

    save_load = bytes([6, 0])
    recreate = bytes([8, 0])
    write(t, "threads_targets", threads(2) + threads(5) + target(1, 1) +
          target(4) + target(11, 3, 65, 86, 88) + threads(4) + target(5))
    write(t, "set_get_save_load",
          set_params(2, 1, 20, bytes([128, 129] * 3 + [128]), speedup=130) +
          get(2, 1, 21) + save_load)
    write(t, "bad_params",
          set_params(0, 0, 6, bytes([130, 0, 0, 0, 0, 0, 0])) +
          set_params(0, 0, 6, bytes([0, 0, 0, 0, 0, 0, 131])) +
          get(0, 0, 6))
    write(t, "enums_out_of_range",
          bytes([2, 0, 250, 0, 12, 0, 0]) + keep + bytes([0]) +
          bytes([4, 0, 0, 246, 12, 0]) + get(5, 1, 62))
    write(t, "per_target_entries", target(0, 0) + set_params(1) +
          target(0, 1) + set_params(1) + save_load + recreate + save_load)
    write(t, "bad_paths", bytes([7, 0, 0, 7, 0, 1, 7, 0, 2, 7, 0, 3]))
    # Defects found: status_string read an out-of-range status as an enum
    # (undefined behaviour), and speedups the API accepted were saved as
    # files that do not load (rounded to 0, or beyond the file's bound).
    write(t, "defect_status_string_out_of_range", bytes([9, 0, 206]))
    write(t, "defect_tiny_speedup_round_trip",
          set_params(0, 0, 5, speedup=137) + save_load)
    write(t, "defect_huge_speedup_round_trip",
          set_params(0, 0, 5, speedup=138) + save_load)


# ---------------------------------------------------------- tuning files

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return "unknown"


def tuning_file(model, entries, **extra):
    root = {"format": "simdnorm-tuning", "format_version": 1,
            "library_version": "0.1.0", "created": "2024-01-01T00:00:00Z",
            "cpu": {"model": model, "targets": "AVX2,SSE4,SSSE3,EMU128",
                    "best_target": "AVX2"},
            "threads": 2, "entries": entries}
    root.update(extra)
    return json.dumps(root, indent=2) + "\n"


def entry(op="layer_norm", layout="nchw", target="AVX2", bucket=6,
          speedup=1.125, **params):
    p = {"block_elems": 1024, "chunk_elems": 32768, "task_bytes": 262144,
         "inline_bytes": 196608, "split_elems": 65536, "spatial_tile": 64,
         "stream_bytes": 8388608}
    p.update(params)
    return {"op": op, "layout": layout, "dtype": "f32", "target": target,
            "bucket": bucket, "params": p, "speedup": speedup}


def tuning_seeds():
    t = "tuning_bytes_fuzzer"
    here = cpu_model()
    entries = [entry(), entry("group_norm", "nhwc", "SSE4", 10, 1.5,
                              spatial_tile=16),
               entry("batch_norm_training", "nchw", "EMU128", 3, 0.875),
               entry("rms_norm", "nchw", "AVX3", 31, block_elems=16)]
    write(t, "valid_this_cpu.json", tuning_file(here, entries))
    write(t, "valid_other_cpu.json", tuning_file("Some Other CPU", entries))
    write(t, "valid_minimal.json", tuning_file(here, []))
    write(t, "unknown_names.json", tuning_file(here, [
        entry(op="softmax"), entry(layout="nchwc"), entry(target="NEON"),
        {**entry(), "dtype": "bf16"}]))
    write(t, "bad_version.json", tuning_file(here, entries,
                                             format_version=2))
    write(t, "bad_bucket.json", tuning_file(here, [entry(bucket=32)]))
    write(t, "bad_param.json", tuning_file(here, [entry(block_elems=8)]))
    write(t, "truncated.json", tuning_file(here, entries)[:200])
    write(t, "not_an_object.json", "[1, 2, 3]\n")
    # A speedup that loads but used to be saved rounded to 0.
    write(t, "defect_tiny_speedup.json",
          tuning_file(here, [entry(target="EMU128", speedup=0.0001)]))

    t = "tuning_edit_fuzzer"
    # Paths: root keys in sorted order are cpu, created, entries, format,
    # format_version, library_version, threads (byte = index + 1); entry
    # keys bucket, dtype, layout, op, params, speedup, target; params keys
    # block_elems, chunk_elems, inline_bytes, spatial_tile, split_elems,
    # stream_bytes, task_bytes.
    entries0 = bytes([3, 1])
    replace, delete, add, duplicate, nudge = 0, 2, 3, 4, 5
    write(t, "unchanged", bytes([3]))
    write(t, "bucket_32", bytes([3, replace]) + entries0 + bytes([1]) +
          bytes([1, 6]))  # special integer 32
    write(t, "delete_format", bytes([0, delete, 4]))
    write(t, "block_elems_too_small", bytes([2, replace]) + entries0 +
          bytes([5, 1]) + bytes([0, 120]))  # -8
    write(t, "unknown_param", bytes([3, add]) + entries0 + bytes([5, 0]) +
          bytes([22]) + bytes([1, 8]))
    write(t, "other_cpu", bytes([3, replace, 1, 2]) + bytes([14, 0]))
    write(t, "cpu_model_spacing", bytes([3, replace, 1, 2]) + bytes([14, 1]))
    write(t, "duplicate_entry", bytes([3, duplicate, 3, 0, 0]))
    write(t, "nudge_threads", bytes([3, nudge, 7, 130]))
    write(t, "float_bucket", bytes([3, replace]) + entries0 +
          bytes([1]) + bytes([3, 1]))  # bucket 1.0
    write(t, "defect_tiny_speedup", bytes([3, replace]) + entries0 +
          bytes([6]) + bytes([3, 5]))  # speedup 1e-4


row_seeds()
group_seeds()
batch_seeds()
context_seeds()
tuning_seeds()
