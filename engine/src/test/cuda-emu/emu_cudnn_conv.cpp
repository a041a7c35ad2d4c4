// The arithmetic of the fake libcudnn.so.9: the three NCHW float32 convolution passes on the host, in double.
// Each pass has a gathering form that needs no workspace (algorithm 0) and a form that uses the caller's
// workspace (algorithm 1): forward stages the (TF32-rounded) filter there, the backward passes scatter into a
// double accumulator there. Both forms of a pass compute the same sums in different orders.
#include "emu_cudnn_conv.h"

#include <cstdint>
#include <cstring>

namespace emu {

namespace {

/** TF32: sign, 8 exponent bits, the top 10 mantissa bits, rounded to nearest (ties away from zero). */
inline float toTf32(float v) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) {
        return v;
    }
    u = (u + 0x1000u) & 0xffffe000u;
    std::memcpy(&v, &u, 4);
    return v;
}

inline double in(const float *a, size_t i, bool tf32) {
    return tf32 ? toTf32(a[i]) : a[i];
}

/** Blends like cuDNN: out = alpha * acc + beta * out, never reading out when beta is 0. */
inline void store(float *out, size_t i, double acc, float alpha, float beta) {
    double v = (double) alpha * acc;
    if (beta != 0.0f) {
        v += (double) beta * out[i];
    }
    out[i] = (float) v;
}

inline size_t at(int a, int b, int c, int d, int B, int C, int D) {
    return (((size_t) a * B + b) * C + c) * D + d;
}

/** y = x * w; {@code wRounded}: w is already in TF32 (staged), so only x is rounded. */
void forward(const ConvProblem &p, const float *x, const float *w, bool wRounded, float *y, float alpha,
             float beta) {
    bool tw = p.tf32 && !wRounded;
    for (int n = 0; n < p.N; n++) {
        for (int k = 0; k < p.K; k++) {
            for (int oh = 0; oh < p.P; oh++) {
                for (int ow = 0; ow < p.Q; ow++) {
                    double acc = 0;
                    for (int c = 0; c < p.C; c++) {
                        for (int r = 0; r < p.R; r++) {
                            int ih = oh * p.u - p.padH + r * p.dilH;
                            if (ih < 0 || ih >= p.H) {
                                continue;
                            }
                            int fr = p.flip ? p.R - 1 - r : r;
                            for (int s = 0; s < p.S; s++) {
                                int iw = ow * p.v - p.padW + s * p.dilW;
                                if (iw < 0 || iw >= p.W) {
                                    continue;
                                }
                                int fs = p.flip ? p.S - 1 - s : s;
                                acc += in(x, at(n, c, ih, iw, p.C, p.H, p.W), p.tf32)
                                       * in(w, at(k, c, fr, fs, p.C, p.R, p.S), tw);
                            }
                        }
                    }
                    store(y, at(n, k, oh, ow, p.K, p.P, p.Q), acc, alpha, beta);
                }
            }
        }
    }
}

/** dx gathered: each input position sums the outputs whose window covers it. */
void backwardDataGather(const ConvProblem &p, const float *w, const float *dy, float *dx, float alpha, float beta) {
    for (int n = 0; n < p.N; n++) {
        for (int c = 0; c < p.C; c++) {
            for (int ih = 0; ih < p.H; ih++) {
                for (int iw = 0; iw < p.W; iw++) {
                    double acc = 0;
                    for (int k = 0; k < p.K; k++) {
                        for (int r = 0; r < p.R; r++) {
                            int t = ih + p.padH - r * p.dilH;
                            if (t < 0 || t % p.u != 0 || t / p.u >= p.P) {
                                continue;
                            }
                            int fr = p.flip ? p.R - 1 - r : r;
                            for (int s = 0; s < p.S; s++) {
                                int t2 = iw + p.padW - s * p.dilW;
                                if (t2 < 0 || t2 % p.v != 0 || t2 / p.v >= p.Q) {
                                    continue;
                                }
                                int fs = p.flip ? p.S - 1 - s : s;
                                acc += in(dy, at(n, k, t / p.u, t2 / p.v, p.K, p.P, p.Q), p.tf32)
                                       * in(w, at(k, c, fr, fs, p.C, p.R, p.S), p.tf32);
                            }
                        }
                    }
                    store(dx, at(n, c, ih, iw, p.C, p.H, p.W), acc, alpha, beta);
                }
            }
        }
    }
}

/** dx scattered per image into a double accumulator of C*H*W in the workspace. */
void backwardDataScatter(const ConvProblem &p, double *acc, const float *w, const float *dy, float *dx,
                         float alpha, float beta) {
    size_t image = (size_t) p.C * p.H * p.W;
    for (int n = 0; n < p.N; n++) {
        std::memset(acc, 0, image * sizeof(double));
        for (int k = 0; k < p.K; k++) {
            for (int oh = 0; oh < p.P; oh++) {
                for (int ow = 0; ow < p.Q; ow++) {
                    double g = in(dy, at(n, k, oh, ow, p.K, p.P, p.Q), p.tf32);
                    for (int c = 0; c < p.C; c++) {
                        for (int r = 0; r < p.R; r++) {
                            int ih = oh * p.u - p.padH + r * p.dilH;
                            if (ih < 0 || ih >= p.H) {
                                continue;
                            }
                            int fr = p.flip ? p.R - 1 - r : r;
                            for (int s = 0; s < p.S; s++) {
                                int iw = ow * p.v - p.padW + s * p.dilW;
                                if (iw < 0 || iw >= p.W) {
                                    continue;
                                }
                                int fs = p.flip ? p.S - 1 - s : s;
                                acc[((size_t) c * p.H + ih) * p.W + iw] +=
                                    g * in(w, at(k, c, fr, fs, p.C, p.R, p.S), p.tf32);
                            }
                        }
                    }
                }
            }
        }
        for (size_t i = 0; i < image; i++) {
            store(dx, (size_t) n * image + i, acc[i], alpha, beta);
        }
    }
}

/** dw gathered: each filter tap sums over images and output positions. */
void backwardFilterGather(const ConvProblem &p, const float *x, const float *dy, float *dw, float alpha,
                          float beta) {
    for (int k = 0; k < p.K; k++) {
        for (int c = 0; c < p.C; c++) {
            for (int fr = 0; fr < p.R; fr++) {
                int r = p.flip ? p.R - 1 - fr : fr;
                for (int fs = 0; fs < p.S; fs++) {
                    int s = p.flip ? p.S - 1 - fs : fs;
                    double acc = 0;
                    for (int n = 0; n < p.N; n++) {
                        for (int oh = 0; oh < p.P; oh++) {
                            int ih = oh * p.u - p.padH + r * p.dilH;
                            if (ih < 0 || ih >= p.H) {
                                continue;
                            }
                            for (int ow = 0; ow < p.Q; ow++) {
                                int iw = ow * p.v - p.padW + s * p.dilW;
                                if (iw < 0 || iw >= p.W) {
                                    continue;
                                }
                                acc += in(dy, at(n, k, oh, ow, p.K, p.P, p.Q), p.tf32)
                                       * in(x, at(n, c, ih, iw, p.C, p.H, p.W), p.tf32);
                            }
                        }
                    }
                    store(dw, at(k, c, fr, fs, p.C, p.R, p.S), acc, alpha, beta);
                }
            }
        }
    }
}

/** dw scattered into a double accumulator of K*C*R*S in the workspace. */
void backwardFilterScatter(const ConvProblem &p, double *acc, const float *x, const float *dy, float *dw,
                           float alpha, float beta) {
    size_t filters = (size_t) p.K * p.C * p.R * p.S;
    std::memset(acc, 0, filters * sizeof(double));
    for (int n = 0; n < p.N; n++) {
        for (int k = 0; k < p.K; k++) {
            for (int oh = 0; oh < p.P; oh++) {
                for (int ow = 0; ow < p.Q; ow++) {
                    double g = in(dy, at(n, k, oh, ow, p.K, p.P, p.Q), p.tf32);
                    for (int c = 0; c < p.C; c++) {
                        for (int r = 0; r < p.R; r++) {
                            int ih = oh * p.u - p.padH + r * p.dilH;
                            if (ih < 0 || ih >= p.H) {
                                continue;
                            }
                            int fr = p.flip ? p.R - 1 - r : r;
                            for (int s = 0; s < p.S; s++) {
                                int iw = ow * p.v - p.padW + s * p.dilW;
                                if (iw < 0 || iw >= p.W) {
                                    continue;
                                }
                                int fs = p.flip ? p.S - 1 - s : s;
                                acc[at(k, c, fr, fs, p.C, p.R, p.S)] +=
                                    g * in(x, at(n, c, ih, iw, p.C, p.H, p.W), p.tf32);
                            }
                        }
                    }
                }
            }
        }
    }
    for (size_t i = 0; i < filters; i++) {
        store(dw, i, acc[i], alpha, beta);
    }
}

}  // namespace

size_t workspaceBytes(Pass pass, const ConvProblem &p) {
    size_t filters = (size_t) p.K * p.C * p.R * p.S;
    switch (pass) {
        case Pass::Forward: return filters * sizeof(float);
        case Pass::BackwardData: return (size_t) p.C * p.H * p.W * sizeof(double);
        default: return filters * sizeof(double);
    }
}

void compute(Pass pass, const ConvProblem &p, void *ws, const float *a, const float *b, float *out, float alpha,
             float beta) {
    switch (pass) {
        case Pass::Forward:
            if (ws != nullptr) {
                float *staged = static_cast<float *>(ws);
                size_t filters = (size_t) p.K * p.C * p.R * p.S;
                for (size_t i = 0; i < filters; i++) {
                    staged[i] = (float) in(b, i, p.tf32);
                }
                forward(p, a, staged, true, out, alpha, beta);
            } else {
                forward(p, a, b, false, out, alpha, beta);
            }
            break;
        case Pass::BackwardData:
            if (ws != nullptr) {
                backwardDataScatter(p, static_cast<double *>(ws), a, b, out, alpha, beta);
            } else {
                backwardDataGather(p, a, b, out, alpha, beta);
            }
            break;
        case Pass::BackwardFilter:
            if (ws != nullptr) {
                backwardFilterScatter(p, static_cast<double *>(ws), a, b, out, alpha, beta);
            } else {
                backwardFilterGather(p, a, b, out, alpha, beta);
            }
            break;
    }
}

}  // namespace emu
