package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.tensor.Tensor;

/** Max-pooling (with saved argmax) and global average pooling, parallel over (N, C) planes. */
final class CpuPool {
    private CpuPool() {
    }

    static void maxForward(Tensor x, Tensor y, Tensor argmax, Pool2dSpec spec) {
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

    static void maxBackward(Tensor dy, Tensor argmax, Tensor dx) {
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
                for (long e = 0; e < hw; e++) {
                    gx.set(in + e, 0);
                }
                long out = pl * pq;
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
        int planes = x.dim(0) * x.dim(1);
        int hw = x.dim(2) * x.dim(3);
        CpuParallel.forRange(planes, 16, (pl0, pl1) -> {
            for (int pl = pl0; pl < pl1; pl++) {
                double s = 0;
                long in = (long) pl * hw;
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
        int planes = dx.dim(0) * dx.dim(1);
        int hw = dx.dim(2) * dx.dim(3);
        CpuParallel.forRange(planes, 16, (pl0, pl1) -> {
            for (int pl = pl0; pl < pl1; pl++) {
                double g = gy.get(pl) / hw;
                long in = (long) pl * hw;
                for (int e = 0; e < hw; e++) {
                    gx.set(in + e, g);
                }
            }
        });
    }
}
