package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Max-pooling (with saved argmax) and global average pooling, parallel over (N, C) planes.
 * Float64 reads and writes through {@link CpuBuf}; float32 reads the floats directly, with the
 * window clipped to the plane once per output rather than tested per element, and the global
 * average pool uses the vector sum and fill of {@link CpuFloats}.
 * Tensors: x, dx (N, C, H, W); y, dy, argmax (N, C, P, Q) for max-pooling, (N, C) for the average.
 */
final class CpuPool {
    private CpuPool() {
    }

    static void maxForward(Tensor x, Tensor y, Tensor argmax, Pool2dSpec spec) {
        if (x.dtype() == DType.FLOAT32) {
            maxForwardFloat(x, y, argmax, spec);
            return;
        }
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf yb = CpuBuf.of(y);
        MemorySegment idx = CpuBuf.segment(argmax);
        long idxBase = argmax.offset();
        int planes = x.dim(0) * x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int p = y.dim(2);
        int q = y.dim(3);
        CpuParallel.forRange(planes, 1, (pl0, pl1) -> {
            for (int pl = pl0; pl < pl1; pl++) {
                long in = (long) pl * h * w;
                long out = (long) pl * p * q;
                for (int oh = 0; oh < p; oh++) {
                    for (int ow = 0; ow < q; ow++) {
                        double best = Double.NEGATIVE_INFINITY;
                        int bestAt = -1;
                        for (int i = 0; i < spec.kernel(); i++) {
                            int hi = oh * spec.stride() - spec.padding() + i;
                            if (hi < 0 || hi >= h) {
                                continue;
                            }
                            for (int j = 0; j < spec.kernel(); j++) {
                                int wi = ow * spec.stride() - spec.padding() + j;
                                if (wi < 0 || wi >= w) {
                                    continue;
                                }
                                double v = xb.get(in + (long) hi * w + wi);
                                // the first maximum wins; a NaN wins over numbers and propagates, as in PyTorch
                                if (bestAt < 0 || v > best || Double.isNaN(v) && !Double.isNaN(best)) {
                                    best = v;
                                    bestAt = hi * w + wi;
                                }
                            }
                        }
                        long o = out + (long) oh * q + ow;
                        yb.set(o, best);
                        idx.setAtIndex(ValueLayout.JAVA_INT, idxBase + o, bestAt);
                    }
                }
            }
        });
    }

    /** Float32 max-pooling with the same tie and NaN rules as the generic path. */
    private static void maxForwardFloat(Tensor x, Tensor y, Tensor argmax, Pool2dSpec spec) {
        MemorySegment xs = CpuBuf.segment(x);
        MemorySegment ys = CpuBuf.segment(y);
        MemorySegment idx = CpuBuf.segment(argmax);
        int planes = x.dim(0) * x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int p = y.dim(2);
        int q = y.dim(3);
        int k = spec.kernel();
        CpuParallel.forRange(planes, 1, (pl0, pl1) -> {
            for (int pl = pl0; pl < pl1; pl++) {
                long in = x.offset() + (long) pl * h * w;
                long out = (long) pl * p * q;
                for (int oh = 0; oh < p; oh++) {
                    int h0 = oh * spec.stride() - spec.padding();
                    int hLo = Math.max(0, h0);
                    int hHi = Math.min(h, h0 + k);
                    for (int ow = 0; ow < q; ow++) {
                        int w0 = ow * spec.stride() - spec.padding();
                        int wLo = Math.max(0, w0);
                        int wHi = Math.min(w, w0 + k);
                        float best = Float.NEGATIVE_INFINITY;
                        int bestAt = -1;
                        for (int hi = hLo; hi < hHi; hi++) {
                            for (int wi = wLo; wi < wHi; wi++) {
                                float v = xs.getAtIndex(CpuFloats.F, in + (long) hi * w + wi);
                                if (bestAt < 0 || v > best || Float.isNaN(v) && !Float.isNaN(best)) {
                                    best = v;
                                    bestAt = hi * w + wi;
                                }
                            }
                        }
                        long o = out + (long) oh * q + ow;
                        ys.setAtIndex(CpuFloats.F, y.offset() + o, best);
                        idx.setAtIndex(ValueLayout.JAVA_INT, argmax.offset() + o, bestAt);
                    }
                }
            }
        });
    }

    static void maxBackward(Tensor dy, Tensor argmax, Tensor dx) {
        boolean f32 = dx.dtype() == DType.FLOAT32;
        CpuBuf gy = CpuBuf.of(dy);
        CpuBuf gx = CpuBuf.of(dx);
        MemorySegment idx = CpuBuf.segment(argmax);
        long idxBase = argmax.offset();
        int planes = dx.dim(0) * dx.dim(1);
        long hw = (long) dx.dim(2) * dx.dim(3);
        long pq = (long) dy.dim(2) * dy.dim(3);
        CpuParallel.forRange(planes, 1, (pl0, pl1) -> {
            for (int pl = pl0; pl < pl1; pl++) {
                long in = pl * hw;
                long out = pl * pq;
                if (f32) {
                    MemorySegment xs = gx.segment;
                    MemorySegment ys = gy.segment;
                    CpuFloats.fill(xs, gx.base + in, hw, 0f);
                    for (long o = 0; o < pq; o++) {
                        long at = gx.base + in + idx.getAtIndex(ValueLayout.JAVA_INT, idxBase + out + o);
                        float g = ys.getAtIndex(CpuFloats.F, gy.base + out + o);
                        xs.setAtIndex(CpuFloats.F, at, xs.getAtIndex(CpuFloats.F, at) + g);
                    }
                    continue;
                }
                for (long e = 0; e < hw; e++) {
                    gx.set(in + e, 0);
                }
                for (long o = 0; o < pq; o++) {
                    int at = idx.getAtIndex(ValueLayout.JAVA_INT, idxBase + out + o);
                    gx.add(in + at, gy.get(out + o));
                }
            }
        });
    }

    static void globalAvgForward(Tensor x, Tensor y) {
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf yb = CpuBuf.of(y);
        boolean f32 = x.dtype() == DType.FLOAT32;
        int planes = x.dim(0) * x.dim(1);
        int hw = x.dim(2) * x.dim(3);
        CpuParallel.forRange(planes, 16, (pl0, pl1) -> {
            for (int pl = pl0; pl < pl1; pl++) {
                long in = (long) pl * hw;
                if (f32) {
                    yb.set(pl, CpuFloats.sum(xb.segment, xb.base + in, hw) / hw);
                    continue;
                }
                double s = 0;
                for (int e = 0; e < hw; e++) {
                    s += xb.get(in + e);
                }
                yb.set(pl, s / hw);
            }
        });
    }

    static void globalAvgBackward(Tensor dy, Tensor dx) {
        CpuBuf gy = CpuBuf.of(dy);
        CpuBuf gx = CpuBuf.of(dx);
        boolean f32 = dx.dtype() == DType.FLOAT32;
        int planes = dx.dim(0) * dx.dim(1);
        int hw = dx.dim(2) * dx.dim(3);
        CpuParallel.forRange(planes, 16, (pl0, pl1) -> {
            for (int pl = pl0; pl < pl1; pl++) {
                double g = gy.get(pl) / hw;
                long in = (long) pl * hw;
                if (f32) {
                    CpuFloats.fill(gx.segment, gx.base + in, hw, (float) g);
                    continue;
                }
                for (int e = 0; e < hw; e++) {
                    gx.set(in + e, g);
                }
            }
        });
    }
}
