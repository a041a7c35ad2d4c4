package org.fkt.engine.cuda;

import java.util.List;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Launchers of pool.cu (twin of CpuPool). x, dx: (N, C, H, W); y, dy, argmax: (N, C, P, Q) for
 * max-pooling, (N, C) for the global average.
 */
final class CudaPool {
    static final List<String> KERNELS = List.of("fkt_max_pool_forward", "fkt_max_pool_backward",
            "fkt_global_avg_forward", "fkt_global_avg_backward");

    private CudaPool() {
    }

    static void maxForward(CudaDriver d, Tensor x, Tensor y, Tensor argmax, Pool2dSpec spec) {
        CudaBuf.requireFloat32("maxPool2dForward", x, y);
        requireInt32(argmax);
        long planes = (long) x.dim(0) * x.dim(1);
        d.launch("fkt_max_pool_forward", CudaLaunch.gridFor(y.numel(), d.multiprocessors()),
                new CudaArgs().ptr(CudaBuf.address(x)).ptr(CudaBuf.address(y)).ptr(CudaBuf.address(argmax))
                        .i64(planes).i32(x.dim(2)).i32(x.dim(3)).i32(y.dim(2)).i32(y.dim(3)).i32(spec.kernel())
                        .i32(spec.stride()).i32(spec.padding()));
    }

    /**
     * dx, written in full (no zeroing first), gathers dy from the windows whose argmax is each element;
     * spec is that of the forward that produced argmax.
     */
    static void maxBackward(CudaDriver d, Tensor dy, Tensor argmax, Tensor dx, Pool2dSpec spec) {
        CudaBuf.requireFloat32("maxPool2dBackward", dy, dx);
        requireInt32(argmax);
        long planes = (long) dx.dim(0) * dx.dim(1);
        d.launch("fkt_max_pool_backward", CudaLaunch.gridFor(dx.numel(), d.multiprocessors()),
                new CudaArgs().ptr(CudaBuf.address(dy)).ptr(CudaBuf.address(argmax)).ptr(CudaBuf.address(dx))
                        .i64(planes).i32(dx.dim(2)).i32(dx.dim(3)).i32(dy.dim(2)).i32(dy.dim(3))
                        .i32(spec.kernel()).i32(spec.stride()).i32(spec.padding()));
    }

    static void globalAvgForward(CudaDriver d, Tensor x, Tensor y) {
        CudaBuf.requireFloat32("globalAvgPoolForward", x, y);
        long planes = (long) x.dim(0) * x.dim(1);
        d.launch("fkt_global_avg_forward", CudaLaunch.rowBlocks(planes), new CudaArgs().ptr(CudaBuf.address(x))
                .ptr(CudaBuf.address(y)).i64(planes).i32(x.dim(2) * x.dim(3)));
    }

    static void globalAvgBackward(CudaDriver d, Tensor dy, Tensor dx) {
        CudaBuf.requireFloat32("globalAvgPoolBackward", dy, dx);
        long planes = (long) dx.dim(0) * dx.dim(1);
        d.launch("fkt_global_avg_backward", CudaLaunch.gridFor(dx.numel(), d.multiprocessors()),
                new CudaArgs().ptr(CudaBuf.address(dy)).ptr(CudaBuf.address(dx)).i64(planes)
                        .i32(dx.dim(2) * dx.dim(3)));
    }

    private static void requireInt32(Tensor argmax) {
        if (argmax.dtype() != DType.INT32) {
            throw new IllegalArgumentException("cuda max_pool2d: argmax must be int32, got " + argmax.describe());
        }
    }
}
