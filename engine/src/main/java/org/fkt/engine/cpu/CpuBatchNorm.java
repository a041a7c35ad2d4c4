package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Batch normalisation over (N, H, W) per channel, parallel over channels. Statistics are taken in
 * two passes (mean, then the centred sum of squares), which is exact enough to serve as the
 * reference for the GPU's one-pass kernel. Variance conventions follow PyTorch: biased for
 * normalising, unbiased for the running estimate.
 *
 * <p>Float64 runs the generic code through {@link CpuBuf}. Float32 runs the same arithmetic on
 * vectors ({@link CpuFloats}): floats are widened to double lanes, so sums, statistics and the
 * outputs are as accurate as the generic path (one rounding per output), which matters in the
 * backward pass, whose terms nearly cancel; the loops stay memory-bound.
 * Tensors: x, y, dy, dx (N, C, H, W); gamma, beta, running and saved statistics (C).
 */
final class CpuBatchNorm {
    private CpuBatchNorm() {
    }

    static void forwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                double momentum, double eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf yb = CpuBuf.of(y);
        CpuBuf gb = CpuBuf.of(gamma);
        CpuBuf bb = CpuBuf.of(beta);
        CpuBuf rm = CpuBuf.of(runningMean);
        CpuBuf rv = CpuBuf.of(runningVar);
        CpuBuf sm = CpuBuf.of(saveMean);
        CpuBuf si = CpuBuf.of(saveInvStd);
        int n = x.dim(0);
        int c = x.dim(1);
        int hw = x.dim(2) * x.dim(3);
        long count = (long) n * hw;
        if (x.dtype() == DType.FLOAT32) {
            CpuParallel.forRange(c, 1, (c0, c1) -> {
                for (int ch = c0; ch < c1; ch++) {
                    double[] stats = statistics(xb.segment, xb.base, n, c, hw, ch);
                    double mean = stats[0];
                    double variance = stats[1] / count;
                    double invStd = 1.0 / Math.sqrt(variance + eps);
                    normalise(xb, yb, n, c, hw, ch, mean, gb.get(ch) * invStd, bb.get(ch));
                    sm.set(ch, mean);
                    si.set(ch, invStd);
                    double unbiased = count > 1 ? stats[1] / (count - 1) : variance;
                    rm.set(ch, (1 - momentum) * rm.get(ch) + momentum * mean);
                    rv.set(ch, (1 - momentum) * rv.get(ch) + momentum * unbiased);
                }
            });
            return;
        }
        CpuParallel.forRange(c, 1, (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double sum = 0;
                for (int img = 0; img < n; img++) {
                    long base = ((long) img * c + ch) * hw;
                    for (int e = 0; e < hw; e++) {
                        sum += xb.get(base + e);
                    }
                }
                double mean = sum / count;
                double squares = 0;
                for (int img = 0; img < n; img++) {
                    long base = ((long) img * c + ch) * hw;
                    for (int e = 0; e < hw; e++) {
                        double d = xb.get(base + e) - mean;
                        squares += d * d;
                    }
                }
                double variance = squares / count;
                double invStd = 1.0 / Math.sqrt(variance + eps);
                double scale = gb.get(ch) * invStd;
                double shift = bb.get(ch) - mean * scale;
                for (int img = 0; img < n; img++) {
                    long base = ((long) img * c + ch) * hw;
                    for (int e = 0; e < hw; e++) {
                        yb.set(base + e, xb.get(base + e) * scale + shift);
                    }
                }
                sm.set(ch, mean);
                si.set(ch, invStd);
                double unbiased = count > 1 ? squares / (count - 1) : variance;
                rm.set(ch, (1 - momentum) * rm.get(ch) + momentum * mean);
                rv.set(ch, (1 - momentum) * rv.get(ch) + momentum * unbiased);
            }
        });
    }

    static void forwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                 double eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf yb = CpuBuf.of(y);
        CpuBuf gb = CpuBuf.of(gamma);
        CpuBuf bb = CpuBuf.of(beta);
        CpuBuf rm = CpuBuf.of(runningMean);
        CpuBuf rv = CpuBuf.of(runningVar);
        CpuBuf sm = CpuBuf.of(saveMean);
        CpuBuf si = CpuBuf.of(saveInvStd);
        int n = x.dim(0);
        int c = x.dim(1);
        int hw = x.dim(2) * x.dim(3);
        boolean f32 = x.dtype() == DType.FLOAT32;
        CpuParallel.forRange(c, 1, (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double mean = rm.get(ch);
                double invStd = 1.0 / Math.sqrt(rv.get(ch) + eps);
                double scale = gb.get(ch) * invStd;
                double shift = bb.get(ch) - mean * scale;
                if (f32) {
                    normalise(xb, yb, n, c, hw, ch, mean, scale, bb.get(ch));
                    sm.set(ch, mean);
                    si.set(ch, invStd);
                    continue;
                }
                for (int img = 0; img < n; img++) {
                    long base = ((long) img * c + ch) * hw;
                    for (int e = 0; e < hw; e++) {
                        yb.set(base + e, xb.get(base + e) * scale + shift);
                    }
                }
                sm.set(ch, mean);
                si.set(ch, invStd);
            }
        });
    }

    /**
     * With batch statistics: dx = gamma * invStd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat)).
     * With fixed statistics: dx = gamma * invStd * dy. Both: dgamma = sum(dy * xhat), dbeta = sum(dy).
     */
    static void backward(Tensor dy, Tensor x, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                         boolean batchStatistics, Tensor dx, Tensor dgamma, Tensor dbeta) {
        CpuBuf gy = CpuBuf.of(dy);
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf gb = CpuBuf.of(gamma);
        CpuBuf sm = CpuBuf.of(saveMean);
        CpuBuf si = CpuBuf.of(saveInvStd);
        CpuBuf gx = CpuBuf.of(dx);
        CpuBuf dg = CpuBuf.of(dgamma);
        CpuBuf db = CpuBuf.of(dbeta);
        int n = x.dim(0);
        int c = x.dim(1);
        int hw = x.dim(2) * x.dim(3);
        long count = (long) n * hw;
        if (x.dtype() == DType.FLOAT32) {
            CpuParallel.forRange(c, 1, (c0, c1) -> {
                double[] sums = new double[2];
                for (int ch = c0; ch < c1; ch++) {
                    double mean = sm.get(ch);
                    double invStd = si.get(ch);
                    sums[0] = 0;
                    sums[1] = 0;
                    forPlanes(n, c, hw, ch, off -> CpuFloats.dotCentred(gy.segment, gy.base + off,
                            xb.segment, xb.base + off, mean, hw, sums));
                    double sumDy = sums[0];
                    double sumDyXhat = sums[1] * invStd;
                    dg.set(ch, sumDyXhat);
                    db.set(ch, sumDy);
                    double k = gb.get(ch) * invStd;
                    double b = batchStatistics ? -k * invStd * sumDyXhat / count : 0;
                    double a = batchStatistics ? -k * sumDy / count : 0;
                    forPlanes(n, c, hw, ch, off -> CpuFloats.bnGrad(gy.segment, gy.base + off, xb.segment,
                            xb.base + off, mean, k, b, a, gx.segment, gx.base + off, hw));
                }
            });
            return;
        }
        CpuParallel.forRange(c, 1, (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double mean = sm.get(ch);
                double invStd = si.get(ch);
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int img = 0; img < n; img++) {
                    long base = ((long) img * c + ch) * hw;
                    for (int e = 0; e < hw; e++) {
                        double g = gy.get(base + e);
                        sumDy += g;
                        sumDyXhat += g * (xb.get(base + e) - mean) * invStd;
                    }
                }
                dg.set(ch, sumDyXhat);
                db.set(ch, sumDy);
                double k = gb.get(ch) * invStd;
                for (int img = 0; img < n; img++) {
                    long base = ((long) img * c + ch) * hw;
                    for (int e = 0; e < hw; e++) {
                        double g = gy.get(base + e);
                        if (batchStatistics) {
                            double xhat = (xb.get(base + e) - mean) * invStd;
                            gx.set(base + e, k * (g - sumDy / count - xhat * sumDyXhat / count));
                        } else {
                            gx.set(base + e, k * g);
                        }
                    }
                }
            }
        });
    }

    /** Float32 mean and centred sum of squares of channel ch: {mean, sum((x - mean)^2)}, in double. */
    private static double[] statistics(MemorySegment seg, long base, int n, int c, int hw, int ch) {
        double sum = 0;
        for (int img = 0; img < n; img++) {
            sum += CpuFloats.sum(seg, base + ((long) img * c + ch) * hw, hw);
        }
        double mean = sum / ((long) n * hw);
        double squares = 0;
        for (int img = 0; img < n; img++) {
            squares += CpuFloats.centredSquares(seg, base + ((long) img * c + ch) * hw, mean, hw);
        }
        return new double[] {mean, squares};
    }

    /** Float32 y = (x - mean) * scale + beta on channel ch. */
    private static void normalise(CpuBuf xb, CpuBuf yb, int n, int c, int hw, int ch, double mean, double scale,
                                  double beta) {
        forPlanes(n, c, hw, ch, off -> CpuFloats.centredAffine(xb.segment, xb.base + off, mean, scale, beta,
                yb.segment, yb.base + off, hw));
    }

    /** Runs body on the element offset of every (image, ch) plane. */
    private static void forPlanes(int n, int c, int hw, int ch, PlaneBody body) {
        for (int img = 0; img < n; img++) {
            body.run(((long) img * c + ch) * hw);
        }
    }

    @FunctionalInterface
    private interface PlaneBody {
        void run(long offset);
    }
}
