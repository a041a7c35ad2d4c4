package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 half of the fused NT-Xent ({@link CpuNtXent} holds the derivation and the float64
 * reference): similarity tiles from a Vector-API micro-kernel, the online masked log-sum-exp over
 * them (forward), and the weight tiles times zn (backward). A thread never holds more than one
 * (MR x BC) tile of the (2N, 2N) similarity matrix.
 *
 * <p>Blocking. zn^T is packed once per pass into NR-column panels ({@link #packPanels}, a temporary
 * buffer as large as zn) that serve as both operands: the MR rows of a row block are MR consecutive
 * lanes of one panel, a block of columns is a contiguous run of panels. Tasks own contiguous ranges
 * of panels (NR rows each) and walk them in row groups (about 1 MiB of panels, copied to a
 * per-thread array); for each group every column block (bj columns, about 512 KiB, copied likewise
 * and kept in L2) is met in sub-tiles of bc columns. Both operands of the micro-kernel are Java
 * arrays. Per-row state (running max and sum, positive logit) lives in arrays indexed by row,
 * written only by the owning task; the backward accumulates a group's dz rows in a per-thread array
 * and writes them once. Per-thread heap buffers stay at about 3 MiB whatever N is (for D up to 4096).
 *
 * <p>The unrolled micro-kernels and the vector exp are in {@link CpuNtXentKernels}.
 */
final class CpuNtXentTiles {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Rows per micro-tile. */
    static final int MR = 8;
    /** Columns per micro-tile (two vectors). */
    static final int NR = 2 * L;
    /** Features per slice of the similarity kernel (s sums its slices in order, so s_ij == s_ji bit for bit). */
    private static final int KC = 256;
    /** Widest sub-tile, columns. */
    private static final int BC_MAX = 256;
    /** Target size of one packed column block, floats (512 KiB, a quarter of this machine's L2). */
    private static final int BLOCK_FLOATS = 128 * 1024;
    /** Target size of a row group's panels, floats (1 MiB; they are read 8 floats per 16 FMAs). */
    private static final int GROUP_FLOATS = 256 * 1024;
    /** Scatter map {0, NR, 2 NR, ...}: one row's consecutive features into a column of a panel. */
    private static final int[] PANEL_STRIDE = stride(NR);
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private CpuNtXentTiles() {
    }

    private static int[] stride(int step) {
        int[] map = new int[L];
        for (int i = 0; i < L; i++) {
            map[i] = i * step;
        }
        return map;
    }

    /**
     * Geometry of one call: m rows of zn (2N), d features (dp: d padded to NR), column block bj
     * and sub-tile bc (both multiples of NR, bc divides bj), and panels per row group (a group's rows
     * stay in L2 while it meets every column block).
     */
    record Plan(int m, int d, int dp, int bj, int bc, int group) {
        static Plan of(int m, int d) {
            int fit = Math.max(NR, BLOCK_FLOATS / d / NR * NR);
            int bc = Math.min(BC_MAX, fit);
            int bj = Math.max(bc, fit / bc * bc);
            bj = Math.min(bj, (m + bc - 1) / bc * bc);
            int dp = (d + NR - 1) / NR * NR;
            int group = Math.max(1, GROUP_FLOATS / (NR * dp));
            return new Plan(m, d, dp, bj, bc, group);
        }

        /** Row panels of NR rows: the unit that tasks and groups are made of. */
        int panels() {
            return (m + NR - 1) / NR;
        }
    }

    /** Where zn lives: a float32 segment with row i at element {@code base + i * d}. */
    record Rows(MemorySegment seg, long base) {
    }

    /**
     * Forward over the rows of panels [q0, q1): for each such row i, runMax[i] and runSum[i] end as
     * the max and the shifted sum of exp over j != i of s_ij, and positive[i] = s_i,partner(i), all
     * from float tiles s = (zn zn^T) / t.
     */
    static void forward(Plan p, MemorySegment panels, float invT, int q0, int q1, float[] runMax,
                        double[] runSum, double[] positive) {
        Workspace ws = WORKSPACE.get();
        float[] ap = ws.ap(p.group * NR * p.d);
        float[] bp = ws.bp(p.bj * p.d);
        float[] tile = ws.tile(MR * p.bc);
        int half = p.m / 2;
        for (int r = q0 * NR; r < Math.min(p.m, q1 * NR); r++) {
            runMax[r] = Float.NEGATIVE_INFINITY;
            runSum[r] = 0;
        }
        for (int g0 = q0; g0 < q1; g0 += p.group) {
            int g1 = Math.min(q1, g0 + p.group);
            copyPanels(panels, p.d, g0 * NR, (g1 - g0) * NR, ap);
            int rowEnd = Math.min(p.m, g1 * NR);
            for (int jb = 0; jb < p.m; jb += p.bj) {
                int jn = Math.min(p.bj, p.m - jb);
                copyPanels(panels, p.d, jb, jn, bp);
                for (int i0 = g0 * NR; i0 < rowEnd; i0 += MR) {
                    int rows = Math.min(MR, p.m - i0);
                    int aBase = rowBlockAt(i0 - g0 * NR, p.d);
                    for (int c0 = 0; c0 < jn; c0 += p.bc) {
                        int cols = Math.min(p.bc, jn - c0);
                        int gj0 = jb + c0;
                        similarities(ap, aBase, bp, c0, cols, p.d, invT, tile, p.bc);
                        for (int r = 0; r < rows; r++) {
                            int i = i0 + r;
                            int off = r * p.bc;
                            maskRow(tile, off, cols, i - gj0);
                            int partner = (i < half ? i + half : i - half) - gj0;
                            if (partner >= 0 && partner < cols) {
                                positive[i] = tile[off + partner];
                            }
                            online(tile, off, cols, i, runMax, runSum);
                        }
                    }
                }
            }
        }
    }

    /**
     * Backward over the rows of panels [q0, q1): dz row i (overwritten) receives sum over j of
     * w_ij zn_j, w_ij = exp(s_ij - lse_i) + exp(s_ij - lse_j) for j != i, minus 2 at the partner;
     * {@link CpuNtXent} scales it and applies the normalisation backward. A group's rows accumulate
     * in a per-thread array and are written to dz once.
     */
    static void backward(Plan p, Rows zn, MemorySegment panels, MemorySegment lse, long lseBase, float invT,
                         int q0, int q1, Rows dz) {
        Workspace ws = WORKSPACE.get();
        float[] ap = ws.ap(p.group * NR * p.d);
        float[] bp = ws.bp(p.bj * p.d);
        float[] tile = ws.tile(MR * p.bc);
        float[] rp = ws.rp(p.bj * p.dp);
        float[] acc = ws.acc(p.group * NR * p.dp);
        float[] lj = ws.lse(p.bj);
        int half = p.m / 2;
        for (int g0 = q0; g0 < q1; g0 += p.group) {
            int g1 = Math.min(q1, g0 + p.group);
            int rowStart = g0 * NR;
            int rowEnd = Math.min(p.m, g1 * NR);
            copyPanels(panels, p.d, rowStart, (g1 - g0) * NR, ap);
            java.util.Arrays.fill(acc, 0, (g1 - g0) * NR * p.dp, 0f);
            for (int jb = 0; jb < p.m; jb += p.bj) {
                int jn = Math.min(p.bj, p.m - jb);
                copyPanels(panels, p.d, jb, jn, bp);
                copyRows(zn, p.d, p.dp, jb, jn, rp);
                MemorySegment.copy(lse, F, (lseBase + jb) << 2, lj, 0, jn);
                for (int i0 = rowStart; i0 < rowEnd; i0 += MR) {
                    int rows = Math.min(MR, p.m - i0);
                    int aBase = rowBlockAt(i0 - rowStart, p.d);
                    for (int c0 = 0; c0 < jn; c0 += p.bc) {
                        int cols = Math.min(p.bc, jn - c0);
                        int gj0 = jb + c0;
                        similarities(ap, aBase, bp, c0, cols, p.d, invT, tile, p.bc);
                        for (int r = 0; r < rows; r++) {
                            int i = i0 + r;
                            weights(tile, r * p.bc, cols, lse.getAtIndex(F, lseBase + i), i - gj0,
                                    (i < half ? i + half : i - half) - gj0, lj, c0);
                        }
                        CpuNtXentKernels.accumulate(tile, p.bc, cols, rp, c0 * p.dp, p.dp, acc, (i0 - rowStart) * p.dp);
                    }
                }
            }
            for (int i = rowStart; i < rowEnd; i++) {
                MemorySegment.copy(acc, (i - rowStart) * p.dp, dz.seg, F, (dz.base + (long) i * p.d) << 2, p.d);
            }
        }
    }

    /** Index in a group's copy of its panels of row r0's lane at k = 0 (r0 a multiple of MR). */
    private static int rowBlockAt(int r0, int d) {
        return r0 / NR * NR * d + r0 % NR;
    }

    /** Floats of the panel buffer for m rows of d features: m rounded up to NR, times d. */
    static long panelFloats(int m, int d) {
        return (long) ((m + NR - 1) / NR) * NR * d;
    }

    /**
     * Packs zn^T panels [q0, q1) into {@code panels}: row j = q*NR + x, feature k at
     * panels[q*NR*d + k*NR + x]; rows past m are zero. Every operand of the micro-kernel is a slice
     * of this one buffer: a column block is a contiguous run of panels, and the MR rows of a row
     * block are MR consecutive lanes of one panel (MR divides NR).
     */
    static void packPanels(Rows zn, int m, int d, MemorySegment panels, int q0, int q1) {
        float[] panel = new float[NR * d];
        for (int q = q0; q < q1; q++) {
            for (int x = 0; x < NR; x++) {
                int j = q * NR + x;
                if (j >= m) {
                    for (int k = 0; k < d; k++) {
                        panel[k * NR + x] = 0f;
                    }
                    continue;
                }
                long row = zn.base + (long) j * d;
                int k = 0;
                for (; k + L <= d; k += L) {
                    FloatVector.fromMemorySegment(S, zn.seg, (row + k) << 2, ORDER)
                            .intoArray(panel, k * NR + x, PANEL_STRIDE, 0);
                }
                for (; k < d; k++) {
                    panel[k * NR + x] = zn.seg.getAtIndex(F, row + k);
                }
            }
            MemorySegment.copy(panel, 0, panels, F, (long) q * NR * d << 2, NR * d);
        }
    }

    /** The panels of rows [j0, j0 + n) (j0 a multiple of NR) into {@code to}: one contiguous copy. */
    private static void copyPanels(MemorySegment panels, int d, int j0, int n, float[] to) {
        MemorySegment.copy(panels, F, (long) j0 * d << 2, to, 0, (n + NR - 1) / NR * NR * d);
    }

    /**
     * tile[r*ld + c] = invT * (row r of the row block at ap[aBase], lanes of its panel) . (column
     * c0 + c of bp) for c < cols rounded up to NR. Features go in slices of KC so that the slice of
     * the row block stays in L1 while it meets every micro-tile of the sub-tile.
     */
    private static void similarities(float[] ap, int aBase, float[] bp, int c0, int cols, int d, float invT,
                                     float[] tile, int ld) {
        for (int k0 = 0; k0 < d; k0 += KC) {
            int kLen = Math.min(KC, d - k0);
            float scale = k0 + kLen == d ? invT : 1f;
            for (int c = 0; c < cols; c += NR) {
                CpuNtXentKernels.similarity(ap, aBase + k0 * NR, bp, (c0 + c) * d + k0 * NR, kLen, k0 == 0, scale,
                        tile, c, ld);
            }
        }
    }

    /**
     * Masks one tile row for the log-sum-exp: the diagonal (at column {@code diag}, when inside)
     * and the padding past {@code cols} up to a whole vector become minus infinity.
     */
    private static void maskRow(float[] tile, int off, int cols, int diag) {
        if (diag >= 0 && diag < cols) {
            tile[off + diag] = Float.NEGATIVE_INFINITY;
        }
        for (int c = cols; c % L != 0; c++) {
            tile[off + c] = Float.NEGATIVE_INFINITY;
        }
    }

    /** Folds one masked tile row into row i's running max and sum (rescaling the sum when the max grows). */
    private static void online(float[] tile, int off, int cols, int i, float[] runMax, double[] runSum) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < cols; c += L) {
            vmax = vmax.max(FloatVector.fromArray(S, tile, off + c));
        }
        float old = runMax[i];
        float max = Math.max(old, vmax.reduceLanes(VectorOperators.MAX));
        if (max == Float.NEGATIVE_INFINITY) {
            return;
        }
        FloatVector shift = FloatVector.broadcast(S, max);
        FloatVector sum = FloatVector.zero(S);
        for (int c = 0; c < cols; c += L) {
            sum = sum.add(CpuNtXentKernels.exp(FloatVector.fromArray(S, tile, off + c).sub(shift)));
        }
        runSum[i] = runSum[i] * Math.exp((double) old - max) + CpuFloats.sumLanes(sum);
        runMax[i] = max;
    }

    /** Row-major copy of zn rows [jb, jb + jn) with rows padded to dp features: rp[c*dp + k], zero past d. */
    private static void copyRows(Rows zn, int d, int dp, int jb, int jn, float[] rp) {
        for (int c = 0; c < jn; c++) {
            MemorySegment.copy(zn.seg, F, (zn.base + (long) (jb + c) * d) << 2, rp, c * dp, d);
            for (int k = d; k < dp; k++) {
                rp[c * dp + k] = 0f;
            }
        }
    }

    /**
     * Replaces a tile row (row i, its columns at lj[c0 ..] in the column block) by the backward
     * weights exp(s - lse_i) + exp(s - lse_j), 0 on the diagonal (column {@code diag}) and minus 2
     * at the partner (column {@code partner}), where that entry is formed in double so that the
     * near-cancellation of a confident positive keeps its digits. Columns past cols are left as
     * garbage that {@link CpuNtXentKernels#accumulate} does not read.
     */
    private static void weights(float[] tile, int off, int cols, float lseI, int diag, int partner, float[] lj,
                                int c0) {
        boolean hasPartner = partner >= 0 && partner < cols;
        float sp = hasPartner ? tile[off + partner] : 0f;
        FloatVector li = FloatVector.broadcast(S, lseI);
        for (int c = 0; c < cols; c += L) {
            FloatVector s = FloatVector.fromArray(S, tile, off + c);
            FloatVector lse = FloatVector.fromArray(S, lj, c0 + c);
            CpuNtXentKernels.exp(s.sub(li)).add(CpuNtXentKernels.exp(s.sub(lse))).intoArray(tile, off + c);
        }
        if (diag >= 0 && diag < cols) {
            tile[off + diag] = 0f;
        }
        if (hasPartner) {
            double lseP = lj[c0 + partner];
            tile[off + partner] = (float) (Math.exp((double) sp - lseI) + Math.exp((double) sp - lseP) - 2);
        }
    }

    /** Per-thread buffers, grown on demand and kept for the thread's lifetime (heap; about 3 MiB). */
    private static final class Workspace {
        private float[] bp = new float[0];
        private float[] tile = new float[0];
        private float[] rp = new float[0];
        private float[] lse = new float[0];
        private float[] ap = new float[0];
        private float[] acc = new float[0];

        float[] ap(int size) {
            if (ap.length < size) {
                ap = new float[size];
            }
            return ap;
        }

        float[] acc(int size) {
            if (acc.length < size) {
                acc = new float[size];
            }
            return acc;
        }

        float[] rp(int size) {
            if (rp.length < size) {
                rp = new float[size];
            }
            return rp;
        }

        float[] lse(int size) {
            if (lse.length < size) {
                lse = new float[size];
            }
            return lse;
        }

        float[] bp(int size) {
            if (bp.length < size) {
                bp = new float[size];
            }
            return bp;
        }

        float[] tile(int size) {
            if (tile.length < size) {
                tile = new float[size];
            }
            return tile;
        }
    }
}
