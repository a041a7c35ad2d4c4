// Device-side shim of the CPU emulator of a CUDA device: force-included (g++ -include emu_device.h
// -DFKT_EMU) before every src/main/cuda/*.cu file, which is then compiled as plain C++. It maps the CUDA
// dialect the kernels use onto the fiber runtime of emu_runtime.h: the built-in index variables read the
// running fiber's state, barriers and warp shuffles switch fibers, and `__shared__` becomes a function-local
// static in the section "fkt_emu_shared" (blocks run one at a time, so a static is exactly block-shared
// memory; the runtime fills that section with 0xff bytes before every block, so shared memory read before it
// is written gives NaN or -1 instead of the previous block's values). Features the emulator cannot run
// (tensor-core wmma, inline PTX, cp.async) fail compilation with a message; build.sh refuses dynamic
// `extern __shared__` with a message before compiling.
#pragma once

#ifndef FKT_EMU
#error "emu_device.h is the CUDA emulator's shim: compile with -DFKT_EMU"
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "emu_runtime.h"

#define __global__
#define __device__
#define __host__
#define __noinline__ __attribute__((noinline))
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
// Statics of this section are the emulated shared memory (dynamic `extern __shared__` is not emulated).
#define __shared__ static __attribute__((section("fkt_emu_shared")))
#define __constant__ static
#define asm(...) static_assert(false, "CUDA emulator: inline PTX (asm) cannot run on the CPU emulator")

namespace nvcuda {
namespace wmma {
template <class... T>
struct fragment {
    static_assert(sizeof...(T) < 0, "CUDA emulator: wmma (tensor cores) is not emulated");
};
}  // namespace wmma
}  // namespace nvcuda

#define __pipeline_memcpy_async(...) static_assert(false, "CUDA emulator: cp.async is not emulated")
#define __cp_async(...) static_assert(false, "CUDA emulator: cp.async is not emulated")

// The built-in variables: macros reading through the runtime's pointer to the running fiber, so they are
// read again after every switch.
#define threadIdx (::fkt_emu::current_fiber->thread_idx)
#define blockIdx (::fkt_emu::current_block_idx)
#define blockDim (::fkt_emu::current_block_dim)
#define gridDim (::fkt_emu::current_grid_dim)
#define warpSize 32

struct alignas(8) float2 {
    float x, y;
};
struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(8) int2 {
    int x, y;
};
struct alignas(16) int4 {
    int x, y, z, w;
};
struct alignas(16) double2 {
    double x, y;
};

inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline double2 make_double2(double x, double y) { return {x, y}; }

// __syncthreads carries its call site: every thread of a block must reach the same one.
#define __syncthreads() ::fkt_emu::sync_block(__FILE__, __LINE__)
#define __syncwarp(...) ::fkt_emu::sync_warp(__FILE__, __LINE__)

namespace fkt_emu {
// Lane-exchange of up to 8 bytes: every lane of the warp publishes `bits`, then reads lane src's value.
template <class T>
inline T shuffle(unsigned mask, T v, int src, int width, const char* what) {
    static_assert(std::is_trivially_copyable<T>::value && sizeof(T) <= 8, "CUDA emulator: shuffle of this type");
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    bits = exchange(mask, bits, src, width, what);
    T r;
    std::memcpy(&r, &bits, sizeof(T));
    return r;
}

inline int lane_id() { return (int)(current_fiber->linear & 31); }
}  // namespace fkt_emu

template <class T>
inline T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    const int base = fkt_emu::lane_id() & ~(width - 1);
    return fkt_emu::shuffle(mask, v, base + (src & (width - 1)), width, "__shfl_sync");
}
template <class T>
inline T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
    const int lane = fkt_emu::lane_id();
    int src = lane ^ lane_mask;
    if ((src & ~(width - 1)) != (lane & ~(width - 1))) {
        src = lane;
    }
    return fkt_emu::shuffle(mask, v, src, width, "__shfl_xor_sync");
}
template <class T>
inline T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    const int lane = fkt_emu::lane_id();
    const int src = (lane & (width - 1)) + (int)delta < width ? lane + (int)delta : lane;
    return fkt_emu::shuffle(mask, v, src, width, "__shfl_down_sync");
}
template <class T>
inline T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    const int lane = fkt_emu::lane_id();
    const int src = (lane & (width - 1)) >= (int)delta ? lane - (int)delta : lane;
    return fkt_emu::shuffle(mask, v, src, width, "__shfl_up_sync");
}
inline unsigned __ballot_sync(unsigned mask, int predicate) {
    return fkt_emu::ballot(mask, predicate != 0);
}
inline int __all_sync(unsigned mask, int predicate) { return __ballot_sync(mask, predicate == 0) == 0; }
inline int __any_sync(unsigned mask, int predicate) { return __ballot_sync(mask, predicate) != 0; }

// Atomics: fibers switch only at barriers and shuffles, so a read-modify-write is never interleaved.
template <class T>
inline T atomicAdd(T* p, T v) {
    const T old = *p;
    *p = old + v;
    return old;
}
template <class T>
inline T atomicMax(T* p, T v) {
    const T old = *p;
    *p = old < v ? v : old;
    return old;
}
template <class T>
inline T atomicMin(T* p, T v) {
    const T old = *p;
    *p = v < old ? v : old;
    return old;
}
template <class T>
inline T atomicExch(T* p, T v) {
    const T old = *p;
    *p = v;
    return old;
}
template <class T>
inline T atomicCAS(T* p, T compare, T v) {
    const T old = *p;
    if (old == compare) {
        *p = v;
    }
    return old;
}

// Intrinsics. The _rn operations are single IEEE operations because every file is compiled with
// -ffp-contract=off (no fused multiply-add).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline unsigned __float_as_uint(float x) {
    unsigned u;
    std::memcpy(&u, &x, 4);
    return u;
}
inline float __uint_as_float(unsigned u) {
    float x;
    std::memcpy(&x, &u, 4);
    return x;
}
inline int __float_as_int(float x) { return (int)__float_as_uint(x); }
inline float __int_as_float(int i) { return __uint_as_float((unsigned)i); }
inline long long __double_as_longlong(double x) {
    long long u;
    std::memcpy(&u, &x, 8);
    return u;
}
inline double __longlong_as_double(long long u) {
    double x;
    std::memcpy(&x, &u, 8);
    return x;
}
template <class T>
inline T __ldg(const T* p) { return *p; }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
inline int __ffs(int x) { return __builtin_ffs(x); }

using std::isfinite;
using std::isinf;
using std::isnan;

// CUDA's min/max accept mixed integer and floating types; here they return the common type.
template <class A, class B>
inline typename std::common_type<A, B>::type min(A a, B b) {
    typedef typename std::common_type<A, B>::type C;
    return (C)b < (C)a ? (C)b : (C)a;
}
template <class A, class B>
inline typename std::common_type<A, B>::type max(A a, B b) {
    typedef typename std::common_type<A, B>::type C;
    return (C)a < (C)b ? (C)b : (C)a;
}
