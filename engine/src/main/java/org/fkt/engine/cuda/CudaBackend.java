package org.fkt.engine.cuda;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.fkt.engine.backend.Backend;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.backend.SgdHyper;
import org.fkt.engine.natives.NativeLibraries;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Storage;
import org.fkt.engine.tensor.Tensor;

/**
 * The CUDA backend: float32 kernels of src/main/cuda launched through {@link CudaDriver}, GEMMs through
 * cuBLAS and convolutions through cuDNN ({@link NativeLibraries}), everything on one stream per device;
 * each device has its own cuBLAS and cuDNN handles and convolution workspace ({@link CudaDeviceContext}).
 * Registered through the service loader; where CUDA cannot run, {@link #unavailableReason()} says why
 * and the engine keeps to the CPU. With -Dfkt.cuda.tf32=true GEMMs, convolutions and the fused NT-Xent's
 * similarity tiles use TF32.
 */
public final class CudaBackend implements Backend {
    /** System property switching GEMMs and convolutions to TF32 tensor-core math. */
    public static final String TF32_PROPERTY = "fkt.cuda.tf32";

    private static final boolean POISON = Boolean.getBoolean("fkt.debug.poison");

    private volatile boolean tf32 = Boolean.getBoolean(TF32_PROPERTY);
    private final Map<Integer, CudaDeviceContext> devices = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Device.Kind kind() {
        return Device.Kind.CUDA;
    }

    @Override
    public String unavailableReason() {
        return CudaDriver.probe();
    }

    /** True when GEMMs, convolutions and the fused NT-Xent's similarity tiles run in TF32. */
    public boolean tf32() {
        return tf32;
    }

    /** Switches GEMMs, convolutions and NT-Xent tiles between TF32 ({@code on}) and float32 from now on. */
    public synchronized void tf32(boolean on) {
        tf32 = on;
        for (CudaDeviceContext c : devices.values()) {
            c.tf32(on);
        }
    }

    /** The number of CUDA devices (cuda:0 to cuda:N-1); 0 where CUDA cannot run. */
    public static int deviceCount() {
        return CudaDriver.deviceCount();
    }

    /** One line on the device serving {@code device}: name, compute capability, SMs, memory. */
    public static String describe(Device device) {
        return CudaDriver.of(device).describe() + ", driver CUDA " + CudaDriver.driverVersion();
    }

    /** Bytes held by tensors on {@code device} (rounded to size classes) and the peak since the last reset. */
    public static long[] memoryInUse(Device device) {
        CudaAllocator a = CudaDriver.of(device).allocator();
        return new long[] {a.liveBytes(), a.peakBytes(), a.cachedBytes()};
    }

    /** Restarts peak tracking of {@code device}'s allocator. */
    public static void resetPeak(Device device) {
        CudaDriver.of(device).allocator().resetPeak();
    }

    /** Frees the device memory {@code device}'s caching allocator holds but no tensor uses. */
    public static void emptyCache(Device device) {
        CudaDriver.of(device).allocator().emptyCache();
    }

    /** Waits until every queued operation of {@code device} has finished. */
    public static void synchronize(Device device) {
        CudaDriver.of(device).synchronize();
    }

    /**
     * Milliseconds of device time {@code work} takes on {@code device}'s stream: a CUDA event pair
     * recorded around it, waited for (so this call returns after the work has finished).
     */
    public static float deviceMillis(Device device, Runnable work) {
        return CudaDriver.of(device).time(work);
    }

    private static CudaDriver driver(Tensor t) {
        return CudaDriver.of(t.device());
    }

    /** The library state of {@code d}'s device, made on first use (with the TF32 setting of now). */
    private CudaDeviceContext libraries(CudaDriver d) {
        CudaDeviceContext c = devices.get(d.device().index());
        if (c != null) {
            return c;
        }
        synchronized (this) {
            return devices.computeIfAbsent(d.device().index(), i -> new CudaDeviceContext(d, tf32));
        }
    }

    /** The driver of {@code dst}'s device, after checking that {@code src} is on the same device. */
    private static CudaDriver sameDevice(String op, Tensor src, Tensor dst) {
        if (!src.device().equals(dst.device())) {
            throw new IllegalArgumentException("cuda " + op + ": " + src.describe() + " is on " + src.device()
                    + " but " + dst.describe() + " is on " + dst.device() + "; Tensor.to(device) copies between "
                    + "devices (through the host)");
        }
        return driver(dst);
    }

    @Override
    public Storage allocate(Device device, long bytes) {
        CudaDriver d = CudaDriver.of(device);
        CudaStorage s = new CudaStorage(device, bytes, d.allocator());
        if (POISON) {
            d.memset32(s.pointer(), -1, (bytes + 3) / 4);
        }
        return s;
    }

    @Override
    public void copyFromHost(MemorySegment src, Tensor dst) {
        driver(dst).staging().toDevice(src, CudaBuf.pointer(dst), dst.numel() * dst.dtype().byteSize());
    }

    @Override
    public void copyToHost(Tensor src, MemorySegment dst) {
        driver(src).staging().toHost(CudaBuf.pointer(src), dst, src.numel() * src.dtype().byteSize());
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        CudaElementwise.copy(sameDevice("copy", src, dst), src, dst);
    }

    @Override
    public void convert(Tensor src, Tensor dst) {
        CudaElementwise.convert(sameDevice("convert", src, dst), src, dst);
    }

    @Override
    public void fill(Tensor dst, double value) {
        CudaElementwise.fill(driver(dst), dst, value);
    }

    @Override
    public void addScaled(Tensor a, double alpha, Tensor b, double beta, Tensor out) {
        CudaElementwise.addScaled(driver(out), a, alpha, b, beta, out);
    }

    @Override
    public void accumulate(Tensor acc, Tensor x, double alpha) {
        CudaElementwise.accumulate(driver(acc), acc, x, alpha);
    }

    @Override
    public void scale(Tensor x, double alpha, Tensor out) {
        CudaElementwise.scale(driver(out), x, alpha, out);
    }

    @Override
    public void relu(Tensor x, Tensor y) {
        CudaElementwise.relu(driver(y), x, y);
    }

    @Override
    public void reluBackward(Tensor y, Tensor dy, Tensor dx) {
        CudaElementwise.reluBackward(driver(dx), y, dy, dx);
    }

    @Override
    public void sum(Tensor x, Tensor out) {
        CudaElementwise.sum(driver(out), x, out);
    }

    @Override
    public void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, double alpha, double beta) {
        CudaDriver d = driver(c);
        CudaGemm.matmul(d, libraries(d).blas(), a, transA, b, transB, c, alpha, beta);
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        CudaElementwise.addRowVector(driver(x), x, bias);
    }

    @Override
    public void sumRows(Tensor x, Tensor out) {
        CudaElementwise.sumRows(driver(out), x, out);
    }

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dSpec spec) {
        CudaDeviceContext c = libraries(driver(y));
        c.conv().forward(c.dnn(), x, w, y, spec, tf32);
    }

    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, Conv2dSpec spec) {
        CudaDeviceContext c = libraries(driver(dx));
        c.conv().backwardData(c.dnn(), dy, w, dx, spec, tf32);
    }

    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, Tensor dw, Conv2dSpec spec) {
        CudaDeviceContext c = libraries(driver(dw));
        c.conv().backwardFilter(c.dnn(), x, dy, dw, spec, tf32);
    }

    @Override
    public void batchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                         double momentum, double eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        CudaBatchNorm.forwardTraining(driver(y), x, gamma, beta, runningMean, runningVar, momentum, eps, y, saveMean,
                saveInvStd, false);
    }

    @Override
    public void batchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                          double eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        CudaBatchNorm.forwardInference(driver(y), x, gamma, beta, runningMean, runningVar, eps, y, saveMean,
                saveInvStd, false);
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                                  boolean batchStatistics, Tensor dx, Tensor dgamma, Tensor dbeta) {
        CudaBatchNorm.backward(driver(dx), dy, x, gamma, saveMean, saveInvStd, batchStatistics, dx, dgamma, dbeta,
                null);
    }

    @Override
    public void maxPool2dForward(Tensor x, Tensor y, Tensor argmax, Pool2dSpec spec) {
        CudaPool.maxForward(driver(y), x, y, argmax, spec);
    }

    @Override
    public void maxPool2dBackward(Tensor dy, Tensor argmax, Tensor dx, Pool2dSpec spec) {
        CudaPool.maxBackward(driver(dx), dy, argmax, dx, spec);
    }

    @Override
    public void globalAvgPoolForward(Tensor x, Tensor y) {
        CudaPool.globalAvgForward(driver(y), x, y);
    }

    @Override
    public void globalAvgPoolBackward(Tensor dy, Tensor dx) {
        CudaPool.globalAvgBackward(driver(dx), dy, dx);
    }

    @Override
    public void l2NormalizeRows(Tensor x, double eps, Tensor y, Tensor norms) {
        CudaL2Normalize.forward(driver(y), x, eps, y, norms);
    }

    @Override
    public void l2NormalizeRowsBackward(Tensor dy, Tensor y, Tensor norms, double eps, Tensor dx) {
        CudaL2Normalize.backward(driver(dx), dy, y, norms, eps, dx);
    }

    @Override
    public void logSoftmaxRows(Tensor x, Tensor y) {
        CudaSoftmax.logSoftmax(driver(y), x, y);
    }

    @Override
    public void logSoftmaxRowsBackward(Tensor dy, Tensor y, Tensor dx) {
        CudaSoftmax.logSoftmaxBackward(driver(dx), dy, y, dx);
    }

    @Override
    public void crossEntropyForward(Tensor logits, Tensor labels, Tensor loss, Tensor logProbs) {
        CudaSoftmax.crossEntropyForward(driver(loss), logits, labels, loss, logProbs);
    }

    @Override
    public void crossEntropyBackward(Tensor dloss, Tensor logProbs, Tensor labels, Tensor dlogits) {
        CudaSoftmax.crossEntropyBackward(driver(dlogits), dloss, logProbs, labels, dlogits);
    }

    @Override
    public void argmaxRows(Tensor x, Tensor out) {
        CudaSoftmax.argmax(driver(out), x, out);
    }

    /**
     * True: ntxent.cu is compiled into the one fatbin without which this backend is unavailable
     * (CudaAvailabilityTest checks that the fatbin holds its kernels), so NtXent.loss takes the fused
     * path on the GPU by default; -Dfkt.ntxent.path=composed still selects the composed one.
     */
    @Override
    public boolean supportsFusedNtXent() {
        return true;
    }

    @Override
    public void ntXentForward(Tensor z, double temperature, double eps, Tensor loss, Tensor zn, Tensor norms, Tensor lse) {
        CudaNtXent.forward(driver(loss), z, temperature, eps, loss, zn, norms, lse, tf32);
    }

    @Override
    public void ntXentLoss(Tensor z, double temperature, double eps, Tensor loss) {
        CudaNtXent.loss(driver(loss), z, temperature, eps, loss, tf32);
    }

    @Override
    public void ntXentBackward(Tensor dloss, Tensor zn, Tensor norms, Tensor lse, double temperature, double eps,
                               Tensor dz) {
        CudaNtXent.backward(driver(dz), dloss, zn, norms, lse, temperature, eps, dz, tf32);
    }

    @Override
    public void sgdStep(List<Tensor> params, List<Tensor> grads, List<Tensor> momentumBuffers, SgdHyper hyper,
                        boolean firstStep) {
        if (!params.isEmpty()) {
            CudaOptimizers.sgd(driver(params.get(0)), params, grads, momentumBuffers, hyper, firstStep);
        }
    }

    @Override
    public void larsStep(List<Tensor> params, List<Tensor> grads, List<Tensor> momentumBuffers, boolean[] decay,
                         boolean[] adapt, LarsHyper hyper) {
        if (!params.isEmpty()) {
            CudaOptimizers.lars(driver(params.get(0)), params, grads, momentumBuffers, decay, adapt, hyper);
        }
    }
}
