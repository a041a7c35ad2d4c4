// Row L2 normalisation of CudaL2Normalize (twin of CpuL2Normalize): y = x / max(||x||, eps) with the
// norms saved, and its backward dx = (dy - y * (dy . y)) / ||x|| (dx = dy / eps where ||x|| <= eps).
// One warp per row of (N, D); sums in double.
#include "common.cuh"

extern "C" __global__ void fkt_l2_normalize(const float* __restrict__ x, double eps, float* __restrict__ y,
                                            float* __restrict__ norms, long long rows, int d) {
    const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / FKT_WARP;
    const int lane = threadIdx.x & (FKT_WARP - 1);
    if (row >= rows) {
        return;
    }
    const float* in = x + row * d;
    double s = 0.0;
    for (int j = lane; j < d; j += FKT_WARP) {
        const double v = in[j];
        s += v * v;
    }
    s = fkt_warp_sum(s);
    const double norm = sqrt(s);
    const double denominator = fmax(norm, eps);
    for (int j = lane; j < d; j += FKT_WARP) {
        y[row * d + j] = (float)(in[j] / denominator);
    }
    if (lane == 0) {
        norms[row] = (float)norm;
    }
}

extern "C" __global__ void fkt_l2_normalize_backward(const float* __restrict__ dy, const float* __restrict__ y,
                                                     const float* __restrict__ norms, double eps,
                                                     float* __restrict__ dx, long long rows, int d) {
    const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / FKT_WARP;
    const int lane = threadIdx.x & (FKT_WARP - 1);
    if (row >= rows) {
        return;
    }
    const float* g = dy + row * d;
    const float* out = y + row * d;
    const double norm = norms[row];
    if (norm <= eps) {
        for (int j = lane; j < d; j += FKT_WARP) {
            dx[row * d + j] = (float)(g[j] / eps);
        }
        return;
    }
    double dot = 0.0;
    for (int j = lane; j < d; j += FKT_WARP) {
        dot += (double)g[j] * out[j];
    }
    dot = fkt_warp_sum(dot);
    for (int j = lane; j < d; j += FKT_WARP) {
        dx[row * d + j] = (float)((g[j] - out[j] * dot) / norm);
    }
}
