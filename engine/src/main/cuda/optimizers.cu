// Multi-tensor SGD and LARS steps of CudaOptimizers (twin of CpuOptimizers): one launch updates every
// parameter tensor of a model. The host uploads a table (int64 entries, t < T tensors, b < B blocks):
//   [0, T) param addresses, [T, 2T) grad addresses, [2T, 3T) momentum-buffer addresses (0: none),
//   [3T, 4T) element counts, [4T, 4T+B) tensor of block b, [4T+B, 4T+2B) first element of block b,
//   [4T+2B, 5T+2B) decay flags, [5T+2B, 6T+2B) adapt flags (LARS only).
// Each block updates one chunk (at most `chunk` elements) of one tensor, in float4 groups (_v4) when
// every address is 16-byte aligned. Float arithmetic with explicit rounding (no contraction into FMA),
// in torch.optim.SGD's order, matches the CPU backend bit for bit; SGD's keep = 1 - dampening is
// rounded on the host, as on the CPU.
#include "common.cuh"

struct FktTable {
    const long long* t;
    int tensors;
    int blocks;
    __device__ float* param(int i) const { return reinterpret_cast<float*>(t[i]); }
    __device__ float* grad(int i) const { return reinterpret_cast<float*>(t[tensors + i]); }
    __device__ float* buffer(int i) const { return reinterpret_cast<float*>(t[2 * tensors + i]); }
    __device__ long long count(int i) const { return t[3 * tensors + i]; }
    __device__ int tensorOf(int b) const { return (int)t[4 * tensors + b]; }
    __device__ long long startOf(int b) const { return t[4 * tensors + blocks + b]; }
    __device__ bool decay(int i) const { return t[4 * tensors + 2 * blocks + i] != 0; }
    __device__ bool adapt(int i) const { return t[5 * tensors + 2 * blocks + i] != 0; }
};

// Runs lane(w, g, v) over elements [lo, hi) of one tensor: float4 groups when V is 4 (every address
// 16-byte aligned, lo a multiple of 4), then the remaining elements one by one. v may be null.
template <int V, class Lane>
__device__ __forceinline__ void fkt_update_range(float* w, const float* g, float* v, long long lo, long long hi,
                                                 Lane lane) {
    long long done = lo;
    if constexpr (V == 4) {
        const long long groups = (hi - lo) / 4;
        for (long long j = threadIdx.x; j < groups; j += blockDim.x) {
            const long long i = lo + 4 * j;
            float4 wv = fkt_load4(w + i);
            const float4 gv = fkt_load4(g + i);
            float4 vv = v != nullptr ? fkt_load4(v + i) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            wv.x = lane(wv.x, gv.x, vv.x);
            wv.y = lane(wv.y, gv.y, vv.y);
            wv.z = lane(wv.z, gv.z, vv.z);
            wv.w = lane(wv.w, gv.w, vv.w);
            fkt_store4(w + i, wv);
            if (v != nullptr) {
                fkt_store4(v + i, vv);
            }
        }
        done = lo + 4 * groups;
    }
    for (long long i = done + threadIdx.x; i < hi; i += blockDim.x) {
        float vi = v != nullptr ? v[i] : 0.0f;
        w[i] = lane(w[i], g[i], vi);
        if (v != nullptr) {
            v[i] = vi;
        }
    }
}

// One SGD element in torch.optim.SGD's order; returns the new weight, updates the buffer value vb.
struct FktSgdLane {
    float lr, momentum, keep, weightDecay;
    bool useBuffer, nesterov, firstStep;
    __device__ float operator()(float w, float g, float& vb) const {
        float d = g;
        if (weightDecay != 0.0f) {
            d = __fadd_rn(d, __fmul_rn(w, weightDecay));
        }
        if (useBuffer) {
            const float buf = firstStep ? d : __fadd_rn(__fmul_rn(vb, momentum), __fmul_rn(d, keep));
            vb = buf;
            d = nesterov ? __fadd_rn(d, __fmul_rn(buf, momentum)) : buf;
        }
        return __fsub_rn(w, __fmul_rn(d, lr));
    }
};

template <int V>
__device__ void fkt_sgd(const long long* table, int tensors, int blocks, int chunk, float lr, float momentum,
                        float keep, float weightDecay, int nesterov, int firstStep) {
    const FktTable tab = {table, tensors, blocks};
    const int t = tab.tensorOf(blockIdx.x);
    const long long lo = tab.startOf(blockIdx.x);
    const long long hi = min(lo + chunk, tab.count(t));
    float* v = momentum != 0.0f ? tab.buffer(t) : nullptr;
    const FktSgdLane lane = {lr, momentum, keep, weightDecay, v != nullptr, nesterov != 0, firstStep != 0};
    fkt_update_range<V>(tab.param(t), tab.grad(t), v, lo, hi, lane);
}

extern "C" __global__ void fkt_sgd_v1(const long long* table, int tensors, int blocks, int chunk, float lr,
                                      float momentum, float keep, float weightDecay, int nesterov, int firstStep) {
    fkt_sgd<1>(table, tensors, blocks, chunk, lr, momentum, keep, weightDecay, nesterov, firstStep);
}

extern "C" __global__ void fkt_sgd_v4(const long long* table, int tensors, int blocks, int chunk, float lr,
                                      float momentum, float keep, float weightDecay, int nesterov, int firstStep) {
    fkt_sgd<4>(table, tensors, blocks, chunk, lr, momentum, keep, weightDecay, nesterov, firstStep);
}

// LARS, first launch: block b of an adapting tensor writes the sums over its chunk, partials[2b] = sum w^2
// and partials[2b+1] = sum (g + wd w)^2 (partials: (2 * blocks) doubles; other blocks write nothing).
// No atomics: the update launch adds the partials of each tensor in block order (deterministic).
extern "C" __global__ void fkt_lars_norms(const long long* table, int tensors, int blocks, int chunk,
                                          float weightDecay, double* partials) {
    __shared__ double shared[32];
    const FktTable tab = {table, tensors, blocks};
    const int t = tab.tensorOf(blockIdx.x);
    if (!tab.adapt(t)) {
        return;
    }
    const long long lo = tab.startOf(blockIdx.x);
    const long long hi = min(lo + chunk, tab.count(t));
    const float* w = tab.param(t);
    const float* g = tab.grad(t);
    const float wd = tab.decay(t) ? weightDecay : 0.0f;
    double ws = 0.0, gs = 0.0;
    for (long long i = lo + threadIdx.x; i < hi; i += blockDim.x) {
        const float wi = w[i];
        const float gi = __fadd_rn(g[i], __fmul_rn(wi, wd));
        ws += (double)wi * wi;
        gs += (double)gi * gi;
    }
    ws = fkt_block_sum(ws, shared);
    gs = fkt_block_sum(gs, shared);
    if (threadIdx.x == 0) {
        partials[2 * blockIdx.x] = ws;
        partials[2 * blockIdx.x + 1] = gs;
    }
}

// One LARS element: g' = g + wd w; v = momentum v + rate g'; returns w - (nesterov ? momentum v + rate g' : v).
struct FktLarsLane {
    float rate, momentum, weightDecay;
    bool nesterov;
    __device__ float operator()(float w, float g, float& vb) const {
        const float gi = __fadd_rn(g, __fmul_rn(w, weightDecay));
        const float next = __fadd_rn(__fmul_rn(vb, momentum), __fmul_rn(gi, rate));
        vb = next;
        const float update = nesterov ? __fadd_rn(__fmul_rn(next, momentum), __fmul_rn(gi, rate)) : next;
        return __fsub_rn(w, update);
    }
};

// LARS, second launch: each block of an adapting tensor first adds the partials of that tensor's blocks
// (consecutive, from the one whose chunk starts at element 0) with a block reduction of fixed shape, so every
// block of the tensor gets the same bits run to run; then lr scaled by the trust ratio eta ||w|| / ||g'||
// (1 when a norm is 0 or the tensor does not adapt), and the update of FktLarsLane.
template <int V>
__device__ void fkt_lars_update(const long long* table, int tensors, int blocks, int chunk,
                                const double* partials, double lr, float momentum, float weightDecay, double eta,
                                int nesterov) {
    __shared__ double shared[32];
    const FktTable tab = {table, tensors, blocks};
    const int t = tab.tensorOf(blockIdx.x);
    const long long lo = tab.startOf(blockIdx.x);
    const long long hi = min(lo + chunk, tab.count(t));
    double scaled = lr;
    if (tab.adapt(t)) {
        const long long first = blockIdx.x - lo / chunk;
        const long long count = (tab.count(t) + chunk - 1) / chunk;
        double ws = 0.0, gs = 0.0;
        for (long long b = first + threadIdx.x; b < first + count; b += blockDim.x) {
            ws += partials[2 * b];
            gs += partials[2 * b + 1];
        }
        const double wn = sqrt(fkt_block_sum(ws, shared));
        const double gn = sqrt(fkt_block_sum(gs, shared));
        scaled *= wn > 0.0 && gn > 0.0 ? eta * wn / gn : 1.0;
    }
    const FktLarsLane lane = {(float)scaled, momentum, tab.decay(t) ? weightDecay : 0.0f, nesterov != 0};
    fkt_update_range<V>(tab.param(t), tab.grad(t), tab.buffer(t), lo, hi, lane);
}

extern "C" __global__ void fkt_lars_update_v1(const long long* table, int tensors, int blocks, int chunk,
                                              const double* partials, double lr, float momentum,
                                              float weightDecay, double eta, int nesterov) {
    fkt_lars_update<1>(table, tensors, blocks, chunk, partials, lr, momentum, weightDecay, eta, nesterov);
}

extern "C" __global__ void fkt_lars_update_v4(const long long* table, int tensors, int blocks, int chunk,
                                              const double* partials, double lr, float momentum,
                                              float weightDecay, double eta, int nesterov) {
    fkt_lars_update<4>(table, tensors, blocks, chunk, partials, lr, momentum, weightDecay, eta, nesterov);
}
