package org.fkt.engine.cuda;

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

    CudaDriver driver() {
        return driver;
    }

    /** The device's convolutions, with their workspace in the device's memory. */
    CudaConv2d conv() {
        return conv;
    }

    /** The device's cuBLAS handle, created on first use. */
    Blas blas() {
        Blas b = blas;
        if (b == null) {
            synchronized (this) {
                if (blas == null) {
                    driver.enter();
                    Blas created = NativeLibraries.openBlas();
                    try {
                        created.setStream(driver.streamAddress());
                        created.setTf32(tf32);
                    } catch (RuntimeException e) {
                        created.close();
                        throw e;
                    }
                    blas = created;
                }
                b = blas;
            }
        }
        return b;
    }

    /** The device's cuDNN handle, created on first use. */
    Dnn dnn() {
        Dnn n = dnn;
        if (n == null) {
            synchronized (this) {
                if (dnn == null) {
                    driver.enter();
                    Dnn created = NativeLibraries.openDnn();
                    try {
                        created.setStream(driver.streamAddress());
                    } catch (RuntimeException e) {
                        created.close();
                        throw e;
                    }
                    dnn = created;
                }
                n = dnn;
            }
        }
        return n;
    }

    /** Switches the device's GEMMs between TF32 and float32 (applied now if the handle exists, else at creation). */
    synchronized void tf32(boolean on) {
        tf32 = on;
        if (blas != null) {
            driver.enter();
            blas.setTf32(on);
        }
    }
}
