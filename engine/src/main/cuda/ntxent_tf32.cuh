// The TF32 tensor-core variant of ntxent.cu's score tiles (FktNtxDots<T, true>), included by ntxent.cu
// after FktNtxDots and fkt_ntx_stage, and only where nvcc compiles it: wmma does not exist for the CPU
// emulator (or for g++ scanning the file). Used by the *_tf32 kernels; CudaNtXent states their tolerance.
#pragma once
#include <mma.h>

// The TF32 variant: warp w computes the 16 x 16 sub-tiles w, w + 8, ... of the B x B tile with
// m16n16k8 TF32 products (inputs rounded to TF32 by __float_to_tf32, float accumulation), stores them
// to the stage (row stride B + 4) and every thread reads its T x T scores back.
template <int T>
struct FktNtxDots<T, true> {
    static __device__ __forceinline__ void run(const float* __restrict__ u, int m, int d, int r0, int c0,
                                               float* stage, float (&raw)[T][T]) {
        using namespace nvcuda;
        constexpr int B = FKT_NTX_SIDE * T;
        constexpr int LD = B + 4;
        constexpr int PER_WARP = (T * T + 7) / 8;
        float* qs = stage;
        float* ks = stage + FKT_NTX_BK * LD;
        const int warp = threadIdx.x / FKT_WARP;
        wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[PER_WARP];
#pragma unroll
        for (int t = 0; t < PER_WARP; ++t) {
            wmma::fill_fragment(acc[t], 0.0f);
        }
        for (int k0 = 0; k0 < d; k0 += FKT_NTX_BK) {
            __syncthreads();
            fkt_ntx_stage<B, LD>(u, m, d, r0, c0, k0, qs, ks);
            __syncthreads();
#pragma unroll
            for (int t = 0; t < PER_WARP; ++t) {
                const int tile = warp + 8 * t;
                if (tile < T * T) {
                    const int ti = tile / T;
                    const int tj = tile % T;
                    // two k-steps at a time, not all four: fully unrolled, fkt_ntxent_backward_64_tf32 went
                    // past its 128 registers (__launch_bounds__(256, 2)) and spilled
#pragma unroll 2
                    for (int k = 0; k < FKT_NTX_BK; k += 8) {
                        wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major> fa;
                        wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb;
                        wmma::load_matrix_sync(fa, qs + k * LD + 16 * ti, LD);
                        wmma::load_matrix_sync(fb, ks + k * LD + 16 * tj, LD);
#pragma unroll
                        for (int e = 0; e < fa.num_elements; ++e) {
                            fa.x[e] = wmma::__float_to_tf32(fa.x[e]);
                        }
#pragma unroll
                        for (int e = 0; e < fb.num_elements; ++e) {
                            fb.x[e] = wmma::__float_to_tf32(fb.x[e]);
                        }
                        wmma::mma_sync(acc[t], fa, fb, acc[t]);
                    }
                }
            }
        }
        __syncthreads();
#pragma unroll
        for (int t = 0; t < PER_WARP; ++t) {
            const int tile = warp + 8 * t;
            if (tile < T * T) {
                wmma::store_matrix_sync(stage + 16 * (tile / T) * LD + 16 * (tile % T), acc[t], LD,
                                        wmma::mem_row_major);
            }
        }
        __syncthreads();
        const int ty = threadIdx.x / FKT_NTX_SIDE;
        const int tx = threadIdx.x % FKT_NTX_SIDE;
#pragma unroll
        for (int a = 0; a < T; ++a) {
#pragma unroll
            for (int b = 0; b < T; ++b) {
                raw[a][b] = stage[(T * ty + a) * LD + T * tx + b];
            }
        }
    }
};
