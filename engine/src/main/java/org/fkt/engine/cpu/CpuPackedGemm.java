package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * The SGEMM with its operands packed by the caller, for the convolutions: op(A) (the weights, or
 * the output gradient of a backward-filter pass) is packed once per call into {@link PackedA} and
 * read by every tile and thread, and op(B) is packed block by block by a {@link PanelSource},
 * which writes im2col / im2row output straight into the micro-panel layout instead of into a
 * column matrix that would then be copied again. Same micro-kernel and blocking as
 * {@link CpuSgemm}; single-threaded per call (the convolutions run it inside their parallel tiles).
 *
 * <p>Packed B layout, for rows [pc, pc + kc) and columns [jc, jc + nc) of op(B): element
 * (pc + p, jc + x) at bp[(x / NR) * NR * kc + p * NR + x % NR]; columns from nc up to the next
 * multiple of NR must be zero.
 */
final class CpuPackedGemm {
    static final int MR = CpuSgemm.MR;
    static final int NR = CpuSgemm.NR;
    private static final int L = CpuFloats.L;
    private static final ThreadLocal<PackedA> SPARE = new ThreadLocal<>();

    private CpuPackedGemm() {
    }

    /** Fills one packed block of op(B) (layout in the class comment). */
    @FunctionalInterface
    interface PanelSource {
        void pack(int pc, int kc, int jc, int nc, float[] bp);
    }

    /** A panel source over a stored matrix: op(B) is B (k x n, or n x k when transB) at bOff. */
    static PanelSource matrix(boolean transB, MemorySegment b, long bOff, int ldb) {
        return (pc, kc, jc, nc, bp) -> CpuSgemmPacking.packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp);
    }

    /**
     * op(A) (m x k) packed whole: K slices of {@link #kcMax} (the last may be shorter), each slice
     * MR-row panels (kc x MR, k-major, rows past m zero). Slice pc starts at pc * mPad, its panel
     * at row ir at pc * mPad + ir * kc. The array is the calling thread's, reused by its next
     * {@link #acquire} once {@link #release}d; the pool's threads only read it.
     */
    static final class PackedA {
        final int m;
        final int k;
        final int kcMax;
        final int mPad;
        float[] data = new float[0];
        private boolean inUse;

        private PackedA(int m, int k) {
            this.m = m;
            this.k = k;
            this.kcMax = CpuSgemm.blockSize(Math.max(1, k), 1, CpuSgemm.KC_MAX);
            this.mPad = CpuSgemm.ceilDiv(m, MR) * MR;
        }

        int depth(int pc) {
            return Math.min(kcMax, k - pc);
        }

        int offset(int pc, int ir) {
            return pc * mPad + ir * depth(pc);
        }

        /** Packs op(A) from a stored matrix (A is m x k, or k x m when transA), in parallel over panels. */
        PackedA fill(boolean transA, MemorySegment a, long aOff, int lda) {
            int slices = CpuSgemm.ceilDiv(k, kcMax);
            int panels = mPad / MR;
            CpuParallel.forRange(slices * panels, 8, (t0, t1) -> {
                for (int t = t0; t < t1; t++) {
                    int pc = t / panels * kcMax;
                    int ir = t % panels * MR;
                    CpuSgemmPacking.packA(transA, a, aOff, lda, ir, Math.min(MR, m - ir), pc, depth(pc), data,
                            offset(pc, ir));
                }
            });
            return this;
        }

        void release() {
            inUse = false;
        }
    }

    /** An empty packed op(A) of m x k on this thread's reusable array (a fresh one if that is in use). */
    static PackedA acquire(int m, int k) {
        PackedA spare = SPARE.get();
        var packed = new PackedA(m, k);
        long size = (long) packed.mPad * k + (long) L * MR;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("packed A operand of " + m + "x" + k + " is too large");
        }
        if (spare != null && !spare.inUse && spare.data.length >= size) {
            packed.data = spare.data;
        } else {
            packed.data = new float[(int) size];
        }
        if (spare == null || !spare.inUse) {
            SPARE.set(packed);
        }
        packed.inUse = true;
        return packed;
    }

    /** C(m x n) = op(A) @ op(B) + beta * C on the current thread (beta == 0: C's old content ignored). */
    static void gemm(PackedA a, int n, PanelSource b, float beta, MemorySegment c, long cOff, int ldc) {
        if (a.m == 0 || n == 0) {
            return;
        }
        CpuSgemm.Workspace ws = CpuSgemm.WORKSPACE.get();
        int ncMax = CpuSgemm.blockSize(n, NR, Math.max(NR, CpuSgemm.B_BLOCK / a.kcMax / NR * NR));
        float[] bp = ws.bp(ncMax * a.kcMax + L * NR);
        CpuSgemm.Out o = ws.out;
        o.bind(c, ldc, 1f);
        try {
            if (a.k == 0) {
                throw new IllegalArgumentException("packed gemm with k == 0");
            }
            for (int pc = 0; pc < a.k; pc += a.kcMax) {
                int kc = a.depth(pc);
                o.beta = pc == 0 ? beta : 1f;
                for (int jc = 0; jc < n; jc += ncMax) {
                    int nc = Math.min(ncMax, n - jc);
                    b.pack(pc, kc, jc, nc, bp);
                    CpuSgemm.macro(a.data, a.offset(pc, 0), bp, kc, a.m, nc, o, cOff + jc);
                }
            }
        } finally {
            o.c = null;
        }
    }

    /**
     * Copies row p of a packed B block from row[0, nc) (a native buffer whose entries from nc up to
     * the next multiple of NR are zero) into the panels of bp.
     */
    static void rowToPanels(MemorySegment row, int nc, int p, int kc, float[] bp) {
        for (int x = 0; x < nc; x += NR) {
            int dst = x * kc + p * NR;
            FloatVector.fromMemorySegment(CpuFloats.S, row, (long) x << 2, CpuFloats.ORDER).intoArray(bp, dst);
            FloatVector.fromMemorySegment(CpuFloats.S, row, (long) (x + L) << 2, CpuFloats.ORDER)
                    .intoArray(bp, dst + L);
        }
    }

    /** A native row buffer of this thread for {@link #rowToPanels}: nc floats, zero up to the next multiple of NR. */
    static MemorySegment rowBuffer(int nc) {
        int padded = CpuSgemm.ceilDiv(nc, NR) * NR;
        MemorySegment row = CpuWorkspace.floats(CpuWorkspace.Slot.ROW, padded);
        CpuFloats.fill(row, nc, padded - nc, 0f);
        return row;
    }
}
