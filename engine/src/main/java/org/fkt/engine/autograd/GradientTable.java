package org.fkt.engine.autograd;

import org.fkt.engine.backend.Backend;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Every backward rule of the engine, in one place. Given an op's record, its output and the
 * gradient g of the loss with respect to that output, each rule returns the gradients of the op's
 * inputs in {@link Op#inputs()} order (null where an input needs none). Rules call backend kernels
 * directly: the backward pass itself is not recorded (no higher-order gradients).
 */
final class GradientTable {
    private GradientTable() {
    }

    static Tensor[] backward(Op op, Tensor out, Tensor g) {
        Backend be = g.backend();
        return switch (op) {
            case Op.Conv2d c -> {
                Tensor dx = c.x().requiresGrad() ? like(c.x()) : null;
                if (dx != null) {
                    be.conv2dBackwardData(g, c.w(), dx, c.spec());
                }
                Tensor dw = c.w().requiresGrad() ? like(c.w()) : null;
                if (dw != null) {
                    be.conv2dBackwardFilter(c.x(), g, dw, c.spec());
                }
                yield new Tensor[] {dx, dw};
            }
            case Op.BatchNorm b -> {
                Tensor dx = like(b.x());
                Tensor dgamma = like(b.gamma());
                Tensor dbeta = like(b.beta());
                be.batchNormBackward(g, b.x(), b.gamma(), b.saveMean(), b.saveInvStd(), b.training(), dx, dgamma, dbeta);
                yield new Tensor[] {dx, dgamma, dbeta};
            }
            case Op.Relu r -> {
                Tensor dx = like(r.x());
                be.reluBackward(r.y(), g, dx);
                yield new Tensor[] {dx};
            }
            case Op.MaxPool2d m -> {
                Tensor dx = like(m.x());
                be.maxPool2dBackward(g, m.argmax(), dx, m.spec());
                yield new Tensor[] {dx};
            }
            case Op.GlobalAvgPool p -> {
                Tensor dx = like(p.x());
                be.globalAvgPoolBackward(g, dx);
                yield new Tensor[] {dx};
            }
            case Op.Linear l -> {
                // y = x w^T + b:  dx = g w,  dw = g^T x,  db = sum over rows of g
                Tensor dx = null;
                if (l.x().requiresGrad()) {
                    dx = like(l.x());
                    be.matmul(g, false, l.w(), false, dx, 1, 0);
                }
                Tensor dw = null;
                if (l.w().requiresGrad()) {
                    dw = like(l.w());
                    be.matmul(g, true, l.x(), false, dw, 1, 0);
                }
                if (l.b() == null) {
                    yield new Tensor[] {dx, dw};
                }
                Tensor db = like(l.b());
                be.sumRows(g, db);
                yield new Tensor[] {dx, dw, db};
            }
            case Op.Matmul m -> {
                // c = op(a) op(b):  d op(a) = g op(b)^T,  d op(b) = op(a)^T g; a transposed operand
                // receives the transpose of that.
                Tensor da = null;
                if (m.a().requiresGrad()) {
                    da = like(m.a());
                    if (!m.transA()) {
                        be.matmul(g, false, m.b(), !m.transB(), da, 1, 0);
                    } else {
                        be.matmul(m.b(), m.transB(), g, true, da, 1, 0);
                    }
                }
                Tensor db = null;
                if (m.b().requiresGrad()) {
                    db = like(m.b());
                    if (!m.transB()) {
                        be.matmul(m.a(), !m.transA(), g, false, db, 1, 0);
                    } else {
                        be.matmul(g, true, m.a(), m.transA(), db, 1, 0);
                    }
                }
                yield new Tensor[] {da, db};
            }
            case Op.Add a -> new Tensor[] {scaled(g, a.alpha()), scaled(g, a.beta())};
            case Op.Scale s -> new Tensor[] {scaled(g, s.alpha())};
            case Op.Reshape r -> new Tensor[] {g.view(r.x().shape())};
            case Op.Sum s -> new Tensor[] {broadcast(g, s.factor(), s.x())};
            case Op.L2Normalize n -> {
                Tensor dx = like(n.x());
                be.l2NormalizeRowsBackward(g, n.y(), n.norms(), n.eps(), dx);
                yield new Tensor[] {dx};
            }
            case Op.LogSoftmax l -> {
                Tensor dx = like(l.x());
                be.logSoftmaxRowsBackward(g, l.y(), dx);
                yield new Tensor[] {dx};
            }
            case Op.CrossEntropy c -> {
                Tensor dlogits = like(c.logits());
                be.crossEntropyBackward(g, c.logProbs(), c.labels(), dlogits);
                yield new Tensor[] {dlogits};
            }
            case Op.NtXent n -> {
                // derivation in CpuNtXent: the similarities are recomputed from zn and the saved lse
                Tensor dz = like(n.z());
                be.ntXentBackward(g, n.zn(), n.norms(), n.lse(), n.temperature(), n.eps(), dz);
                yield new Tensor[] {dz};
            }
        };
    }

    /** alpha * g as a tensor the caller owns (a shared view when alpha is 1). */
    private static Tensor scaled(Tensor g, double alpha) {
        if (alpha == 1) {
            return g.detach();
        }
        Tensor out = like(g);
        g.backend().scale(g, alpha, out);
        return out;
    }

    /**
     * The gradient of out = factor * sum(x): factor * g (one element) in every element of a new tensor
     * shaped like x, computed on g's device so that no value is read back to the host. The result, viewed
     * as (rows, 1), receives the one-element row vector factor * g through addRowVector.
     */
    private static Tensor broadcast(Tensor g, double factor, Tensor x) {
        Tensor dx = Tensor.zeros(x.dtype(), x.device(), x.shape());
        long n = dx.numel();
        try (Tensor gs = scaled(g, factor); Tensor row = gs.view(1)) {
            for (long at = 0; at < n; at += Integer.MAX_VALUE) {
                int rows = (int) Math.min(Integer.MAX_VALUE, n - at);
                try (Tensor part = dx.slice(at, rows, 1)) {
                    g.backend().addRowVector(part, row);
                }
            }
        }
        return dx;
    }

    private static Tensor like(Tensor t) {
        DType type = t.dtype();
        return Tensor.empty(type, t.device(), t.shape());
    }
}
