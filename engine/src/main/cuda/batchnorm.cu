// Batch normalisation over (N, H, W) per channel, twin of CpuBatchNorm. Tensors x, y, dy, dx are
// (N, C, H, W); per-channel vectors are (C). Training forward:
//   1. fkt_bn_stats: a one-pass Welford over one slice of one channel per block, in double (per
//      element, or per float4 group merged by Chan's formula), then Chan's merge over warp and block;
//   2. fkt_bn_finalize: merges a channel's slices, writes the saved statistics, moves the running
//      statistics and computes the per-channel coefficients;
//   3. fkt_bn_apply: normalises, optionally fused with the ReLU that follows.
// Backward mirrors it: per-slice sums of dy and dy * (x - mean), a finalize into dgamma, dbeta and
// coefficients, then dx elementwise; with the ReLU fused, dy is masked by the forward output y > 0.
// Channel coefficients are doubles and elementwise maths is done in double (as on the CPU).
#include "common.cuh"

// Channel of a flat NCHW element index (in units of V elements; hw is a multiple of V).
template <int V>
__device__ __forceinline__ int fkt_channel(long long unit, int c, int hw) {
    return (int)((unit * V / hw) % c);
}

// Element offset of the unit-th V-group of a channel's elements (planes of hw, N of them, C apart).
template <int V>
__device__ __forceinline__ long long fkt_channel_offset(long long unit, int ch, int c, int hw) {
    const long long e = unit * V;
    const long long img = e / hw;
    return (img * c + ch) * hw + (e - img * hw);
}

__device__ __forceinline__ void fkt_welford_add(double v, FktWelford& s) {
    s.n += 1.0;
    const double delta = v - s.mean;
    s.mean += delta / s.n;
    s.m2 += delta * (v - s.mean);
}

// Adds four values at once: their own mean and squared deviations, merged by Chan's formula.
__device__ __forceinline__ void fkt_welford_add4(float4 v, FktWelford& s) {
    const double m = ((double)v.x + v.y + v.z + v.w) * 0.25;
    const double a = v.x - m, b = v.y - m, c = v.z - m, d = v.w - m;
    const FktWelford four = {4.0, m, a * a + b * b + c * c + d * d};
    s = fkt_welford_merge(s, four);
}

// Grid: c * splits blocks; block b takes channel b / splits, slice b % splits of its n * hw elements.
template <int V>
__device__ void fkt_bn_stats(const float* __restrict__ x, int n, int c, int hw, int splits,
                             FktWelford* __restrict__ partials) {
    __shared__ FktWelford shared[32];
    const int ch = blockIdx.x / splits;
    const int slice = blockIdx.x % splits;
    const long long units = (long long)n * hw / V;
    const long long lo = units * slice / splits;
    const long long hi = units * (slice + 1) / splits;
    FktWelford s = {0.0, 0.0, 0.0};
    for (long long u = lo + threadIdx.x; u < hi; u += blockDim.x) {
        const long long at = fkt_channel_offset<V>(u, ch, c, hw);
        if constexpr (V == 4) {
            fkt_welford_add4(fkt_load4(x + at), s);
        } else {
            fkt_welford_add(x[at], s);
        }
    }
    s = fkt_block_welford(s, shared);
    if (threadIdx.x == 0) {
        partials[blockIdx.x] = s;
    }
}

extern "C" __global__ void fkt_bn_stats_v1(const float* x, int n, int c, int hw, int splits, FktWelford* partials) {
    fkt_bn_stats<1>(x, n, c, hw, splits, partials);
}

extern "C" __global__ void fkt_bn_stats_v4(const float* x, int n, int c, int hw, int splits, FktWelford* partials) {
    fkt_bn_stats<4>(x, n, c, hw, splits, partials);
}

// One warp per channel: merges the splits partials; writes saveMean, saveInvStd, the running statistics
// (unbiased variance) and coef[3 * ch ..] = {mean, gamma * invStd, beta}.
extern "C" __global__ void fkt_bn_finalize(const FktWelford* __restrict__ partials, int splits, int c,
                                           const float* __restrict__ gamma, const float* __restrict__ beta,
                                           float* __restrict__ runningMean, float* __restrict__ runningVar,
                                           double momentum, double eps, float* __restrict__ saveMean,
                                           float* __restrict__ saveInvStd, double* __restrict__ coef) {
    const int warp = (blockIdx.x * blockDim.x + threadIdx.x) / FKT_WARP;
    const int lane = threadIdx.x & (FKT_WARP - 1);
    if (warp >= c) {
        return;
    }
    FktWelford s = {0.0, 0.0, 0.0};
    for (int i = lane; i < splits; i += FKT_WARP) {
        s = fkt_welford_merge(s, partials[(long long)warp * splits + i]);
    }
    s = fkt_warp_welford(s);
    if (lane == 0) {
        const double variance = s.m2 / s.n;
        const double invStd = 1.0 / sqrt(variance + eps);
        const double unbiased = s.n > 1.0 ? s.m2 / (s.n - 1.0) : variance;
        saveMean[warp] = (float)s.mean;
        saveInvStd[warp] = (float)invStd;
        runningMean[warp] = (float)((1.0 - momentum) * runningMean[warp] + momentum * s.mean);
        runningVar[warp] = (float)((1.0 - momentum) * runningVar[warp] + momentum * unbiased);
        coef[3 * warp] = s.mean;
        coef[3 * warp + 1] = gamma[warp] * invStd;
        coef[3 * warp + 2] = beta[warp];
    }
}

// Evaluation: coefficients from the running statistics, which are also saved for the backward.
extern "C" __global__ void fkt_bn_inference_coef(int c, const float* __restrict__ gamma, const float* __restrict__ beta,
                                                 const float* __restrict__ runningMean,
                                                 const float* __restrict__ runningVar, double eps,
                                                 float* __restrict__ saveMean, float* __restrict__ saveInvStd,
                                                 double* __restrict__ coef) {
    const int ch = blockIdx.x * blockDim.x + threadIdx.x;
    if (ch >= c) {
        return;
    }
    const double mean = runningMean[ch];
    const double invStd = 1.0 / sqrt((double)runningVar[ch] + eps);
    saveMean[ch] = (float)mean;
    saveInvStd[ch] = (float)invStd;
    coef[3 * ch] = mean;
    coef[3 * ch + 1] = gamma[ch] * invStd;
    coef[3 * ch + 2] = beta[ch];
}

__device__ __forceinline__ float fkt_bn_value(float x, const double* coef, int ch, int relu) {
    const float y = (float)((x - coef[3 * ch]) * coef[3 * ch + 1] + coef[3 * ch + 2]);
    return relu && !(y > 0.0f) && !isnan(y) ? 0.0f : y;
}

// y = (x - mean) * gamma * invStd + beta, then max(y, 0) when relu != 0.
template <int V>
__device__ void fkt_bn_apply(const float* __restrict__ x, float* __restrict__ y, long long total, int c, int hw,
                             const double* __restrict__ coef, int relu) {
    FKT_GRID_STRIDE(u, total / V) {
        const int ch = fkt_channel<V>(u, c, hw);
        if (V == 4) {
            const float4 v = fkt_load4(x + 4 * u);
            float4 r;
            r.x = fkt_bn_value(v.x, coef, ch, relu);
            r.y = fkt_bn_value(v.y, coef, ch, relu);
            r.z = fkt_bn_value(v.z, coef, ch, relu);
            r.w = fkt_bn_value(v.w, coef, ch, relu);
            fkt_store4(y + 4 * u, r);
        } else {
            y[u] = fkt_bn_value(x[u], coef, ch, relu);
        }
    }
}

extern "C" __global__ void fkt_bn_apply_v1(const float* x, float* y, long long total, int c, int hw,
                                           const double* coef, int relu) {
    fkt_bn_apply<1>(x, y, total, c, hw, coef, relu);
}

extern "C" __global__ void fkt_bn_apply_v4(const float* x, float* y, long long total, int c, int hw,
                                           const double* coef, int relu) {
    fkt_bn_apply<4>(x, y, total, c, hw, coef, relu);
}

// Loads V consecutive elements of dy (masked by the fused ReLU's output y; y null: no ReLU) and x at `at`,
// as one float4 each when V is 4.
template <int V>
__device__ __forceinline__ void fkt_masked_load(const float* y, const float* dy, const float* x, long long at,
                                                float* gv, float* xv) {
    if constexpr (V == 4) {
        const float4 g = fkt_load4(dy + at);
        const float4 v = fkt_load4(x + at);
        gv[0] = g.x; gv[1] = g.y; gv[2] = g.z; gv[3] = g.w;
        xv[0] = v.x; xv[1] = v.y; xv[2] = v.z; xv[3] = v.w;
        if (y != nullptr) {
            const float4 m = fkt_load4(y + at);
            gv[0] = m.x > 0.0f ? gv[0] : 0.0f;
            gv[1] = m.y > 0.0f ? gv[1] : 0.0f;
            gv[2] = m.z > 0.0f ? gv[2] : 0.0f;
            gv[3] = m.w > 0.0f ? gv[3] : 0.0f;
        }
    } else {
        gv[0] = y == nullptr || y[at] > 0.0f ? dy[at] : 0.0f;
        xv[0] = x[at];
    }
}

// Per (channel, slice) block: partials[2 b] = sum dy, partials[2 b + 1] = sum dy * (x - mean), in double.
template <int V>
__device__ void fkt_bn_backward_reduce(const float* __restrict__ dy, const float* __restrict__ x, const float* y,
                                       const float* __restrict__ saveMean, int n, int c, int hw, int splits,
                                       double* __restrict__ partials) {
    __shared__ double shared[32];
    const int ch = blockIdx.x / splits;
    const int slice = blockIdx.x % splits;
    const long long units = (long long)n * hw / V;
    const long long lo = units * slice / splits;
    const long long hi = units * (slice + 1) / splits;
    const double mean = saveMean[ch];
    double sumDy = 0.0, sumDyXc = 0.0;
    for (long long u = lo + threadIdx.x; u < hi; u += blockDim.x) {
        const long long at = fkt_channel_offset<V>(u, ch, c, hw);
        float gv[V], xv[V];
        fkt_masked_load<V>(y, dy, x, at, gv, xv);
#pragma unroll
        for (int k = 0; k < V; k++) {
            const double g = gv[k];
            sumDy += g;
            sumDyXc += g * (xv[k] - mean);
        }
    }
    sumDy = fkt_block_sum(sumDy, shared);
    sumDyXc = fkt_block_sum(sumDyXc, shared);
    if (threadIdx.x == 0) {
        partials[2 * blockIdx.x] = sumDy;
        partials[2 * blockIdx.x + 1] = sumDyXc;
    }
}

extern "C" __global__ void fkt_bn_backward_reduce_v1(const float* dy, const float* x, const float* y,
                                                     const float* saveMean, int n, int c, int hw, int splits,
                                                     double* partials) {
    fkt_bn_backward_reduce<1>(dy, x, y, saveMean, n, c, hw, splits, partials);
}

extern "C" __global__ void fkt_bn_backward_reduce_v4(const float* dy, const float* x, const float* y,
                                                     const float* saveMean, int n, int c, int hw, int splits,
                                                     double* partials) {
    fkt_bn_backward_reduce<4>(dy, x, y, saveMean, n, c, hw, splits, partials);
}

// One warp per channel: dgamma = sum dy * xhat, dbeta = sum dy, and coef[4 ch ..] = {mean, k, b, a} with
// dx = k * dy + b * (x - mean) + a (b = a = 0 with fixed statistics).
extern "C" __global__ void fkt_bn_backward_finalize(const double* __restrict__ partials, int splits, int c,
                                                    const float* __restrict__ gamma,
                                                    const float* __restrict__ saveMean,
                                                    const float* __restrict__ saveInvStd, double count,
                                                    int batchStatistics, float* __restrict__ dgamma,
                                                    float* __restrict__ dbeta, double* __restrict__ coef) {
    const int warp = (blockIdx.x * blockDim.x + threadIdx.x) / FKT_WARP;
    const int lane = threadIdx.x & (FKT_WARP - 1);
    if (warp >= c) {
        return;
    }
    double sumDy = 0.0, sumDyXc = 0.0;
    for (int i = lane; i < splits; i += FKT_WARP) {
        sumDy += partials[2 * ((long long)warp * splits + i)];
        sumDyXc += partials[2 * ((long long)warp * splits + i) + 1];
    }
    sumDy = fkt_warp_sum(sumDy);
    sumDyXc = fkt_warp_sum(sumDyXc);
    if (lane == 0) {
        const double invStd = saveInvStd[warp];
        const double sumDyXhat = sumDyXc * invStd;
        const double k = gamma[warp] * invStd;
        dgamma[warp] = (float)sumDyXhat;
        dbeta[warp] = (float)sumDy;
        coef[4 * warp] = saveMean[warp];
        coef[4 * warp + 1] = k;
        coef[4 * warp + 2] = batchStatistics ? -k * invStd * sumDyXhat / count : 0.0;
        coef[4 * warp + 3] = batchStatistics ? -k * sumDy / count : 0.0;
    }
}

// dx = k * dy' + b * (x - mean) + a per element, dy' = dy masked by the fused ReLU (y null: none).
template <int V>
__device__ void fkt_bn_backward_apply(const float* __restrict__ dy, const float* __restrict__ x, const float* y,
                                      long long total, int c, int hw, const double* __restrict__ coef,
                                      float* __restrict__ dx) {
    FKT_GRID_STRIDE(u, total / V) {
        const int ch = fkt_channel<V>(u, c, hw);
        const double mean = coef[4 * ch];
        const double k = coef[4 * ch + 1];
        const double b = coef[4 * ch + 2];
        const double a = coef[4 * ch + 3];
        float gv[V], xv[V], out[V];
        fkt_masked_load<V>(y, dy, x, u * V, gv, xv);
#pragma unroll
        for (int j = 0; j < V; j++) {
            out[j] = (float)(k * gv[j] + (b * (xv[j] - mean) + a));
        }
        if constexpr (V == 4) {
            fkt_store4(dx + 4 * u, make_float4(out[0], out[1], out[2], out[3]));
        } else {
            dx[u] = out[0];
        }
    }
}

extern "C" __global__ void fkt_bn_backward_apply_v1(const float* dy, const float* x, const float* y, long long total,
                                                    int c, int hw, const double* coef, float* dx) {
    fkt_bn_backward_apply<1>(dy, x, y, total, c, hw, coef, dx);
}

extern "C" __global__ void fkt_bn_backward_apply_v4(const float* dy, const float* x, const float* y, long long total,
                                                    int c, int hw, const double* coef, float* dx) {
    fkt_bn_backward_apply<4>(dy, x, y, total, c, hw, coef, dx);
}
