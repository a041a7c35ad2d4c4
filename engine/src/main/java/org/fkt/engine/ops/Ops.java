package org.fkt.engine.ops;

import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.autograd.Op;
import org.fkt.engine.backend.Backend;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * The differentiable operations. Each checks its arguments, allocates its output on the inputs'
 * device, runs the device's kernel, and (when grad mode is on and an input requires grad) records
 * an {@link Op} so {@link Autograd} can run the backward rule. Images are NCHW.
 */
public final class Ops {
    private Ops() {
    }

    /** Convolution without bias. x: (N, C, H, W), w: (K, C, R, S) -> (N, K, P, Q). */
    public static Tensor conv2d(Tensor x, Tensor w, int stride, int padding) {
        String op = "conv2d";
        Checks.input(op, "input", x);
        Checks.input(op, "weight", w);
        Checks.rank(op, "input", x, 4, "(N, C, H, W)");
        Checks.rank(op, "weight", w, 4, "(K, C, R, S)");
        Checks.compatible(op, "input", x, "weight", w);
        var spec = new Conv2dSpec(stride, padding);
        if (w.dim(1) != x.dim(1)) {
            throw new IllegalArgumentException(op + ": weight " + w.describe() + " expects " + w.dim(1)
                    + " input channels but input " + x.describe() + " has " + x.dim(1));
        }
        int p = spec.outputSize(x.dim(2), w.dim(2));
        int q = spec.outputSize(x.dim(3), w.dim(3));
        if (p < 1 || q < 1) {
            throw new IllegalArgumentException(op + ": kernel " + w.dim(2) + "x" + w.dim(3) + " with padding "
                    + padding + " does not fit input " + x.describe());
        }
        Tensor y = Tensor.empty(x.dtype(), x.device(), x.dim(0), w.dim(0), p, q);
        x.backend().conv2dForward(x, w, y, spec);
        return record(y, new Op.Conv2d(x, w, spec), x, w);
    }

    /**
     * Batch normalisation over (N, H, W) per channel. In training the batch statistics normalise
     * (biased variance) and the running statistics are updated in place with {@code momentum}
     * (unbiased variance), as PyTorch; in evaluation the running statistics normalise.
     */
    public static Tensor batchNorm2d(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                     boolean training, double momentum, double eps) {
        String op = "batch_norm2d";
        Checks.input(op, "input", x);
        Checks.rank(op, "input", x, 4, "(N, C, H, W)");
        int c = x.dim(1);
        Tensor[] perChannel = {gamma, beta, runningMean, runningVar};
        String[] names = {"weight", "bias", "running_mean", "running_var"};
        for (int i = 0; i < 4; i++) {
            Checks.input(op, names[i], perChannel[i]);
            Checks.compatible(op, "input", x, names[i], perChannel[i]);
            if (perChannel[i].rank() != 1 || perChannel[i].dim(0) != c) {
                throw new IllegalArgumentException(op + ": " + names[i] + " " + perChannel[i].describe()
                        + " must have shape (" + c + ") for input " + x.describe());
            }
        }
        if (training && x.numel() / c < 2) {
            throw new IllegalArgumentException(op + ": training needs more than one value per channel, input "
                    + x.describe());
        }
        Backend be = x.backend();
        Tensor y = Tensor.empty(x.dtype(), x.device(), x.shape());
        Tensor mean = Tensor.empty(x.dtype(), x.device(), c);
        Tensor invStd = Tensor.empty(x.dtype(), x.device(), c);
        if (training) {
            be.batchNormForwardTraining(x, gamma, beta, runningMean, runningVar, momentum, eps, y, mean, invStd);
        } else {
            be.batchNormForwardInference(x, gamma, beta, runningMean, runningVar, eps, y, mean, invStd);
        }
        return record(y, new Op.BatchNorm(x, gamma, beta, mean, invStd, training), x, gamma, beta);
    }

    /** max(x, 0). */
    public static Tensor relu(Tensor x) {
        Checks.input("relu", "input", x);
        Tensor y = Tensor.empty(x.dtype(), x.device(), x.shape());
        x.backend().relu(x, y);
        return record(y, new Op.Relu(x, y), x);
    }

    /** Max-pooling with a square window. x: (N, C, H, W) -> (N, C, P, Q). */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        String op = "max_pool2d";
        Checks.input(op, "input", x);
        Checks.rank(op, "input", x, 4, "(N, C, H, W)");
        var spec = new Pool2dSpec(kernel, stride, padding);
        int p = spec.outputSize(x.dim(2));
        int q = spec.outputSize(x.dim(3));
        if (p < 1 || q < 1) {
            throw new IllegalArgumentException(op + ": window " + kernel + " does not fit input " + x.describe());
        }
        Tensor y = Tensor.empty(x.dtype(), x.device(), x.dim(0), x.dim(1), p, q);
        Tensor argmax = Tensor.empty(DType.INT32, x.device(), x.dim(0), x.dim(1), p, q);
        x.backend().maxPool2dForward(x, y, argmax, spec);
        return record(y, new Op.MaxPool2d(x, argmax, spec), x);
    }

    /** Mean over H and W. x: (N, C, H, W) -> (N, C). */
    public static Tensor globalAvgPool(Tensor x) {
        Checks.input("global_avg_pool", "input", x);
        Checks.rank("global_avg_pool", "input", x, 4, "(N, C, H, W)");
        Tensor y = Tensor.empty(x.dtype(), x.device(), x.dim(0), x.dim(1));
        x.backend().globalAvgPoolForward(x, y);
        return record(y, new Op.GlobalAvgPool(x), x);
    }

    /** x @ w^T + b. x: (N, IN), w: (OUT, IN), b: (OUT) or null -> (N, OUT). */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        String op = "linear";
        Checks.input(op, "input", x);
        Checks.input(op, "weight", w);
        Checks.rank(op, "input", x, 2, "(N, IN)");
        Checks.rank(op, "weight", w, 2, "(OUT, IN)");
        Checks.compatible(op, "input", x, "weight", w);
        if (w.dim(1) != x.dim(1)) {
            throw new IllegalArgumentException(op + ": weight " + w.describe() + " expects " + w.dim(1)
                    + " input features but input " + x.describe() + " has " + x.dim(1));
        }
        if (b != null) {
            Checks.input(op, "bias", b);
            Checks.compatible(op, "input", x, "bias", b);
            if (b.rank() != 1 || b.dim(0) != w.dim(0)) {
                throw new IllegalArgumentException(op + ": bias " + b.describe() + " must have shape (" + w.dim(0) + ")");
            }
        }
        Tensor y = Tensor.empty(x.dtype(), x.device(), x.dim(0), w.dim(0));
        Backend be = x.backend();
        be.matmul(x, false, w, true, y, 1, 0);
        if (b != null) {
            be.addRowVector(y, b);
            return record(y, new Op.Linear(x, w, b), x, w, b);
        }
        return record(y, new Op.Linear(x, w, null), x, w);
    }

    /** op(a) @ op(b) for 2-D tensors, where op transposes when its flag is set. */
    public static Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        String op = "matmul";
        Checks.input(op, "a", a);
        Checks.input(op, "b", b);
        Checks.rank(op, "a", a, 2, "(rows, cols)");
        Checks.rank(op, "b", b, 2, "(rows, cols)");
        Checks.compatible(op, "a", a, "b", b);
        int m = transA ? a.dim(1) : a.dim(0);
        int ka = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        if (ka != kb) {
            throw new IllegalArgumentException(op + ": inner dimensions differ, a" + (transA ? "^T" : "") + " "
                    + a.describe() + " has " + ka + " columns but b" + (transB ? "^T" : "") + " " + b.describe()
                    + " has " + kb + " rows");
        }
        Tensor c = Tensor.empty(a.dtype(), a.device(), m, n);
        a.backend().matmul(a, transA, b, transB, c, 1, 0);
        return record(c, new Op.Matmul(a, transA, b, transB), a, b);
    }

    /** a @ b. */
    public static Tensor matmul(Tensor a, Tensor b) {
        return matmul(a, false, b, false);
    }

    /** alpha * a + beta * b, same shapes. */
    public static Tensor add(Tensor a, double alpha, Tensor b, double beta) {
        String op = "add";
        Checks.input(op, "a", a);
        Checks.input(op, "b", b);
        Checks.compatible(op, "a", a, "b", b);
        Checks.sameShape(op, "a", a, "b", b);
        Tensor out = Tensor.empty(a.dtype(), a.device(), a.shape());
        a.backend().addScaled(a, alpha, b, beta, out);
        return record(out, new Op.Add(a, alpha, b, beta), a, b);
    }

    /** a + b (the residual connection). */
    public static Tensor add(Tensor a, Tensor b) {
        return add(a, 1, b, 1);
    }

    /** alpha * x. */
    public static Tensor scale(Tensor x, double alpha) {
        Checks.input("scale", "input", x);
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.shape());
        x.backend().scale(x, alpha, out);
        return record(out, new Op.Scale(x, alpha), x);
    }

    /** A differentiable view with another shape of the same size. */
    public static Tensor reshape(Tensor x, int... shape) {
        Checks.input("reshape", "input", x);
        Tensor y = x.view(shape);
        return record(y, new Op.Reshape(x), x);
    }

    /** (N, ...) -> (N, product of the rest). */
    public static Tensor flatten(Tensor x) {
        Checks.input("flatten", "input", x);
        if (x.rank() < 1) {
            throw new IllegalArgumentException("flatten: input " + x.describe() + " has no batch axis");
        }
        return reshape(x, x.dim(0), (int) (x.numel() / Math.max(1, x.dim(0))));
    }

    /** Sum of all elements, as a one-element tensor. */
    public static Tensor sum(Tensor x) {
        return reduce(x, 1);
    }

    /** Mean of all elements, as a one-element tensor. */
    public static Tensor mean(Tensor x) {
        return reduce(x, 1.0 / Math.max(1, x.numel()));
    }

    private static Tensor reduce(Tensor x, double factor) {
        Checks.input("sum", "input", x);
        Tensor out = Tensor.empty(x.dtype(), x.device());
        x.backend().sum(x, out);
        if (factor != 1) {
            x.backend().scale(out, factor, out);
        }
        return record(out, new Op.Sum(x, factor), x);
    }

    /** Row-wise x / max(||x||, eps). x: (N, D). */
    public static Tensor l2Normalize(Tensor x, double eps) {
        String op = "l2_normalize";
        Checks.input(op, "input", x);
        Checks.rank(op, "input", x, 2, "(N, D)");
        Tensor y = Tensor.empty(x.dtype(), x.device(), x.shape());
        Tensor norms = Tensor.empty(x.dtype(), x.device(), x.dim(0));
        x.backend().l2NormalizeRows(x, eps, y, norms);
        return record(y, new Op.L2Normalize(x, y, norms, eps), x);
    }

    /** Row-wise log-softmax. x: (N, K). */
    public static Tensor logSoftmax(Tensor x) {
        Checks.input("log_softmax", "input", x);
        Checks.rank("log_softmax", "input", x, 2, "(N, K)");
        Tensor y = Tensor.empty(x.dtype(), x.device(), x.shape());
        x.backend().logSoftmaxRows(x, y);
        return record(y, new Op.LogSoftmax(x, y), x);
    }

    /** Mean softmax cross-entropy. logits: (N, K), labels: int32 (N) with values in [0, K). */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        String op = "cross_entropy";
        Checks.input(op, "logits", logits);
        Checks.rank(op, "logits", logits, 2, "(N, K)");
        Checks.labels(op, labels, logits, logits.dim(0));
        if (logits.dim(0) == 0) {
            throw new IllegalArgumentException(op + ": empty batch, logits " + logits.describe());
        }
        Tensor loss = Tensor.empty(logits.dtype(), logits.device());
        Tensor logProbs = Tensor.empty(logits.dtype(), logits.device(), logits.shape());
        logits.backend().crossEntropyForward(logits, labels, loss, logProbs);
        return record(loss, new Op.CrossEntropy(logits, labels, logProbs), logits);
    }

    /** Epsilon of the row normalisation in {@link #ntXent(Tensor, double)}, PyTorch's F.normalize default. */
    public static final double NT_XENT_EPS = 1e-12;

    /** {@link #ntXent(Tensor, double, double)} with the normalisation epsilon {@link #NT_XENT_EPS}. */
    public static Tensor ntXent(Tensor z, double temperature) {
        return ntXent(z, temperature, NT_XENT_EPS);
    }

    /**
     * SimCLR's NT-Xent loss, fused: projections z (2N, D) with rows i and i+N paired, rows
     * L2-normalised (x / max(||x||, eps)), cosine similarity / temperature, each row's own similarity
     * excluded, mean over the 2N rows of the cross-entropy of the partner. Memory is O(N*D): the
     * (2N, 2N) similarity matrix is never stored. When no gradient will be needed (grad mode off, or
     * z does not require grad) the loss-only kernel runs and nothing is saved.
     */
    public static Tensor ntXent(Tensor z, double temperature, double eps) {
        String op = "nt_xent";
        Checks.input(op, "projections", z);
        Checks.rank(op, "projections", z, 2, "(2N, D) with rows i and i+N paired");
        if (z.dim(0) < 2 || z.dim(0) % 2 != 0 || z.dim(1) < 1) {
            throw new IllegalArgumentException(op + ": projections " + z.describe()
                    + " must be (2N, D) with 2N even and at least 2, D at least 1; views i and i+N are paired");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException(op + ": temperature must be positive and finite, got " + temperature);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException(op + ": eps must be positive, got " + eps);
        }
        Backend be = z.backend();
        Tensor loss = Tensor.empty(z.dtype(), z.device());
        if (!Autograd.isGradEnabled() || !z.requiresGrad()) {
            be.ntXentLoss(z, temperature, eps, loss);
            return loss;
        }
        int rows = z.dim(0);
        Tensor zn = Tensor.empty(z.dtype(), z.device(), z.shape());
        Tensor norms = Tensor.empty(z.dtype(), z.device(), rows);
        Tensor lse = Tensor.empty(z.dtype(), z.device(), rows);
        be.ntXentForward(z, temperature, eps, loss, zn, norms, lse);
        return record(loss, new Op.NtXent(z, zn, norms, lse, temperature, eps), z);
    }

    /** Index of each row's maximum (first on ties). x: (N, K) -> int32 (N). Not differentiable. */
    public static Tensor argmax(Tensor x) {
        Checks.input("argmax", "input", x);
        Checks.rank("argmax", "input", x, 2, "(N, K)");
        Tensor out = Tensor.empty(DType.INT32, x.device(), x.dim(0));
        x.backend().argmaxRows(x, out);
        return out;
    }

    /** Attaches {@code op} to {@code out} when grad mode is on and an input requires grad. */
    private static Tensor record(Tensor out, Op op, Tensor... inputs) {
        if (!Autograd.isGradEnabled()) {
            return out;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                out.gradFn(op);
                return out;
            }
        }
        return out;
    }
}
