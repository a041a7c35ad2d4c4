package org.fkt.engine.cpu;

import org.fkt.engine.tensor.Tensor;

/**
 * Batch normalisation over (N, H, W) per channel, parallel over channels. Statistics are taken in
 * two passes in double precision (mean, then the centred sum of squares), which is exact enough
 * to serve as the reference for the GPU's one-pass kernel. Variance conventions follow PyTorch:
 * biased for normalising, unbiased for the running estimate.
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
        CpuParallel.forRange(c, 1, (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double mean = rm.get(ch);
                double invStd = 1.0 / Math.sqrt(rv.get(ch) + eps);
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
}
