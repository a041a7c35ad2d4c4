package org.fkt.engine.cuda;

import java.util.List;
import org.fkt.engine.tensor.Tensor;

/** Launchers of l2normalize.cu (twin of CpuL2Normalize). x, y, dy, dx: (N, D); norms: (N). */
final class CudaL2Normalize {
    static final List<String> KERNELS = List.of("fkt_l2_normalize", "fkt_l2_normalize_backward");

    private CudaL2Normalize() {
    }

    static void forward(CudaDriver d, Tensor x, double eps, Tensor y, Tensor norms) {
        CudaBuf.requireFloat32("l2NormalizeRows", x, y, norms);
        long rows = x.dim(0);
        d.launch("fkt_l2_normalize", CudaLaunch.rowBlocks(rows), new CudaArgs().ptr(CudaBuf.address(x))
                .f64(eps).ptr(CudaBuf.address(y)).ptr(CudaBuf.address(norms)).i64(rows).i32(x.dim(1)));
    }

    static void backward(CudaDriver d, Tensor dy, Tensor y, Tensor norms, double eps, Tensor dx) {
        CudaBuf.requireFloat32("l2NormalizeRowsBackward", dy, y, norms, dx);
        long rows = y.dim(0);
        d.launch("fkt_l2_normalize_backward", CudaLaunch.rowBlocks(rows), new CudaArgs()
                .ptr(CudaBuf.address(dy)).ptr(CudaBuf.address(y)).ptr(CudaBuf.address(norms)).f64(eps)
                .ptr(CudaBuf.address(dx)).i64(rows).i32(y.dim(1)));
    }
}
