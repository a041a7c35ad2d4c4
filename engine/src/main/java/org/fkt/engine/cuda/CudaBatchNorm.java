package org.fkt.engine.cuda;

import java.util.List;
import org.fkt.engine.tensor.Tensor;

/**
 * Launchers of batchnorm.cu (twin of CpuBatchNorm). Training forward: statistics (one Welford pass per
 * channel slice), finalize (saved and running statistics, channel coefficients), apply; backward:
 * per-slice sums, finalize (dgamma, dbeta, coefficients), apply. The {@code relu} variants fuse the
 * ReLU that follows a batch norm; the Backend SPI does not expose them yet, so the backend passes false.
 * Tensors: x, y, dy, dx (N, C, H, W); gamma, beta, running and saved statistics (C).
 */
final class CudaBatchNorm {
    static final List<String> KERNELS = List.of("fkt_bn_stats_v1", "fkt_bn_stats_v4", "fkt_bn_finalize",
            "fkt_bn_inference_coef", "fkt_bn_apply_v1", "fkt_bn_apply_v4", "fkt_bn_backward_reduce_v1",
            "fkt_bn_backward_reduce_v4", "fkt_bn_backward_finalize", "fkt_bn_backward_apply_v1",
            "fkt_bn_backward_apply_v4");

    /** Bytes of one Welford partial (count, mean, m2 as doubles). */
    private static final int WELFORD_BYTES = 24;

    private CudaBatchNorm() {
    }

    static void forwardTraining(CudaDriver d, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
                                Tensor runningVar, double momentum, double eps, Tensor y, Tensor saveMean,
                                Tensor saveInvStd, boolean relu) {
        CudaBuf.requireFloat32("batchNormForwardTraining", x, gamma, beta, runningMean, runningVar, y, saveMean,
                saveInvStd);
        int n = x.dim(0);
        int c = x.dim(1);
        int hw = x.dim(2) * x.dim(3);
        int v = CudaLaunch.channelVectorWidth(hw, CudaBuf.address(x), CudaBuf.address(y));
        int splits = CudaLaunch.channelSplits(c, (long) n * hw, d.multiprocessors());
        try (var partials = new CudaBuf.Scratch(d, (long) c * splits * WELFORD_BYTES);
             var coef = new CudaBuf.Scratch(d, 3L * c * Double.BYTES)) {
            d.launch("fkt_bn_stats_v" + v, c * splits, new CudaArgs().ptr(CudaBuf.address(x)).i32(n).i32(c)
                    .i32(hw).i32(splits).ptr(partials.address()));
            d.launch("fkt_bn_finalize", CudaLaunch.warpBlocks(c), new CudaArgs().ptr(partials.address())
                    .i32(splits).i32(c).ptr(CudaBuf.address(gamma)).ptr(CudaBuf.address(beta))
                    .ptr(CudaBuf.address(runningMean)).ptr(CudaBuf.address(runningVar)).f64(momentum).f64(eps)
                    .ptr(CudaBuf.address(saveMean)).ptr(CudaBuf.address(saveInvStd)).ptr(coef.address()));
            apply(d, x, y, n, c, hw, v, coef.address(), relu);
        }
    }

    static void forwardInference(CudaDriver d, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
                                 Tensor runningVar, double eps, Tensor y, Tensor saveMean, Tensor saveInvStd,
                                 boolean relu) {
        CudaBuf.requireFloat32("batchNormForwardInference", x, gamma, beta, runningMean, runningVar, y, saveMean,
                saveInvStd);
        int n = x.dim(0);
        int c = x.dim(1);
        int hw = x.dim(2) * x.dim(3);
        int v = CudaLaunch.channelVectorWidth(hw, CudaBuf.address(x), CudaBuf.address(y));
        try (var coef = new CudaBuf.Scratch(d, 3L * c * Double.BYTES)) {
            d.launch("fkt_bn_inference_coef", (c + CudaLaunch.THREADS - 1) / CudaLaunch.THREADS,
                    new CudaArgs().i32(c).ptr(CudaBuf.address(gamma)).ptr(CudaBuf.address(beta))
                            .ptr(CudaBuf.address(runningMean)).ptr(CudaBuf.address(runningVar)).f64(eps)
                            .ptr(CudaBuf.address(saveMean)).ptr(CudaBuf.address(saveInvStd)).ptr(coef.address()));
            apply(d, x, y, n, c, hw, v, coef.address(), relu);
        }
    }

    private static void apply(CudaDriver d, Tensor x, Tensor y, int n, int c, int hw, int v, long coef,
                              boolean relu) {
        long total = (long) n * c * hw;
        d.launch("fkt_bn_apply_v" + v, CudaLaunch.gridFor(total / v, d.multiprocessors()),
                new CudaArgs().ptr(CudaBuf.address(x)).ptr(CudaBuf.address(y)).i64(total).i32(c).i32(hw)
                        .ptr(coef).i32(relu ? 1 : 0));
    }

    /**
     * Backward; with {@code reluOutput} non-null the forward was fused with a ReLU whose output it is,
     * and dy is taken as zero where that output is not positive.
     */
    static void backward(CudaDriver d, Tensor dy, Tensor x, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                         boolean batchStatistics, Tensor dx, Tensor dgamma, Tensor dbeta, Tensor reluOutput) {
        CudaBuf.requireFloat32("batchNormBackward", dy, x, gamma, saveMean, saveInvStd, dx, dgamma, dbeta,
                reluOutput);
        int n = x.dim(0);
        int c = x.dim(1);
        int hw = x.dim(2) * x.dim(3);
        long mask = CudaBuf.addressOrNull(reluOutput);
        int v = CudaLaunch.channelVectorWidth(hw, CudaBuf.address(x), CudaBuf.address(dy), CudaBuf.address(dx));
        int splits = CudaLaunch.channelSplits(c, (long) n * hw, d.multiprocessors());
        long total = (long) n * c * hw;
        try (var partials = new CudaBuf.Scratch(d, 2L * c * splits * Double.BYTES);
             var coef = new CudaBuf.Scratch(d, 4L * c * Double.BYTES)) {
            d.launch("fkt_bn_backward_reduce_v" + v, c * splits, new CudaArgs().ptr(CudaBuf.address(dy))
                    .ptr(CudaBuf.address(x)).ptr(mask).ptr(CudaBuf.address(saveMean)).i32(n).i32(c).i32(hw)
                    .i32(splits).ptr(partials.address()));
            d.launch("fkt_bn_backward_finalize", CudaLaunch.warpBlocks(c), new CudaArgs()
                    .ptr(partials.address()).i32(splits).i32(c).ptr(CudaBuf.address(gamma))
                    .ptr(CudaBuf.address(saveMean)).ptr(CudaBuf.address(saveInvStd)).f64((double) n * hw)
                    .i32(batchStatistics ? 1 : 0)
                    .ptr(CudaBuf.address(dgamma)).ptr(CudaBuf.address(dbeta)).ptr(coef.address()));
            d.launch("fkt_bn_backward_apply_v" + v, CudaLaunch.gridFor(total / v, d.multiprocessors()),
                    new CudaArgs().ptr(CudaBuf.address(dy)).ptr(CudaBuf.address(x)).ptr(mask).i64(total).i32(c)
                            .i32(hw).ptr(coef.address()).ptr(CudaBuf.address(dx)));
        }
    }
}
