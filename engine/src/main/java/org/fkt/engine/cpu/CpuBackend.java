package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.fkt.engine.backend.Backend;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.backend.SgdHyper;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Storage;
import org.fkt.engine.tensor.Tensor;

/**
 * The CPU backend: the numerical reference for every other backend and a usable fallback.
 * Float32 and float64 are supported by every kernel. Each op family lives in its own class
 * (CpuConv2d, CpuBatchNorm, ...), the twin of the CUDA file of the same stem.
 */
public final class CpuBackend implements Backend {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Device.Kind kind() {
        return Device.Kind.CPU;
    }

    @Override
    public Storage allocate(Device device, long bytes) {
        return new CpuStorage(bytes);
    }

    @Override
    public void copyFromHost(MemorySegment src, Tensor dst) {
        long bytes = dst.numel() * dst.dtype().byteSize();
        MemorySegment.copy(src, 0, CpuBuf.segment(dst), dst.offset() * dst.dtype().byteSize(), bytes);
    }

    @Override
    public void copyToHost(Tensor src, MemorySegment dst) {
        long bytes = src.numel() * src.dtype().byteSize();
        MemorySegment.copy(CpuBuf.segment(src), src.offset() * src.dtype().byteSize(), dst, 0, bytes);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        CpuElementwise.copy(src, dst);
    }

    @Override
    public void convert(Tensor src, Tensor dst) {
        CpuElementwise.convert(src, dst);
    }

    @Override
    public void fill(Tensor dst, double value) {
        CpuElementwise.fill(dst, value);
    }

    @Override
    public void addScaled(Tensor a, double alpha, Tensor b, double beta, Tensor out) {
        CpuElementwise.addScaled(a, alpha, b, beta, out);
    }

    @Override
    public void accumulate(Tensor acc, Tensor x, double alpha) {
        CpuElementwise.accumulate(acc, x, alpha);
    }

    @Override
    public void scale(Tensor x, double alpha, Tensor out) {
        CpuElementwise.scale(x, alpha, out);
    }

    @Override
    public void relu(Tensor x, Tensor y) {
        CpuElementwise.relu(x, y);
    }

    @Override
    public void reluBackward(Tensor y, Tensor dy, Tensor dx) {
        CpuElementwise.reluBackward(y, dy, dx);
    }

    @Override
    public void sum(Tensor x, Tensor out) {
        CpuElementwise.sum(x, out);
    }

    @Override
    public void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, double alpha, double beta) {
        CpuGemm.matmul(a, transA, b, transB, c, alpha, beta);
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        CpuGemm.addRowVector(x, bias);
    }

    @Override
    public void sumRows(Tensor x, Tensor out) {
        CpuGemm.sumRows(x, out);
    }

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dSpec spec) {
        CpuConv2d.forward(x, w, y, spec);
    }

    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, Conv2dSpec spec) {
        CpuConv2d.backwardData(dy, w, dx, spec);
    }

    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, Tensor dw, Conv2dSpec spec) {
        CpuConv2d.backwardFilter(x, dy, dw, spec);
    }

    @Override
    public void batchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                         double momentum, double eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        CpuBatchNorm.forwardTraining(x, gamma, beta, runningMean, runningVar, momentum, eps, y, saveMean, saveInvStd);
    }

    @Override
    public void batchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                          double eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        CpuBatchNorm.forwardInference(x, gamma, beta, runningMean, runningVar, eps, y, saveMean, saveInvStd);
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                                  boolean batchStatistics, Tensor dx, Tensor dgamma, Tensor dbeta) {
        CpuBatchNorm.backward(dy, x, gamma, saveMean, saveInvStd, batchStatistics, dx, dgamma, dbeta);
    }

    @Override
    public void maxPool2dForward(Tensor x, Tensor y, Tensor argmax, Pool2dSpec spec) {
        CpuPool.maxForward(x, y, argmax, spec);
    }

    @Override
    public void maxPool2dBackward(Tensor dy, Tensor argmax, Tensor dx, Pool2dSpec spec) {
        CpuPool.maxBackward(dy, argmax, dx);
    }

    @Override
    public void globalAvgPoolForward(Tensor x, Tensor y) {
        CpuPool.globalAvgForward(x, y);
    }

    @Override
    public void globalAvgPoolBackward(Tensor dy, Tensor dx) {
        CpuPool.globalAvgBackward(dy, dx);
    }

    @Override
    public void l2NormalizeRows(Tensor x, double eps, Tensor y, Tensor norms) {
        CpuL2Normalize.forward(x, eps, y, norms);
    }

    @Override
    public void l2NormalizeRowsBackward(Tensor dy, Tensor y, Tensor norms, double eps, Tensor dx) {
        CpuL2Normalize.backward(dy, y, norms, eps, dx);
    }

    @Override
    public void logSoftmaxRows(Tensor x, Tensor y) {
        CpuSoftmax.logSoftmax(x, y);
    }

    @Override
    public void logSoftmaxRowsBackward(Tensor dy, Tensor y, Tensor dx) {
        CpuSoftmax.logSoftmaxBackward(dy, y, dx);
    }

    @Override
    public void crossEntropyForward(Tensor logits, Tensor labels, Tensor loss, Tensor logProbs) {
        CpuSoftmax.crossEntropyForward(logits, labels, loss, logProbs);
    }

    @Override
    public void crossEntropyBackward(Tensor dloss, Tensor logProbs, Tensor labels, Tensor dlogits) {
        CpuSoftmax.crossEntropyBackward(dloss, logProbs, labels, dlogits);
    }

    @Override
    public void argmaxRows(Tensor x, Tensor out) {
        CpuSoftmax.argmax(x, out);
    }

    @Override
    public void ntXentForward(Tensor z, double temperature, double eps, Tensor loss, Tensor zn, Tensor norms,
                              Tensor lse) {
        CpuNtXent.forward(z, temperature, eps, loss, zn, norms, lse);
    }

    @Override
    public void ntXentLoss(Tensor z, double temperature, double eps, Tensor loss) {
        CpuNtXent.forward(z, temperature, eps, loss, null, null, null);
    }

    @Override
    public void ntXentBackward(Tensor dloss, Tensor zn, Tensor norms, Tensor lse, double temperature, double eps,
                               Tensor dz) {
        CpuNtXent.backward(dloss, zn, norms, lse, temperature, eps, dz);
    }

    @Override
    public void sgdStep(List<Tensor> params, List<Tensor> grads, List<Tensor> momentumBuffers, SgdHyper hyper,
                        boolean firstStep) {
        CpuOptimizers.sgd(params, grads, momentumBuffers, hyper, firstStep);
    }

    @Override
    public void larsStep(List<Tensor> params, List<Tensor> grads, List<Tensor> momentumBuffers, boolean[] decay,
                         boolean[] adapt, LarsHyper hyper) {
        CpuOptimizers.lars(params, grads, momentumBuffers, decay, adapt, hyper);
    }
}
