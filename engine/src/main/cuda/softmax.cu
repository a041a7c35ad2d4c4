// Row kernels of CudaSoftmax (twin of CpuSoftmax): log-softmax forward and backward, mean softmax
// cross-entropy with int32 labels, and argmax. One warp per row (rows of x are (N, K), contiguous);
// every row is shifted by its maximum before exponentiating. Sums are taken in double.
#include "common.cuh"

#define FKT_ROW_WARP                                                                 \
    const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / FKT_WARP; \
    const int lane = threadIdx.x & (FKT_WARP - 1);                                  \
    if (row >= rows) {                                                              \
        return;                                                                     \
    }

// y = x - log(sum(exp(x))) of one row, by the calling warp; returns log(sum(exp(x))).
__device__ __forceinline__ double fkt_log_softmax_row(const float* x, float* y, int k, int lane) {
    float m = -INFINITY;
    for (int j = lane; j < k; j += FKT_WARP) {
        m = fmaxf(m, x[j]);
    }
    m = fkt_warp_max(m);
    double s = 0.0;
    for (int j = lane; j < k; j += FKT_WARP) {
        s += exp((double)x[j] - m);
    }
    s = fkt_warp_sum(s);
    const double logZ = m + log(s);
    for (int j = lane; j < k; j += FKT_WARP) {
        y[j] = (float)(x[j] - logZ);
    }
    return logZ;
}

extern "C" __global__ void fkt_log_softmax(const float* __restrict__ x, float* __restrict__ y, long long rows, int k) {
    FKT_ROW_WARP
    fkt_log_softmax_row(x + row * k, y + row * k, k, lane);
}

// dx = dy - exp(y) * sum(dy) per row.
extern "C" __global__ void fkt_log_softmax_backward(const float* __restrict__ dy, const float* __restrict__ y,
                                                    float* __restrict__ dx, long long rows, int k) {
    FKT_ROW_WARP
    const float* g = dy + row * k;
    const float* out = y + row * k;
    double s = 0.0;
    for (int j = lane; j < k; j += FKT_WARP) {
        s += g[j];
    }
    s = fkt_warp_sum(s);
    for (int j = lane; j < k; j += FKT_WARP) {
        dx[row * k + j] = (float)(g[j] - exp((double)out[j]) * s);
    }
}

// logProbs = log_softmax(logits); rowLoss[r] = -logProbs[r, label[r]] (NaN for a label outside [0, k)).
extern "C" __global__ void fkt_cross_entropy_rows(const float* __restrict__ logits, const int* __restrict__ labels,
                                                  float* __restrict__ logProbs, double* __restrict__ rowLoss,
                                                  long long rows, int k) {
    FKT_ROW_WARP
    const double logZ = fkt_log_softmax_row(logits + row * k, logProbs + row * k, k, lane);
    if (lane == 0) {
        const int label = labels[row];
        rowLoss[row] = label >= 0 && label < k ? logZ - logits[row * k + label] : nan("");
    }
}

// One block: loss[0] = mean of rowLoss.
extern "C" __global__ void fkt_cross_entropy_mean(const double* __restrict__ rowLoss, long long rows,
                                                  float* __restrict__ loss) {
    __shared__ double shared[32];
    double s = 0.0;
    for (long long r = threadIdx.x; r < rows; r += blockDim.x) {
        s += rowLoss[r];
    }
    s = fkt_block_sum(s, shared);
    if (threadIdx.x == 0) {
        loss[0] = (float)(s / rows);
    }
}

// dlogits = dloss * (softmax - onehot(label)) / rows.
extern "C" __global__ void fkt_cross_entropy_backward(const float* __restrict__ dloss,
                                                      const float* __restrict__ logProbs,
                                                      const int* __restrict__ labels, float* __restrict__ dlogits,
                                                      long long rows, int k) {
    FKT_GRID_STRIDE(i, rows * k) {
        const long long r = i / k;
        const int j = (int)(i - r * k);
        const double scale = (double)dloss[0] / rows;
        const double p = exp((double)logProbs[i]);
        dlogits[i] = (float)(scale * (j == labels[r] ? p - 1.0 : p));
    }
}

// out[r] = index of the row's maximum, the first on ties (a NaN never wins after column 0, as on the CPU).
extern "C" __global__ void fkt_argmax_rows(const float* __restrict__ x, int* __restrict__ out, long long rows, int k) {
    FKT_ROW_WARP
    const float* in = x + row * k;
    float best = k > 0 ? in[0] : 0.0f;
    int at = 0;
    for (int j = lane; j < k; j += FKT_WARP) {
        const float v = in[j];
        if (v > best) {
            best = v;
            at = j;
        }
    }
#pragma unroll
    for (int o = FKT_WARP / 2; o > 0; o >>= 1) {
        const float ob = __shfl_xor_sync(FKT_FULL_MASK, best, o);
        const int oa = __shfl_xor_sync(FKT_FULL_MASK, at, o);
        if (ob > best || (ob == best && oa < at)) {
            best = ob;
            at = oa;
        }
    }
    if (lane == 0) {
        out[row] = at;
    }
}
