package org.fkt.engine.cuda;

import java.util.function.ObjLongConsumer;
import java.util.function.Supplier;
import org.fkt.engine.natives.NativeLibraries;
import org.fkt.engine.natives.blas.Blas;
import org.fkt.engine.natives.dnn.Dnn;

/**
 * The library state of one device: its own cuBLAS and cuDNN handles (each created lazily with the device's
 * context current and bound to the device's stream; the cuDNN handle keeps the algorithms chosen per shape,
 * which depend on the device) and the convolutions' shared workspace. A handle is only ever used with its
 * device's context current: {@link CudaGemm} and {@link CudaConv2d} enter the device before every call.
 */
final class CudaDeviceContext {
    private final CudaDriver driver;
    private final CudaConv2d conv;
    private volatile Blas blas;
    private volatile Dnn dnn;
    private boolean tf32;

    CudaDeviceContext(CudaDriver driver, boolean tf32) {
        this.driver = driver;
        this.conv = new CudaConv2d(driver);
        this.tf32 = tf32;
    }

    /** The device's convolutions, with their workspace in the device's memory. */
    CudaConv2d conv() {
        return conv;
    }

    /** The device's cuBLAS handle, created on first use. */
    Blas blas() {
        Blas b = blas;
        return b != null ? b : createBlas();
    }

    /** The device's cuDNN handle, created on first use. */
    Dnn dnn() {
        Dnn n = dnn;
        return n != null ? n : createDnn();
    }

    /** Switches the device's GEMMs between TF32 and float32 (applied now if the handle exists, else at creation). */
    synchronized void tf32(boolean on) {
        tf32 = on;
        if (blas != null) {
            driver.enter();
            blas.setTf32(on);
        }
    }

    private synchronized Blas createBlas() {
        if (blas == null) {
            blas = open(NativeLibraries::openBlas, (b, stream) -> {
                b.setStream(stream);
                b.setTf32(tf32);
            });
        }
        return blas;
    }

    private synchronized Dnn createDnn() {
        if (dnn == null) {
            dnn = open(NativeLibraries::openDnn, Dnn::setStream);
        }
        return dnn;
    }

    /** A new handle made with the device's context current and bound to its stream; closed again if binding fails. */
    private <T extends AutoCloseable> T open(Supplier<T> make, ObjLongConsumer<T> bind) {
        driver.enter();
        T handle = make.get();
        try {
            bind.accept(handle, driver.streamAddress());
            return handle;
        } catch (RuntimeException e) {
            try {
                handle.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }
}
