package org.fkt.engine.cuda;

import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.natives.dnn.ConvShape;
import org.fkt.engine.natives.dnn.Dnn;
import org.fkt.engine.tensor.Tensor;

/**
 * Convolutions through cuDNN (algorithms chosen once per shape by the Dnn provider) with one shared
 * device workspace per device that grows to the largest size asked for and is kept.
 * x: (N, C, H, W), w: (K, C, R, S), y: (N, K, P, Q).
 */
final class CudaConv2d {
    private final CudaDriver driver;
    private CudaBuf.Scratch workspace;
    private long workspaceBytes;

    CudaConv2d(CudaDriver driver) {
        this.driver = driver;
    }

    static ConvShape shape(Tensor x, Tensor w, Conv2dSpec spec, boolean tf32) {
        return new ConvShape(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2),
                w.dim(3), spec.stride(), spec.stride(), spec.padding(), spec.padding(), tf32);
    }

    /** The workspace address, grown to at least {@code bytes}. */
    private synchronized long workspace(long bytes) {
        if (bytes > workspaceBytes || workspace == null) {
            if (workspace != null) {
                workspace.close();
            }
            workspaceBytes = Math.max(bytes, 1);
            workspace = new CudaBuf.Scratch(driver, workspaceBytes);
        }
        return workspace.address();
    }

    void forward(Dnn dnn, Tensor x, Tensor w, Tensor y, Conv2dSpec spec, boolean tf32) {
        CudaBuf.requireFloat32("conv2dForward", x, w, y);
        ConvShape s = shape(x, w, spec, tf32);
        driver.enter();
        long bytes = dnn.workspaceBytes(s);
        dnn.convForward(s, CudaBuf.address(x), CudaBuf.address(w), CudaBuf.address(y), workspace(bytes), bytes);
    }

    void backwardData(Dnn dnn, Tensor dy, Tensor w, Tensor dx, Conv2dSpec spec, boolean tf32) {
        CudaBuf.requireFloat32("conv2dBackwardData", dy, w, dx);
        ConvShape s = shape(dx, w, spec, tf32);
        driver.enter();
        long bytes = dnn.workspaceBytes(s);
        dnn.convBackwardData(s, CudaBuf.address(w), CudaBuf.address(dy), CudaBuf.address(dx), workspace(bytes),
                bytes);
    }

    void backwardFilter(Dnn dnn, Tensor x, Tensor dy, Tensor dw, Conv2dSpec spec, boolean tf32) {
        CudaBuf.requireFloat32("conv2dBackwardFilter", x, dy, dw);
        ConvShape s = shape(x, dw, spec, tf32);
        driver.enter();
        long bytes = dnn.workspaceBytes(s);
        dnn.convBackwardFilter(s, CudaBuf.address(x), CudaBuf.address(dy), CudaBuf.address(dw), workspace(bytes),
                bytes);
    }
}
