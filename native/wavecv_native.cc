// wavecv's optional native accelerator for Node: 2-D and 3-D convolution and
// both of their gradients, and training-mode batch normalisation, through
// oneDNN (Debian libdnnl-dev), the library PyTorch's CPU convolutions run
// on, and periodized wavelet filter banks (plain loops). It computes in place
// on memory the caller owns (the wasm backend's heap, seen from JS as Float32Array views), so
// nothing is copied in or out. Layouts are TensorFlow's: activations
// channels-last (NHWC, NDHWC), filters HWIO / DHWIO.
//
// Exports (all synchronous):
//   conv(kind, a, b, out, dims) -> undefined
//     kind 0: forward          a = x,  b = w,  out = y
//     kind 1: input gradient   a = dy, b = w,  out = dx
//     kind 2: filter gradient  a = x,  b = dy, out = dw
//     dims: Int32Array [rank, N, C, F, in[rank], kernel[rank], out[rank],
//                       stride[rank], dilation[rank] (1 = none), padBefore[rank],
//                       padAfter[rank]] with rank 2 or 3
//   batchNorm(kind, arrays, rows, channels, epsilon, relu) -> undefined
//     training-mode batch normalisation over the rows of a [rows, channels]
//     (channels-last, flattened) tensor, batch statistics, biased variance:
//     kind 0: arrays = [x, scale, shift, y, mean, variance]
//     kind 1: arrays = [x, dy, mean, variance, scale, dx, dscale, dshift]
//             (the full gradient, through the batch statistics)
//     With relu true, y = max(0, BN(x)) in the same pass (oneDNN's
//     fuse_norm_relu) and both kinds take one more array, the workspace
//     (a Uint8Array of batchNormWorkspaceBytes(...) bytes: the ReLU's mask,
//     written forward, read backward).
//   batchNormWorkspaceBytes(rows, channels, epsilon) -> number
//   filterBank(kind, inputs, outputs, taps, dims) -> undefined
//     one axis of a periodized wavelet filter bank (pywt mode
//     'periodization'; Mallat, IEEE TPAMI 11(7), 1989, eqs. 35-36 and 41 on a
//     circle) over the middle axis of [outer, n, inner] float32 arrays;
//     `taps` holds F filters of one even length L back to back (F = 1 or 2):
//     kind 0 analysis:  inputs [x], outputs F bands [outer, ceil(n/2), inner],
//             y_b[k] = sum_j h_b[j] x~[(2k + L/2 - j) mod M], M = n + (n mod 2),
//             x~[n] = x[n-1] (dims[3] = 0, pywt's extension of odd n) or 0 (1);
//             dims = [outer, n, inner, odd]
//     kind 1 synthesis: inputs F bands [outer, nb, inner], outputs [y]
//             [outer, size, inner], size = 2nb or 2nb - 1,
//             y[(2k + 1 - L/2 + j) mod 2nb] += g_b[j] band_b[k]; with
//             size = 2nb - 1 sample 2nb - 1 is dropped (dims[4] = 0) or
//             added onto sample 2nb - 2 (1); dims = [outer, nb, inner, size, odd]
//     The two kinds with time-reversed filters are each other's adjoints.
//   matMul(a, b, out, dims, bias) -> undefined
//     batched matrix product out[i] = op(a[i]) op(b[i]) (+ bias) (then ReLU)
//     of row-major float32 arrays, op = transpose where asked;
//     dims: Int32Array [batchA, batchB, M, K, N, transposeA, transposeB, relu]:
//     a holds batchA matrices M x K (K x M transposed), b batchB K x N
//     (N x K transposed), out max(batchA, batchB) M x N; batchA and batchB
//     equal, or one of them 1 (that operand is shared by every product);
//     bias: a Float32Array of N floats added to every row, or null.
//   layerNorm(kind, arrays, rows, channels, epsilon) -> undefined
//     layer normalisation over the last axis of a [rows, channels] tensor
//     (per-row mean and biased variance, per-channel scale and shift):
//     kind 0: arrays = [x, scale, shift, y, mean, variance]
//     kind 1: arrays = [x, dy, mean, variance, scale, dx, dscale, dshift]
//             (the full gradient, through the row statistics)
//     x, y, dy, dx hold rows x channels floats, mean and variance rows,
//     scale, shift and their gradients channels.
//   gelu(kind, x, dy, out) -> undefined
//     the exact (erf) GELU of Hendrycks & Gimpel (arXiv 1606.08415),
//     x·Φ(x), element-wise on equally long Float32Arrays:
//     kind 0: out = GELU(x) (dy is not read); kind 1: out = dy·GELU'(x).
//   softmax(kind, a, b, out, rows, cols) -> undefined
//     softmax over the last axis of a row-major [rows, cols] array:
//     kind 0: out = softmax(a) (b is not read);
//     kind 1: the gradient from the output: a = y = softmax(x), b = dy,
//             out = dx = y * (dy - sum_cols(dy * y)).
//   setNumThreads(n), numThreads(), version() -> "major.minor.patch"
//
// Primitives are built once per (kind, shape) and kept: a network has a few
// dozen distinct convolutions (at most kMaxPlans are kept; past that the cache
// starts over, so a process that meets ever new shapes stays bounded). Calls
// are serialised by one mutex: Node worker threads may each load the addon.
// Filters use the layout oneDNN picks for the machine ("any"), reordered
// from/to the TensorFlow layout on every call (a filter is small next to the
// activations); activations stay channels-last, which oneDNN's AVX-512/AVX2
// kernels read directly.
#include <node_api.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using Dims = std::vector<int32_t>;

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

// A convolution's shapes in oneDNN's terms (logical dims are N,C,spatial).
struct Shape {
  int rank = 0;
  memory::dims src, weights, dst, strides, dilations, padL, padR;
  tag activationTag = tag::undef, filterTag = tag::undef;
  size_t srcSize = 1, weightsSize = 1, dstSize = 1;
};

// Parses and checks the dims array (see the file comment). Throws std::invalid_argument.
Shape shapeOf(const Dims& d) {
  if (d.empty() || (d[0] != 2 && d[0] != 3)) throw std::invalid_argument("dims[0] (rank) must be 2 or 3");
  Shape s;
  s.rank = d[0];
  const int r = s.rank;
  if (d.size() != size_t(4 + 7 * r)) throw std::invalid_argument("dims must have 4 + 7*rank entries");
  for (size_t i = 1; i < d.size(); ++i) {
    const bool isPad = i >= size_t(4 + 5 * r);
    if (d[i] < (isPad ? 0 : 1)) throw std::invalid_argument("dims[" + std::to_string(i) + "] = " + std::to_string(d[i]) + " is out of range");
  }
  const memory::dim n = d[1], c = d[2], f = d[3];
  s.src = {n, c};
  s.weights = {f, c};
  s.dst = {n, f};
  for (int i = 0; i < r; ++i) {
    s.src.push_back(d[4 + i]);
    s.weights.push_back(d[4 + r + i]);
    s.dst.push_back(d[4 + 2 * r + i]);
    s.strides.push_back(d[4 + 3 * r + i]);
    s.dilations.push_back(d[4 + 4 * r + i] - 1);  // oneDNN counts dilation from 0
    s.padL.push_back(d[4 + 5 * r + i]);
    s.padR.push_back(d[4 + 6 * r + i]);
  }
  for (auto v : s.src) s.srcSize *= size_t(v);
  for (auto v : s.weights) s.weightsSize *= size_t(v);
  for (auto v : s.dst) s.dstSize *= size_t(v);
  s.activationTag = r == 2 ? tag::nhwc : tag::ndhwc;
  s.filterTag = r == 2 ? tag::hwio : tag::dhwio;
  return s;
}

// One convolution of one kind and shape, ready to run.
struct ConvPlan {
  Shape shape;
  dnnl::primitive conv;
  memory::desc src, dst;       // channels-last activations
  memory::desc userWeights;    // TensorFlow filter layout
  memory::desc primWeights;    // the layout the primitive wants
  bool reorderWeights = false;
  dnnl::reorder weightsReorder;  // user -> prim (kinds 0, 1) or prim -> user (kind 2)
  memory weightsScratch;         // primWeights storage when reordering
};

std::unique_ptr<ConvPlan> makePlan(int kind, const Dims& d) {
  auto plan = std::make_unique<ConvPlan>();
  const Shape& s = plan->shape = shapeOf(d);
  const auto f32 = memory::data_type::f32;
  dnnl::engine& eng = cpuEngine();
  plan->src = memory::desc(s.src, f32, s.activationTag);
  plan->dst = memory::desc(s.dst, f32, s.activationTag);
  plan->userWeights = memory::desc(s.weights, f32, s.filterTag);
  const memory::desc anyWeights(s.weights, f32, tag::any);
  const auto direct = dnnl::algorithm::convolution_direct;
  dnnl::convolution_forward::desc fwdDesc(dnnl::prop_kind::forward_training, direct, plan->src, anyWeights, plan->dst,
                                          s.strides, s.dilations, s.padL, s.padR);
  dnnl::convolution_forward::primitive_desc fwd(fwdDesc, eng);
  if (kind == 0) {
    plan->conv = dnnl::convolution_forward(fwd);
    plan->primWeights = fwd.weights_desc();
  } else if (kind == 1) {
    dnnl::convolution_backward_data::desc desc(direct, plan->src, anyWeights, plan->dst, s.strides, s.dilations, s.padL, s.padR);
    dnnl::convolution_backward_data::primitive_desc pd(desc, eng, fwd);
    plan->conv = dnnl::convolution_backward_data(pd);
    plan->primWeights = pd.weights_desc();
  } else {
    dnnl::convolution_backward_weights::desc desc(direct, plan->src, anyWeights, plan->dst, s.strides, s.dilations, s.padL, s.padR);
    dnnl::convolution_backward_weights::primitive_desc pd(desc, eng, fwd);
    plan->conv = dnnl::convolution_backward_weights(pd);
    plan->primWeights = pd.diff_weights_desc();
  }
  plan->reorderWeights = plan->primWeights != plan->userWeights;
  if (plan->reorderWeights) {
    plan->weightsScratch = memory(plan->primWeights, eng);
    plan->weightsReorder = kind == 2 ? dnnl::reorder(dnnl::reorder::primitive_desc(eng, plan->primWeights, eng, plan->userWeights))
                                     : dnnl::reorder(dnnl::reorder::primitive_desc(eng, plan->userWeights, eng, plan->primWeights));
  }
  return plan;
}

constexpr size_t kMaxPlans = 512;
std::mutex callMutex;  // guards the plans and the stream

// The plan of `key` from `plans`, made by `make()` when missing; call with callMutex held.
template <typename Key, typename Plan, typename Make>
Plan& cachedPlan(std::map<Key, std::unique_ptr<Plan>>& plans, const Key& key, Make make) {
  auto it = plans.find(key);
  if (it == plans.end()) {
    auto plan = make();
    if (plans.size() >= kMaxPlans) plans.clear();
    it = plans.emplace(key, std::move(plan)).first;
  }
  return *it->second;
}

ConvPlan& planFor(int kind, const Dims& d) {
  static std::map<std::pair<int, Dims>, std::unique_ptr<ConvPlan>> plans;
  return cachedPlan(plans, std::make_pair(kind, d), [&] { return makePlan(kind, d); });
}

// Float counts of (a, b, out) for `kind`.
std::vector<size_t> expectedSizes(int kind, const Shape& s) {
  if (kind == 0) return {s.srcSize, s.weightsSize, s.dstSize};
  if (kind == 1) return {s.dstSize, s.weightsSize, s.srcSize};
  return {s.srcSize, s.dstSize, s.weightsSize};
}

void runConv(ConvPlan& plan, int kind, float* a, float* b, float* out) {
  dnnl::engine& eng = cpuEngine();
  dnnl::stream& strm = cpuStream();
  if (kind == 2) {
    memory user(plan.userWeights, eng, out);
    memory diffWeights = plan.reorderWeights ? plan.weightsScratch : user;
    plan.conv.execute(strm, {{DNNL_ARG_SRC, memory(plan.src, eng, a)},
                             {DNNL_ARG_DIFF_DST, memory(plan.dst, eng, b)},
                             {DNNL_ARG_DIFF_WEIGHTS, diffWeights}});
    if (plan.reorderWeights) plan.weightsReorder.execute(strm, plan.weightsScratch, user);
  } else {
    memory user(plan.userWeights, eng, b);
    memory weights = user;
    if (plan.reorderWeights) {
      plan.weightsReorder.execute(strm, user, plan.weightsScratch);
      weights = plan.weightsScratch;
    }
    if (kind == 0) {
      plan.conv.execute(strm, {{DNNL_ARG_SRC, memory(plan.src, eng, a)}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, memory(plan.dst, eng, out)}});
    } else {
      plan.conv.execute(strm, {{DNNL_ARG_DIFF_DST, memory(plan.dst, eng, a)}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, memory(plan.src, eng, out)}});
    }
  }
  strm.wait();
}

// ---- batch normalisation ----

// One batch normalisation of one kind, shape and epsilon, ready to run. The
// data are described as a 1 x C x rows x 1 NHWC tensor: the same bytes as
// [rows, C], and a layout oneDNN's channels-last kernels take.
struct BatchNormPlan {
  dnnl::primitive primitive;
  memory::desc data, stats, workspace;  // workspace: empty without relu
};

std::unique_ptr<BatchNormPlan> makeBatchNormPlan(int kind, memory::dim rows, memory::dim channels, float epsilon, bool relu) {
  auto plan = std::make_unique<BatchNormPlan>();
  const auto f32 = memory::data_type::f32;
  dnnl::engine& eng = cpuEngine();
  plan->data = memory::desc({1, channels, rows, 1}, f32, tag::nhwc);
  plan->stats = memory::desc({channels}, f32, tag::a);
  auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  if (relu) flags |= dnnl::normalization_flags::fuse_norm_relu;
  dnnl::batch_normalization_forward::desc fwdDesc(dnnl::prop_kind::forward_training, plan->data, epsilon, flags);
  dnnl::batch_normalization_forward::primitive_desc fwd(fwdDesc, eng);
  plan->workspace = fwd.workspace_desc();
  if (kind == 0) {
    plan->primitive = dnnl::batch_normalization_forward(fwd);
  } else {
    dnnl::batch_normalization_backward::desc desc(dnnl::prop_kind::backward, plan->data, plan->data, epsilon, flags);
    plan->primitive = dnnl::batch_normalization_backward(dnnl::batch_normalization_backward::primitive_desc(desc, eng, fwd));
  }
  return plan;
}

BatchNormPlan& batchNormPlanFor(int kind, memory::dim rows, memory::dim channels, float epsilon, bool relu) {
  static std::map<std::tuple<int, memory::dim, memory::dim, float, bool>, std::unique_ptr<BatchNormPlan>> plans;
  return cachedPlan(plans, std::make_tuple(kind, rows, channels, epsilon, relu),
                    [&] { return makeBatchNormPlan(kind, rows, channels, epsilon, relu); });
}

// a: the float arrays in the order of the file comment; ws: the workspace (relu only).
void runBatchNorm(BatchNormPlan& plan, int kind, float* const* a, void* ws) {
  dnnl::engine& eng = cpuEngine();
  auto data = [&](float* p) { return memory(plan.data, eng, p); };
  auto stat = [&](float* p) { return memory(plan.stats, eng, p); };
  std::unordered_map<int, memory> args;
  if (kind == 0) {
    args = {{DNNL_ARG_SRC, data(a[0])}, {DNNL_ARG_SCALE, stat(a[1])}, {DNNL_ARG_SHIFT, stat(a[2])},
            {DNNL_ARG_DST, data(a[3])}, {DNNL_ARG_MEAN, stat(a[4])}, {DNNL_ARG_VARIANCE, stat(a[5])}};
  } else {
    // oneDNN 2.6 refuses to run the backward pass without a shift argument,
    // which it does not read: the scale's memory stands in.
    args = {{DNNL_ARG_SRC, data(a[0])}, {DNNL_ARG_DIFF_DST, data(a[1])}, {DNNL_ARG_MEAN, stat(a[2])},
            {DNNL_ARG_VARIANCE, stat(a[3])}, {DNNL_ARG_SCALE, stat(a[4])}, {DNNL_ARG_SHIFT, stat(a[4])}, {DNNL_ARG_DIFF_SRC, data(a[5])},
            {DNNL_ARG_DIFF_SCALE, stat(a[6])}, {DNNL_ARG_DIFF_SHIFT, stat(a[7])}};
  }
  if (ws != nullptr) args.emplace(DNNL_ARG_WORKSPACE, memory(plan.workspace, eng, ws));
  plan.primitive.execute(cpuStream(), args);
  cpuStream().wait();
}

// ---- Layer normalisation (layerNorm) ----

// One layer normalisation of one kind, shape and epsilon over [rows, channels].
struct LayerNormPlan {
  dnnl::primitive primitive;
  memory::desc data, stats, params;
};

std::unique_ptr<LayerNormPlan> makeLayerNormPlan(int kind, memory::dim rows, memory::dim channels, float epsilon) {
  auto plan = std::make_unique<LayerNormPlan>();
  const auto f32 = memory::data_type::f32;
  dnnl::engine& eng = cpuEngine();
  plan->data = memory::desc({rows, channels}, f32, tag::ab);
  plan->stats = memory::desc({rows}, f32, tag::a);
  plan->params = memory::desc({channels}, f32, tag::a);
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  dnnl::layer_normalization_forward::desc fwdDesc(dnnl::prop_kind::forward_training, plan->data, plan->stats, epsilon, flags);
  dnnl::layer_normalization_forward::primitive_desc fwd(fwdDesc, eng);
  if (kind == 0) {
    plan->primitive = dnnl::layer_normalization_forward(fwd);
  } else {
    dnnl::layer_normalization_backward::desc desc(dnnl::prop_kind::backward, plan->data, plan->data, plan->stats, epsilon, flags);
    plan->primitive = dnnl::layer_normalization_backward(dnnl::layer_normalization_backward::primitive_desc(desc, eng, fwd));
  }
  return plan;
}

LayerNormPlan& layerNormPlanFor(int kind, memory::dim rows, memory::dim channels, float epsilon) {
  static std::map<std::tuple<int, memory::dim, memory::dim, float>, std::unique_ptr<LayerNormPlan>> plans;
  return cachedPlan(plans, std::make_tuple(kind, rows, channels, epsilon), [&] { return makeLayerNormPlan(kind, rows, channels, epsilon); });
}

// a: the float arrays in the order of the file comment.
void runLayerNorm(LayerNormPlan& plan, int kind, float* const* a) {
  dnnl::engine& eng = cpuEngine();
  auto data = [&](float* p) { return memory(plan.data, eng, p); };
  auto stat = [&](float* p) { return memory(plan.stats, eng, p); };
  auto param = [&](float* p) { return memory(plan.params, eng, p); };
  std::unordered_map<int, memory> args;
  if (kind == 0) {
    args = {{DNNL_ARG_SRC, data(a[0])}, {DNNL_ARG_SCALE, param(a[1])}, {DNNL_ARG_SHIFT, param(a[2])},
            {DNNL_ARG_DST, data(a[3])}, {DNNL_ARG_MEAN, stat(a[4])}, {DNNL_ARG_VARIANCE, stat(a[5])}};
  } else {
    // As for batch norm, the scale's memory stands in for the shift oneDNN asks for and does not read.
    args = {{DNNL_ARG_SRC, data(a[0])}, {DNNL_ARG_DIFF_DST, data(a[1])}, {DNNL_ARG_MEAN, stat(a[2])},
            {DNNL_ARG_VARIANCE, stat(a[3])}, {DNNL_ARG_SCALE, param(a[4])}, {DNNL_ARG_SHIFT, param(a[4])}, {DNNL_ARG_DIFF_SRC, data(a[5])},
            {DNNL_ARG_DIFF_SCALE, param(a[6])}, {DNNL_ARG_DIFF_SHIFT, param(a[7])}};
  }
  plan.primitive.execute(cpuStream(), args);
  cpuStream().wait();
}

// ---- GELU (gelu) ----

// The erf GELU forward (kind 0) or its gradient (kind 1) over `size` floats.
dnnl::primitive& geluPrimitive(int kind, memory::dim size) {
  static std::map<std::pair<int, memory::dim>, std::unique_ptr<dnnl::primitive>> plans;
  return cachedPlan(plans, std::make_pair(kind, size), [&] {
    dnnl::engine& eng = cpuEngine();
    const memory::desc data({size}, memory::data_type::f32, tag::a);
    dnnl::eltwise_forward::primitive_desc fwd(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::eltwise_gelu_erf, data, 0.f, 0.f), eng);
    if (kind == 0) return std::make_unique<dnnl::primitive>(dnnl::eltwise_forward(fwd));
    dnnl::eltwise_backward::desc desc(dnnl::algorithm::eltwise_gelu_erf, data, data, 0.f, 0.f);
    return std::make_unique<dnnl::primitive>(dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(desc, eng, fwd)));
  });
}

void runGelu(int kind, float* x, float* dy, float* out, memory::dim size) {
  dnnl::engine& eng = cpuEngine();
  const memory::desc data({size}, memory::data_type::f32, tag::a);
  if (kind == 0) {
    geluPrimitive(0, size).execute(cpuStream(), {{DNNL_ARG_SRC, memory(data, eng, x)}, {DNNL_ARG_DST, memory(data, eng, out)}});
  } else {
    geluPrimitive(1, size).execute(cpuStream(), {{DNNL_ARG_SRC, memory(data, eng, x)}, {DNNL_ARG_DIFF_DST, memory(data, eng, dy)}, {DNNL_ARG_DIFF_SRC, memory(data, eng, out)}});
  }
  cpuStream().wait();
}

// ---- Softmax over the last axis (softmax) ----

dnnl::primitive& softmaxPrimitive(int kind, memory::dim rows, memory::dim cols) {
  static std::map<std::tuple<int, memory::dim, memory::dim>, std::unique_ptr<dnnl::primitive>> plans;
  return cachedPlan(plans, std::make_tuple(kind, rows, cols), [&] {
    dnnl::engine& eng = cpuEngine();
    const memory::desc data({rows, cols}, memory::data_type::f32, tag::ab);
    dnnl::softmax_forward::primitive_desc fwd(dnnl::softmax_forward::desc(dnnl::prop_kind::forward_training, data, 1), eng);
    if (kind == 0) return std::make_unique<dnnl::primitive>(dnnl::softmax_forward(fwd));
    dnnl::softmax_backward::desc desc(data, data, 1);
    return std::make_unique<dnnl::primitive>(dnnl::softmax_backward(dnnl::softmax_backward::primitive_desc(desc, eng, fwd)));
  });
}

void runSoftmax(int kind, float* a, float* b, float* out, memory::dim rows, memory::dim cols) {
  dnnl::engine& eng = cpuEngine();
  const memory::desc data({rows, cols}, memory::data_type::f32, tag::ab);
  if (kind == 0) {
    softmaxPrimitive(0, rows, cols).execute(cpuStream(), {{DNNL_ARG_SRC, memory(data, eng, a)}, {DNNL_ARG_DST, memory(data, eng, out)}});
  } else {
    softmaxPrimitive(1, rows, cols).execute(cpuStream(), {{DNNL_ARG_DST, memory(data, eng, a)}, {DNNL_ARG_DIFF_DST, memory(data, eng, b)}, {DNNL_ARG_DIFF_SRC, memory(data, eng, out)}});
  }
  cpuStream().wait();
}

// ---- Periodized wavelet filter banks (filterBank) ----
//
// Both directions are gathers: every output row (a run of `inner`
// contiguous floats) is a weighted sum of input rows, computed by
// weightedRows in one pass with the taps outermost, so every pass is a
// contiguous, vectorised multiply-add (AVX2/FMA where the CPU has them,
// chosen at load time). Rows are independent, so OpenMP shares them among
// the threads oneDNN uses (setNumThreads).

// out[i] = sum_t w[t] * rows[t][i] for i < inner (zero when count is 0).
__attribute__((target_clones("arch=haswell", "default")))
void weightedRows(float* __restrict out, const float* const* rows, const float* w, int count, int64_t inner) {
  if (count == 0) {
    for (int64_t i = 0; i < inner; ++i) out[i] = 0.f;
    return;
  }
  const float* r0 = rows[0];
  const float w0 = w[0];
#pragma omp simd
  for (int64_t i = 0; i < inner; ++i) out[i] = w0 * r0[i];
  int t = 1;
  for (; t + 1 < count; t += 2) {
    const float* a = rows[t];
    const float* b = rows[t + 1];
    const float wa = w[t], wb = w[t + 1];
#pragma omp simd
    for (int64_t i = 0; i < inner; ++i) out[i] += wa * a[i] + wb * b[i];
  }
  if (t < count) {
    const float* a = rows[t];
    const float wa = w[t];
#pragma omp simd
    for (int64_t i = 0; i < inner; ++i) out[i] += wa * a[i];
  }
}

int64_t positiveMod(int64_t a, int64_t m) { return ((a % m) + m) % m; }

// kind 0 of filterBank (see the file comment).
void analysis(const float* x, float* const* bands, const float* taps, int filters, int L, int64_t outer, int64_t n, int64_t inner, bool zero) {
  const int64_t half = (n + 1) / 2, M = 2 * half;
#pragma omp parallel
  {
    std::vector<const float*> rows(L);
    std::vector<float> w(L);
#pragma omp for collapse(2) schedule(static)
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k = 0; k < half; ++k) {
        for (int b = 0; b < filters; ++b) {
          int count = 0;
          for (int j = 0; j < L; ++j) {
            int64_t i = positiveMod(2 * k + L / 2 - j, M);
            if (i == n) {
              if (zero) continue;
              i = n - 1;
            }
            rows[count] = x + (o * n + i) * inner;
            w[count++] = taps[b * L + j];
          }
          weightedRows(bands[b] + (o * half + k) * inner, rows.data(), w.data(), count, inner);
        }
      }
    }
  }
}

// kind 1 of filterBank (see the file comment): output row r gathers
// g_b[j] band_b[k] over the (b, j, k) with 2k + 1 - L/2 + j = r (mod 2nb);
// the folded row also gathers those of row 2nb - 1.
void synthesis(const float* const* bands, float* y, const float* taps, int filters, int L, int64_t outer, int64_t nb, int64_t inner, int64_t size, bool fold) {
  const int64_t period = 2 * nb;
#pragma omp parallel
  {
    std::vector<const float*> rows(2 * filters * L);
    std::vector<float> w(2 * filters * L);
#pragma omp for collapse(2) schedule(static)
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t r = 0; r < size; ++r) {
        int count = 0;
        const bool withLast = fold && size < period && r == size - 1;
        for (int pass = 0; pass < (withLast ? 2 : 1); ++pass) {
          const int64_t target = pass == 0 ? r : period - 1;
          for (int b = 0; b < filters; ++b) {
            for (int j = 0; j < L; ++j) {
              const int64_t q = target - 1 + L / 2 - j;
              if (positiveMod(q, 2) != 0) continue;
              const int64_t k = positiveMod(q / 2, nb);
              rows[count] = bands[b] + (o * nb + k) * inner;
              w[count++] = taps[b * L + j];
            }
          }
        }
        weightedRows(y + (o * size + r) * inner, rows.data(), w.data(), count, inner);
      }
    }
  }
}

// ---- Batched matrix products (matMul) ----

// One oneDNN matmul of one shape: dims [batchA, batchB, M, K, N, transA, transB, relu] and bias.
struct MatMulPlan {
  dnnl::matmul prim;
  memory::desc a, b, bias, out;
  size_t aSize = 0, bSize = 0, outSize = 0, n = 0;
};

// A row-major [batch, rows, cols] matrix stack, read transposed (stored [batch, cols, rows]) when `transposed`.
memory::desc stackDesc(memory::dim batch, memory::dim rows, memory::dim cols, bool transposed) {
  const memory::dims strides = transposed ? memory::dims{rows * cols, 1, rows} : memory::dims{rows * cols, cols, 1};
  return memory::desc({batch, rows, cols}, memory::data_type::f32, strides);
}

std::unique_ptr<MatMulPlan> makeMatMulPlan(const Dims& d, bool hasBias) {
  const memory::dim batchA = d[0], batchB = d[1], M = d[2], K = d[3], N = d[4];
  auto plan = std::make_unique<MatMulPlan>();
  plan->a = stackDesc(batchA, M, K, d[5] != 0);
  plan->b = stackDesc(batchB, K, N, d[6] != 0);
  plan->out = stackDesc(std::max(batchA, batchB), M, N, false);
  if (hasBias) plan->bias = memory::desc({1, 1, N}, memory::data_type::f32, memory::dims{N, N, 1});
  dnnl::primitive_attr attr;
  if (d[7] != 0) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  const dnnl::matmul::desc desc = hasBias ? dnnl::matmul::desc(plan->a, plan->b, plan->bias, plan->out) : dnnl::matmul::desc(plan->a, plan->b, plan->out);
  plan->prim = dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, cpuEngine()));
  plan->aSize = size_t(batchA * M * K);
  plan->bSize = size_t(batchB * K * N);
  plan->outSize = size_t(std::max(batchA, batchB) * M * N);
  plan->n = size_t(N);
  return plan;
}

MatMulPlan& matMulPlanFor(const Dims& d, bool hasBias) {
  static std::map<std::pair<Dims, bool>, std::unique_ptr<MatMulPlan>> plans;
  return cachedPlan(plans, std::make_pair(d, hasBias), [&] { return makeMatMulPlan(d, hasBias); });
}

void runMatMul(MatMulPlan& plan, float* a, float* b, float* out, float* bias) {
  dnnl::engine& eng = cpuEngine();
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, memory(plan.a, eng, a)},
      {DNNL_ARG_WEIGHTS, memory(plan.b, eng, b)},
      {DNNL_ARG_DST, memory(plan.out, eng, out)},
  };
  if (bias) args.emplace(DNNL_ARG_BIAS, memory(plan.bias, eng, bias));
  plan.prim.execute(cpuStream(), args);
  cpuStream().wait();
}

// ---- Node-API glue ----

napi_value throwError(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

// Runs `work` under callMutex; a bad argument or a refusal by oneDNN becomes a
// JS error prefixed with `op`. Returns undefined to JS.
template <typename Work>
napi_value runLocked(napi_env env, const char* op, const char* what, Work work) {
  try {
    std::lock_guard<std::mutex> lock(callMutex);
    work();
  } catch (const std::invalid_argument& e) {
    return throwError(env, std::string(op) + ": " + e.what());
  } catch (const dnnl::error& e) {
    return throwError(env, std::string(op) + ": oneDNN refused the " + what + ": " + e.what());
  }
  return nullptr;
}

// The data and element count of a typed array of `wanted` type; false when `value` is not one.
bool typedData(napi_env env, napi_value value, napi_typedarray_type wanted, void** data, size_t* length) {
  bool isTyped = false;
  if (napi_is_typedarray(env, value, &isTyped) != napi_ok || !isTyped) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok) return false;
  return type == wanted;
}

bool float32Data(napi_env env, napi_value value, float** data, size_t* length) {
  void* raw = nullptr;
  if (!typedData(env, value, napi_float32_array, &raw, length)) return false;
  *data = static_cast<float*>(raw);
  return true;
}

napi_value Conv(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5) return throwError(env, "conv: expected (kind, a, b, out, dims)");
  int32_t kind = -1;
  if (napi_get_value_int32(env, argv[0], &kind) != napi_ok || kind < 0 || kind > 2) {
    return throwError(env, "conv: kind must be 0 (forward), 1 (input gradient) or 2 (filter gradient)");
  }
  float* arrays[3];
  size_t lengths[3];
  const char* names[3] = {"a", "b", "out"};
  for (int i = 0; i < 3; ++i) {
    if (!float32Data(env, argv[i + 1], &arrays[i], &lengths[i])) {
      return throwError(env, std::string("conv: ") + names[i] + " must be a Float32Array");
    }
  }
  size_t dimsLength = 0;
  void* dimsRaw = nullptr;
  if (!typedData(env, argv[4], napi_int32_array, &dimsRaw, &dimsLength)) return throwError(env, "conv: dims must be an Int32Array");
  const int32_t* raw = static_cast<const int32_t*>(dimsRaw);
  const Dims dims(raw, raw + dimsLength);
  return runLocked(env, "conv", "convolution", [&] {
    ConvPlan& plan = planFor(kind, dims);
    const std::vector<size_t> expected = expectedSizes(kind, plan.shape);
    for (int i = 0; i < 3; ++i) {
      if (lengths[i] != expected[i]) {
        throw std::invalid_argument(std::string(names[i]) + " has " + std::to_string(lengths[i]) + " floats, expected " +
                                    std::to_string(expected[i]) + " from dims");
      }
    }
    runConv(plan, kind, arrays[0], arrays[1], arrays[2]);
  });
}

// Reads rows, channels and epsilon from argv[first..first+2]; false after throwing.
bool batchNormShape(napi_env env, const napi_value* argv, const char* op, int32_t* rows, int32_t* channels, double* epsilon) {
  if (napi_get_value_int32(env, argv[0], rows) != napi_ok || *rows < 1 || napi_get_value_int32(env, argv[1], channels) != napi_ok ||
      *channels < 1) {
    throwError(env, std::string(op) + ": rows and channels must be integers >= 1");
    return false;
  }
  if (napi_get_value_double(env, argv[2], epsilon) != napi_ok || !(*epsilon >= 0)) {
    throwError(env, std::string(op) + ": epsilon must be a number >= 0");
    return false;
  }
  return true;
}

napi_value BatchNorm(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 6) return throwError(env, "batchNorm: expected (kind, arrays, rows, channels, epsilon, relu)");
  int32_t kind = -1, rows = 0, channels = 0;
  double epsilon = -1;
  bool relu = false;
  if (napi_get_value_int32(env, argv[0], &kind) != napi_ok || kind < 0 || kind > 1) {
    return throwError(env, "batchNorm: kind must be 0 (forward) or 1 (gradient)");
  }
  if (!batchNormShape(env, argv + 2, "batchNorm", &rows, &channels, &epsilon)) return nullptr;
  if (napi_get_value_bool(env, argv[5], &relu) != napi_ok) return throwError(env, "batchNorm: relu must be a boolean");
  const size_t floats = kind == 0 ? 6 : 8;
  const size_t count = floats + (relu ? 1 : 0);
  // Which arrays hold [rows, channels] data (the others hold [channels]).
  const bool isData[2][8] = {{true, false, false, true, false, false}, {true, true, false, false, false, true, false, false}};
  bool isArray = false;
  uint32_t length = 0;
  if (napi_is_array(env, argv[1], &isArray) != napi_ok || !isArray || napi_get_array_length(env, argv[1], &length) != napi_ok ||
      length != count) {
    return throwError(env, "batchNorm: arrays must be an array of " + std::to_string(count) + " typed arrays");
  }
  float* arrays[8];
  for (uint32_t i = 0; i < floats; ++i) {
    napi_value element;
    size_t size = 0;
    napi_get_element(env, argv[1], i, &element);
    if (!float32Data(env, element, &arrays[i], &size)) {
      return throwError(env, "batchNorm: arrays[" + std::to_string(i) + "] must be a Float32Array");
    }
    const size_t expected = isData[kind][i] ? size_t(rows) * size_t(channels) : size_t(channels);
    if (size != expected) {
      return throwError(env, "batchNorm: arrays[" + std::to_string(i) + "] has " + std::to_string(size) + " floats, expected " +
                                 std::to_string(expected));
    }
  }
  void* workspace = nullptr;
  size_t workspaceBytes = 0;
  if (relu) {
    napi_value element;
    napi_get_element(env, argv[1], floats, &element);
    if (!typedData(env, element, napi_uint8_array, &workspace, &workspaceBytes)) {
      return throwError(env, "batchNorm: the workspace (last array) must be a Uint8Array");
    }
  }
  return runLocked(env, "batchNorm", "batch normalisation", [&] {
    BatchNormPlan& plan = batchNormPlanFor(kind, rows, channels, float(epsilon), relu);
    if (relu && workspaceBytes != plan.workspace.get_size()) {
      throw std::invalid_argument("the workspace has " + std::to_string(workspaceBytes) + " bytes, expected " +
                                  std::to_string(plan.workspace.get_size()));
    }
    runBatchNorm(plan, kind, arrays, workspace);
  });
}

napi_value BatchNormWorkspaceBytes(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 3) return throwError(env, "batchNormWorkspaceBytes: expected (rows, channels, epsilon)");
  int32_t rows = 0, channels = 0;
  double epsilon = -1;
  if (!batchNormShape(env, argv, "batchNormWorkspaceBytes", &rows, &channels, &epsilon)) return nullptr;
  double bytes = 0;
  napi_value ok = runLocked(env, "batchNormWorkspaceBytes", "batch normalisation",
                            [&] { bytes = double(batchNormPlanFor(0, rows, channels, float(epsilon), true).workspace.get_size()); });
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return ok;
  napi_value result;
  napi_create_double(env, bytes, &result);
  return result;
}

// Reads a JS array of `count` Float32Arrays of `expected` floats each into `out`; false after throwing.
bool float32Arrays(napi_env env, napi_value value, const char* name, size_t expected, std::vector<float*>* out) {
  bool isArray = false;
  uint32_t length = 0;
  if (napi_is_array(env, value, &isArray) != napi_ok || !isArray || napi_get_array_length(env, value, &length) != napi_ok ||
      length != out->size()) {
    throwError(env, std::string("filterBank: ") + name + " must be an array of " + std::to_string(out->size()) + " Float32Arrays");
    return false;
  }
  for (uint32_t i = 0; i < length; ++i) {
    napi_value element;
    size_t size = 0;
    napi_get_element(env, value, i, &element);
    if (!float32Data(env, element, &(*out)[i], &size) || size != expected) {
      throwError(env, std::string("filterBank: ") + name + "[" + std::to_string(i) + "] must be a Float32Array of " + std::to_string(expected) + " floats");
      return false;
    }
  }
  return true;
}

napi_value FilterBank(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5) return throwError(env, "filterBank: expected (kind, inputs, outputs, taps, dims)");
  int32_t kind = -1;
  if (napi_get_value_int32(env, argv[0], &kind) != napi_ok || kind < 0 || kind > 1) {
    return throwError(env, "filterBank: kind must be 0 (analysis) or 1 (synthesis)");
  }
  float* taps = nullptr;
  size_t tapCount = 0;
  if (!float32Data(env, argv[3], &taps, &tapCount)) return throwError(env, "filterBank: taps must be a Float32Array");
  size_t dimsLength = 0;
  void* dimsRaw = nullptr;
  const size_t wanted = kind == 0 ? 4 : 5;
  if (!typedData(env, argv[4], napi_int32_array, &dimsRaw, &dimsLength) || dimsLength != wanted) {
    return throwError(env, "filterBank: dims must be an Int32Array of " + std::to_string(wanted) + " values");
  }
  const int32_t* d = static_cast<const int32_t*>(dimsRaw);
  const int64_t outer = d[0], n = d[1], inner = d[2];
  const int32_t odd = kind == 0 ? d[3] : d[4];
  const int64_t size = kind == 0 ? 0 : d[3];
  if (outer < 1 || n < 1 || inner < 1 || odd < 0 || odd > 1 || (kind == 1 && size != 2 * n && size != 2 * n - 1)) {
    return throwError(env, "filterBank: dims must be positive sizes, odd 0 or 1, and (synthesis) size 2nb or 2nb - 1");
  }
  uint32_t bandCount = 0;
  napi_value bandList = argv[kind == 0 ? 2 : 1];
  if (napi_get_array_length(env, bandList, &bandCount) != napi_ok || bandCount < 1 || bandCount > 2 || tapCount % bandCount != 0 ||
      (tapCount / bandCount) % 2 != 0 || tapCount == 0) {
    return throwError(env, "filterBank: one or two bands, and taps holding one filter of even length per band");
  }
  const int L = int(tapCount / bandCount);
  const size_t bandFloats = size_t(outer) * size_t(kind == 0 ? (n + 1) / 2 : n) * size_t(inner);
  const size_t signalFloats = size_t(outer) * size_t(kind == 0 ? n : size) * size_t(inner);
  std::vector<float*> signal(1), bands(bandCount);
  if (!float32Arrays(env, argv[kind == 0 ? 1 : 2], kind == 0 ? "inputs" : "outputs", signalFloats, &signal)) return nullptr;
  if (!float32Arrays(env, bandList, kind == 0 ? "outputs" : "inputs", bandFloats, &bands)) return nullptr;
  return runLocked(env, "filterBank", "filter bank", [&] {
    if (kind == 0) {
      analysis(signal[0], bands.data(), taps, int(bandCount), L, outer, n, inner, odd == 1);
    } else {
      synthesis(bands.data(), signal[0], taps, int(bandCount), L, outer, n, inner, size, odd == 1);
    }
  });
}

napi_value MatMul(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5) return throwError(env, "matMul: expected (a, b, out, dims, bias)");
  float* arrays[3];
  size_t lengths[3];
  const char* names[3] = {"a", "b", "out"};
  for (int i = 0; i < 3; ++i) {
    if (!float32Data(env, argv[i], &arrays[i], &lengths[i])) return throwError(env, std::string("matMul: ") + names[i] + " must be a Float32Array");
  }
  size_t dimsLength = 0;
  void* dimsRaw = nullptr;
  if (!typedData(env, argv[3], napi_int32_array, &dimsRaw, &dimsLength) || dimsLength != 8) {
    return throwError(env, "matMul: dims must be an Int32Array [batchA, batchB, M, K, N, transposeA, transposeB, relu]");
  }
  const int32_t* raw = static_cast<const int32_t*>(dimsRaw);
  const Dims dims(raw, raw + 8);
  for (int i = 0; i < 5; ++i) {
    if (dims[i] < 1) return throwError(env, "matMul: dims[" + std::to_string(i) + "] = " + std::to_string(dims[i]) + ", expected >= 1");
  }
  if (dims[0] != dims[1] && dims[0] != 1 && dims[1] != 1) {
    return throwError(env, "matMul: batchA " + std::to_string(dims[0]) + " and batchB " + std::to_string(dims[1]) + " must be equal or one of them 1");
  }
  float* bias = nullptr;
  size_t biasLength = 0;
  napi_valuetype biasType;
  napi_typeof(env, argv[4], &biasType);
  if (biasType != napi_null && !float32Data(env, argv[4], &bias, &biasLength)) return throwError(env, "matMul: bias must be a Float32Array or null");
  return runLocked(env, "matMul", "matrix product", [&] {
    MatMulPlan& plan = matMulPlanFor(dims, bias != nullptr);
    const size_t expected[3] = {plan.aSize, plan.bSize, plan.outSize};
    for (int i = 0; i < 3; ++i) {
      if (lengths[i] != expected[i]) {
        throw std::invalid_argument(std::string(names[i]) + " has " + std::to_string(lengths[i]) + " floats, expected " + std::to_string(expected[i]) + " from dims");
      }
    }
    if (bias && biasLength != plan.n) throw std::invalid_argument("bias has " + std::to_string(biasLength) + " floats, expected N = " + std::to_string(plan.n));
    runMatMul(plan, arrays[0], arrays[1], arrays[2], bias);
  });
}

napi_value LayerNorm(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5) return throwError(env, "layerNorm: expected (kind, arrays, rows, channels, epsilon)");
  int32_t kind = -1, rows = 0, channels = 0;
  double epsilon = -1;
  if (napi_get_value_int32(env, argv[0], &kind) != napi_ok || kind < 0 || kind > 1) {
    return throwError(env, "layerNorm: kind must be 0 (forward) or 1 (gradient)");
  }
  if (!batchNormShape(env, argv + 2, "layerNorm", &rows, &channels, &epsilon)) return nullptr;
  const size_t count = kind == 0 ? 6 : 8;
  // What each array holds: 0 rows x channels, 1 rows (statistics), 2 channels (parameters).
  const int holds[2][8] = {{0, 2, 2, 0, 1, 1}, {0, 0, 1, 1, 2, 0, 2, 2}};
  const size_t sizes[3] = {size_t(rows) * size_t(channels), size_t(rows), size_t(channels)};
  bool isArray = false;
  uint32_t length = 0;
  if (napi_is_array(env, argv[1], &isArray) != napi_ok || !isArray || napi_get_array_length(env, argv[1], &length) != napi_ok ||
      length != count) {
    return throwError(env, "layerNorm: arrays must be an array of " + std::to_string(count) + " Float32Arrays");
  }
  float* arrays[8];
  for (uint32_t i = 0; i < count; ++i) {
    napi_value element;
    size_t size = 0;
    napi_get_element(env, argv[1], i, &element);
    if (!float32Data(env, element, &arrays[i], &size)) {
      return throwError(env, "layerNorm: arrays[" + std::to_string(i) + "] must be a Float32Array");
    }
    const size_t expected = sizes[holds[kind][i]];
    if (size != expected) {
      return throwError(env, "layerNorm: arrays[" + std::to_string(i) + "] has " + std::to_string(size) + " floats, expected " + std::to_string(expected));
    }
  }
  return runLocked(env, "layerNorm", "layer normalisation", [&] { runLayerNorm(layerNormPlanFor(kind, rows, channels, float(epsilon)), kind, arrays); });
}

napi_value Gelu(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 4) return throwError(env, "gelu: expected (kind, x, dy, out)");
  int32_t kind = -1;
  if (napi_get_value_int32(env, argv[0], &kind) != napi_ok || kind < 0 || kind > 1) {
    return throwError(env, "gelu: kind must be 0 (forward) or 1 (gradient)");
  }
  float* arrays[3];
  size_t lengths[3];
  const char* names[3] = {"x", "dy", "out"};
  for (int i = 0; i < 3; ++i) {
    if (!float32Data(env, argv[i + 1], &arrays[i], &lengths[i])) return throwError(env, std::string("gelu: ") + names[i] + " must be a Float32Array");
    if (lengths[i] != lengths[0]) {
      return throwError(env, std::string("gelu: ") + names[i] + " has " + std::to_string(lengths[i]) + " floats, expected " + std::to_string(lengths[0]) + " (as x)");
    }
  }
  if (lengths[0] == 0) return nullptr;
  return runLocked(env, "gelu", "GELU", [&] { runGelu(kind, arrays[0], arrays[1], arrays[2], memory::dim(lengths[0])); });
}

napi_value Softmax(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 6) return throwError(env, "softmax: expected (kind, a, b, out, rows, cols)");
  int32_t kind = -1, rows = 0, cols = 0;
  if (napi_get_value_int32(env, argv[0], &kind) != napi_ok || kind < 0 || kind > 1) {
    return throwError(env, "softmax: kind must be 0 (forward) or 1 (gradient)");
  }
  if (napi_get_value_int32(env, argv[4], &rows) != napi_ok || rows < 1 || napi_get_value_int32(env, argv[5], &cols) != napi_ok || cols < 1) {
    return throwError(env, "softmax: rows and cols must be integers >= 1");
  }
  float* arrays[3];
  size_t lengths[3];
  const char* names[3] = {"a", "b", "out"};
  const size_t expected = size_t(rows) * size_t(cols);
  for (int i = 0; i < 3; ++i) {
    if (!float32Data(env, argv[i + 1], &arrays[i], &lengths[i])) return throwError(env, std::string("softmax: ") + names[i] + " must be a Float32Array");
    if (lengths[i] != expected) {
      return throwError(env, std::string("softmax: ") + names[i] + " has " + std::to_string(lengths[i]) + " floats, expected rows * cols = " + std::to_string(expected));
    }
  }
  return runLocked(env, "softmax", "softmax", [&] { runSoftmax(kind, arrays[0], arrays[1], arrays[2], rows, cols); });
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 0;
  if (argc != 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    return throwError(env, "setNumThreads: expected an integer >= 1");
  }
  omp_set_num_threads(n);
  return nullptr;
}

napi_value NumThreads(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_int32(env, omp_get_max_threads(), &result);
  return result;
}

napi_value Version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  const std::string text = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  napi_value result;
  napi_create_string_utf8(env, text.c_str(), text.size(), &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, BatchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormWorkspaceBytes", nullptr, BatchNormWorkspaceBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"filterBank", nullptr, FilterBank, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gelu", nullptr, Gelu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setNumThreads", nullptr, SetNumThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"numThreads", nullptr, NumThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
