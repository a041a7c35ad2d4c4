// A fake libcublas.so.13 for the CPU emulator of a CUDA device: the C ABI of the cuBLAS functions the engine
// binds (CublasFfm), computed on the host. "Device pointers" are plain host addresses (the emulated libcuda
// hands those out), streams are accepted and ignored (everything runs synchronously on the calling thread).
// Unusual choices: SGEMM accumulates in double and rounds once, so it is at least as accurate as cuBLAS;
// CUBLAS_TF32_TENSOR_OP_MATH rounds every A and B element to TF32 (10 explicit mantissa bits, to nearest,
// ties away from zero like the cvt.rna.tf32.f32 instruction) before multiplying, so TF32 tolerances in tests
// are exercised by a real loss of precision; null device pointers are reported as CUBLAS_STATUS_INVALID_VALUE
// and operands running past their allocation (emu_bounds.h) as CUBLAS_STATUS_EXECUTION_FAILED where the real
// library would fault on the device.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_set>
#include <vector>

#include "emu_bounds.h"

#define EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// cublasStatus_t (cublas_api.h)
constexpr int CUBLAS_STATUS_SUCCESS = 0;
constexpr int CUBLAS_STATUS_NOT_INITIALIZED = 1;
constexpr int CUBLAS_STATUS_ALLOC_FAILED = 3;
constexpr int CUBLAS_STATUS_INVALID_VALUE = 7;
constexpr int CUBLAS_STATUS_ARCH_MISMATCH = 8;
constexpr int CUBLAS_STATUS_MAPPING_ERROR = 11;
constexpr int CUBLAS_STATUS_EXECUTION_FAILED = 13;
constexpr int CUBLAS_STATUS_INTERNAL_ERROR = 14;
constexpr int CUBLAS_STATUS_NOT_SUPPORTED = 15;
constexpr int CUBLAS_STATUS_LICENSE_ERROR = 16;

// cublasOperation_t
constexpr int CUBLAS_OP_N = 0;
constexpr int CUBLAS_OP_T = 1;
constexpr int CUBLAS_OP_C = 2;

// cublasMath_t: the mode proper in the low bits, CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION as a flag
constexpr int CUBLAS_DEFAULT_MATH = 0;
constexpr int CUBLAS_TF32_TENSOR_OP_MATH = 3;
constexpr int CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION = 16;

// 13.0.0 as CUBLAS_VERSION encodes it (major * 10000 + minor * 100 + patch)
constexpr int EMU_CUBLAS_VERSION = 130000;

struct Handle {
    int mathMode = CUBLAS_DEFAULT_MATH;
    void *stream = nullptr;
    int device = emu_bounds::currentDevice();
};

std::mutex liveLock;
std::unordered_set<Handle *> live;

bool alive(Handle *h) {
    std::lock_guard<std::mutex> g(liveLock);
    return h != nullptr && live.count(h) != 0;
}

/** Rounds to TF32: keeps the sign, the 8 exponent bits and the top 10 mantissa bits, to nearest. */
inline float toTf32(float v) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) {
        return v;  // infinities and NaN stay as they are
    }
    u += 0x1000u;  // half of the 13 dropped bits: a carry rounds the magnitude up, possibly into the exponent
    u &= 0xffffe000u;
    std::memcpy(&v, &u, 4);
    return v;
}

/** A dot product of two contiguous float rows in double, with four independent sums to keep the FPU busy. */
inline double dot(const float *a, const float *b, int k) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int p = 0;
    for (; p + 4 <= k; p += 4) {
        s0 += (double) a[p] * b[p];
        s1 += (double) a[p + 1] * b[p + 1];
        s2 += (double) a[p + 2] * b[p + 2];
        s3 += (double) a[p + 3] * b[p + 3];
    }
    for (; p < k; p++) {
        s0 += (double) a[p] * b[p];
    }
    return (s0 + s1) + (s2 + s3);
}

bool validOp(int op) {
    return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;
}

}  // namespace

EXPORT int cublasCreate_v2(Handle **handle) {
    if (handle == nullptr) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    Handle *h = new (std::nothrow) Handle();
    if (h == nullptr) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    std::lock_guard<std::mutex> g(liveLock);
    live.insert(h);
    *handle = h;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasDestroy_v2(Handle *handle) {
    {
        std::lock_guard<std::mutex> g(liveLock);
        if (handle == nullptr || live.erase(handle) == 0) {
            return CUBLAS_STATUS_NOT_INITIALIZED;
        }
    }
    delete handle;
    return CUBLAS_STATUS_SUCCESS;
}

/** Like cuBLAS, answers without a handle (the version belongs to the library, not to a context). */
EXPORT int cublasGetVersion_v2(Handle *, int *version) {
    if (version == nullptr) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *version = EMU_CUBLAS_VERSION;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasSetStream_v2(Handle *handle, void *stream) {
    if (!alive(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    handle->stream = stream;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasGetStream_v2(Handle *handle, void **stream) {
    if (!alive(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (stream == nullptr) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *stream = handle->stream;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasSetMathMode(Handle *handle, int mode) {
    if (!alive(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    int base = mode & ~CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION;
    if (base < CUBLAS_DEFAULT_MATH || base > CUBLAS_TF32_TENSOR_OP_MATH) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    handle->mathMode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasGetMathMode(Handle *handle, int *mode) {
    if (!alive(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == nullptr) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = handle->mathMode;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT const char *cublasGetStatusName(int status) {
    switch (status) {
        case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
        case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
        case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
        case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
        case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
        case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
        default: return "CUBLAS_STATUS_UNKNOWN";
    }
}

/**
 * C = alpha op(A) op(B) + beta C, column-major. op(A) is m x k, op(B) is k x n. With beta == 0, C is
 * written without being read (NaN there does not leak); with alpha == 0 or k == 0, A and B are not read.
 */
EXPORT int cublasSgemm_v2(Handle *handle, int transa, int transb, int m, int n, int k, const float *alpha,
                          const float *A, int lda, const float *B, int ldb, const float *beta, float *C, int ldc) {
    if (!alive(handle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (!emu_bounds::sameDevice(handle->device, "cuBLAS", "cublasSgemm_v2")) {
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
    bool ta = transa != CUBLAS_OP_N;
    bool tb = transb != CUBLAS_OP_N;
    if (!validOp(transa) || !validOp(transb) || m < 0 || n < 0 || k < 0) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    int rowsA = ta ? k : m;
    int rowsB = tb ? n : k;
    if (lda < (rowsA > 1 ? rowsA : 1) || ldb < (rowsB > 1 ? rowsB : 1) || ldc < (m > 1 ? m : 1)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (alpha == nullptr || beta == nullptr) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (m == 0 || n == 0) {
        return CUBLAS_STATUS_SUCCESS;
    }
    float a = *alpha;
    float b = *beta;
    bool useAB = a != 0.0f && k > 0;
    if (C == nullptr || (useAB && (A == nullptr || B == nullptr))) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    // the extent of a column-major rows x cols operand with leading dimension ld
    auto extent = [](int rows, int cols, int ld) { return ((size_t) (cols - 1) * ld + rows) * sizeof(float); };
    if (!emu_bounds::inside(C, extent(m, n, ldc), "cuBLAS", "sgemm C")
        || (useAB && !emu_bounds::inside(A, extent(rowsA, ta ? m : k, lda), "cuBLAS", "sgemm A"))
        || (useAB && !emu_bounds::inside(B, extent(rowsB, tb ? k : n, ldb), "cuBLAS", "sgemm B"))) {
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
    if (!useAB) {
        for (int j = 0; j < n; j++) {
            float *c = C + (size_t) j * ldc;
            for (int i = 0; i < m; i++) {
                c[i] = b == 0.0f ? 0.0f : b * c[i];
            }
        }
        return CUBLAS_STATUS_SUCCESS;
    }
    bool tf32 = (handle->mathMode & ~CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION) == CUBLAS_TF32_TENSOR_OP_MATH;
    std::vector<float> rowsOfA;
    std::vector<float> colsOfB;
    try {
        rowsOfA.resize((size_t) m * k);
        colsOfB.resize((size_t) n * k);
    } catch (const std::bad_alloc &) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    // op(A) row i and op(B) column j, each contiguous in p, rounded once if TF32
    for (int i = 0; i < m; i++) {
        float *row = rowsOfA.data() + (size_t) i * k;
        for (int p = 0; p < k; p++) {
            float v = ta ? A[p + (size_t) i * lda] : A[i + (size_t) p * lda];
            row[p] = tf32 ? toTf32(v) : v;
        }
    }
    for (int j = 0; j < n; j++) {
        float *col = colsOfB.data() + (size_t) j * k;
        for (int p = 0; p < k; p++) {
            float v = tb ? B[j + (size_t) p * ldb] : B[p + (size_t) j * ldb];
            col[p] = tf32 ? toTf32(v) : v;
        }
    }
    for (int j = 0; j < n; j++) {
        const float *col = colsOfB.data() + (size_t) j * k;
        float *c = C + (size_t) j * ldc;
        for (int i = 0; i < m; i++) {
            double s = (double) a * dot(rowsOfA.data() + (size_t) i * k, col, k);
            if (b != 0.0f) {
                s += (double) b * c[i];
            }
            c[i] = (float) s;
        }
    }
    return CUBLAS_STATUS_SUCCESS;
}
