package org.fkt.engine.backend;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Storage;
import org.fkt.engine.tensor.Tensor;

/**
 * The kernels a device provides. The op layer ({@code org.fkt.engine.ops.Ops}) validates shapes,
 * devices and types, allocates outputs, and calls these; a backend may therefore assume contiguous
 * tensors of matching shapes on its own device, and only writes the outputs it is given.
 * Shapes are noted as (N, C, H, W) for images, (N, F) for rows.
 */
public interface Backend {
    /** Short name for logs ("cpu", "cuda"). */
    String name();

    /** The device family this backend serves. */
    Device.Kind kind();

    /**
     * Null when the backend can run here; otherwise why not (no driver, no device, no kernels), naming
     * what was looked for and where. {@link Backends} registers only backends that can run.
     */
    default String unavailableReason() {
        return null;
    }

    /** Allocates {@code bytes} of uninitialised memory on {@code device}. */
    Storage allocate(Device device, long bytes);

    // ---- memory ----

    /** Copies host bytes (in {@code dst}'s element type) into {@code dst}. */
    void copyFromHost(MemorySegment src, Tensor dst);

    /** Copies a contiguous {@code src} into host bytes. */
    void copyToHost(Tensor src, MemorySegment dst);

    /** Copies {@code src} (any strides) into contiguous {@code dst} of the same shape and type. */
    void copy(Tensor src, Tensor dst);

    /** Converts element type: {@code dst[i] = (dst type) src[i]}. */
    void convert(Tensor src, Tensor dst);

    /** Sets every element of {@code dst} to {@code value}. */
    void fill(Tensor dst, double value);

    // ---- elementwise ----

    /** {@code out = alpha * a + beta * b}, all the same shape. */
    void addScaled(Tensor a, double alpha, Tensor b, double beta, Tensor out);

    /** {@code acc += alpha * x} in place. */
    void accumulate(Tensor acc, Tensor x, double alpha);

    /** {@code out = alpha * x}. */
    void scale(Tensor x, double alpha, Tensor out);

    /** {@code y = max(x, 0)}. */
    void relu(Tensor x, Tensor y);

    /** {@code dx = y > 0 ? dy : 0}, from the forward's output. */
    void reluBackward(Tensor y, Tensor dy, Tensor dx);

    /** {@code out = sum of all elements of x} into a one-element tensor. */
    void sum(Tensor x, Tensor out);

    // ---- dense ----

    /** {@code c = alpha * op(a) @ op(b) + beta * c} for 2-D tensors; op transposes when asked. */
    void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, double alpha, double beta);

    /** {@code x[n, f] += bias[f]} in place. x: (N, F), bias: (F). */
    void addRowVector(Tensor x, Tensor bias);

    /** {@code out[f] = sum over n of x[n, f]}. x: (N, F), out: (F). */
    void sumRows(Tensor x, Tensor out);

    // ---- convolution ----

    /** x: (N, C, H, W), w: (K, C, R, S), y: (N, K, P, Q). */
    void conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dSpec spec);

    /** dy: (N, K, P, Q), w: (K, C, R, S), dx: (N, C, H, W) (overwritten). */
    void conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, Conv2dSpec spec);

    /** x: (N, C, H, W), dy: (N, K, P, Q), dw: (K, C, R, S) (overwritten). */
    void conv2dBackwardFilter(Tensor x, Tensor dy, Tensor dw, Conv2dSpec spec);

    // ---- batch normalisation (per channel over N, H, W) ----

    /**
     * Training forward: batch mean and biased variance normalise x; running statistics move by
     * {@code momentum} towards the batch mean and the unbiased variance. saveMean, saveInvStd: (C).
     */
    void batchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                  double momentum, double eps, Tensor y, Tensor saveMean, Tensor saveInvStd);

    /**
     * Evaluation forward with the running statistics, which it also writes to saveMean and
     * saveInvStd (1 / sqrt(running_var + eps)) for the backward.
     */
    void batchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                   double eps, Tensor y, Tensor saveMean, Tensor saveInvStd);

    /**
     * Backward. With {@code batchStatistics} the statistics are treated as functions of x (training);
     * otherwise saveMean/saveInvStd are constants (evaluation). dgamma, dbeta: (C), overwritten.
     */
    void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                           boolean batchStatistics, Tensor dx, Tensor dgamma, Tensor dbeta);

    // ---- pooling ----

    /** y: (N, C, P, Q); argmax: int32 (N, C, P, Q), the flat h*W+w index of each maximum. */
    void maxPool2dForward(Tensor x, Tensor y, Tensor argmax, Pool2dSpec spec);

    /**
     * dx (overwritten) receives dy at each argmax; spec is the forward's window geometry, which lets a
     * backend visit only the windows that cover each input element (the CUDA gather).
     */
    void maxPool2dBackward(Tensor dy, Tensor argmax, Tensor dx, Pool2dSpec spec);

    /** (N, C, H, W) -> (N, C) mean over H, W. */
    void globalAvgPoolForward(Tensor x, Tensor y);

    /** dy: (N, C) -> dx: (N, C, H, W). */
    void globalAvgPoolBackward(Tensor dy, Tensor dx);

    // ---- rows ----

    /** y = x / max(||x||, eps) per row; norms: (N) receives ||x||. */
    void l2NormalizeRows(Tensor x, double eps, Tensor y, Tensor norms);

    /** Backward of {@link #l2NormalizeRows} from its output and saved norms. */
    void l2NormalizeRowsBackward(Tensor dy, Tensor y, Tensor norms, double eps, Tensor dx);

    /** y = x - log(sum(exp(x))) per row. */
    void logSoftmaxRows(Tensor x, Tensor y);

    /** dx = dy - exp(y) * sum(dy) per row, from the forward's output y. */
    void logSoftmaxRowsBackward(Tensor dy, Tensor y, Tensor dx);

    /**
     * Mean softmax cross-entropy. logits: (N, K), labels: int32 (N) in [0, K); loss: one element;
     * logProbs: (N, K) saved for the backward.
     */
    void crossEntropyForward(Tensor logits, Tensor labels, Tensor loss, Tensor logProbs);

    /** dlogits = dloss * (softmax - onehot(labels)) / N. */
    void crossEntropyBackward(Tensor dloss, Tensor logProbs, Tensor labels, Tensor dlogits);

    /** out: int32 (N), the index of each row's maximum (first on ties). */
    void argmaxRows(Tensor x, Tensor out);

    // ---- contrastive loss (fused NT-Xent; the CUDA twin is ntxent.cu / CudaNtXent) ----

    /**
     * Fused NT-Xent forward for projections z (2N, D), rows i and i+N paired: with
     * u = z / max(||z||, eps) per row and s = u u^T / temperature with the diagonal masked, loss (one
     * element) = mean over rows of logsumexp_{j != i} s_ij - s_i,partner(i). Saves zn (2N, D) = u,
     * norms (2N) = ||z|| and lse (2N) = the per-row log-sum-exp, all in z's type, for the backward.
     * Must not materialise the (2N, 2N) similarity matrix.
     */
    void ntXentForward(Tensor z, double temperature, double eps, Tensor loss, Tensor zn, Tensor norms, Tensor lse);

    /** Whether the fused NT-Xent methods are implemented here (callers fall back to the composed path if not). */
    default boolean supportsFusedNtXent() {
        return true;
    }

    /** The same loss with nothing saved (evaluation). */
    void ntXentLoss(Tensor z, double temperature, double eps, Tensor loss);

    /**
     * dz (2N, D), overwritten, = dloss * d loss / d z, from the forward's zn, norms and lse (the
     * similarities are recomputed tile by tile).
     */
    void ntXentBackward(Tensor dloss, Tensor zn, Tensor norms, Tensor lse, double temperature, double eps, Tensor dz);

    // ---- optimizers (one call per step over all tensors, so a device can fuse them) ----

    /**
     * One SGD step with torch.optim.SGD semantics over every (param, grad) pair, in place.
     * momentumBuffers: one per param (ignored when momentum is 0); on {@code firstStep} a buffer
     * starts as the (decayed) gradient, as torch does.
     */
    void sgdStep(List<Tensor> params, List<Tensor> grads, List<Tensor> momentumBuffers, SgdHyper hyper,
                 boolean firstStep);

    /**
     * One LARS step (see {@link LarsHyper}) in place. decay[i]: tensor i takes weight decay;
     * adapt[i]: its learning rate is scaled by the trust ratio. Momentum buffers start at zero.
     */
    void larsStep(List<Tensor> params, List<Tensor> grads, List<Tensor> momentumBuffers, boolean[] decay,
                  boolean[] adapt, LarsHyper hyper);
}
