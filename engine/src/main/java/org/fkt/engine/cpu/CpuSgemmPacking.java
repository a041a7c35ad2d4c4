package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packing for {@link CpuSgemm}: op(A) into MR-row and op(B) into NR-column micro-panels, k-major and
 * zero-padded, in the layouts its micro-kernel reads. Both transposes (op(A) non-transposed, op(B)
 * transposed) are vector loads plus scatters, so the four transpose variants cost about the same.
 */
final class CpuSgemmPacking {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final int MR = CpuSgemm.MR;
    private static final int NR = CpuSgemm.NR;
    /** The first MR lanes: one packed row of an A micro-panel (when L >= MR). */
    private static final VectorMask<Float> A_STORE = S.indexInRange(0, MR);
    static final int[] A_STRIDE = strides(MR);
    private static final int[] B_STRIDE = strides(NR);

    private CpuSgemmPacking() {
    }

    /** Scatter index map {0, stride, 2*stride, ...} for one vector. */
    private static int[] strides(int stride) {
        int[] idx = new int[L];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i * stride;
        }
        return idx;
    }

    /**
     * Packs op(A)[ic:ic+mc, pc:pc+kc] as MR-row micro-panels from ap[at]: panel r holds element
     * (r*MR + i, p) at ap[at + r*MR*kc + p*MR + i]; rows past mc are zero. Transposed A is read one
     * stored row (fixed p) at a time across all panels, so that each source page is visited once.
     */
    static void packA(boolean transA, MemorySegment a, long aOff, int lda, int ic, int mc, int pc, int kc,
                      float[] ap, int at) {
        if (!transA) {
            for (int ir = 0; ir < mc; ir += MR) {
                long src = aOff + (long) (ic + ir) * lda + pc;
                transposeInto(a, src, lda, Math.min(MR, mc - ir), kc, ap, at + ir * kc, MR, A_STRIDE);
            }
            return;
        }
        if (L < MR) {
            packATransposedScalar(a, aOff, lda, ic, mc, pc, kc, ap, at);
            return;
        }
        int full = mc / MR * MR;
        VectorMask<Float> tail = S.indexInRange(0, mc - full);
        long src = aOff + (long) pc * lda + ic;
        for (int p = 0; p < kc; p++, src += lda) {
            for (int ir = 0; ir < full; ir += MR) {
                FloatVector.fromMemorySegment(S, a, (src + ir) << 2, LE, A_STORE)
                        .intoArray(ap, at + ir * kc + p * MR, A_STORE);
            }
            if (full < mc) {
                FloatVector.fromMemorySegment(S, a, (src + full) << 2, LE, tail)
                        .intoArray(ap, at + full * kc + p * MR, A_STORE);
            }
        }
    }

    /** {@link #packA} for transposed A when a vector is narrower than a packed row (no AVX-512). */
    private static void packATransposedScalar(MemorySegment a, long aOff, int lda, int ic, int mc, int pc, int kc,
                                              float[] ap, int at) {
        for (int p = 0; p < kc; p++) {
            long src = aOff + (long) (pc + p) * lda + ic;
            for (int r = 0; r < mc; r++) {
                ap[at + r / MR * MR * kc + p * MR + r % MR] = a.getAtIndex(F, src + r);
            }
            for (int r = mc; r % MR != 0; r++) {
                ap[at + r / MR * MR * kc + p * MR + r % MR] = 0f;
            }
        }
    }

    /**
     * Packs op(B)[pc:pc+kc, jc:jc+nc] as NR-column micro-panels: panel r holds element (p, r*NR + x)
     * at bp[r*NR*kc + p*NR + x]; columns past nc are zero. Non-transposed B is read row by row so
     * that each source page is visited once per block.
     */
    static void packB(boolean transB, MemorySegment b, long bOff, int ldb, int pc, int kc, int jc, int nc,
                      float[] bp) {
        if (transB) {
            for (int jr = 0; jr < nc; jr += NR) {
                long src = bOff + (long) (jc + jr) * ldb + pc;
                transposeInto(b, src, ldb, Math.min(NR, nc - jr), kc, bp, jr * kc, NR, B_STRIDE);
            }
            return;
        }
        int full = nc / NR * NR;
        long src = bOff + (long) pc * ldb + jc;
        for (int p = 0; p < kc; p++, src += ldb) {
            for (int jr = 0; jr < full; jr += NR) {
                int dst = jr * kc + p * NR;
                FloatVector.fromMemorySegment(S, b, (src + jr) << 2, LE).intoArray(bp, dst);
                FloatVector.fromMemorySegment(S, b, (src + jr + L) << 2, LE).intoArray(bp, dst + L);
            }
            if (full < nc) {
                int dst = full * kc + p * NR;
                for (int v = 0; v < NR; v += L) {
                    VectorMask<Float> mask = S.indexInRange(full + v, nc);
                    FloatVector.fromMemorySegment(S, b, (src + full + v) << 2, LE, mask).intoArray(bp, dst + v);
                }
            }
        }
    }

    /**
     * dst[off + p*width + i] = src[srcIdx + i*ld + p] for i < rows, p < len, and 0 for rows <= i < width:
     * transposes up to {@code width} contiguous source rows into one micro-panel, one vector of p at a
     * time (vector load, unmasked scatter with stride width); the last len mod L columns go element by
     * element. No masks: a tail mask made in the loop is not intrinsified, and C2 then boxed every
     * vector of the loop.
     */
    static void transposeInto(MemorySegment src, long srcIdx, int ld, int rows, int len,
            float[] dst, int off, int width, int[] stride) {
        FloatVector zero = FloatVector.zero(S);
        int full = len - len % L;
        for (int p = 0; p < full; p += L) {
            for (int i = 0; i < rows; i++) {
                FloatVector.fromMemorySegment(S, src, (srcIdx + (long) i * ld + p) << 2, LE)
                        .intoArray(dst, off + p * width + i, stride, 0);
            }
            for (int i = rows; i < width; i++) {
                zero.intoArray(dst, off + p * width + i, stride, 0);
            }
        }
        for (int p = full; p < len; p++) {
            for (int i = 0; i < width; i++) {
                dst[off + p * width + i] = i < rows ? src.getAtIndex(F, srcIdx + (long) i * ld + p) : 0f;
            }
        }
    }
}
