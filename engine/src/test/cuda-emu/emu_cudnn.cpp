// A fake libcudnn.so.9 for the CPU emulator of a CUDA device: the C ABI of the legacy convolution API the
// engine binds (CudnnFfm.SIGNATURES), computed on the host. "Device pointers" are plain host addresses,
// streams are accepted and ignored (everything is synchronous). Only NCHW float32 2-D convolutions are
// computed; other valid layouts and types are accepted by the descriptor setters and refused with
// CUDNN_STATUS_NOT_SUPPORTED_LAYOUT / _DATA_TYPE where they would be used, as cuDNN refuses what it lacks.
// Unusual choices: each pass has two working algorithms, one needing a workspace (it keeps its staged filter
// or its double accumulator there, so a short or null workspace is refused with
// CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT / _NULL_POINTER) and one needing none, plus an FFT entry reported
// as CUDNN_STATUS_NOT_SUPPORTED, so callers' filtering and workspace handling are exercised. Sums are in
// double. Any math type but CUDNN_FMA_MATH rounds the inputs to TF32 (as DEFAULT and TENSOR_OP math allow
// on Ampere and later). cudnnFind* reports the heuristic ranking with made-up times; nothing is timed.
// Operands past their device allocation (emu_bounds.h) give CUDNN_STATUS_EXECUTION_FAILED.
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "emu_bounds.h"
#include "emu_cudnn_abi.h"
#include "emu_cudnn_conv.h"

#define EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using namespace emu_cudnn;

std::mutex registryLock;
std::unordered_map<void *, Kind> objects;
std::unordered_set<Handle *> handles;
thread_local std::string lastError;

int fail(int status, const std::string &why) {
    lastError = why;
    return status;
}

template <typename T>
T *lookup(void *p, Kind kind) {
    std::lock_guard<std::mutex> g(registryLock);
    auto it = objects.find(p);
    return it != objects.end() && it->second == kind ? static_cast<T *>(p) : nullptr;
}

bool liveHandle(Handle *h) {
    std::lock_guard<std::mutex> g(registryLock);
    return handles.count(h) != 0;
}

template <typename T>
int create(T **out, Kind kind) {
    if (out == nullptr) {
        return fail(ST_NULL_POINTER, "descriptor out-pointer is null");
    }
    T *d = new (std::nothrow) T();
    if (d == nullptr) {
        return fail(ST_HOST_ALLOCATION_FAILED, "no host memory for a descriptor");
    }
    std::lock_guard<std::mutex> g(registryLock);
    objects[d] = kind;
    *out = d;
    return ST_SUCCESS;
}

template <typename T>
int destroy(T *d, Kind kind) {
    if (d == nullptr) {
        return ST_SUCCESS;
    }
    {
        std::lock_guard<std::mutex> g(registryLock);
        auto it = objects.find(d);
        if (it == objects.end() || it->second != kind) {
            return fail(ST_BAD_PARAM, "destroying something that is not a live descriptor of that kind");
        }
        objects.erase(it);
    }
    delete d;
    return ST_SUCCESS;
}

bool validType(int t) {
    return t >= 0 && t <= DATA_TYPE_LAST;
}

bool validFormat(int f) {
    return f >= TENSOR_NCHW && f <= TENSOR_NCHW_VECT_C;
}

/** Output height or width; a dilated filter larger than the padded input gives 0 (an error for callers). */
int outDim(int in, int pad, int filter, int dilation, int stride) {
    long span = (long) (filter - 1) * dilation + 1;
    long padded = (long) in + 2L * pad;
    return padded < span ? 0 : (int) ((padded - span) / stride + 1);
}

/** Checks every argument common to the queries and the passes, and fills the geometry. */
int problem(Handle *h, Tensor *xd, Filter *wd, Conv *cd, Tensor *yd, emu::ConvProblem &p) {
    if (h == nullptr || xd == nullptr || wd == nullptr || cd == nullptr || yd == nullptr) {
        return fail(ST_NULL_POINTER, "null handle or descriptor");
    }
    if (!liveHandle(h)) {
        return fail(ST_BAD_PARAM, "not a live cudnnHandle_t");
    }
    if (lookup<Tensor>(xd, Kind::Tensor) == nullptr || lookup<Tensor>(yd, Kind::Tensor) == nullptr
        || lookup<Filter>(wd, Kind::Filter) == nullptr || lookup<Conv>(cd, Kind::Conv) == nullptr) {
        return fail(ST_BAD_PARAM, "a descriptor is not a live descriptor of the kind expected in its place");
    }
    if (!xd->set || !yd->set || !wd->set || !cd->set) {
        return fail(ST_BAD_PARAM, "a descriptor was created but never set");
    }
    if (xd->type != yd->type || xd->type != wd->type) {
        return fail(ST_BAD_PARAM, "tensor and filter data types differ");
    }
    if (xd->type != DATA_FLOAT || cd->computeType != DATA_FLOAT) {
        return fail(ST_NOT_SUPPORTED_DATA_TYPE, "the emulator computes CUDNN_DATA_FLOAT only");
    }
    if (xd->format != TENSOR_NCHW || yd->format != TENSOR_NCHW || wd->format != TENSOR_NCHW) {
        return fail(ST_NOT_SUPPORTED_LAYOUT, "the emulator computes CUDNN_TENSOR_NCHW only");
    }
    if (xd->c != wd->c) {
        return fail(ST_BAD_PARAM, "input channels " + std::to_string(xd->c) + " != filter channels "
                                      + std::to_string(wd->c));
    }
    int P = outDim(xd->h, cd->padH, wd->r, cd->dilH, cd->u);
    int Q = outDim(xd->w, cd->padW, wd->s, cd->dilW, cd->v);
    if (P == 0 || Q == 0) {
        return fail(ST_BAD_PARAM, "the dilated filter is larger than the padded input");
    }
    if (yd->n != xd->n || yd->c != wd->k || yd->h != P || yd->w != Q) {
        return fail(ST_BAD_PARAM, "output descriptor (" + std::to_string(yd->n) + "," + std::to_string(yd->c) + ","
                                      + std::to_string(yd->h) + "," + std::to_string(yd->w) + ") is not the "
                                      "convolution's output (" + std::to_string(xd->n) + "," + std::to_string(wd->k)
                                      + "," + std::to_string(P) + "," + std::to_string(Q) + ")");
    }
    p = emu::ConvProblem{xd->n, xd->c, xd->h, xd->w, wd->k, wd->r, wd->s, P, Q, cd->padH, cd->padW, cd->u, cd->v,
                         cd->dilH, cd->dilW, cd->mode == CONVOLUTION, cd->math != FMA_MATH};
    return ST_SUCCESS;
}

/** The algorithms offered per pass, best first: the workspace one, the plain one, an unsupported FFT. */
// deterministic: as real cuDNN reports it (BWD_DATA_ALGO_0 and BWD_FILTER_ALGO_0 add with atomics there).
struct Offer {
    int algo;
    bool supported;
    bool workspace;
    bool deterministic;
};
constexpr Offer OFFERS[3][3] = {
    {{1, true, true, true}, {0, true, false, true}, {4, false, false, true}},   // IMPLICIT_PRECOMP_GEMM, IMPLICIT_GEMM, FFT
    {{1, true, true, true}, {0, true, false, false}, {2, false, false, true}},  // BWD_DATA ALGO_1, ALGO_0, FFT
    {{1, true, true, true}, {0, true, false, false}, {2, false, false, true}},  // BWD_FILTER ALGO_1, ALGO_0, FFT
};
constexpr int ALGO_COUNT[3] = {8, 6, 7};

/** Finds {@code algo} among the offers; its status and the workspace it needs for {@code p}. */
int algoNeeds(emu::Pass pass, int algo, const emu::ConvProblem &p, size_t &bytes) {
    int i = static_cast<int>(pass);
    if (algo < 0 || algo >= ALGO_COUNT[i]) {
        return fail(ST_BAD_PARAM, "algorithm " + std::to_string(algo) + " is out of range");
    }
    for (const Offer &o : OFFERS[i]) {
        if (o.algo == algo && o.supported) {
            bytes = o.workspace ? emu::workspaceBytes(pass, p) : 0;
            return ST_SUCCESS;
        }
    }
    return fail(ST_NOT_SUPPORTED, "algorithm " + std::to_string(algo) + " is not emulated");
}

int query(emu::Pass pass, bool find, Handle *h, Tensor *x, Filter *w, Conv *c, Tensor *y, int requested,
          int *returned, Perf *perf) {
    emu::ConvProblem p;
    int st = problem(h, x, w, c, y, p);
    if (st != ST_SUCCESS) {
        return st;
    }
    if (returned == nullptr || perf == nullptr) {
        return fail(ST_NULL_POINTER, "returnedAlgoCount or perfResults is null");
    }
    if (requested <= 0) {
        return fail(ST_BAD_PARAM, "requestedAlgoCount must be positive");
    }
    int count = 0;
    for (const Offer &o : OFFERS[static_cast<int>(pass)]) {
        if (count == requested) {
            break;
        }
        Perf &r = perf[count];
        std::memset(&r, 0, sizeof r);
        r.algo = o.algo;
        r.status = o.supported ? ST_SUCCESS : ST_NOT_SUPPORTED;
        r.time = !o.supported ? -1.0f : find ? 0.01f * (count + 1) : -1.0f;
        r.memory = o.supported && o.workspace ? emu::workspaceBytes(pass, p) : 0;
        r.determinism = o.deterministic ? DETERMINISTIC : NON_DETERMINISTIC;
        r.mathType = c->math == FMA_MATH ? FMA_MATH : o.workspace ? TENSOR_OP_MATH : DEFAULT_MATH;
        count++;
    }
    *returned = count;
    return ST_SUCCESS;
}

int workspaceSize(emu::Pass pass, Handle *h, Tensor *x, Filter *w, Conv *c, Tensor *y, int algo, size_t *size) {
    emu::ConvProblem p;
    int st = problem(h, x, w, c, y, p);
    if (st != ST_SUCCESS) {
        return st;
    }
    if (size == nullptr) {
        return fail(ST_NULL_POINTER, "sizeInBytes is null");
    }
    size_t bytes = 0;
    st = algoNeeds(pass, algo, p, bytes);
    if (st == ST_SUCCESS) {
        *size = bytes;
    }
    return st;
}

/** One pass: out = alpha * op(a, b) + beta * out, with the checks cuDNN makes on pointers and workspace. */
int run(emu::Pass pass, Handle *h, const void *alpha, Tensor *x, Filter *w, Conv *c, Tensor *y, const void *a,
        const void *b, int algo, void *ws, size_t wsBytes, const void *beta, void *out) {
    emu::ConvProblem p;
    int st = problem(h, x, w, c, y, p);
    if (st != ST_SUCCESS) {
        return st;
    }
    if (!emu_bounds::sameDevice(h->device, "cuDNN", "a convolution")) {
        return fail(ST_EXECUTION_FAILED, "handle made on another device than the current context's");
    }
    if (alpha == nullptr || beta == nullptr || a == nullptr || b == nullptr || out == nullptr) {
        return fail(ST_NULL_POINTER, "alpha, beta or a data pointer is null");
    }
    size_t need = 0;
    st = algoNeeds(pass, algo, p, need);
    if (st != ST_SUCCESS) {
        return st;
    }
    if (wsBytes < need) {
        return fail(ST_SIZE_INSUFFICIENT, "algorithm " + std::to_string(algo) + " needs a workspace of "
                                              + std::to_string(need) + " bytes, got " + std::to_string(wsBytes));
    }
    if (need > 0 && ws == nullptr) {
        return fail(ST_NULL_POINTER, "workspace is null but " + std::to_string(need) + " bytes are needed");
    }
    if (need > 0 && reinterpret_cast<uintptr_t>(ws) % 8 != 0) {
        return fail(ST_MISALIGNED_POINTER, "workspace is not 8-byte aligned");
    }
    // a, b and out per pass: (x, w, y) forward, (w, dy, dx) backward data, (x, dy, dw) backward filter
    size_t xs = (size_t) p.N * p.C * p.H * p.W * sizeof(float);
    size_t wsz = (size_t) p.K * p.C * p.R * p.S * sizeof(float);
    size_t ys = (size_t) p.N * p.K * p.P * p.Q * sizeof(float);
    size_t sizes[3][3] = {{xs, wsz, ys}, {wsz, ys, xs}, {xs, ys, wsz}};
    const size_t *sz = sizes[static_cast<int>(pass)];
    if (!emu_bounds::inside(a, sz[0], "cuDNN", "first input") || !emu_bounds::inside(b, sz[1], "cuDNN", "second input")
        || !emu_bounds::inside(out, sz[2], "cuDNN", "output") || !emu_bounds::inside(ws, need, "cuDNN", "workspace")) {
        return fail(ST_EXECUTION_FAILED, "an operand runs past its device allocation (details on stderr)");
    }
    float al = *static_cast<const float *>(alpha);
    float be = *static_cast<const float *>(beta);
    emu::compute(pass, p, need > 0 ? ws : nullptr, static_cast<const float *>(a), static_cast<const float *>(b),
                 static_cast<float *>(out), al, be);
    return ST_SUCCESS;
}

}  // namespace

EXPORT size_t cudnnGetVersion() {
    return EMU_CUDNN_VERSION;
}

EXPORT const char *cudnnGetErrorString(int status) {
    switch (status) {
        case ST_SUCCESS: return "CUDNN_STATUS_SUCCESS";
        case 1001: return "CUDNN_STATUS_NOT_INITIALIZED";
        case ST_BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
        case ST_NULL_POINTER: return "CUDNN_STATUS_BAD_PARAM_NULL_POINTER";
        case ST_MISALIGNED_POINTER: return "CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER";
        case ST_SIZE_INSUFFICIENT: return "CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT";
        case ST_NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
        case ST_NOT_SUPPORTED_DATA_TYPE: return "CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE";
        case ST_NOT_SUPPORTED_LAYOUT: return "CUDNN_STATUS_NOT_SUPPORTED_LAYOUT";
        case 4000: return "CUDNN_STATUS_INTERNAL_ERROR";
        case ST_HOST_ALLOCATION_FAILED: return "CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED";
        case ST_EXECUTION_FAILED: return "CUDNN_STATUS_EXECUTION_FAILED";
        default: return "CUDNN_STATUS_UNKNOWN";
    }
}

/** The reason for the last error on this thread (cuDNN 9 API); empty after none. */
EXPORT void cudnnGetLastErrorString(char *message, size_t maxSize) {
    if (message != nullptr && maxSize > 0) {
        size_t n = lastError.size() < maxSize - 1 ? lastError.size() : maxSize - 1;
        std::memcpy(message, lastError.data(), n);
        message[n] = '\0';
    }
    lastError.clear();
}

/** Not cuDNN: live handles and descriptors, so tests can tell that a caller destroys what it creates. */
EXPORT size_t fktEmuCudnnLiveObjects() {
    std::lock_guard<std::mutex> g(registryLock);
    return objects.size() + handles.size();
}

EXPORT int cudnnCreate(Handle **handle) {
    if (handle == nullptr) {
        return fail(ST_NULL_POINTER, "handle out-pointer is null");
    }
    Handle *h = new (std::nothrow) Handle();
    if (h == nullptr) {
        return fail(ST_HOST_ALLOCATION_FAILED, "no host memory for a handle");
    }
    std::lock_guard<std::mutex> g(registryLock);
    handles.insert(h);
    *handle = h;
    return ST_SUCCESS;
}

EXPORT int cudnnDestroy(Handle *handle) {
    {
        std::lock_guard<std::mutex> g(registryLock);
        if (handle == nullptr || handles.erase(handle) == 0) {
            return fail(ST_BAD_PARAM, "not a live cudnnHandle_t");
        }
    }
    delete handle;
    return ST_SUCCESS;
}

EXPORT int cudnnSetStream(Handle *handle, void *stream) {
    if (handle == nullptr || !liveHandle(handle)) {
        return fail(ST_BAD_PARAM, "not a live cudnnHandle_t");
    }
    handle->stream = stream;
    return ST_SUCCESS;
}

EXPORT int cudnnGetStream(Handle *handle, void **stream) {
    if (handle == nullptr || !liveHandle(handle) || stream == nullptr) {
        return fail(ST_BAD_PARAM, "not a live cudnnHandle_t, or null out-pointer");
    }
    *stream = handle->stream;
    return ST_SUCCESS;
}

EXPORT int cudnnCreateTensorDescriptor(Tensor **d) { return create(d, Kind::Tensor); }
EXPORT int cudnnDestroyTensorDescriptor(Tensor *d) { return destroy(d, Kind::Tensor); }
EXPORT int cudnnCreateFilterDescriptor(Filter **d) { return create(d, Kind::Filter); }
EXPORT int cudnnDestroyFilterDescriptor(Filter *d) { return destroy(d, Kind::Filter); }
EXPORT int cudnnCreateConvolutionDescriptor(Conv **d) { return create(d, Kind::Conv); }
EXPORT int cudnnDestroyConvolutionDescriptor(Conv *d) { return destroy(d, Kind::Conv); }

EXPORT int cudnnSetTensor4dDescriptor(Tensor *d, int format, int type, int n, int c, int h, int w) {
    if (d == nullptr) {
        return fail(ST_NULL_POINTER, "tensor descriptor is null");
    }
    if (lookup<Tensor>(d, Kind::Tensor) == nullptr || !validFormat(format) || !validType(type)) {
        return fail(ST_BAD_PARAM, "not a tensor descriptor, or an invalid format or data type");
    }
    if (n <= 0 || c <= 0 || h <= 0 || w <= 0) {
        return fail(ST_BAD_PARAM, "tensor dimensions must be positive");
    }
    *d = Tensor{true, format, type, n, c, h, w};
    return ST_SUCCESS;
}

/** Note the order: data type before format (unlike the tensor setter). */
EXPORT int cudnnSetFilter4dDescriptor(Filter *d, int type, int format, int k, int c, int h, int w) {
    if (d == nullptr) {
        return fail(ST_NULL_POINTER, "filter descriptor is null");
    }
    if (lookup<Filter>(d, Kind::Filter) == nullptr || !validFormat(format) || !validType(type)) {
        return fail(ST_BAD_PARAM, "not a filter descriptor, or an invalid format or data type");
    }
    if (k <= 0 || c <= 0 || h <= 0 || w <= 0) {
        return fail(ST_BAD_PARAM, "filter dimensions must be positive");
    }
    *d = Filter{true, type, format, k, c, h, w};
    return ST_SUCCESS;
}

EXPORT int cudnnSetConvolution2dDescriptor(Conv *d, int padH, int padW, int u, int v, int dilH, int dilW, int mode,
                                           int computeType) {
    if (d == nullptr) {
        return fail(ST_NULL_POINTER, "convolution descriptor is null");
    }
    if (lookup<Conv>(d, Kind::Conv) == nullptr || padH < 0 || padW < 0 || u <= 0 || v <= 0 || dilH <= 0
        || dilW <= 0 || (mode != CONVOLUTION && mode != CROSS_CORRELATION) || !validType(computeType)) {
        return fail(ST_BAD_PARAM, "not a convolution descriptor, negative padding, non-positive stride or "
                                  "dilation, or an invalid mode or compute type");
    }
    int math = d->math;
    *d = Conv{true, padH, padW, u, v, dilH, dilW, mode, computeType, math};
    return ST_SUCCESS;
}

EXPORT int cudnnSetConvolutionMathType(Conv *d, int math) {
    if (d == nullptr) {
        return fail(ST_NULL_POINTER, "convolution descriptor is null");
    }
    if (lookup<Conv>(d, Kind::Conv) == nullptr || math < DEFAULT_MATH || math > FMA_MATH) {
        return fail(ST_BAD_PARAM, "not a convolution descriptor, or an invalid math type");
    }
    d->math = math;
    return ST_SUCCESS;
}

EXPORT int cudnnGetConvolutionMathType(Conv *d, int *math) {
    if (d == nullptr || math == nullptr) {
        return fail(ST_NULL_POINTER, "null descriptor or out-pointer");
    }
    if (lookup<Conv>(d, Kind::Conv) == nullptr) {
        return fail(ST_BAD_PARAM, "not a convolution descriptor");
    }
    *math = d->math;
    return ST_SUCCESS;
}

EXPORT int cudnnGetConvolution2dForwardOutputDim(Conv *c, Tensor *x, Filter *w, int *n, int *k, int *p, int *q) {
    if (c == nullptr || x == nullptr || w == nullptr || n == nullptr || k == nullptr || p == nullptr
        || q == nullptr) {
        return fail(ST_NULL_POINTER, "null descriptor or out-pointer");
    }
    if (lookup<Conv>(c, Kind::Conv) == nullptr || lookup<Tensor>(x, Kind::Tensor) == nullptr
        || lookup<Filter>(w, Kind::Filter) == nullptr || !c->set || !x->set || !w->set) {
        return fail(ST_BAD_PARAM, "a descriptor is not live, of the wrong kind, or never set");
    }
    int P = outDim(x->h, c->padH, w->r, c->dilH, c->u);
    int Q = outDim(x->w, c->padW, w->s, c->dilW, c->v);
    if (x->c != w->c || P == 0 || Q == 0) {
        return fail(ST_BAD_PARAM, "channel mismatch, or the dilated filter is larger than the padded input");
    }
    *n = x->n;
    *k = w->k;
    *p = P;
    *q = Q;
    return ST_SUCCESS;
}

// The three passes' queries and calls; each maps its own argument order onto (x, w, conv, y).

EXPORT int cudnnGetConvolutionForwardAlgorithm_v7(Handle *h, Tensor *x, Filter *w, Conv *c, Tensor *y, int req,
                                                  int *ret, Perf *perf) {
    return query(emu::Pass::Forward, false, h, x, w, c, y, req, ret, perf);
}
EXPORT int cudnnFindConvolutionForwardAlgorithm(Handle *h, Tensor *x, Filter *w, Conv *c, Tensor *y, int req,
                                                int *ret, Perf *perf) {
    return query(emu::Pass::Forward, true, h, x, w, c, y, req, ret, perf);
}
EXPORT int cudnnGetConvolutionForwardWorkspaceSize(Handle *h, Tensor *x, Filter *w, Conv *c, Tensor *y, int algo,
                                                   size_t *size) {
    return workspaceSize(emu::Pass::Forward, h, x, w, c, y, algo, size);
}
EXPORT int cudnnConvolutionForward(Handle *h, const void *alpha, Tensor *xd, const void *x, Filter *wd,
                                   const void *w, Conv *c, int algo, void *ws, size_t wsBytes, const void *beta,
                                   Tensor *yd, void *y) {
    return run(emu::Pass::Forward, h, alpha, xd, wd, c, yd, x, w, algo, ws, wsBytes, beta, y);
}

EXPORT int cudnnGetConvolutionBackwardDataAlgorithm_v7(Handle *h, Filter *w, Tensor *dy, Conv *c, Tensor *dx,
                                                       int req, int *ret, Perf *perf) {
    return query(emu::Pass::BackwardData, false, h, dx, w, c, dy, req, ret, perf);
}
EXPORT int cudnnFindConvolutionBackwardDataAlgorithm(Handle *h, Filter *w, Tensor *dy, Conv *c, Tensor *dx,
                                                     int req, int *ret, Perf *perf) {
    return query(emu::Pass::BackwardData, true, h, dx, w, c, dy, req, ret, perf);
}
EXPORT int cudnnGetConvolutionBackwardDataWorkspaceSize(Handle *h, Filter *w, Tensor *dy, Conv *c, Tensor *dx,
                                                        int algo, size_t *size) {
    return workspaceSize(emu::Pass::BackwardData, h, dx, w, c, dy, algo, size);
}
EXPORT int cudnnConvolutionBackwardData(Handle *h, const void *alpha, Filter *wd, const void *w, Tensor *dyd,
                                        const void *dy, Conv *c, int algo, void *ws, size_t wsBytes,
                                        const void *beta, Tensor *dxd, void *dx) {
    return run(emu::Pass::BackwardData, h, alpha, dxd, wd, c, dyd, w, dy, algo, ws, wsBytes, beta, dx);
}

EXPORT int cudnnGetConvolutionBackwardFilterAlgorithm_v7(Handle *h, Tensor *x, Tensor *dy, Conv *c, Filter *dw,
                                                         int req, int *ret, Perf *perf) {
    return query(emu::Pass::BackwardFilter, false, h, x, dw, c, dy, req, ret, perf);
}
EXPORT int cudnnFindConvolutionBackwardFilterAlgorithm(Handle *h, Tensor *x, Tensor *dy, Conv *c, Filter *dw,
                                                       int req, int *ret, Perf *perf) {
    return query(emu::Pass::BackwardFilter, true, h, x, dw, c, dy, req, ret, perf);
}
EXPORT int cudnnGetConvolutionBackwardFilterWorkspaceSize(Handle *h, Tensor *x, Tensor *dy, Conv *c, Filter *dw,
                                                          int algo, size_t *size) {
    return workspaceSize(emu::Pass::BackwardFilter, h, x, dw, c, dy, algo, size);
}
EXPORT int cudnnConvolutionBackwardFilter(Handle *h, const void *alpha, Tensor *xd, const void *x, Tensor *dyd,
                                          const void *dy, Conv *c, int algo, void *ws, size_t wsBytes,
                                          const void *beta, Filter *dwd, void *dw) {
    return run(emu::Pass::BackwardFilter, h, alpha, xd, dwd, c, dyd, x, dy, algo, ws, wsBytes, beta, dw);
}
