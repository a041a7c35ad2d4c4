// Multi-tensor SGD and LARS steps of CudaOptimizers (twin of CpuOptimizers): one launch updates every
// parameter tensor of a model. The host uploads a table (int64 entries, t < T tensors, b < B blocks):
//   [0, T) param addresses, [T, 2T) grad addresses, [2T, 3T) momentum-buffer addresses (0: none),
//   [3T, 4T) element counts, [4T, 4T+B) tensor of block b, [4T+B, 4T+2B) first element of block b,
//   [4T+2B, 5T+2B) decay flags, [5T+2B, 6T+2B) adapt flags (LARS only).
// Each block updates one chunk (at most `chunk` elements) of one tensor. Float arithmetic with explicit
// rounding (no contraction into FMA), in torch.optim.SGD's order, matches the CPU backend bit for bit;
// SGD's keep = 1 - dampening is rounded on the host, as on the CPU.
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

extern "C" __global__ void fkt_sgd(const long long* table, int tensors, int blocks, int chunk, float lr,
                                   float momentum, float keep, float weightDecay, int nesterov, int firstStep) {
    const FktTable tab = {table, tensors, blocks};
    const int t = tab.tensorOf(blockIdx.x);
    const long long lo = tab.startOf(blockIdx.x);
    const long long hi = min(lo + chunk, tab.count(t));
    float* w = tab.param(t);
    const float* g = tab.grad(t);
    float* v = momentum != 0.0f ? tab.buffer(t) : nullptr;
    for (long long i = lo + threadIdx.x; i < hi; i += blockDim.x) {
        const float wi = w[i];
        float d = g[i];
        if (weightDecay != 0.0f) {
            d = __fadd_rn(d, __fmul_rn(wi, weightDecay));
        }
        if (v != nullptr) {
            const float buf = firstStep ? d : __fadd_rn(__fmul_rn(v[i], momentum), __fmul_rn(d, keep));
            v[i] = buf;
            d = nesterov ? __fadd_rn(d, __fmul_rn(buf, momentum)) : buf;
        }
        w[i] = __fsub_rn(wi, __fmul_rn(d, lr));
    }
}

// LARS, first launch (after norms is zeroed): norms[2t] += sum w^2, norms[2t+1] += sum (g + wd w)^2.
extern "C" __global__ void fkt_lars_norms(const long long* table, int tensors, int blocks, int chunk,
                                          float weightDecay, double* norms) {
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
        atomicAdd(norms + 2 * t, ws);
        atomicAdd(norms + 2 * t + 1, gs);
    }
}

// LARS, second launch: lr scaled by the trust ratio eta ||w|| / ||g'|| (1 when a norm is 0 or the tensor
// does not adapt); v = momentum v + lr g'; w -= nesterov ? momentum v + lr g' : v.
extern "C" __global__ void fkt_lars_update(const long long* table, int tensors, int blocks, int chunk,
                                           const double* norms, double lr, float momentum, float weightDecay,
                                           double eta, int nesterov) {
    const FktTable tab = {table, tensors, blocks};
    const int t = tab.tensorOf(blockIdx.x);
    const long long lo = tab.startOf(blockIdx.x);
    const long long hi = min(lo + chunk, tab.count(t));
    double scaled = lr;
    if (tab.adapt(t)) {
        const double wn = sqrt(norms[2 * t]);
        const double gn = sqrt(norms[2 * t + 1]);
        scaled *= wn > 0.0 && gn > 0.0 ? eta * wn / gn : 1.0;
    }
    const float rate = (float)scaled;
    float* w = tab.param(t);
    const float* g = tab.grad(t);
    float* v = tab.buffer(t);
    const float wd = tab.decay(t) ? weightDecay : 0.0f;
    for (long long i = lo + threadIdx.x; i < hi; i += blockDim.x) {
        const float wi = w[i];
        const float gi = __fadd_rn(g[i], __fmul_rn(wi, wd));
        const float next = __fadd_rn(__fmul_rn(v[i], momentum), __fmul_rn(gi, rate));
        v[i] = next;
        const float update = nesterov ? __fadd_rn(__fmul_rn(next, momentum), __fmul_rn(gi, rate)) : next;
        w[i] = __fsub_rn(wi, update);
    }
}
