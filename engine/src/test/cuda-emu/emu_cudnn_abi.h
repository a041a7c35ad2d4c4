// The C types and enum values of the fake libcudnn.so.9 (emu_cudnn.cpp): cudnnStatus_t and the other enums
// it uses (values as in the cuDNN 9 headers), its descriptor and handle objects, and the algorithm perf struct.
#pragma once

#include <cstddef>

#include "emu_bounds.h"

namespace emu_cudnn {

// cudnnStatus_t (cuDNN 9, cudnn_graph.h)
constexpr int ST_SUCCESS = 0;
constexpr int ST_BAD_PARAM = 2000;
constexpr int ST_NULL_POINTER = 2002;
constexpr int ST_MISALIGNED_POINTER = 2003;
constexpr int ST_SIZE_INSUFFICIENT = 2006;
constexpr int ST_NOT_SUPPORTED = 3000;
constexpr int ST_NOT_SUPPORTED_DATA_TYPE = 3003;
constexpr int ST_NOT_SUPPORTED_LAYOUT = 3004;
constexpr int ST_HOST_ALLOCATION_FAILED = 4003;
constexpr int ST_EXECUTION_FAILED = 5000;

// cudnnDataType_t, cudnnTensorFormat_t, cudnnConvolutionMode_t, cudnnMathType_t, cudnnDeterminism_t
constexpr int DATA_FLOAT = 0;
constexpr int DATA_TYPE_LAST = 21;
constexpr int TENSOR_NCHW = 0;
constexpr int TENSOR_NCHW_VECT_C = 2;
constexpr int CONVOLUTION = 0;
constexpr int CROSS_CORRELATION = 1;
constexpr int DEFAULT_MATH = 0;
constexpr int TENSOR_OP_MATH = 1;
constexpr int FMA_MATH = 3;
constexpr int NON_DETERMINISTIC = 0;
constexpr int DETERMINISTIC = 1;

// 9.10.0 as CUDNN_VERSION encodes it (major * 10000 + minor * 100 + patch)
constexpr size_t EMU_CUDNN_VERSION = 91000;

enum class Kind { Tensor, Filter, Conv };

struct Tensor {
    bool set = false;
    int format = 0, type = 0, n = 0, c = 0, h = 0, w = 0;
};

struct Filter {
    bool set = false;
    int type = 0, format = 0, k = 0, c = 0, r = 0, s = 0;
};

struct Conv {
    bool set = false;
    int padH = 0, padW = 0, u = 1, v = 1, dilH = 1, dilW = 1, mode = CROSS_CORRELATION, computeType = 0;
    int math = DEFAULT_MATH;
};

struct Handle {
    void *stream = nullptr;
    int device = emu_bounds::currentDevice();
};

/** cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t (cudnn_cnn.h): the three share one layout. */
struct Perf {
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
};
static_assert(sizeof(Perf) == 48, "cudnnConvolutionFwdAlgoPerf_t is 48 bytes on LP64");

}  // namespace emu_cudnn
