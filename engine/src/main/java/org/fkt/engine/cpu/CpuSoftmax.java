package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.fkt.engine.tensor.Tensor;

/**
 * Row-wise log-softmax, softmax cross-entropy with integer labels (mean over rows) and argmax.
 * Every row is shifted by its maximum before exponentiating, so large logits do not overflow.
 */
final class CpuSoftmax {
    private CpuSoftmax() {
    }

    static void logSoftmax(Tensor x, Tensor y) {
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf yb = CpuBuf.of(y);
        int rows = x.dim(0);
        int k = x.dim(1);
        CpuParallel.forRange(rows, Math.max(1, 4096 / Math.max(1, k)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long row = (long) r * k;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    max = Math.max(max, xb.get(row + j));
                }
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    sum += Math.exp(xb.get(row + j) - max);
                }
                double logZ = max + Math.log(sum);
                for (int j = 0; j < k; j++) {
                    yb.set(row + j, xb.get(row + j) - logZ);
                }
            }
        });
    }

    static void logSoftmaxBackward(Tensor dy, Tensor y, Tensor dx) {
        CpuBuf gy = CpuBuf.of(dy);
        CpuBuf yb = CpuBuf.of(y);
        CpuBuf gx = CpuBuf.of(dx);
        int rows = y.dim(0);
        int k = y.dim(1);
        CpuParallel.forRange(rows, Math.max(1, 4096 / Math.max(1, k)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long row = (long) r * k;
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    sum += gy.get(row + j);
                }
                for (int j = 0; j < k; j++) {
                    gx.set(row + j, gy.get(row + j) - Math.exp(yb.get(row + j)) * sum);
                }
            }
        });
    }

    static void crossEntropyForward(Tensor logits, Tensor labels, Tensor loss, Tensor logProbs) {
        logSoftmax(logits, logProbs);
        CpuBuf lp = CpuBuf.of(logProbs);
        MemorySegment lab = CpuBuf.segment(labels);
        int rows = logits.dim(0);
        int k = logits.dim(1);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int label = label(labels, lab, r, k);
            total -= lp.get((long) r * k + label);
        }
        CpuBuf.of(loss).set(0, total / rows);
    }

    static void crossEntropyBackward(Tensor dloss, Tensor logProbs, Tensor labels, Tensor dlogits) {
        CpuBuf lp = CpuBuf.of(logProbs);
        CpuBuf gx = CpuBuf.of(dlogits);
        MemorySegment lab = CpuBuf.segment(labels);
        int rows = logProbs.dim(0);
        int k = logProbs.dim(1);
        double scale = CpuBuf.of(dloss).get(0) / rows;
        CpuParallel.forRange(rows, Math.max(1, 4096 / Math.max(1, k)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long row = (long) r * k;
                int label = label(labels, lab, r, k);
                for (int j = 0; j < k; j++) {
                    double p = Math.exp(lp.get(row + j));
                    gx.set(row + j, scale * (j == label ? p - 1 : p));
                }
            }
        });
    }

    static void argmax(Tensor x, Tensor out) {
        CpuBuf xb = CpuBuf.of(x);
        MemorySegment o = CpuBuf.segment(out);
        int rows = x.dim(0);
        int k = x.dim(1);
        for (int r = 0; r < rows; r++) {
            long row = (long) r * k;
            int best = 0;
            double bestValue = k > 0 ? xb.get(row) : 0;
            for (int j = 1; j < k; j++) {
                double v = xb.get(row + j);
                if (v > bestValue) {
                    bestValue = v;
                    best = j;
                }
            }
            o.setAtIndex(ValueLayout.JAVA_INT, out.offset() + r, best);
        }
    }

    private static int label(Tensor labels, MemorySegment seg, int row, int classes) {
        int label = CpuBuf.getInt(labels, seg, row);
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException("cross_entropy: label " + label + " at row " + row
                    + " is outside [0, " + classes + ") for labels " + labels.describe());
        }
        return label;
    }
}
