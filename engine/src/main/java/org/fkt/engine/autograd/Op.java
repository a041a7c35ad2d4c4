package org.fkt.engine.autograd;

import java.util.List;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.tensor.Tensor;

/**
 * What the forward pass of each differentiable op records for its backward: its differentiable
 * inputs (in the order {@link GradientTable} returns their gradients) and whatever it saved.
 * One record per op; the rules that read them all live in {@link GradientTable}.
 */
public sealed interface Op {
    /** The op's name as used in messages. */
    String name();

    /** Differentiable inputs, in gradient order. */
    List<Tensor> inputs();

    /** Every tensor the backward rule reads besides the incoming gradient. */
    default List<Tensor> saved() {
        return inputs();
    }

    /** y = conv2d(x, w). x: (N, C, H, W), w: (K, C, R, S). */
    record Conv2d(Tensor x, Tensor w, Conv2dSpec spec) implements Op {
        public String name() { return "conv2d"; }
        public List<Tensor> inputs() { return List.of(x, w); }
    }

    /** Batch norm; saveMean/saveInvStd: (C), batch statistics in training, running ones in eval. */
    record BatchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean training)
            implements Op {
        public String name() { return "batch_norm2d"; }
        public List<Tensor> inputs() { return List.of(x, gamma, beta); }
        public List<Tensor> saved() { return List.of(x, gamma, beta, saveMean, saveInvStd); }
    }

    /** y = max(x, 0); the output y is saved. */
    record Relu(Tensor x, Tensor y) implements Op {
        public String name() { return "relu"; }
        public List<Tensor> inputs() { return List.of(x); }
        public List<Tensor> saved() { return List.of(y); }
    }

    /** Max-pooling; argmax: int32, same shape as the output; spec: the window geometry. */
    record MaxPool2d(Tensor x, Tensor argmax, Pool2dSpec spec) implements Op {
        public String name() { return "max_pool2d"; }
        public List<Tensor> inputs() { return List.of(x); }
        public List<Tensor> saved() { return List.of(x, argmax); }
    }

    /** (N, C, H, W) -> (N, C). */
    record GlobalAvgPool(Tensor x) implements Op {
        public String name() { return "global_avg_pool"; }
        public List<Tensor> inputs() { return List.of(x); }
    }

    /** y = x @ w^T + b. x: (N, IN), w: (OUT, IN), b: (OUT) or null. */
    record Linear(Tensor x, Tensor w, Tensor b) implements Op {
        public String name() { return "linear"; }
        public List<Tensor> inputs() { return b == null ? List.of(x, w) : List.of(x, w, b); }
    }

    /** c = op(a) @ op(b) for 2-D tensors. */
    record Matmul(Tensor a, boolean transA, Tensor b, boolean transB) implements Op {
        public String name() { return "matmul"; }
        public List<Tensor> inputs() { return List.of(a, b); }
    }

    /** out = alpha * a + beta * b, same shapes. */
    record Add(Tensor a, double alpha, Tensor b, double beta) implements Op {
        public String name() { return "add"; }
        public List<Tensor> inputs() { return List.of(a, b); }
    }

    /** out = alpha * x. */
    record Scale(Tensor x, double alpha) implements Op {
        public String name() { return "scale"; }
        public List<Tensor> inputs() { return List.of(x); }
    }

    /** A view of x with another shape (flatten, view). */
    record Reshape(Tensor x) implements Op {
        public String name() { return "reshape"; }
        public List<Tensor> inputs() { return List.of(x); }
    }

    /** out = factor * sum(x) (factor 1/numel for the mean). */
    record Sum(Tensor x, double factor) implements Op {
        public String name() { return "sum"; }
        public List<Tensor> inputs() { return List.of(x); }
    }

    /** y = x / max(||x||, eps) per row; norms: (N). */
    record L2Normalize(Tensor x, Tensor y, Tensor norms, double eps) implements Op {
        public String name() { return "l2_normalize"; }
        public List<Tensor> inputs() { return List.of(x); }
        public List<Tensor> saved() { return List.of(x, y, norms); }
    }

    /** y = log_softmax(x) per row; the output y is saved. */
    record LogSoftmax(Tensor x, Tensor y) implements Op {
        public String name() { return "log_softmax"; }
        public List<Tensor> inputs() { return List.of(x); }
        public List<Tensor> saved() { return List.of(x, y); }
    }

    /**
     * Fused NT-Xent of projections z (2N, D); saved: zn (2N, D) the normalised rows, norms (2N) and
     * lse (2N) the per-row log-sum-exp (z itself is not needed by the backward).
     */
    record NtXent(Tensor z, Tensor zn, Tensor norms, Tensor lse, double temperature, double eps) implements Op {
        public String name() { return "nt_xent"; }
        public List<Tensor> inputs() { return List.of(z); }
        public List<Tensor> saved() { return List.of(zn, norms, lse); }
    }

    /** Mean cross-entropy of logits against int32 labels; logProbs: (N, K) saved. */
    record CrossEntropy(Tensor logits, Tensor labels, Tensor logProbs) implements Op {
        public String name() { return "cross_entropy"; }
        public List<Tensor> inputs() { return List.of(logits); }
        public List<Tensor> saved() { return List.of(logits, labels, logProbs); }
    }
}
