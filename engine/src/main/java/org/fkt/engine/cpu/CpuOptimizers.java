package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.backend.SgdHyper;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * SGD and LARS parameter updates on the CPU. Float64 runs the generic double-precision loops, one
 * tensor at a time. Float32 runs Vector-API loops in float arithmetic (the order of operations of
 * torch.optim.SGD); SGD treats all tensors as one concatenated range cut into one piece per thread,
 * so a model's many small tensors (batch-norm scales, biases) cost one parallel loop rather than one each.
 */
final class CpuOptimizers {
    private static final int GRAIN = 1 << 14;

    private CpuOptimizers() {
    }

    static void sgd(List<Tensor> params, List<Tensor> grads, List<Tensor> buffers, SgdHyper h, boolean firstStep) {
        if (params.stream().allMatch(p -> p.dtype() == DType.FLOAT32)) {
            sgdFloat(params, grads, buffers, h, firstStep);
            return;
        }
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

    /** Float32 SGD over the concatenation of all tensors, one contiguous piece per thread. */
    private static void sgdFloat(List<Tensor> params, List<Tensor> grads, List<Tensor> buffers, SgdHyper h,
                                 boolean firstStep) {
        int count = params.size();
        long[] start = new long[count + 1];
        for (int t = 0; t < count; t++) {
            start[t + 1] = start[t] + params.get(t).numel();
        }
        long total = start[count];
        int pieces = (int) Math.max(1, Math.min(CpuParallel.threads(), total / GRAIN));
        CpuParallel.forEach(pieces, (p0, p1) -> {
            for (int piece = p0; piece < p1; piece++) {
                long lo = total * piece / pieces;
                long hi = total * (piece + 1) / pieces;
                for (int t = 0; t < count; t++) {
                    long a = Math.max(lo, start[t]);
                    long b = Math.min(hi, start[t + 1]);
                    if (a < b) {
                        Tensor w = params.get(t);
                        Tensor g = grads.get(t);
                        Tensor v = h.momentum() != 0 ? buffers.get(t) : null;
                        sgdRun(h, firstStep, CpuBuf.segment(w), w.offset() + a - start[t],
                                CpuBuf.segment(g), g.offset() + a - start[t],
                                v == null ? null : CpuBuf.segment(v), v == null ? 0 : v.offset() + a - start[t], b - a);
                    }
                }
            }
        });
    }

    /**
     * One float32 SGD run of n elements: w at wi, g at gi, momentum buffer at vi (vs null: none).
     * Whole vectors unmasked, the last n mod L elements in scalar float arithmetic (the same
     * operations, so the same results): a tail mask computed in the loop is not intrinsified, and
     * with it C2 boxed every vector of the loop.
     */
    private static void sgdRun(SgdHyper h, boolean firstStep, MemorySegment ws, long wi, MemorySegment gs, long gi,
                               MemorySegment vs, long vi, long n) {
        float wd = (float) h.weightDecay();
        float momentum = (float) h.momentum();
        float keep = (float) (1 - h.dampening());
        float lr = (float) h.lr();
        boolean nesterov = h.nesterov();
        long full = n - n % CpuFloats.L;
        for (long i = 0; i < full; i += CpuFloats.L) {
            FloatVector w = FloatVector.fromMemorySegment(CpuFloats.S, ws, (wi + i) << 2, CpuFloats.ORDER);
            FloatVector d = FloatVector.fromMemorySegment(CpuFloats.S, gs, (gi + i) << 2, CpuFloats.ORDER);
            if (wd != 0) {
                d = d.add(w.mul(wd));
            }
            if (vs != null) {
                FloatVector buf = d;
                if (!firstStep) {
                    FloatVector old = FloatVector.fromMemorySegment(CpuFloats.S, vs, (vi + i) << 2, CpuFloats.ORDER);
                    buf = old.mul(momentum).add(d.mul(keep));
                }
                buf.intoMemorySegment(vs, (vi + i) << 2, CpuFloats.ORDER);
                d = nesterov ? d.add(buf.mul(momentum)) : buf;
            }
            w.sub(d.mul(lr)).intoMemorySegment(ws, (wi + i) << 2, CpuFloats.ORDER);
        }
        for (long i = full; i < n; i++) {
            float w = ws.getAtIndex(CpuFloats.F, wi + i);
            float d = gs.getAtIndex(CpuFloats.F, gi + i);
            if (wd != 0) {
                d = d + w * wd;
            }
            if (vs != null) {
                float buf = d;
                if (!firstStep) {
                    buf = vs.getAtIndex(CpuFloats.F, vi + i) * momentum + d * keep;
                }
                vs.setAtIndex(CpuFloats.F, vi + i, buf);
                d = nesterov ? d + buf * momentum : buf;
            }
            ws.setAtIndex(CpuFloats.F, wi + i, w - d * lr);
        }
    }

    static void lars(List<Tensor> params, List<Tensor> grads, List<Tensor> buffers, boolean[] decay,
                     boolean[] adapt, LarsHyper h) {
        for (int t = 0; t < params.size(); t++) {
            CpuBuf w = CpuBuf.of(params.get(t));
            CpuBuf g = CpuBuf.of(grads.get(t));
            CpuBuf v = CpuBuf.of(buffers.get(t));
            boolean f32 = params.get(t).dtype() == DType.FLOAT32;
            int n = (int) params.get(t).numel();
            double wd = decay[t] ? h.weightDecay() : 0;
            double scaledLr = h.lr();
            if (adapt[t]) {
                double[] squares = f32 ? larsSquaresFloat(w, g, (float) wd, n) : larsSquares(w, g, wd, n);
                double wNorm = Math.sqrt(squares[0]);
                double gNorm = Math.sqrt(squares[1]);
                scaledLr *= wNorm > 0 && gNorm > 0 ? h.eta() * wNorm / gNorm : 1;
            }
            double lr = scaledLr;
            CpuParallel.forRange(n, GRAIN, (i0, i1) -> {
                if (f32) {
                    CpuFloats.larsUpdate(w.segment, w.base + i0, g.segment, g.base + i0, v.segment, v.base + i0,
                            (float) wd, (float) h.momentum(), (float) lr, h.nesterov(), i1 - i0);
                    return;
                }
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

    /**
     * Float32 {sum w^2, sum (g + wd*w)^2}: pieces of whole {@link CpuFloats#larsSquares} blocks, one
     * per thread for large tensors, summed in piece order (so the result depends only on the
     * thread count, and equals the one-piece sum up to the association of a few doubles).
     */
    private static double[] larsSquaresFloat(CpuBuf w, CpuBuf g, float wd, int n) {
        int pieces = Math.max(1, Math.min(CpuParallel.threads(), n / GRAIN));
        if (pieces == 1) {
            return CpuFloats.larsSquares(w.segment, w.base, g.segment, g.base, wd, n);
        }
        double[][] parts = new double[pieces][];
        CpuParallel.forEach(pieces, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                long lo = piece(n, pieces, p);
                long hi = piece(n, pieces, p + 1);
                parts[p] = CpuFloats.larsSquares(w.segment, w.base + lo, g.segment, g.base + lo, wd, hi - lo);
            }
        });
        double[] total = new double[2];
        for (double[] part : parts) {
            total[0] += part[0];
            total[1] += part[1];
        }
        return total;
    }

    /** Start of piece p of n elements cut into {@code pieces} runs of whole 256-element blocks. */
    private static long piece(int n, int pieces, int p) {
        return p == pieces ? n : (long) n * p / pieces / 256 * 256;
    }

    /** {sum w^2, sum (g + wd*w)^2} in double. */
    private static double[] larsSquares(CpuBuf w, CpuBuf g, double wd, int n) {
        double wSquares = 0;
        double gSquares = 0;
        for (int i = 0; i < n; i++) {
            double wi = w.get(i);
            double gi = g.get(i) + wd * wi;
            wSquares += wi * wi;
            gSquares += gi * gi;
        }
        return new double[] {wSquares, gSquares};
    }
}
