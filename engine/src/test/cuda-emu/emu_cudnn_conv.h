// The arithmetic of the fake libcudnn.so.9 (emu_cudnn.cpp): NCHW float32 2-D convolution passes on the host,
// separate from the C ABI so each side stays short.
#pragma once

#include <cstddef>

namespace emu {

enum class Pass { Forward = 0, BackwardData = 1, BackwardFilter = 2 };

/** x (N, C, H, W), filters (K, C, R, S), y (N, K, P, Q); flip: true convolution rather than cross-correlation. */
struct ConvProblem {
    int N, C, H, W, K, R, S, P, Q;
    int padH, padW, u, v, dilH, dilW;
    bool flip;
    bool tf32;
};

/** The workspace the workspace-using algorithm of {@code pass} needs: its staged filter or double accumulator. */
size_t workspaceBytes(Pass pass, const ConvProblem &p);

/**
 * out = alpha * pass(a, b) + beta * out, out not read when beta == 0. a, b: (x, w) forward, (w, dy) backward
 * data, (x, dy) backward filter. ws: null for the algorithm without a workspace, else workspaceBytes(pass, p).
 */
void compute(Pass pass, const ConvProblem &p, void *ws, const float *a, const float *b, float *out, float alpha,
             float beta);

}  // namespace emu
