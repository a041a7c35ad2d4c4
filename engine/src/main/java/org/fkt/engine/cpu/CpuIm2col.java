package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Float32 im2col, its adjoint col2im, and regrouping between image-major (N, K, PQ) and
 * channel-major (K, b*PQ) layouts, for the tiles of {@link CpuConv2d}. Single-threaded; arrays
 * are given as (segment, element offset of their first element).
 *
 * <p>The column matrix has one row per (c, i, j) = c*R*S + i*S + j and one "virtual column" per
 * output pixel of the batch, v = img*PQ + p*Q + q. A tile is a range of rows and a range of
 * virtual columns, which may cover part of one image or several whole images.
 *
 * <p>"Same" convolutions (stride 1 and output size equal to input size, like 3x3 with padding 1)
 * take a flat path: within one image, column row (c, i, j) is input plane c read at the fixed shift
 * (i - pad)*W + (j - pad), with the lanes that fall into the padding masked to zero. The masks
 * come from per-(i, j) tables over the plane ({@link SameMasks}), so whole planes move with masked
 * vector loads and no per-row logic. Other stride-1 geometries copy row runs; stride 2 (ResNet's
 * downsampling) and larger strides go element by element (short rows), and col2im accumulates
 * each input plane in an L1-resident array.
 */
final class CpuIm2col {
    private static final int L = CpuFloats.L;

    private CpuIm2col() {
    }

    /** Convolution geometry of one call: x (N, C, H, W), w (K, C, R, S), y (N, K, P, Q). */
    record Geometry(int n, int c, int h, int w, int k, int r, int s, int p, int q, int stride, int pad) {
        int crs() {
            return c * r * s;
        }

        int pq() {
            return p * q;
        }

        boolean isPointwise() {
            return r == 1 && s == 1 && stride == 1 && pad == 0;
        }

        /** Stride 1 and an output plane the size of the input plane: the flat shifted-plane path applies. */
        boolean isSame() {
            return stride == 1 && p == h && q == w;
        }
    }

    /**
     * Validity tables of a "same" convolution: {@code gather[ij][e]} is true when output pixel e reads
     * an input pixel (not padding) at kernel offset (i, j). Rows have {@code L} slack entries (false).
     */
    record SameMasks(boolean[][] gather) {
        static SameMasks of(Geometry g) {
            boolean[][] gather = new boolean[g.r * g.s][g.pq() + L];
            for (int i = 0; i < g.r; i++) {
                for (int j = 0; j < g.s; j++) {
                    for (int p = 0; p < g.p; p++) {
                        int hIn = p - g.pad + i;
                        for (int q = 0; q < g.q; q++) {
                            int wIn = q - g.pad + j;
                            gather[i * g.s + j][p * g.q + q] = hIn >= 0 && hIn < g.h && wIn >= 0 && wIn < g.w;
                        }
                    }
                }
            }
            return new SameMasks(gather);
        }
    }

    /**
     * col[colOff + (row - r0)*ld + (v - v0)] = x at (row, v) for rows [r0, r1) and virtual columns
     * [v0, v0 + cols). x: (N, C, H, W) at xOff. masks: the tables of a same convolution, else null.
     */
    static void im2col(Geometry g, SameMasks masks, MemorySegment xs, long xOff, int r0, int r1, long v0, int cols,
                       MemorySegment cs, long colOff, int ld) {
        int pq = g.pq();
        if (masks != null) {
            int img0 = (int) (v0 / pq);
            int img1 = (int) ((v0 + cols - 1) / pq);
            for (int row = r0; row < r1; row++) {
                for (int img = img0; img <= img1; img++) {
                    int e0 = (int) Math.max(0, v0 - (long) img * pq);
                    int e1 = (int) Math.min(pq, v0 + cols - (long) img * pq);
                    long dst = colOff + (long) (row - r0) * ld + ((long) img * pq - v0);
                    rowSame(g, masks, xs, xOff + (long) img * g.c * g.h * g.w, row, e0, e1, cs, dst);
                }
            }
            return;
        }
        for (long v = v0; v < v0 + cols; ) {
            int img = (int) (v / pq);
            int e0 = (int) (v % pq);
            int e1 = (int) Math.min(pq, e0 + (v0 + cols - v));
            imageGeneral(g, xs, xOff + (long) img * g.c * g.h * g.w, r0, r1, e0, e1, cs, colOff + (v - v0), ld);
            v += e1 - e0;
        }
    }

    /**
     * Rows [pc, pc + kc) and virtual columns [v0, v0 + nc) of the column matrix, packed straight into
     * SGEMM B panels ({@link CpuPackedGemm}), never through a column matrix in L2 or memory. Same
     * convolutions whose vectors fall on panel halves (planes and the block start multiples of the
     * vector length) load straight into the panels; the rest go row by row through an L1 buffer.
     */
    static void im2colPanels(Geometry g, SameMasks masks, MemorySegment xs, long xOff, long v0, int pc, int kc,
                             int nc, float[] bp) {
        int pq = g.pq();
        int nr = CpuPackedGemm.NR;
        if (masks != null && pq % L == 0 && v0 % L == 0 && nr % L == 0) {
            int padded = (nc + nr - 1) / nr * nr;
            int img0 = (int) (v0 / pq);
            int img1 = (int) ((v0 + nc - 1) / pq);
            for (int p = 0; p < kc; p++) {
                if (padded > nc) {
                    int last = (nc / nr) * nr;
                    Arrays.fill(bp, last * kc + p * nr + (nc - last), last * kc + (p + 1) * nr, 0f);
                }
                for (int img = img0; img <= img1; img++) {
                    int e0 = (int) Math.max(0, v0 - (long) img * pq);
                    int e1 = (int) Math.min(pq, v0 + nc - (long) img * pq);
                    int x0 = (int) ((long) img * pq - v0);
                    rowSamePanels(g, masks, xs, xOff + (long) img * g.c * g.h * g.w, pc + p, e0, e1, bp, x0, p, kc);
                }
            }
            return;
        }
        MemorySegment row = CpuPackedGemm.rowBuffer(nc);
        for (int p = 0; p < kc; p++) {
            im2col(g, masks, xs, xOff, pc + p, pc + p + 1, v0, nc, row, 0, nc);
            CpuPackedGemm.rowToPanels(row, nc, p, kc, bp);
        }
    }

    /**
     * {@link #rowSame} into packed B panels: the value of column x = x0 + e goes to
     * bp[(x / NR) * NR * kc + p * NR + x % NR]; x0 and e0 are multiples of the vector length.
     */
    private static void rowSamePanels(Geometry g, SameMasks masks, MemorySegment xs, long image, int row, int e0,
                                      int e1, float[] bp, int x0, int p, int kc) {
        int nr = CpuPackedGemm.NR;
        int rs = g.r * g.s;
        int ij = row % rs;
        boolean[] valid = masks.gather[ij];
        long src = image + (long) (row / rs) * g.h * g.w + (ij / g.s - g.pad) * g.w + (ij % g.s - g.pad);
        int e = e0;
        for (; e + L <= e1; e += L) {
            int x = x0 + e;
            VectorMask<Float> m = VectorMask.fromArray(CpuFloats.S, valid, e);
            FloatVector.fromMemorySegment(CpuFloats.S, xs, (src + e) << 2, CpuFloats.ORDER, m)
                    .intoArray(bp, x / nr * nr * kc + p * nr + x % nr);
        }
        if (e < e1) {
            int x = x0 + e;
            VectorMask<Float> tail = CpuFloats.first(e1 - e);
            VectorMask<Float> m = VectorMask.fromArray(CpuFloats.S, valid, e).and(tail);
            FloatVector.fromMemorySegment(CpuFloats.S, xs, (src + e) << 2, CpuFloats.ORDER, m)
                    .intoArray(bp, x / nr * nr * kc + p * nr + x % nr, tail);
        }
    }

    /** col[dst + e] for e in [e0, e1): column row (c, i, j) of one image of a same convolution. */
    private static void rowSame(Geometry g, SameMasks masks, MemorySegment xs, long image, int row, int e0, int e1,
                                MemorySegment cs, long dst) {
        int rs = g.r * g.s;
        int ij = row % rs;
        boolean[] valid = masks.gather[ij];
        long src = image + (long) (row / rs) * g.h * g.w + (ij / g.s - g.pad) * g.w + (ij % g.s - g.pad);
        int e = e0;
        for (; e + L <= e1; e += L) {
            VectorMask<Float> m = VectorMask.fromArray(CpuFloats.S, valid, e);
            FloatVector v = FloatVector.fromMemorySegment(CpuFloats.S, xs, (src + e) << 2, CpuFloats.ORDER, m);
            v.intoMemorySegment(cs, (dst + e) << 2, CpuFloats.ORDER);
        }
        if (e < e1) {
            VectorMask<Float> tail = CpuFloats.first(e1 - e);
            VectorMask<Float> m = VectorMask.fromArray(CpuFloats.S, valid, e).and(tail);
            FloatVector v = FloatVector.fromMemorySegment(CpuFloats.S, xs, (src + e) << 2, CpuFloats.ORDER, m);
            v.intoMemorySegment(cs, (dst + e) << 2, CpuFloats.ORDER, tail);
        }
    }

    private static void imageGeneral(Geometry g, MemorySegment xs, long image, int r0, int r1, int e0, int e1,
                                     MemorySegment cs, long dst, int ld) {
        int rs = g.r * g.s;
        for (int row = r0; row < r1; row++) {
            int ch = row / rs;
            int i = row % rs / g.s;
            int j = row % g.s;
            long plane = image + (long) ch * g.h * g.w;
            long out = dst + (long) (row - r0) * ld - e0;
            for (int e = e0; e < e1; ) {
                int qa = e % g.q;
                int qb = Math.min(g.q, qa + (e1 - e));
                int hIn = e / g.q * g.stride - g.pad + i;
                long rowOut = out + e - qa;
                if (hIn < 0 || hIn >= g.h) {
                    CpuFloats.fill(cs, rowOut + qa, qb - qa, 0f);
                } else if (g.stride == 1) {
                    long rowIn = plane + (long) hIn * g.w - g.pad + j;
                    int lo = Math.clamp(g.pad - j, qa, qb);
                    int hi = Math.clamp(g.w + g.pad - j, lo, qb);
                    CpuFloats.fill(cs, rowOut + qa, lo - qa, 0f);
                    CpuFloats.copy(xs, rowIn + lo, cs, rowOut + lo, hi - lo);
                    CpuFloats.fill(cs, rowOut + hi, qb - hi, 0f);
                } else {
                    long rowIn = plane + (long) hIn * g.w;
                    for (int q = qa; q < qb; q++) {
                        int wIn = q * g.stride - g.pad + j;
                        float v = wIn >= 0 && wIn < g.w ? xs.getAtIndex(CpuFloats.F, rowIn + wIn) : 0f;
                        cs.setAtIndex(CpuFloats.F, rowOut + q, v);
                    }
                }
                e += qb - qa;
            }
        }
    }

    /**
     * Adjoint of {@link #im2col} for whole images img0 .. img0 + nb: every element of those dx
     * images becomes the sum of the dcol entries that read it. dcol: (CRS, nb*PQ) at colOff; dx:
     * (N, C, H, W) at dxOff.
     */
    static void col2im(Geometry g, MemorySegment cs, long colOff, int img0, int nb, MemorySegment xs, long dxOff) {
        int ld = nb * g.pq();
        int hw = g.h * g.w;
        float[] plane = new float[hw];
        for (int img = 0; img < nb; img++) {
            for (int ch = 0; ch < g.c; ch++) {
                Arrays.fill(plane, 0f);
                for (int i = 0; i < g.r; i++) {
                    for (int j = 0; j < g.s; j++) {
                        long row = colOff + ((long) (ch * g.r + i) * g.s + j) * ld + (long) img * g.pq();
                        int qLo = Math.max(0, Math.ceilDiv(g.pad - j, g.stride));
                        int qHi = Math.min(g.q, Math.floorDiv(g.w - 1 + g.pad - j, g.stride) + 1);
                        for (int p = 0; p < g.p; p++) {
                            int hIn = p * g.stride - g.pad + i;
                            if (hIn >= 0 && hIn < g.h) {
                                addRow(g, cs, row + (long) p * g.q, plane, hIn * g.w - g.pad + j, qLo, qHi);
                            }
                        }
                    }
                }
                long at = dxOff + ((long) (img0 + img) * g.c + ch) * hw;
                MemorySegment.copy(plane, 0, xs, CpuFloats.F, at << 2, hw);
            }
        }
    }

    /**
     * plane[at + q * stride] += dcol[src + q] for q in [qLo, qHi): one output row's entries added
     * to the input row they read (at: that row's start shifted by the kernel column and padding).
     * Scalar, into an L1-resident float[] plane: a stride-2 row of 4 to 16 entries is too short
     * for masked vector loads and stores on memory segments, whose partial masks take slow paths.
     */
    private static void addRow(Geometry g, MemorySegment cs, long src, float[] plane, int at, int qLo, int qHi) {
        int stride = g.stride;
        for (int q = qLo; q < qHi; q++) {
            plane[at + q * stride] += cs.getAtIndex(CpuFloats.F, src + q);
        }
    }

    /**
     * Images img0 .. img0 + nb of t (N, K, PQ) at tOff to (toImages) or from the channel-major
     * block m (K, nb*PQ) at mOff.
     */
    static void regroup(MemorySegment ts, long tOff, int img0, int nb, int k, int pq, MemorySegment ms, long mOff,
                        boolean toImages) {
        for (int ch = 0; ch < k; ch++) {
            for (int img = 0; img < nb; img++) {
                long mi = mOff + ((long) ch * nb + img) * pq;
                long ti = tOff + ((long) (img0 + img) * k + ch) * pq;
                if (toImages) {
                    CpuFloats.copy(ms, mi, ts, ti, pq);
                } else {
                    CpuFloats.copy(ts, ti, ms, mi, pq);
                }
            }
        }
    }
}
