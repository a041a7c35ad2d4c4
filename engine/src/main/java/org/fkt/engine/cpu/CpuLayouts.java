package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import org.fkt.engine.cpu.CpuIm2col.Geometry;

/**
 * Float32 rearrangements for {@link CpuConv2d}: transposes, the pixel-major ("channels last",
 * zero-bordered) copy of input images, im2row over it, and the weight layouts the convolution
 * GEMMs want. The point of all of them is to hand the SGEMM operands in the orientation it packs
 * with plain vector copies (A stored k x m, B stored k x n): rearranging an operand once here is
 * much cheaper than transposing it while packing, which the SGEMM does with scatters and would
 * repeat for every block. Arrays are (segment, element offset of their first element).
 */
final class CpuLayouts {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Square block of the transpose. */
    private static final int BLOCK = 16;
    /** Shuffles doubling each lane of the low (high) half of a 16-lane vector: {h, h, h+1, h+1, ...}. */
    private static final int[] DUP_LO = dup(0);
    private static final int[] DUP_HI = dup(BLOCK / 2);
    /** The odd lanes: where the interleave takes the second vector. */
    private static final boolean[] ODD = odd();
    /** The same as vector constants (made once: building a shuffle is not cheap); used only when L == 16. */
    private static final boolean SIXTEEN = CpuFloats.L == BLOCK;
    private static final VectorShuffle<Float> LO = SIXTEEN ? VectorShuffle.fromArray(CpuFloats.S, DUP_LO, 0) : null;
    private static final VectorShuffle<Float> HI = SIXTEEN ? VectorShuffle.fromArray(CpuFloats.S, DUP_HI, 0) : null;
    private static final VectorMask<Float> ODD_LANES = SIXTEEN ? VectorMask.fromArray(CpuFloats.S, ODD, 0) : null;

    private CpuLayouts() {
    }

    /** d[j*ldd + i] = s[i*lds + j] for i < rows, j < cols. */
    static void transpose(MemorySegment s, long sOff, int lds, int rows, int cols,
                          MemorySegment d, long dOff, int ldd) {
        transpose(s, sOff, lds, rows, cols, d, j -> dOff + (long) j * ldd);
    }

    /** Where row j of a transpose's destination starts (element offset). */
    @FunctionalInterface
    interface Rows {
        long at(int j);
    }

    /**
     * d[rows.at(j) + i] = s[i*lds + j] for i < rows, j < cols: a transpose whose destination rows
     * may be anywhere (the rows of a zero-bordered image, say). Full 16 x 16 blocks go through
     * registers when vectors have 16 lanes; the edges and other vector sizes go element by element.
     */
    static void transpose(MemorySegment s, long sOff, int lds, int rowsCount, int cols, MemorySegment d, Rows rows) {
        long[] at = new long[BLOCK];
        for (int j0 = 0; j0 < cols; j0 += BLOCK) {
            int j1 = Math.min(cols, j0 + BLOCK);
            for (int j = j0; j < j1; j++) {
                at[j - j0] = rows.at(j);
            }
            int i0 = 0;
            if (CpuFloats.L == BLOCK && j1 - j0 == BLOCK) {
                for (; i0 + BLOCK <= rowsCount; i0 += BLOCK) {
                    block16(s, sOff + (long) i0 * lds + j0, lds, d, at, i0);
                }
            }
            for (int j = j0; j < j1; j++) {
                long to = at[j - j0];
                for (int i = i0; i < rowsCount; i++) {
                    d.setAtIndex(CpuFloats.F, to + i, s.getAtIndex(CpuFloats.F, sOff + (long) i * lds + j));
                }
            }
        }
    }

    /**
     * Transposes the 16 x 16 block at s[sOff] (leading dimension lds) into d[at[j] + i0 + i]. Four
     * rounds of pairing row r with row r + 8 and interleaving their lanes (two one-vector
     * rearranges and a blend: the two-vector selectFrom is not intrinsified here and was boxed)
     * rotate the 8-bit (row, column) index by four, which is the transpose.
     * Written out in full and with direct loads and stores: a vector passed to a helper that C2
     * does not inline (this method is past its inlining budget) would be boxed.
     */
    private static void block16(MemorySegment s, long sOff, int lds, MemorySegment d, long[] at, int i0) {
        VectorShuffle<Float> lo = LO;
        VectorShuffle<Float> hi = HI;
        VectorMask<Float> odd = ODD_LANES;
        FloatVector r0 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff) << 2, ORDER);
        FloatVector r1 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + lds) << 2, ORDER);
        FloatVector r2 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 2L * lds) << 2, ORDER);
        FloatVector r3 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 3L * lds) << 2, ORDER);
        FloatVector r4 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 4L * lds) << 2, ORDER);
        FloatVector r5 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 5L * lds) << 2, ORDER);
        FloatVector r6 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 6L * lds) << 2, ORDER);
        FloatVector r7 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 7L * lds) << 2, ORDER);
        FloatVector r8 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 8L * lds) << 2, ORDER);
        FloatVector r9 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 9L * lds) << 2, ORDER);
        FloatVector r10 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 10L * lds) << 2, ORDER);
        FloatVector r11 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 11L * lds) << 2, ORDER);
        FloatVector r12 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 12L * lds) << 2, ORDER);
        FloatVector r13 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 13L * lds) << 2, ORDER);
        FloatVector r14 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 14L * lds) << 2, ORDER);
        FloatVector r15 = FloatVector.fromMemorySegment(CpuFloats.S, s, (sOff + 15L * lds) << 2, ORDER);
        FloatVector t0 = r0.rearrange(lo).blend(r8.rearrange(lo), odd);
        FloatVector t1 = r0.rearrange(hi).blend(r8.rearrange(hi), odd);
        FloatVector t2 = r1.rearrange(lo).blend(r9.rearrange(lo), odd);
        FloatVector t3 = r1.rearrange(hi).blend(r9.rearrange(hi), odd);
        FloatVector t4 = r2.rearrange(lo).blend(r10.rearrange(lo), odd);
        FloatVector t5 = r2.rearrange(hi).blend(r10.rearrange(hi), odd);
        FloatVector t6 = r3.rearrange(lo).blend(r11.rearrange(lo), odd);
        FloatVector t7 = r3.rearrange(hi).blend(r11.rearrange(hi), odd);
        FloatVector t8 = r4.rearrange(lo).blend(r12.rearrange(lo), odd);
        FloatVector t9 = r4.rearrange(hi).blend(r12.rearrange(hi), odd);
        FloatVector t10 = r5.rearrange(lo).blend(r13.rearrange(lo), odd);
        FloatVector t11 = r5.rearrange(hi).blend(r13.rearrange(hi), odd);
        FloatVector t12 = r6.rearrange(lo).blend(r14.rearrange(lo), odd);
        FloatVector t13 = r6.rearrange(hi).blend(r14.rearrange(hi), odd);
        FloatVector t14 = r7.rearrange(lo).blend(r15.rearrange(lo), odd);
        FloatVector t15 = r7.rearrange(hi).blend(r15.rearrange(hi), odd);
        r0 = t0;
        r1 = t1;
        r2 = t2;
        r3 = t3;
        r4 = t4;
        r5 = t5;
        r6 = t6;
        r7 = t7;
        r8 = t8;
        r9 = t9;
        r10 = t10;
        r11 = t11;
        r12 = t12;
        r13 = t13;
        r14 = t14;
        r15 = t15;
        t0 = r0.rearrange(lo).blend(r8.rearrange(lo), odd);
        t1 = r0.rearrange(hi).blend(r8.rearrange(hi), odd);
        t2 = r1.rearrange(lo).blend(r9.rearrange(lo), odd);
        t3 = r1.rearrange(hi).blend(r9.rearrange(hi), odd);
        t4 = r2.rearrange(lo).blend(r10.rearrange(lo), odd);
        t5 = r2.rearrange(hi).blend(r10.rearrange(hi), odd);
        t6 = r3.rearrange(lo).blend(r11.rearrange(lo), odd);
        t7 = r3.rearrange(hi).blend(r11.rearrange(hi), odd);
        t8 = r4.rearrange(lo).blend(r12.rearrange(lo), odd);
        t9 = r4.rearrange(hi).blend(r12.rearrange(hi), odd);
        t10 = r5.rearrange(lo).blend(r13.rearrange(lo), odd);
        t11 = r5.rearrange(hi).blend(r13.rearrange(hi), odd);
        t12 = r6.rearrange(lo).blend(r14.rearrange(lo), odd);
        t13 = r6.rearrange(hi).blend(r14.rearrange(hi), odd);
        t14 = r7.rearrange(lo).blend(r15.rearrange(lo), odd);
        t15 = r7.rearrange(hi).blend(r15.rearrange(hi), odd);
        r0 = t0;
        r1 = t1;
        r2 = t2;
        r3 = t3;
        r4 = t4;
        r5 = t5;
        r6 = t6;
        r7 = t7;
        r8 = t8;
        r9 = t9;
        r10 = t10;
        r11 = t11;
        r12 = t12;
        r13 = t13;
        r14 = t14;
        r15 = t15;
        t0 = r0.rearrange(lo).blend(r8.rearrange(lo), odd);
        t1 = r0.rearrange(hi).blend(r8.rearrange(hi), odd);
        t2 = r1.rearrange(lo).blend(r9.rearrange(lo), odd);
        t3 = r1.rearrange(hi).blend(r9.rearrange(hi), odd);
        t4 = r2.rearrange(lo).blend(r10.rearrange(lo), odd);
        t5 = r2.rearrange(hi).blend(r10.rearrange(hi), odd);
        t6 = r3.rearrange(lo).blend(r11.rearrange(lo), odd);
        t7 = r3.rearrange(hi).blend(r11.rearrange(hi), odd);
        t8 = r4.rearrange(lo).blend(r12.rearrange(lo), odd);
        t9 = r4.rearrange(hi).blend(r12.rearrange(hi), odd);
        t10 = r5.rearrange(lo).blend(r13.rearrange(lo), odd);
        t11 = r5.rearrange(hi).blend(r13.rearrange(hi), odd);
        t12 = r6.rearrange(lo).blend(r14.rearrange(lo), odd);
        t13 = r6.rearrange(hi).blend(r14.rearrange(hi), odd);
        t14 = r7.rearrange(lo).blend(r15.rearrange(lo), odd);
        t15 = r7.rearrange(hi).blend(r15.rearrange(hi), odd);
        r0 = t0;
        r1 = t1;
        r2 = t2;
        r3 = t3;
        r4 = t4;
        r5 = t5;
        r6 = t6;
        r7 = t7;
        r8 = t8;
        r9 = t9;
        r10 = t10;
        r11 = t11;
        r12 = t12;
        r13 = t13;
        r14 = t14;
        r15 = t15;
        t0 = r0.rearrange(lo).blend(r8.rearrange(lo), odd);
        t1 = r0.rearrange(hi).blend(r8.rearrange(hi), odd);
        t2 = r1.rearrange(lo).blend(r9.rearrange(lo), odd);
        t3 = r1.rearrange(hi).blend(r9.rearrange(hi), odd);
        t4 = r2.rearrange(lo).blend(r10.rearrange(lo), odd);
        t5 = r2.rearrange(hi).blend(r10.rearrange(hi), odd);
        t6 = r3.rearrange(lo).blend(r11.rearrange(lo), odd);
        t7 = r3.rearrange(hi).blend(r11.rearrange(hi), odd);
        t8 = r4.rearrange(lo).blend(r12.rearrange(lo), odd);
        t9 = r4.rearrange(hi).blend(r12.rearrange(hi), odd);
        t10 = r5.rearrange(lo).blend(r13.rearrange(lo), odd);
        t11 = r5.rearrange(hi).blend(r13.rearrange(hi), odd);
        t12 = r6.rearrange(lo).blend(r14.rearrange(lo), odd);
        t13 = r6.rearrange(hi).blend(r14.rearrange(hi), odd);
        t14 = r7.rearrange(lo).blend(r15.rearrange(lo), odd);
        t15 = r7.rearrange(hi).blend(r15.rearrange(hi), odd);
        t0.intoMemorySegment(d, (at[0] + i0) << 2, ORDER);
        t1.intoMemorySegment(d, (at[1] + i0) << 2, ORDER);
        t2.intoMemorySegment(d, (at[2] + i0) << 2, ORDER);
        t3.intoMemorySegment(d, (at[3] + i0) << 2, ORDER);
        t4.intoMemorySegment(d, (at[4] + i0) << 2, ORDER);
        t5.intoMemorySegment(d, (at[5] + i0) << 2, ORDER);
        t6.intoMemorySegment(d, (at[6] + i0) << 2, ORDER);
        t7.intoMemorySegment(d, (at[7] + i0) << 2, ORDER);
        t8.intoMemorySegment(d, (at[8] + i0) << 2, ORDER);
        t9.intoMemorySegment(d, (at[9] + i0) << 2, ORDER);
        t10.intoMemorySegment(d, (at[10] + i0) << 2, ORDER);
        t11.intoMemorySegment(d, (at[11] + i0) << 2, ORDER);
        t12.intoMemorySegment(d, (at[12] + i0) << 2, ORDER);
        t13.intoMemorySegment(d, (at[13] + i0) << 2, ORDER);
        t14.intoMemorySegment(d, (at[14] + i0) << 2, ORDER);
        t15.intoMemorySegment(d, (at[15] + i0) << 2, ORDER);
    }

    private static int[] dup(int half) {
        int[] idx = new int[BLOCK];
        for (int k = 0; k < BLOCK; k++) {
            idx[k] = half + k / 2;
        }
        return idx;
    }

    private static boolean[] odd() {
        boolean[] odd = new boolean[BLOCK];
        for (int k = 1; k < BLOCK; k += 2) {
            odd[k] = true;
        }
        return odd;
    }

    /** Elements of one zero-bordered pixel-major image: (H + 2*pad) * (W + 2*pad) * C. */
    static long paddedImageSize(Geometry g) {
        return (long) (g.h() + 2 * g.pad()) * (g.w() + 2 * g.pad()) * g.c();
    }

    /**
     * xt[img] = image img of x (N, C, H, W) at xOff as (H + 2*pad, W + 2*pad, C), zero on the border;
     * image img of xt starts at xtOff + img * paddedImageSize.
     */
    static void padImage(Geometry g, MemorySegment xs, long xOff, int img, MemorySegment ts, long xtOff) {
        int c = g.c();
        int w = g.w();
        int pad = g.pad();
        int wp = w + 2 * pad;
        long base = xtOff + img * paddedImageSize(g);
        if (pad > 0) {
            long run = (long) pad * wp * c;
            CpuFloats.fill(ts, base, run + (long) pad * c, 0f);
            for (int h = 0; h < g.h() - 1; h++) {
                CpuFloats.fill(ts, base + ((long) (h + pad) * wp + pad + w) * c, 2L * pad * c, 0f);
            }
            CpuFloats.fill(ts, base + ((long) (g.h() - 1 + pad) * wp + pad + w) * c, pad * c + run, 0f);
        }
        int plane = g.h() * w;
        transpose(xs, xOff + (long) img * c * plane, plane, c, plane, ts,
                e -> base + ((long) (e / w + pad) * wp + e % w + pad) * c);
    }

    /**
     * colT[off + (v - v0)*ld + (col - r0)] for pixels [v0, v0 + cols) of the batch and columns
     * [r0, r1) of the (i, j, c)-ordered patch, col = (i*S + j)*C + c, read from the padded
     * pixel-major images made by {@link #padImage}.
     */
    static void im2row(Geometry g, MemorySegment ts, long xtOff, long v0, int cols, int r0, int r1,
                       MemorySegment cs, long off, int ld) {
        int pq = g.pq();
        int c = g.c();
        int wp = g.w() + 2 * g.pad();
        int ij0 = r0 / c;
        int ij1 = (r1 + c - 1) / c;
        for (int t = 0; t < cols; t++) {
            long v = v0 + t;
            int img = (int) (v / pq);
            int e = (int) (v % pq);
            int p = e / g.q();
            int q = e % g.q();
            long corner = xtOff + img * paddedImageSize(g) + ((long) p * g.stride() * wp + (long) q * g.stride()) * c;
            long row = off + (long) t * ld - r0;
            for (int ij = ij0; ij < ij1; ij++) {
                int i = ij / g.s();
                int j = ij % g.s();
                int from = Math.max(r0, ij * c);
                int to = Math.min(r1, (ij + 1) * c);
                long src = corner + ((long) i * wp + j) * c + (from - ij * c);
                CpuFloats.copy(ts, src, cs, row + from, to - from);
            }
        }
    }

    /**
     * Pixels [pc, pc + kc) (rows) and patch columns [r0, r0 + nc) of the im2row matrix, packed straight
     * into SGEMM B panels ({@link CpuPackedGemm}) one pixel row at a time. When channel runs and the
     * block are whole vectors, each vector of a run is loaded straight into its half panel;
     * otherwise a row goes through an L1 buffer first.
     */
    static void im2rowPanels(Geometry g, MemorySegment ts, long xtOff, int pc, int kc, int r0, int nc, float[] bp) {
        int c = g.c();
        int l = CpuFloats.L;
        int nr = CpuPackedGemm.NR;
        if (c % l == 0 && r0 % l == 0 && nc % l == 0 && nr % l == 0) {
            int pq = g.pq();
            int wp = g.w() + 2 * g.pad();
            long image = paddedImageSize(g);
            int last = nc / nr * nr;
            for (int p = 0; p < kc; p++) {
                int v = pc + p;
                int e = v % pq;
                long corner = xtOff + (v / pq) * image
                        + ((long) (e / g.q()) * g.stride() * wp + (long) (e % g.q()) * g.stride()) * c;
                if (last < nc) {
                    Arrays.fill(bp, last * kc + p * nr + (nc - last), last * kc + (p + 1) * nr, 0f);
                }
                for (int x = 0; x < nc; x += l) {
                    int col = r0 + x;
                    int ij = col / c;
                    long src = corner + ((long) (ij / g.s()) * wp + ij % g.s()) * c + col % c;
                    FloatVector.fromMemorySegment(CpuFloats.S, ts, src << 2, ORDER)
                            .intoArray(bp, x / nr * nr * kc + p * nr + x % nr);
                }
            }
            return;
        }
        MemorySegment row = CpuPackedGemm.rowBuffer(nc);
        for (int p = 0; p < kc; p++) {
            im2row(g, ts, xtOff, pc + p, 1, r0, r0 + nc, row, 0, nc);
            CpuPackedGemm.rowToPanels(row, nc, p, kc, bp);
        }
    }

    /**
     * The weights of the transposed convolution (backward data of a stride-1 convolution as a
     * forward one), for k in [k0, k1): f[(k, i, j)][c] = w[k][c][R-1-i][S-1-j], i.e. (K*R*S, C).
     */
    static void flippedWeights(Geometry g, MemorySegment ws, long wOff, MemorySegment fs, long fOff, int k0, int k1) {
        int rs = g.r() * g.s();
        int c = g.c();
        int vectorChannels = c / CpuFloats.L * CpuFloats.L;
        float[] block = new float[CpuFloats.L * rs];
        int[] stride = strides(rs);
        for (int k = k0; k < k1; k++) {
            long first = fOff + (long) k * rs * c;
            for (int c0 = 0; c0 < vectorChannels; c0 += CpuFloats.L) {
                MemorySegment.copy(ws, CpuFloats.F, (wOff + ((long) k * c + c0) * rs) << 2, block, 0, block.length);
                for (int ij = 0; ij < rs; ij++) {
                    FloatVector.fromArray(CpuFloats.S, block, rs - 1 - ij, stride, 0)
                            .intoMemorySegment(fs, (first + (long) ij * c + c0) << 2, ORDER);
                }
            }
            if (vectorChannels < c) {
                transpose(ws, wOff + ((long) k * c + vectorChannels) * rs, rs, c - vectorChannels, rs, fs,
                        ij -> first + (long) (rs - 1 - ij) * c + vectorChannels);
            }
        }
    }

    /**
     * dw[k][c][i][j] = g[k][(i*S + j)*C + c] for k in [k0, k1): (K, R*S*C) back to (K, C, R, S).
     * Per 16 channels: R*S vector loads scattered into a small array in (c, i, j) order, then one copy.
     */
    static void filterFromRows(Geometry g, MemorySegment gs, long gOff, MemorySegment ws, long wOff, int k0, int k1) {
        int rs = g.r() * g.s();
        int c = g.c();
        int vectorChannels = c / CpuFloats.L * CpuFloats.L;
        float[] block = new float[CpuFloats.L * rs];
        int[] stride = strides(rs);
        for (int k = k0; k < k1; k++) {
            long row = gOff + (long) k * g.crs();
            for (int c0 = 0; c0 < vectorChannels; c0 += CpuFloats.L) {
                for (int ij = 0; ij < rs; ij++) {
                    FloatVector.fromMemorySegment(CpuFloats.S, gs, (row + (long) ij * c + c0) << 2, ORDER)
                            .intoArray(block, ij, stride, 0);
                }
                MemorySegment.copy(block, 0, ws, CpuFloats.F, (wOff + (long) k * g.crs() + (long) c0 * rs) << 2,
                        block.length);
            }
            if (vectorChannels < c) {
                transpose(gs, row + vectorChannels, c, rs, c - vectorChannels, ws,
                        wOff + (long) k * g.crs() + (long) vectorChannels * rs, rs);
            }
        }
    }

    /** Index map {0, step, 2*step, ...} of one vector, for gathers and scatters. */
    private static int[] strides(int step) {
        int[] idx = new int[CpuFloats.L];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i * step;
        }
        return idx;
    }
}
