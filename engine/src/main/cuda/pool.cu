// Pooling kernels of CudaPool (twin of CpuPool): max-pooling with saved argmax and global average
// pooling, forward and backward. x, dx: (N, C, H, W); y, dy, argmax: (N, C, P, Q), or (N, C) for the average.
#include "common.cuh"

// One thread per output element. The first maximum wins; a NaN wins over numbers and propagates.
// argmax holds the flat h * W + w index within the plane.
extern "C" __global__ void fkt_max_pool_forward(const float* __restrict__ x, float* __restrict__ y,
                                                int* __restrict__ argmax, long long planes, int h, int w, int p,
                                                int q, int kernel, int stride, int padding) {
    FKT_GRID_STRIDE(o, planes * p * q) {
        const long long plane = o / ((long long)p * q);
        const int rest = (int)(o - plane * p * q);
        const int oh = rest / q;
        const int ow = rest - oh * q;
        const int h0 = oh * stride - padding;
        const int w0 = ow * stride - padding;
        const int hLo = max(0, h0), hHi = min(h, h0 + kernel);
        const int wLo = max(0, w0), wHi = min(w, w0 + kernel);
        const float* in = x + plane * h * w;
        float best = -INFINITY;
        int bestAt = -1;
        for (int hi = hLo; hi < hHi; hi++) {
            for (int wi = wLo; wi < wHi; wi++) {
                const float v = in[hi * w + wi];
                if (bestAt < 0 || v > best || (isnan(v) && !isnan(best))) {
                    best = v;
                    bestAt = hi * w + wi;
                }
            }
        }
        y[o] = best;
        argmax[o] = bestAt;
    }
}

// One thread per input element: dx = the sum of dy over the output windows whose argmax is this element
// (at most ceil(kernel / stride)^2 windows cover it), visited in row-major output order from 0, the CPU
// twin's order. A gather without atomics: deterministic, and it writes every element of dx.
extern "C" __global__ void fkt_max_pool_backward(const float* __restrict__ dy, const int* __restrict__ argmax,
                                                 float* __restrict__ dx, long long planes, int h, int w, int p,
                                                 int q, int kernel, int stride, int padding) {
    FKT_GRID_STRIDE(i, planes * h * w) {
        const long long plane = i / ((long long)h * w);
        const int at = (int)(i - plane * h * w);
        const int hi = at / w;
        const int wi = at - hi * w;
        // windows oh with oh * stride - padding <= hi < oh * stride - padding + kernel, within [0, p)
        const int hFirst = hi + padding - kernel + 1;
        const int wFirst = wi + padding - kernel + 1;
        const int ohLo = hFirst <= 0 ? 0 : (hFirst + stride - 1) / stride;
        const int owLo = wFirst <= 0 ? 0 : (wFirst + stride - 1) / stride;
        const int ohHi = min(p - 1, (hi + padding) / stride);
        const int owHi = min(q - 1, (wi + padding) / stride);
        const float* g = dy + plane * p * q;
        const int* arg = argmax + plane * p * q;
        float s = 0.0f;
        for (int oh = ohLo; oh <= ohHi; oh++) {
            for (int ow = owLo; ow <= owHi; ow++) {
                if (arg[oh * q + ow] == at) {
                    s = __fadd_rn(s, g[oh * q + ow]);
                }
            }
        }
        dx[i] = s;
    }
}

// One warp per plane: y[plane] = mean of its hw elements (sum in double).
extern "C" __global__ void fkt_global_avg_forward(const float* __restrict__ x, float* __restrict__ y,
                                                  long long planes, int hw) {
    const long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / FKT_WARP;
    const int lane = threadIdx.x & (FKT_WARP - 1);
    if (warp >= planes) {
        return;
    }
    const float* in = x + warp * hw;
    double s = 0.0;
    for (int e = lane; e < hw; e += FKT_WARP) {
        s += in[e];
    }
    s = fkt_warp_sum(s);
    if (lane == 0) {
        y[warp] = (float)(s / hw);
    }
}

// dx[plane, e] = dy[plane] / hw.
extern "C" __global__ void fkt_global_avg_backward(const float* __restrict__ dy, float* __restrict__ dx,
                                                   long long planes, int hw) {
    FKT_GRID_STRIDE(i, planes * hw) {
        dx[i] = (float)((double)dy[i / hw] / hw);
    }
}
