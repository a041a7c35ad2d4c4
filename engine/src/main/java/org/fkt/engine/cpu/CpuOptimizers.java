package org.fkt.engine.cpu;

import java.util.List;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.backend.SgdHyper;
import org.fkt.engine.tensor.Tensor;

/** SGD and LARS parameter updates on the CPU, one tensor at a time, parallel within a tensor. */
final class CpuOptimizers {
    private static final int GRAIN = 1 << 14;

    private CpuOptimizers() {
    }

    static void sgd(List<Tensor> params, List<Tensor> grads, List<Tensor> buffers, SgdHyper h, boolean firstStep) {
        for (int t = 0; t < params.size(); t++) {
            CpuBuf w = CpuBuf.of(params.get(t));
            CpuBuf g = CpuBuf.of(grads.get(t));
            CpuBuf v = h.momentum() != 0 ? CpuBuf.of(buffers.get(t)) : null;
            int n = (int) params.get(t).numel();
            CpuParallel.forRange(n, GRAIN, (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    double d = g.get(i) + h.weightDecay() * w.get(i);
                    if (v != null) {
                        double buf = firstStep ? d : h.momentum() * v.get(i) + (1 - h.dampening()) * d;
                        v.set(i, buf);
                        d = h.nesterov() ? d + h.momentum() * buf : buf;
                    }
                    w.set(i, w.get(i) - h.lr() * d);
                }
            });
        }
    }

    static void lars(List<Tensor> params, List<Tensor> grads, List<Tensor> buffers, boolean[] decay,
                     boolean[] adapt, LarsHyper h) {
        for (int t = 0; t < params.size(); t++) {
            CpuBuf w = CpuBuf.of(params.get(t));
            CpuBuf g = CpuBuf.of(grads.get(t));
            CpuBuf v = CpuBuf.of(buffers.get(t));
            int n = (int) params.get(t).numel();
            double wd = decay[t] ? h.weightDecay() : 0;
            double scaledLr = h.lr();
            if (adapt[t]) {
                double wSquares = 0;
                double gSquares = 0;
                for (int i = 0; i < n; i++) {
                    double wi = w.get(i);
                    double gi = g.get(i) + wd * wi;
                    wSquares += wi * wi;
                    gSquares += gi * gi;
                }
                double wNorm = Math.sqrt(wSquares);
                double gNorm = Math.sqrt(gSquares);
                scaledLr *= wNorm > 0 && gNorm > 0 ? h.eta() * wNorm / gNorm : 1;
            }
            double lr = scaledLr;
            CpuParallel.forRange(n, GRAIN, (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    double gi = g.get(i) + wd * w.get(i);
                    double next = h.momentum() * v.get(i) + lr * gi;
                    v.set(i, next);
                    double update = h.nesterov() ? h.momentum() * next + lr * gi : next;
                    w.set(i, w.get(i) - update);
                }
            });
        }
    }
}
