// Shared device helpers of the engine's CUDA kernels: grid-stride loops, warp and block reductions
// (float and double), the Welford merge used by batch normalisation, and float4 access.
#pragma once

#include <cstdint>

#define FKT_WARP 32
#define FKT_FULL_MASK 0xffffffffu

// for (i = global thread index; i < n; i += total threads)
#define FKT_GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
         i += (long long)blockDim.x * gridDim.x)

__device__ __forceinline__ float fkt_warp_sum(float v) {
#pragma unroll
    for (int o = FKT_WARP / 2; o > 0; o >>= 1) {
        v += __shfl_xor_sync(FKT_FULL_MASK, v, o);
    }
    return v;
}

__device__ __forceinline__ double fkt_warp_sum(double v) {
#pragma unroll
    for (int o = FKT_WARP / 2; o > 0; o >>= 1) {
        v += __shfl_xor_sync(FKT_FULL_MASK, v, o);
    }
    return v;
}

__device__ __forceinline__ float fkt_warp_max(float v) {
#pragma unroll
    for (int o = FKT_WARP / 2; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(FKT_FULL_MASK, v, o));
    }
    return v;
}

// Sum over the block; every thread gets the result. shared: at least blockDim.x / 32 doubles.
__device__ __forceinline__ double fkt_block_sum(double v, double* shared) {
    const int lane = threadIdx.x & (FKT_WARP - 1);
    const int warp = threadIdx.x / FKT_WARP;
    const int warps = (blockDim.x + FKT_WARP - 1) / FKT_WARP;
    v = fkt_warp_sum(v);
    __syncthreads();
    if (lane == 0) {
        shared[warp] = v;
    }
    __syncthreads();
    double total = 0.0;
    for (int i = lane; i < warps; i += FKT_WARP) {
        total += shared[i];
    }
    return fkt_warp_sum(total);
}

// Welford state of a set of values: count, mean, sum of squared deviations from the mean.
struct FktWelford {
    double n;
    double mean;
    double m2;
};

// Chan et al.'s parallel merge of two Welford states.
__device__ __forceinline__ FktWelford fkt_welford_merge(FktWelford a, FktWelford b) {
    double n = a.n + b.n;
    if (n == 0.0) {
        return a;
    }
    double delta = b.mean - a.mean;
    double wb = b.n / n;
    FktWelford r;
    r.n = n;
    r.mean = a.mean + delta * wb;
    r.m2 = a.m2 + b.m2 + delta * delta * a.n * wb;
    return r;
}

__device__ __forceinline__ FktWelford fkt_warp_welford(FktWelford s) {
#pragma unroll
    for (int o = FKT_WARP / 2; o > 0; o >>= 1) {
        FktWelford other;
        other.n = __shfl_xor_sync(FKT_FULL_MASK, s.n, o);
        other.mean = __shfl_xor_sync(FKT_FULL_MASK, s.mean, o);
        other.m2 = __shfl_xor_sync(FKT_FULL_MASK, s.m2, o);
        s = fkt_welford_merge(s, other);
    }
    return s;
}

// Merge over the block; thread 0 gets the result. shared: at least blockDim.x / 32 states.
__device__ __forceinline__ FktWelford fkt_block_welford(FktWelford s, FktWelford* shared) {
    const int lane = threadIdx.x & (FKT_WARP - 1);
    const int warp = threadIdx.x / FKT_WARP;
    const int warps = (blockDim.x + FKT_WARP - 1) / FKT_WARP;
    s = fkt_warp_welford(s);
    if (lane == 0) {
        shared[warp] = s;
    }
    __syncthreads();
    if (warp == 0) {
        FktWelford t = {0.0, 0.0, 0.0};
        if (lane < warps) {
            t = shared[lane];
        }
        s = fkt_warp_welford(t);
    }
    return s;
}

__device__ __forceinline__ float4 fkt_load4(const float* p) {
    return *reinterpret_cast<const float4*>(p);
}

__device__ __forceinline__ void fkt_store4(float* p, float4 v) {
    *reinterpret_cast<float4*>(p) = v;
}
