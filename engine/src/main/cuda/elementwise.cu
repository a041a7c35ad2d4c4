// Memory-bound kernels of CudaElementwise (twin of CpuElementwise): fills, strided copies, type
// conversion, scaled adds, ReLU (and the residual add fused with ReLU), full sums, and the row-vector
// ops of the dense layer. Float32 maps come in a scalar (_v1) and a float4 (_v4) flavour; the host picks
// _v4 when every pointer is 16-byte aligned. Maps may run in place (out == a). Scaled adds compute in
// double and round once, as the CPU does, so both backends agree wherever no reduction is involved.
#include "common.cuh"

template <int V, class F>
__device__ __forceinline__ void fkt_map2(const float* a, const float* b,
                                         float* out, long long n, F f) {
    long long done = 0;
    if (V == 4) {
        const long long n4 = n / 4;
        FKT_GRID_STRIDE(i, n4) {
            float4 x = fkt_load4(a + 4 * i);
            float4 y = fkt_load4(b + 4 * i);
            float4 r;
            r.x = f(x.x, y.x);
            r.y = f(x.y, y.y);
            r.z = f(x.z, y.z);
            r.w = f(x.w, y.w);
            fkt_store4(out + 4 * i, r);
        }
        done = 4 * n4;
    }
    FKT_GRID_STRIDE(i, n - done) {
        const long long j = done + i;
        out[j] = f(a[j], b[j]);
    }
}

struct FktAxpby {
    double alpha;
    double beta;
    __device__ float operator()(float a, float b) const { return (float)(alpha * a + beta * b); }
};

struct FktAccumulate {
    double alpha;
    __device__ float operator()(float acc, float x) const { return (float)(acc + alpha * x); }
};

struct FktScale {
    double alpha;
    __device__ float operator()(float x, float) const { return (float)(alpha * x); }
};

struct FktRelu {
    __device__ float operator()(float x, float) const { return x > 0.0f || isnan(x) ? x : 0.0f; }
};

struct FktReluBackward {
    __device__ float operator()(float y, float dy) const { return y > 0.0f ? dy : 0.0f; }
};

struct FktAddRelu {
    __device__ float operator()(float a, float b) const {
        float s = a + b;
        return s > 0.0f || isnan(s) ? s : 0.0f;
    }
};

#define FKT_MAP_KERNELS(NAME, PARAMS, A, B, OUT, FUNCTOR)                         \
    extern "C" __global__ void NAME##_v1 PARAMS { fkt_map2<1>(A, B, OUT, n, FUNCTOR); } \
    extern "C" __global__ void NAME##_v4 PARAMS { fkt_map2<4>(A, B, OUT, n, FUNCTOR); }

// out = alpha * a + beta * b
FKT_MAP_KERNELS(fkt_axpby, (const float* a, double alpha, const float* b, double beta, float* out, long long n),
                a, b, out, (FktAxpby{alpha, beta}))
// acc += alpha * x
FKT_MAP_KERNELS(fkt_accumulate, (float* acc, const float* x, double alpha, long long n),
                acc, x, acc, (FktAccumulate{alpha}))
// out = alpha * x (out may be x)
FKT_MAP_KERNELS(fkt_scale, (const float* x, double alpha, float* out, long long n), x, x, out, (FktScale{alpha}))
// y = max(x, 0), NaN propagates
FKT_MAP_KERNELS(fkt_relu, (const float* x, float* y, long long n), x, x, y, (FktRelu{}))
// dx = y > 0 ? dy : 0
FKT_MAP_KERNELS(fkt_relu_backward, (const float* y, const float* dy, float* dx, long long n), y, dy, dx,
                (FktReluBackward{}))
// y = max(a + b, 0): the residual add of a bottleneck block fused with its ReLU
FKT_MAP_KERNELS(fkt_add_relu, (const float* a, const float* b, float* y, long long n), a, b, y, (FktAddRelu{}))

// Fills n 64-bit elements (float64, int64) with a bit pattern; 32-bit fills use cuMemsetD32Async.
extern "C" __global__ void fkt_fill_u64(unsigned long long* p, unsigned long long bits, long long n) {
    FKT_GRID_STRIDE(i, n) {
        p[i] = bits;
    }
}

// Shape and element strides of a strided source, rank <= 8 (leading unused dimensions have extent 1).
struct FktStrided {
    long long rank;
    long long shape[8];
    long long strides[8];
};

__device__ __forceinline__ long long fkt_strided_offset(const FktStrided& d, long long linear) {
    long long at = 0;
    for (int k = (int)d.rank - 1; k >= 0; k--) {
        const long long extent = d.shape[k];
        at += (linear % extent) * d.strides[k];
        linear /= extent;
    }
    return at;
}

// Gathers a strided tensor of 4-byte elements into contiguous dst (n elements).
extern "C" __global__ void fkt_copy_strided_4(const unsigned int* __restrict__ src, FktStrided d,
                                              unsigned int* __restrict__ dst, long long n) {
    FKT_GRID_STRIDE(i, n) {
        dst[i] = src[fkt_strided_offset(d, i)];
    }
}

// Gathers a strided tensor of 8-byte elements into contiguous dst (n elements).
extern "C" __global__ void fkt_copy_strided_8(const unsigned long long* __restrict__ src, FktStrided d,
                                              unsigned long long* __restrict__ dst, long long n) {
    FKT_GRID_STRIDE(i, n) {
        dst[i] = src[fkt_strided_offset(d, i)];
    }
}

// Element type conversion; floats to integers truncate as in Java's casts (within range).
#define FKT_CONVERT(SNAME, STYPE, DNAME, DTYPE)                                                   \
    extern "C" __global__ void fkt_convert_##SNAME##_##DNAME(const STYPE* __restrict__ src,        \
                                                             DTYPE* __restrict__ dst, long long n) { \
        FKT_GRID_STRIDE(i, n) {                                                                  \
            dst[i] = (DTYPE)src[i];                                                              \
        }                                                                                        \
    }

FKT_CONVERT(f32, float, f64, double)
FKT_CONVERT(f32, float, i32, int)
FKT_CONVERT(f32, float, i64, long long)
FKT_CONVERT(f64, double, f32, float)
FKT_CONVERT(f64, double, i32, int)
FKT_CONVERT(f64, double, i64, long long)
FKT_CONVERT(i32, int, f32, float)
FKT_CONVERT(i32, int, f64, double)
FKT_CONVERT(i32, int, i64, long long)
FKT_CONVERT(i64, long long, f32, float)
FKT_CONVERT(i64, long long, f64, double)
FKT_CONVERT(i64, long long, i32, int)

// First stage of a full sum: each block writes the double sum of its grid-stride share to partials.
extern "C" __global__ void fkt_sum_partial(const float* __restrict__ x, long long n, double* __restrict__ partials) {
    __shared__ double shared[32];
    double s = 0.0;
    FKT_GRID_STRIDE(i, n) {
        s += x[i];
    }
    s = fkt_block_sum(s, shared);
    if (threadIdx.x == 0) {
        partials[blockIdx.x] = s;
    }
}

// Second stage (one block): out[0] = sum of count partials, rounded once to float.
extern "C" __global__ void fkt_sum_final(const double* __restrict__ partials, int count, float* __restrict__ out) {
    __shared__ double shared[32];
    double s = 0.0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) {
        s += partials[i];
    }
    s = fkt_block_sum(s, shared);
    if (threadIdx.x == 0) {
        out[0] = (float)s;
    }
}

// x[r, j] += bias[j] for x (rows, f).
extern "C" __global__ void fkt_add_row_vector(float* __restrict__ x, const float* __restrict__ bias, long long rows,
                                              int f) {
    FKT_GRID_STRIDE(i, rows * f) {
        x[i] = x[i] + bias[i % f];
    }
}

// out[j] = sum over rows of x[r, j]; block (32, 8): 32 adjacent columns, 8 row groups, sums in double.
extern "C" __global__ void fkt_sum_rows(const float* __restrict__ x, int rows, int f, float* __restrict__ out) {
    __shared__ double partial[8][33];
    const int j = blockIdx.x * 32 + threadIdx.x;
    double s = 0.0;
    if (j < f) {
        for (int r = threadIdx.y; r < rows; r += blockDim.y) {
            s += x[(long long)r * f + j];
        }
    }
    partial[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && j < f) {
        double t = 0.0;
        for (int g = 0; g < (int)blockDim.y; g++) {
            t += partial[g][threadIdx.x];
        }
        out[j] = (float)t;
    }
}
