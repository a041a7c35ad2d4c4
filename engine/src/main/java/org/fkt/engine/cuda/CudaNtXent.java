package org.fkt.engine.cuda;

import java.util.List;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Launchers of ntxent.cu, the fused NT-Xent on the GPU (twin of CpuNtXent, whose header derives the loss
 * and gradient). z, zn, dz: (M, D) with M = 2N; norms, lse: (M); loss, dloss: one element; float32.
 * The rows are normalised by l2normalize.cu's kernel (the composed path's, so a zero row gives u = 0
 * exactly as there), then the tile kernels run; nothing of size M x M is ever allocated.
 *
 * <p>{@link Plan} sizes the grids: 64-row tiles once M / 64 tiles cover every multiprocessor, 32-row
 * tiles below that, and the key range split into pieces until there are about two blocks per
 * multiprocessor (at 2N = 512 on 132 SMs: 16 row tiles x 16 splits). Backward splits beyond the first
 * need a (M, D) scratch each; they are limited to one extra (M, D) or 4 MiB in all, whichever is
 * larger, so that the peak stays near z + zn + dz + one (M, D).
 *
 * <p>With {@code tf32} (the backend's TF32 switch, -Dfkt.cuda.tf32=true, which also puts the composed
 * path's GEMMs on TF32) the similarity tiles run on tensor cores ({@code *_tf32} kernels; the rest stays
 * float32). Its stated tolerance against the float32 result, from TF32's 2^-11 relative rounding of each
 * input: loss and lse within 1e-3 relative, dz within 1e-2 * (|want| + rms), for t >= 0.05. Those kernels
 * are not built for the CPU emulator (it runs no wmma) and have not yet run on a GPU; on a host mock of
 * the wmma calls (whole tiles per thread, TF32 rounding as cvt.rna) they stayed within 3e-4 (lse) and
 * 1e-3 (dz) of float64 for 2N up to 512, D up to 2048, t = 0.05 to 0.1.
 */
final class CudaNtXent {
    static final List<String> KERNELS = List.of("fkt_ntxent_forward_64", "fkt_ntxent_forward_32",
            "fkt_ntxent_finish", "fkt_ntxent_backward_64", "fkt_ntxent_backward_32", "fkt_ntxent_backward_finish",
            "fkt_ntxent_forward_64_tf32", "fkt_ntxent_forward_32_tf32", "fkt_ntxent_backward_64_tf32",
            "fkt_ntxent_backward_32_tf32");

    /** Output features per backward block (FKT_NTX_DC). */
    static final int FEATURES_PER_BLOCK = 128;
    /** Backward scratch allowed whatever M*D is (bytes). */
    static final long SMALL_SCRATCH = 4L << 20;

    private CudaNtXent() {
    }

    /**
     * Grid arithmetic for M rows of D features on a device with {@code sms} multiprocessors: tile side
     * (64 or 32 rows), row tiles, key splits of the forward, feature chunks and key splits of the backward.
     */
    record Plan(int side, int tiles, int forwardSplits, int chunks, int backwardSplits) {
        static Plan of(int m, int d, int sms) {
            int target = 2 * Math.max(1, sms);
            int side = (m + 63) / 64 >= Math.max(1, sms) ? 64 : 32;
            int tiles = (m + side - 1) / side;
            int forward = Math.max(1, Math.min(tiles, ceilDiv(target, tiles)));
            int chunks = ceilDiv(d, FEATURES_PER_BLOCK);
            long slab = (long) m * d * Float.BYTES;
            long extra = Math.max(1, Math.max(slab, SMALL_SCRATCH) / Math.max(1, slab));
            long backward = Math.min(Math.min(tiles, ceilDiv(target, (long) tiles * chunks)), 1 + extra);
            return new Plan(side, tiles, forward, chunks, (int) Math.max(1, backward));
        }

        int forwardBlocks() {
            return tiles * forwardSplits;
        }

        int backwardBlocks() {
            return tiles * chunks * backwardSplits;
        }

        /** Bytes of the backward's scratch: (splits - 1, M, D) floats. */
        long backwardScratch(int m, int d) {
            return (long) (backwardSplits - 1) * m * d * Float.BYTES;
        }

        private static int ceilDiv(long a, long b) {
            return (int) Math.min(Integer.MAX_VALUE, (a + b - 1) / b);
        }
    }

    /** Loss; zn, norms, lse receive what the backward needs (u, ||z|| and the per-row log-sum-exp). */
    static void forward(CudaDriver d, Tensor z, double temperature, double eps, Tensor loss, Tensor zn, Tensor norms,
                        Tensor lse, boolean tf32) {
        CudaBuf.requireFloat32("ntXentForward", z, loss, zn, norms, lse);
        CudaL2Normalize.forward(d, z, eps, zn, norms);
        scores(d, zn, temperature, loss, lse, tf32);
    }

    /** The tile kernel's name: its tile side, then "_tf32" for the tensor-core variant. */
    private static String tiles(String pass, Plan plan, boolean tf32) {
        return "fkt_ntxent_" + pass + "_" + plan.side() + (tf32 ? "_tf32" : "");
    }

    /** The loss alone: u and the norms go to temporaries freed (stream-ordered) before returning. */
    static void loss(CudaDriver d, Tensor z, double temperature, double eps, Tensor loss, boolean tf32) {
        CudaBuf.requireFloat32("ntXentLoss", z, loss);
        int m = z.dim(0);
        try (Tensor u = MemoryScope.unscoped(() -> Tensor.empty(DType.FLOAT32, z.device(), m, z.dim(1)));
             Tensor norms = MemoryScope.unscoped(() -> Tensor.empty(DType.FLOAT32, z.device(), m))) {
            CudaL2Normalize.forward(d, z, eps, u, norms);
            scores(d, u, temperature, loss, null, tf32);
        }
    }

    /** The tile pass and the reduction from normalised rows u (M, D); lse (M) may be null. */
    private static void scores(CudaDriver d, Tensor u, double temperature, Tensor loss, Tensor lse, boolean tf32) {
        int m = u.dim(0);
        int f = u.dim(1);
        Plan plan = Plan.of(m, f, d.multiprocessors());
        int splits = plan.forwardSplits();
        long state = (long) splits * m * Float.BYTES;
        try (var scratch = new CudaBuf.Scratch(d, 2 * state + (long) m * Float.BYTES)) {
            long partMax = scratch.address();
            long partSum = partMax + state;
            long pos = partSum + state;
            d.launch(tiles("forward", plan, tf32), plan.forwardBlocks(), new CudaArgs()
                    .ptr(CudaBuf.address(u)).i32(m).i32(f).f32((float) (1 / temperature)).i32(splits)
                    .ptr(partMax).ptr(partSum).ptr(pos));
            d.launch("fkt_ntxent_finish", 1, new CudaArgs().ptr(partMax).ptr(partSum).ptr(pos).i32(splits).i32(m)
                    .ptr(CudaBuf.addressOrNull(lse)).ptr(CudaBuf.address(loss)));
        }
    }

    /** dz (M, D), overwritten, = dloss * dL/dz from the forward's zn, norms and lse. */
    static void backward(CudaDriver d, Tensor dloss, Tensor zn, Tensor norms, Tensor lse, double temperature,
                         double eps, Tensor dz, boolean tf32) {
        CudaBuf.requireFloat32("ntXentBackward", dloss, zn, norms, lse, dz);
        int m = zn.dim(0);
        int f = zn.dim(1);
        Plan plan = Plan.of(m, f, d.multiprocessors());
        int splits = plan.backwardSplits();
        try (var rest = new CudaBuf.Scratch(d, plan.backwardScratch(m, f))) {
            d.launch(tiles("backward", plan, tf32), plan.backwardBlocks(), new CudaArgs()
                    .ptr(CudaBuf.address(zn)).ptr(CudaBuf.address(lse)).i32(m).i32(f)
                    .f32((float) (1 / temperature)).i32(splits).ptr(CudaBuf.address(dz)).ptr(rest.address()));
            d.launch("fkt_ntxent_backward_finish", CudaLaunch.rowBlocks(m), new CudaArgs()
                    .ptr(CudaBuf.address(dloss)).ptr(rest.address()).i32(splits).ptr(CudaBuf.address(zn))
                    .ptr(CudaBuf.address(norms)).f64(eps).f64(1 / ((double) m * temperature))
                    .ptr(CudaBuf.address(dz)).i64(m).i32(f));
        }
    }
}
