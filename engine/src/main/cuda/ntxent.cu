// Fused NT-Xent of CudaNtXent (twin of CpuNtXent, whose header derives the loss and the gradient), the
// flash-attention way: the (M, M) similarity matrix (M = 2N rows) is never written to device memory.
// u (M, D) is the row-normalised z, made beforehand by fkt_l2_normalize (l2normalize.cu), the composed
// path's own kernel, so a zero row is treated exactly as there (u = 0).
//
// Tiles: a block of 256 threads (16 x 16) owns B = 16*T query rows and walks a range of B-row key tiles;
// thread (ty, tx) holds the T x T scores of rows T*ty + a and columns T*tx + b. A score tile is summed over
// D in stages of 32 features that both row sets copy into static shared memory, feature-major with row
// stride B + 4, so that a thread reads its T rows and T columns of one feature as one float4 (float2)
// each: 2 shared loads per T*T multiply-adds (the CPU emulator runs only static __shared__, no wmma, no
// cp.async, so this fp32 path keeps to plain CUDA C).
// T = 4 (B = 64) for large M, T = 2 (B = 32) where M is small, so that small problems still give every
// multiprocessor blocks; the key range is cut into `splits` pieces for the same reason, each piece
// writing partial results that a second kernel merges in a fixed order (deterministic, no atomics).
//
// Forward: per row an online masked log-sum-exp (running max and sum of exp(s - max) per thread over its
// columns, merged over the 16 threads of the row by shuffles), and the positive s_i,p(i) from the one
// thread that sees it. fkt_ntxent_finish merges the splits, writes lse and the mean loss (one block,
// double, fixed order).
// Backward: dz_k (before the normalisation backward) = sum_j w'_kj u_j with
// w_kj = exp(s_kj - lse_k) + exp(s_kj - lse_j) (j != k) and -2 added at j = p(k), formed as
// expm1 + expm1 in double so a confident positive keeps its digits. A block owns B rows times 128 output
// features; it recomputes each score tile (D/128 times over when D > 128), turns it into w in shared
// memory, and multiplies by the key rows' features. Split 0 writes its partial sums into dz itself and the
// others into a scratch (splits - 1, M, D), so one split costs no memory beyond dz. fkt_ntxent_backward_finish
// sums the splits, scales by dloss / (M t) and applies the L2-normalisation backward (that of
// fkt_l2_normalize_backward).
// The *_tf32 kernels (the backend's TF32 switch) compute the score tiles with m16n16k8 TF32 tensor-core
// products instead (wmma, in ntxent_tf32.cuh; the rest stays float32); they are compiled by nvcc only,
// never for the emulator, and CudaNtXent states their tolerance.
#include "common.cuh"

#define FKT_NTX_THREADS 256
#define FKT_NTX_SIDE 16
// features per shared stage of a score tile
#define FKT_NTX_BK 32
// output features per backward block: 8 consecutive ones per thread (FKT_NTX_TD is 8: two float4 loads)
#define FKT_NTX_DC 128
#define FKT_NTX_TD (FKT_NTX_DC / FKT_NTX_SIDE)
// floats of the shared stage: two (BK, 68) row sets of the T = 4 tile, which also holds (BK, DC) and, in
// the TF32 variant, the (64, 68) score tile
#define FKT_NTX_STAGE (2 * FKT_NTX_BK * (4 * FKT_NTX_SIDE + 4))

__device__ __forceinline__ int fkt_ntx_partner(int i, int m) {
    const int half = m >> 1;
    return i < half ? i + half : i - half;
}

// Copies features [k0, k0 + BK) of rows r0.. and c0.. (B each) into qs and ks, feature-major with row
// stride LD: qs[k * LD + r] = u[r0 + r][k0 + k]; rows past m and features past d read as zero.
// Consecutive threads read consecutive features of a row (coalesced); the transposed stores meet
// 4-way bank conflicts (stride LD = 4 mod 32), the price of aligned vector reads in the inner loop.
template <int B, int LD>
__device__ __forceinline__ void fkt_ntx_stage(const float* __restrict__ u, int m, int d, int r0, int c0, int k0,
                                              float* qs, float* ks) {
    for (int e = threadIdx.x; e < B * FKT_NTX_BK; e += FKT_NTX_THREADS) {
        const int r = e / FKT_NTX_BK;
        const int k = e % FKT_NTX_BK;
        const int f = k0 + k;
        const int qr = r0 + r;
        const int kr = c0 + r;
        qs[k * LD + r] = qr < m && f < d ? u[(long long)qr * d + f] : 0.0f;
        ks[k * LD + r] = kr < m && f < d ? u[(long long)kr * d + f] : 0.0f;
    }
}

// v = p[0 .. T) as one float4 (T = 4) or float2 (T = 2) load; p is 4T-byte aligned.
template <int T>
__device__ __forceinline__ void fkt_ntx_load(const float* p, float (&v)[T]);

template <>
__device__ __forceinline__ void fkt_ntx_load<4>(const float* p, float (&v)[4]) {
    const float4 x = *reinterpret_cast<const float4*>(p);
    v[0] = x.x;
    v[1] = x.y;
    v[2] = x.z;
    v[3] = x.w;
}

template <>
__device__ __forceinline__ void fkt_ntx_load<2>(const float* p, float (&v)[2]) {
    const float2 x = *reinterpret_cast<const float2*>(p);
    v[0] = x.x;
    v[1] = x.y;
}

// raw[a][b] = u_{r0 + T*ty + a} . u_{c0 + T*tx + b} in float32 on the CUDA cores (TC = false), or with TF32
// tensor-core tiles (TC = true, below, not built for the emulator). stage: FKT_NTX_STAGE floats, 32-byte
// aligned; both variants stage rows with stride B + 4.
template <int T, bool TC>
struct FktNtxDots;

template <int T>
struct FktNtxDots<T, false> {
    static __device__ __forceinline__ void run(const float* __restrict__ u, int m, int d, int r0, int c0,
                                               float* stage, float (&raw)[T][T]) {
        constexpr int B = FKT_NTX_SIDE * T;
        constexpr int LD = B + 4;
        float* qs = stage;
        float* ks = stage + FKT_NTX_BK * LD;
        const int ty = threadIdx.x / FKT_NTX_SIDE;
        const int tx = threadIdx.x % FKT_NTX_SIDE;
#pragma unroll
        for (int a = 0; a < T; ++a) {
#pragma unroll
            for (int b = 0; b < T; ++b) {
                raw[a][b] = 0.0f;
            }
        }
        for (int k0 = 0; k0 < d; k0 += FKT_NTX_BK) {
            __syncthreads();
            fkt_ntx_stage<B, LD>(u, m, d, r0, c0, k0, qs, ks);
            __syncthreads();
#pragma unroll 8
            for (int k = 0; k < FKT_NTX_BK; ++k) {
                float q[T];
                float c[T];
                fkt_ntx_load<T>(qs + k * LD + T * ty, q);
                fkt_ntx_load<T>(ks + k * LD + T * tx, c);
#pragma unroll
                for (int a = 0; a < T; ++a) {
#pragma unroll
                    for (int b = 0; b < T; ++b) {
                        raw[a][b] = fmaf(q[a], c[b], raw[a][b]);
                    }
                }
            }
        }
    }
};

#if defined(__CUDACC__) && !defined(FKT_EMU)
#define FKT_NTX_TF32 1
#include "ntxent_tf32.cuh"
#endif

// The block's (row tile, split) and its key tiles [kt0, kt1); blockIdx.x = rt + rowTiles * (dc + chunks * split).
struct FktNtxBlock {
    int r0;
    int dc;
    int split;
    int kt0;
    int kt1;
};

__device__ __forceinline__ FktNtxBlock fkt_ntx_block(int m, int b, int chunks, int splits) {
    const int tiles = (m + b - 1) / b;
    int id = blockIdx.x;
    FktNtxBlock w;
    w.r0 = id % tiles * b;
    id /= tiles;
    w.dc = id % chunks;
    w.split = id / chunks;
    w.kt0 = (int)((long long)w.split * tiles / splits);
    w.kt1 = (int)((long long)(w.split + 1) * tiles / splits);
    return w;
}

// Merges the log-sum-exp state (om, os) into (mx, sm): both are (max, sum of exp(s - max)).
__device__ __forceinline__ void fkt_ntx_merge(float& mx, float& sm, float om, float os) {
    const float nm = fmaxf(mx, om);
    if (nm == -INFINITY) {
        return;
    }
    sm = sm * expf(mx - nm) + os * expf(om - nm);
    mx = nm;
}

// Per row i and split: partMax/partSum (splits, m) = the split's log-sum-exp state; pos (m) = s_i,p(i).
template <int T, bool TC>
__device__ __forceinline__ void fkt_ntx_forward_tiles(const float* __restrict__ u, int m, int d, float invT,
                                                      int splits, float* __restrict__ partMax,
                                                      float* __restrict__ partSum, float* __restrict__ pos,
                                                      float* stage) {
    constexpr int B = FKT_NTX_SIDE * T;
    const FktNtxBlock w = fkt_ntx_block(m, B, 1, splits);
    const int ty = threadIdx.x / FKT_NTX_SIDE;
    const int tx = threadIdx.x % FKT_NTX_SIDE;
    float runMax[T];
    float runSum[T];
#pragma unroll
    for (int a = 0; a < T; ++a) {
        runMax[a] = -INFINITY;
        runSum[a] = 0.0f;
    }
    for (int kt = w.kt0; kt < w.kt1; ++kt) {
        const int c0 = kt * B;
        float raw[T][T];
        FktNtxDots<T, TC>::run(u, m, d, w.r0, c0, stage, raw);
#pragma unroll
        for (int a = 0; a < T; ++a) {
            const int i = w.r0 + T * ty + a;
            const int p = fkt_ntx_partner(i, m);
            float s[T];
            float tileMax = -INFINITY;
#pragma unroll
            for (int b = 0; b < T; ++b) {
                const int j = c0 + T * tx + b;
                const float v = raw[a][b] * invT;
                s[b] = j < m && j != i ? v : -INFINITY;
                tileMax = fmaxf(tileMax, s[b]);
                if (j == p && i < m) {
                    pos[i] = v;
                }
            }
            if (tileMax != -INFINITY) {
                const float nm = fmaxf(runMax[a], tileMax);
                float acc = runSum[a] * expf(runMax[a] - nm);
#pragma unroll
                for (int b = 0; b < T; ++b) {
                    acc += expf(s[b] - nm);
                }
                runSum[a] = acc;
                runMax[a] = nm;
            }
        }
    }
#pragma unroll
    for (int a = 0; a < T; ++a) {
        float mx = runMax[a];
        float sm = runSum[a];
#pragma unroll
        for (int o = FKT_NTX_SIDE / 2; o > 0; o >>= 1) {
            const float om = __shfl_xor_sync(FKT_FULL_MASK, mx, o);
            const float os = __shfl_xor_sync(FKT_FULL_MASK, sm, o);
            fkt_ntx_merge(mx, sm, om, os);
        }
        const int i = w.r0 + T * ty + a;
        if (tx == 0 && i < m) {
            partMax[(long long)w.split * m + i] = mx;
            partSum[(long long)w.split * m + i] = sm;
        }
    }
}

// u: (m, d) normalised rows; partMax, partSum: (splits, m); pos: (m). Grid: row tiles * splits.
#define FKT_NTX_FORWARD_KERNEL(name, T, TC)                                                             \
    extern "C" __launch_bounds__(FKT_NTX_THREADS, 2) __global__ void name(                              \
        const float* __restrict__ u, int m, int d, float invT, int splits, float* __restrict__ partMax, \
        float* __restrict__ partSum, float* __restrict__ pos) {                                         \
        __align__(32) __shared__ float stage[FKT_NTX_STAGE];                                            \
        fkt_ntx_forward_tiles<T, TC>(u, m, d, invT, splits, partMax, partSum, pos, stage);              \
    }

FKT_NTX_FORWARD_KERNEL(fkt_ntxent_forward_64, 4, false)
FKT_NTX_FORWARD_KERNEL(fkt_ntxent_forward_32, 2, false)
#ifdef FKT_NTX_TF32
FKT_NTX_FORWARD_KERNEL(fkt_ntxent_forward_64_tf32, 4, true)
FKT_NTX_FORWARD_KERNEL(fkt_ntxent_forward_32_tf32, 2, true)
#endif

// One block: lse[i] (m; may be null) = merged log-sum-exp of row i over the splits, in split order;
// loss[0] = mean over rows of lse_i - pos_i, summed in double.
extern "C" __global__ void fkt_ntxent_finish(const float* __restrict__ partMax, const float* __restrict__ partSum,
                                             const float* __restrict__ pos, int splits, int m,
                                             float* __restrict__ lse, float* __restrict__ loss) {
    __shared__ double shared[32];
    double total = 0.0;
    for (int i = threadIdx.x; i < m; i += blockDim.x) {
        float mx = -INFINITY;
        for (int s = 0; s < splits; ++s) {
            mx = fmaxf(mx, partMax[(long long)s * m + i]);
        }
        double sum = 0.0;
        for (int s = 0; s < splits; ++s) {
            const float pm = partMax[(long long)s * m + i];
            if (pm != -INFINITY) {
                sum += (double)partSum[(long long)s * m + i] * exp((double)pm - mx);
            }
        }
        const double rowLse = mx + log(sum);
        if (lse != nullptr) {
            lse[i] = (float)rowLse;
        }
        total += rowLse - pos[i];
    }
    total = fkt_block_sum(total, shared);
    if (threadIdx.x == 0) {
        loss[0] = (float)(total / m);
    }
}

// Sum over the block's key tiles of w'_ij u_j for its rows and 128 output features, into out0 (m, d) for
// split 0 and rest (splits - 1, m, d) for the others.
template <int T, bool TC>
__device__ __forceinline__ void fkt_ntx_backward_tiles(const float* __restrict__ u, const float* __restrict__ lse,
                                                       int m, int d, float invT, int splits, float* out0,
                                                       float* rest, float* stage, float* wt, float* lseKeys) {
    constexpr int B = FKT_NTX_SIDE * T;
    constexpr int LDW = B + 1;
    const int chunks = (d + FKT_NTX_DC - 1) / FKT_NTX_DC;
    const FktNtxBlock w = fkt_ntx_block(m, B, chunks, splits);
    const int tid = threadIdx.x;
    const int ty = tid / FKT_NTX_SIDE;
    const int tx = tid % FKT_NTX_SIDE;
    const int f0 = w.dc * FKT_NTX_DC;
    float acc[T][FKT_NTX_TD];
    float lseRow[T];
#pragma unroll
    for (int a = 0; a < T; ++a) {
        const int i = w.r0 + T * ty + a;
        lseRow[a] = i < m ? lse[i] : 0.0f;
#pragma unroll
        for (int c = 0; c < FKT_NTX_TD; ++c) {
            acc[a][c] = 0.0f;
        }
    }
    for (int kt = w.kt0; kt < w.kt1; ++kt) {
        const int c0 = kt * B;
        float raw[T][T];
        FktNtxDots<T, TC>::run(u, m, d, w.r0, c0, stage, raw);
        for (int e = tid; e < B; e += FKT_NTX_THREADS) {
            lseKeys[e] = c0 + e < m ? lse[c0 + e] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int a = 0; a < T; ++a) {
            const int i = w.r0 + T * ty + a;
            const int p = fkt_ntx_partner(i, m);
#pragma unroll
            for (int b = 0; b < T; ++b) {
                const int j = c0 + T * tx + b;
                float v = 0.0f;
                if (i < m && j < m && j != i) {
                    const float s = raw[a][b] * invT;
                    const float lseJ = lseKeys[T * tx + b];
                    if (j == p) {
                        v = (float)(expm1((double)s - lseRow[a]) + expm1((double)s - lseJ));
                    } else {
                        v = expf(s - lseRow[a]) + expf(s - lseJ);
                    }
                }
                wt[(T * ty + a) * LDW + T * tx + b] = v;
            }
        }
        for (int n0 = 0; n0 < B; n0 += FKT_NTX_BK) {
            __syncthreads();
            for (int e = tid; e < FKT_NTX_BK * FKT_NTX_DC; e += FKT_NTX_THREADS) {
                const int n = e / FKT_NTX_DC;
                const int f = f0 + e % FKT_NTX_DC;
                const int kr = c0 + n0 + n;
                stage[e] = kr < m && f < d ? u[(long long)kr * d + f] : 0.0f;
            }
            __syncthreads();
#pragma unroll 4
            for (int n = 0; n < FKT_NTX_BK; ++n) {
                float wa[T];
                float ub[FKT_NTX_TD];
                float lo[4];
                float hi[4];
#pragma unroll
                for (int a = 0; a < T; ++a) {
                    wa[a] = wt[(T * ty + a) * LDW + n0 + n];
                }
                fkt_ntx_load<4>(stage + n * FKT_NTX_DC + FKT_NTX_TD * tx, lo);
                fkt_ntx_load<4>(stage + n * FKT_NTX_DC + FKT_NTX_TD * tx + 4, hi);
#pragma unroll
                for (int c = 0; c < 4; ++c) {
                    ub[c] = lo[c];
                    ub[c + 4] = hi[c];
                }
#pragma unroll
                for (int a = 0; a < T; ++a) {
#pragma unroll
                    for (int c = 0; c < FKT_NTX_TD; ++c) {
                        acc[a][c] = fmaf(wa[a], ub[c], acc[a][c]);
                    }
                }
            }
        }
    }
#pragma unroll
    for (int a = 0; a < T; ++a) {
        const int i = w.r0 + T * ty + a;
        if (i < m) {
            float* out = w.split == 0 ? out0 + (long long)i * d : rest + ((long long)(w.split - 1) * m + i) * d;
#pragma unroll
            for (int c = 0; c < FKT_NTX_TD; ++c) {
                const int f = f0 + FKT_NTX_TD * tx + c;
                if (f < d) {
                    out[f] = acc[a][c];
                }
            }
        }
    }
}

// u: (m, d); lse: (m); out0: (m, d); rest: (splits - 1, m, d). Grid: row tiles * ceil(d / 128) * splits.
#define FKT_NTX_BACKWARD_KERNEL(name, T, TC)                                                              \
    extern "C" __launch_bounds__(FKT_NTX_THREADS, 2) __global__ void name(                                \
        const float* __restrict__ u, const float* __restrict__ lse, int m, int d, float invT, int splits, \
        float* __restrict__ out0, float* __restrict__ rest) {                                             \
        __align__(32) __shared__ float stage[FKT_NTX_STAGE];                                              \
        __shared__ float wt[16 * T * (16 * T + 1)];                                                       \
        __shared__ float lseKeys[16 * T];                                                                 \
        fkt_ntx_backward_tiles<T, TC>(u, lse, m, d, invT, splits, out0, rest, stage, wt, lseKeys);        \
    }

FKT_NTX_BACKWARD_KERNEL(fkt_ntxent_backward_64, 4, false)
FKT_NTX_BACKWARD_KERNEL(fkt_ntxent_backward_32, 2, false)
#ifdef FKT_NTX_TF32
FKT_NTX_BACKWARD_KERNEL(fkt_ntxent_backward_64_tf32, 4, true)
FKT_NTX_BACKWARD_KERNEL(fkt_ntxent_backward_32_tf32, 2, true)
#endif

// One warp per row: g = dz + sum over rest (splits - 1, rows, d) in split order, du = dloss[0] * scale * g
// (scale = 1 / (M t)), dz = (du - u (du . u)) / norm, or du / eps where norm <= eps; in place, each lane
// reading its own elements of dz before writing them.
__device__ __forceinline__ double fkt_ntx_gathered(const float* dz, const float* __restrict__ rest, int splits,
                                                   long long rows, long long row, int d, int j) {
    double g = dz[row * d + j];
    for (int s = 1; s < splits; ++s) {
        g += rest[((long long)(s - 1) * rows + row) * d + j];
    }
    return g;
}

extern "C" __global__ void fkt_ntxent_backward_finish(const float* __restrict__ dloss, const float* __restrict__ rest,
                                                      int splits, const float* __restrict__ u,
                                                      const float* __restrict__ norms, double eps, double scale,
                                                      float* dz, long long rows, int d) {
    const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / FKT_WARP;
    const int lane = threadIdx.x & (FKT_WARP - 1);
    if (row >= rows) {
        return;
    }
    const double coefficient = (double)dloss[0] * scale;
    const float* un = u + row * d;
    const double norm = norms[row];
    double dot = 0.0;
    if (norm > eps) {
        for (int j = lane; j < d; j += FKT_WARP) {
            dot += coefficient * fkt_ntx_gathered(dz, rest, splits, rows, row, d, j) * un[j];
        }
    }
    dot = fkt_warp_sum(dot);
    for (int j = lane; j < d; j += FKT_WARP) {
        const double du = coefficient * fkt_ntx_gathered(dz, rest, splits, rows, row, d, j);
        dz[row * d + j] = (float)(norm > eps ? (du - un[j] * dot) / norm : du / eps);
    }
}
