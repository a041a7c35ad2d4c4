package org.fkt.engine.cuda;

import java.util.List;
import org.fkt.engine.tensor.Tensor;

/**
 * Launchers of softmax.cu (twin of CpuSoftmax): row log-softmax, mean softmax cross-entropy with int32
 * labels (a label outside [0, K) makes the loss NaN, the GPU cannot throw), and row argmax.
 * Rows are (N, K).
 */
final class CudaSoftmax {
    static final List<String> KERNELS = List.of("fkt_log_softmax", "fkt_log_softmax_backward",
            "fkt_cross_entropy_rows", "fkt_cross_entropy_mean", "fkt_cross_entropy_backward", "fkt_argmax_rows");

    private CudaSoftmax() {
    }

    static void logSoftmax(CudaDriver d, Tensor x, Tensor y) {
        CudaBuf.requireFloat32("logSoftmaxRows", x, y);
        long rows = x.dim(0);
        d.launch("fkt_log_softmax", CudaLaunch.rowBlocks(rows), new CudaArgs().ptr(CudaBuf.address(x))
                .ptr(CudaBuf.address(y)).i64(rows).i32(x.dim(1)));
    }

    static void logSoftmaxBackward(CudaDriver d, Tensor dy, Tensor y, Tensor dx) {
        CudaBuf.requireFloat32("logSoftmaxRowsBackward", dy, y, dx);
        long rows = y.dim(0);
        d.launch("fkt_log_softmax_backward", CudaLaunch.rowBlocks(rows), new CudaArgs()
                .ptr(CudaBuf.address(dy)).ptr(CudaBuf.address(y)).ptr(CudaBuf.address(dx)).i64(rows).i32(y.dim(1)));
    }

    static void crossEntropyForward(CudaDriver d, Tensor logits, Tensor labels, Tensor loss, Tensor logProbs) {
        CudaBuf.requireFloat32("crossEntropyForward", logits, loss, logProbs);
        long rows = logits.dim(0);
        try (var rowLoss = new CudaBuf.Scratch(d, rows * Double.BYTES)) {
            d.launch("fkt_cross_entropy_rows", CudaLaunch.rowBlocks(rows), new CudaArgs()
                    .ptr(CudaBuf.address(logits)).ptr(CudaBuf.address(labels)).ptr(CudaBuf.address(logProbs))
                    .ptr(rowLoss.address()).i64(rows).i32(logits.dim(1)));
            d.launch("fkt_cross_entropy_mean", 1, new CudaArgs().ptr(rowLoss.address()).i64(rows)
                    .ptr(CudaBuf.address(loss)));
        }
    }

    static void crossEntropyBackward(CudaDriver d, Tensor dloss, Tensor logProbs, Tensor labels, Tensor dlogits) {
        CudaBuf.requireFloat32("crossEntropyBackward", dloss, logProbs, dlogits);
        long rows = logProbs.dim(0);
        int k = logProbs.dim(1);
        d.launch("fkt_cross_entropy_backward", CudaLaunch.gridFor(rows * k, d.multiprocessors()), new CudaArgs()
                .ptr(CudaBuf.address(dloss)).ptr(CudaBuf.address(logProbs)).ptr(CudaBuf.address(labels))
                .ptr(CudaBuf.address(dlogits)).i64(rows).i32(k));
    }

    static void argmax(CudaDriver d, Tensor x, Tensor out) {
        CudaBuf.requireFloat32("argmaxRows", x);
        long rows = x.dim(0);
        d.launch("fkt_argmax_rows", CudaLaunch.rowBlocks(rows), new CudaArgs().ptr(CudaBuf.address(x))
                .ptr(CudaBuf.address(out)).i64(rows).i32(x.dim(1)));
    }
}
