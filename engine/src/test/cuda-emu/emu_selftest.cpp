// Self-test of the CPU emulator of a CUDA device, run by build.sh after every build: kernels with known
// defects (a missing __syncthreads, divergent barriers, a shuffle with an exited lane, a write past the end
// of an allocation, another device's memory or stream used in the wrong context, with FKT_EMU_DEVICES=2 set
// here) must be reported, and correct warp and block code must give exact results in every fiber order.
// Compiled like a kernel file (emu_device.h force-included) and linked with the runtime and the fake
// driver. Prints one line per check; exits non-zero when any check fails.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
int cuInit(unsigned);
int cuDeviceGetCount(int*);
int cuCtxGetDevice(int*);
int cuStreamCreate(void**, unsigned);
int cuStreamSynchronize(void*);
int cuMemsetD32Async(unsigned long long, unsigned, std::size_t, void*);
int cuDevicePrimaryCtxRetain(void**, int);
int cuCtxSetCurrent(void*);
int cuCtxSynchronize();
int cuMemAlloc_v2(unsigned long long*, std::size_t);
int cuMemFree_v2(unsigned long long);
int cuMemcpyDtoH_v2(void*, unsigned long long, std::size_t);
}

// out[t] = the value thread t + 1 wrote to shared memory; correct only with the barrier.
extern "C" __global__ void selftest_neighbour(int* out, int barrier) {
    __shared__ int s[256];
    const int t = threadIdx.x;
    s[t] = 10 * t;
    if (barrier) {
        __syncthreads();
    }
    out[t] = s[(t + 1) % blockDim.x];
}

// Threads of one block at two different barriers.
extern "C" __global__ void selftest_divergent(int* out) {
    if (threadIdx.x < 16) {
        __syncthreads();
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = 1;
}

// Half a warp at a shuffle while the other half waits at the block barrier.
extern "C" __global__ void selftest_shuffle_vs_barrier(int* out) {
    int v = threadIdx.x;
    if (threadIdx.x < 16) {
        v = __shfl_xor_sync(0xffffffffu, v, 1);
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = v;
}

// Lanes 16..31 leave before a full-mask shuffle.
extern "C" __global__ void selftest_exited_lane(int* out) {
    if (threadIdx.x >= 16) {
        return;
    }
    out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, (int)threadIdx.x, 1);
}

// Warp sums by xor and down shuffles, a ballot and a block sum; every thread writes its results.
extern "C" __global__ void selftest_reductions(const double* x, double* xor_sum, double* down_sum, unsigned* votes,
                                               double* block_sum) {
    __shared__ double partial[32];
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    const int lane = threadIdx.x & 31;
    double v = x[t];
    double a = v;
    for (int o = 16; o > 0; o >>= 1) {
        a += __shfl_xor_sync(0xffffffffu, a, o);
    }
    double b = v;
    for (int o = 16; o > 0; o >>= 1) {
        b += __shfl_down_sync(0xffffffffu, b, o);
    }
    b = __shfl_sync(0xffffffffu, b, 0);
    xor_sum[t] = a;
    down_sum[t] = b;
    votes[t] = __ballot_sync(0xffffffffu, v > 0.0);
    if (lane == 0) {
        partial[threadIdx.x / 32] = a;
    }
    __syncthreads();
    double s = 0.0;
    for (unsigned w = 0; w < blockDim.x / 32; w++) {
        s += partial[w];
    }
    block_sum[t] = s;
}

// Writes one float past the end of n floats.
extern "C" __global__ void selftest_overrun(float* p, int n) {
    if (threadIdx.x == 0) {
        p[n] = 1.0f;
    }
}

FKT_EMU_REGISTER(selftest_neighbour)
FKT_EMU_REGISTER(selftest_divergent)
FKT_EMU_REGISTER(selftest_shuffle_vs_barrier)
FKT_EMU_REGISTER(selftest_exited_lane)
FKT_EMU_REGISTER(selftest_reductions)
FKT_EMU_REGISTER(selftest_overrun)

namespace {

int failures;

void check(bool ok, const std::string& what) {
    std::printf("emu selftest: %s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    failures += ok ? 0 : 1;
}

std::string run(const char* kernel, unsigned grid, unsigned block, std::vector<void*> params) {
    return fkt_emu::launch(kernel, fkt_emu::find_kernel(kernel), dim3{grid, 1, 1}, dim3{block, 1, 1}, params.data());
}

bool contains(const std::string& s, const char* part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

int main() {
    setenv("FKT_EMU_DEVICES", "2", 1);
    std::vector<int> out(256, 0);
    int* p = out.data();
    int yes = 1, no = 0;
    check(run("selftest_neighbour", 1, 256, {&p, &yes}).empty(), "a kernel with its barrier runs");
    bool right = true;
    for (int t = 0; t < 256; t++) {
        right &= out[t] == 10 * ((t + 1) % 256);
    }
    check(right, "with its barrier every thread reads its neighbour's value");
    check(run("selftest_neighbour", 1, 256, {&p, &no}).empty(), "a kernel missing its barrier runs");
    int wrong = 0;
    for (int t = 0; t < 256; t++) {
        wrong += out[t] != 10 * ((t + 1) % 256);
    }
    check(wrong > 0, "without the barrier " + std::to_string(wrong) + " of 256 threads read another value");

    std::string e = run("selftest_divergent", 1, 64, {&p});
    check(contains(e, "different __syncthreads"), "divergent __syncthreads reported: " + e);
    e = run("selftest_shuffle_vs_barrier", 1, 64, {&p});
    check(contains(e, "deadlock"), "a shuffle against a block barrier reported: " + e);
    e = run("selftest_exited_lane", 1, 32, {&p});
    check(contains(e, "did not take part"), "a shuffle with exited lanes reported: " + e);

    const unsigned blocks = 3, threads = 128, n = blocks * threads;
    std::vector<double> x(n), xs(n), ds(n), bs(n);
    std::vector<unsigned> votes(n);
    for (unsigned i = 0; i < n; i++) {
        x[i] = (double)((i * 37) % 11) - 5.0;
    }
    const double* px = x.data();
    double *pxs = xs.data(), *pds = ds.data(), *pbs = bs.data();
    unsigned* pv = votes.data();
    check(run("selftest_reductions", blocks, threads, {&px, &pxs, &pds, &pv, &pbs}).empty(), "reductions run");
    bool exact = true;
    for (unsigned i = 0; i < n; i++) {
        const unsigned w0 = i / 32 * 32, b0 = i / threads * threads;
        double warp = 0, block = 0;
        unsigned ballot = 0;
        for (unsigned j = 0; j < 32; j++) {
            warp += x[w0 + j];
            ballot |= (x[w0 + j] > 0 ? 1u : 0u) << j;
        }
        for (unsigned j = 0; j < threads; j++) {
            block += x[b0 + j];
        }
        exact &= xs[i] == warp && ds[i] == warp && votes[i] == ballot && bs[i] == block;
    }
    check(exact, "warp sums (xor, down), ballots and block sums are exact");

    void* ctx = nullptr;
    unsigned long long d = 0;
    check(cuInit(0) == 0 && cuDevicePrimaryCtxRetain(&ctx, 0) == 0 && cuCtxSetCurrent(ctx) == 0 &&
              cuMemAlloc_v2(&d, 100) == 0,
          "driver: a context and an allocation of 100 bytes");
    float* f = reinterpret_cast<float*>(d);
    int count = 25;
    check(run("selftest_overrun", 1, 32, {&f, &count}).empty(), "a kernel writing past its allocation runs");
    check(cuCtxSynchronize() == 700, "the write past the end fails cuCtxSynchronize (CUDA_ERROR_ILLEGAL_ADDRESS)");
    float h[26];
    check(cuMemcpyDtoH_v2(h, d, sizeof h) == 1, "a copy past the end of the allocation is refused");
    check(cuMemFree_v2(d) == 0, "the allocation frees");

    int devices = 0, dev = -1;
    void* ctx1 = nullptr;
    void* stream1 = nullptr;
    unsigned long long d1 = 0;
    check(cuDeviceGetCount(&devices) == 0 && devices == 2, "FKT_EMU_DEVICES=2 gives two devices");
    check(cuDevicePrimaryCtxRetain(&ctx1, 1) == 0 && ctx1 != ctx && cuCtxSetCurrent(ctx1) == 0 &&
              cuCtxGetDevice(&dev) == 0 && dev == 1,
          "device 1 has its own primary context");
    check(cuStreamCreate(&stream1, 1) == 0 && cuMemAlloc_v2(&d1, 64) == 0 && cuMemsetD32Async(d1, 7, 16, stream1) == 0,
          "device 1: a stream, an allocation and a memset on it");
    check(cuCtxSetCurrent(ctx) == 0 && cuMemcpyDtoH_v2(h, d1, 64) == 1,
          "a copy of device 1's memory while device 0's context is current is refused");
    check(cuMemsetD32Async(d1, 7, 16, nullptr) == 1, "so is a memset of it");
    check(cuStreamSynchronize(stream1) == 0 && cuMemAlloc_v2(&d, 64) == 0 && cuMemsetD32Async(d, 7, 16, stream1) != 0 &&
              cuMemFree_v2(d) == 0,
          "device 1's stream can be waited for from device 0, but a memset there refuses it");
    check(cuCtxSetCurrent(ctx1) == 0 && cuMemcpyDtoH_v2(h, d1, 64) == 0 && h[0] != 0 && cuMemFree_v2(d1) == 0,
          "back in device 1's context the copy works and the memory frees");
    std::printf("emu selftest: %s\n", failures == 0 ? "all checks passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
