package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 GEMM for the CPU backend: C = alpha * op(A) * op(B) + beta * C on row-major off-heap
 * matrices (java.lang.foreign segments, sizes, offsets and leading dimensions in elements).
 *
 * <p>Goto/BLIS structure. For each KC-deep slice of K, op(A) rows are packed into MR-row micro-panels
 * (k-major, a float[] of up to A_BLOCK floats) and op(B) columns into NR-column micro-panels (a
 * KC x NC block of B_BLOCK floats = 1 MiB, half of this machine's 2 MiB L2). The micro-kernel
 * holds a 12 x 32 tile of C in 24 vector registers (NR = two 512-bit vectors), and per k broadcasts
 * 12 elements of A and does 24 FMAs. The packing is in {@link CpuSgemmPacking}.
 *
 * <p>Unusual choices, all measured on the 2-core Sapphire Rapids box this was tuned for:
 * KC is large (up to 1024) and NC correspondingly small, because each KC slice costs one
 * read-modify-write pass over C, and those passes (C lives in L3, 12 rows 4+ KiB apart per tile)
 * cost more than streaming the A micro-panel from L2 instead of L1. Threads split C's rows (or
 * columns when n > m) into one contiguous range each and run the whole blocked loop nest on their
 * own thread-local buffers, with no barriers; that duplicates the packing of the shared operand,
 * a few percent at these sizes. Segments of a confined arena are only accessible to the calling
 * thread, so for them the work stays on the caller. Tiny products skip packing altogether.
 *
 * <p>Summation order: a long KC would make each output one FMA chain of up to 1024 terms, and the
 * rounding error of such a chain grows about as its square root (float32 convolutions carried 1.75x
 * PyTorch's error). So the micro-kernel runs a slice's k loop in equal chunks of at most CHAIN = 128
 * steps and adds each chunk's accumulators into its L1 tile: the chains are short without more
 * passes over C, for 24 vector loads, adds and stores per chunk (about 2 % of a chunk's FMA time;
 * below what the shared benchmark machine resolves). Products with k <= CHAIN are one chain, as before.
 */
public final class CpuSgemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Micro-tile: MR rows of C by NR columns (two vectors). */
    static final int MR = 12;
    static final int NR = 2 * L;
    static final int KC_MAX = 1024;
    /** Longest FMA chain per output inside a K slice (see the class comment). */
    static final int CHAIN = 128;
    /** Packed op(B) block, floats: KC x NC sized to stay in L2. */
    static final int B_BLOCK = 256 * 1024;
    /** Packed op(A) block, floats: MC x KC, bounds the per-thread buffer (8 MiB). */
    private static final int A_BLOCK = 2 * 1024 * 1024;
    /** m*n*k below this: direct loops, no packing. */
    private static final long SMALL_WORK = 4096;
    /** m*n*k below this: one thread (about where waking the other threads costs as much as it saves). */
    private static final long PARALLEL_WORK = 1L << 21;

    /** Some thread other than any caller, to ask whether a segment is confined to its owner. */
    private static final Thread PROBE = Thread.ofVirtual().unstarted(() -> { });
    static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private CpuSgemm() {
    }

    /**
     * C(m x n) = alpha * op(A) * op(B) + beta * C, row-major. op(A) is m x k (A is stored k x m when
     * transA), op(B) is k x n (B is stored n x k when transB). When beta == 0, C's old content is
     * ignored (it may hold NaN). Elements of C outside the m x n block are never written.
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            float beta, MemorySegment c, long cOff, int ldc) {
        checkArgs(transA, transB, m, n, k, aOff, lda, bOff, ldb, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        var job = new Job(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        if (k == 0 || alpha == 0f) {
            scaleC(job);
            return;
        }
        long work = (long) m * n * k;
        if (work < SMALL_WORK) {
            naive(job);
        } else if (work < PARALLEL_WORK || CpuParallel.threads() == 1 || CpuParallel.inWorker() || !shareable(a, b, c)) {
            blocked(job, 0, m, 0, n);
        } else if (m >= n) {
            int tasks = Math.min(CpuParallel.threads(), ceilDiv(m, MR));
            CpuParallel.forEach(tasks, (s, e) -> {
                for (int t = s; t < e; t++) {
                    blocked(job, split(m, MR, tasks, t), split(m, MR, tasks, t + 1), 0, n);
                }
            });
        } else {
            int tasks = Math.min(CpuParallel.threads(), ceilDiv(n, NR));
            CpuParallel.forEach(tasks, (s, e) -> {
                for (int t = s; t < e; t++) {
                    blocked(job, 0, m, split(n, NR, tasks, t), split(n, NR, tasks, t + 1));
                }
            });
        }
    }

    private static void checkArgs(boolean transA, boolean transB, int m, int n, int k,
            long aOff, int lda, long bOff, int ldb, long cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative size " + m + "x" + n + "x" + k);
        }
        if (aOff < 0 || bOff < 0 || cOff < 0) {
            throw new IllegalArgumentException("negative offset");
        }
        if (lda < (transA ? m : k) || ldb < (transB ? k : n) || ldc < n) {
            throw new IllegalArgumentException("leading dimension too small: lda=" + lda + " ldb=" + ldb
                    + " ldc=" + ldc + " for " + (transA ? "A^T " : "A ") + (transB ? "B^T " : "B ")
                    + m + "x" + n + "x" + k);
        }
    }

    /** Whether pool threads may touch the segments (false for a confined arena owned by the caller). */
    private static boolean shareable(MemorySegment a, MemorySegment b, MemorySegment c) {
        return a.isAccessibleBy(PROBE) && b.isAccessibleBy(PROBE) && c.isAccessibleBy(PROBE);
    }

    /** Start of part i of [0, total) cut into {@code parts} ranges whose bounds are multiples of unit. */
    private static int split(int total, int unit, int parts, int i) {
        int units = ceilDiv(total, unit);
        return Math.min(total, (int) ((long) units * i / parts) * unit);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** The block size (a multiple of unit, at most about max) that cuts total into equal blocks. */
    static int blockSize(int total, int unit, int max) {
        int blocks = ceilDiv(total, max);
        return ceilDiv(ceilDiv(total, blocks), unit) * unit;
    }

    /** C[m0:m1, n0:n1] on the current thread: the Goto loop nest over K slices, M blocks, N blocks. */
    private static void blocked(Job job, int m0, int m1, int n0, int n1) {
        Workspace ws = WORKSPACE.get();
        int kcMax = blockSize(job.k, 1, KC_MAX);
        int mcMax = blockSize(m1 - m0, MR, Math.max(MR, A_BLOCK / kcMax / MR * MR));
        int ncMax = blockSize(n1 - n0, NR, Math.max(NR, B_BLOCK / kcMax / NR * NR));
        // Slack past the packed panels, kept from when the packing scattered with masks.
        float[] ap = ws.ap(mcMax * kcMax + L * MR);
        float[] bp = ws.bp(ncMax * kcMax + L * NR);
        Out o = ws.out;
        o.bind(job);
        try {
            for (int pc = 0; pc < job.k; pc += kcMax) {
                int kc = Math.min(kcMax, job.k - pc);
                o.beta = pc == 0 ? job.beta : 1f;
                for (int ic = m0; ic < m1; ic += mcMax) {
                    int mc = Math.min(mcMax, m1 - ic);
                    CpuSgemmPacking.packA(job.transA, job.a, job.aOff, job.lda, ic, mc, pc, kc, ap, 0);
                    for (int jc = n0; jc < n1; jc += ncMax) {
                        int nc = Math.min(ncMax, n1 - jc);
                        CpuSgemmPacking.packB(job.transB, job.b, job.bOff, job.ldb, pc, kc, jc, nc, bp);
                        macro(ap, 0, bp, kc, mc, nc, o, job.cOff + (long) ic * job.ldc + jc);
                    }
                }
            }
        } finally {
            o.c = null;
        }
    }

    /** All micro-tiles of one packed (mc x kc) x (kc x nc) block product, A panels from ap[aBase]; C tile at cIdx. */
    static void macro(float[] ap, int aBase, float[] bp, int kc, int mc, int nc, Out o, long cIdx) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            long rowIdx = cIdx + (long) ir * o.ldc;
            for (int jr = 0; jr < nc; jr += NR) {
                kernel(ap, aBase + ir * kc, bp, jr * kc, kc, o, rowIdx + jr, mr, Math.min(NR, nc - jr));
            }
        }
    }

    /**
     * The micro-kernel: C tile (mr x nr at cIdx, at most MR x NR) = alpha * A panel * B panel + beta * C,
     * where the A panel is kc x MR and the B panel kc x NR, both k-major and zero-padded. Deliberately
     * unrolled: the 24 accumulators are separate locals so that C2 keeps them in registers; the loop
     * body is 2 vector loads, 12 broadcasts and 24 FMAs. The k loop runs in equal chunks of at most
     * CHAIN steps; each chunk's accumulators go into the tile (stored by the first chunk, added by the
     * later ones), so that no output is one FMA chain longer than CHAIN. The finished tile goes to
     * {@link Out#flush}, which keeps this method within C2's inlining budget (vector values passed to
     * a call that is not inlined get boxed) at the cost of 24 L1 stores and loads per chunk.
     */
    static void kernel(float[] ap, int aBase, float[] bp, int bBase, int kc, Out o, long cIdx,
            int mr, int nr) {
        float[] t = o.tile;
        int chunk = ceilDiv(kc, ceilDiv(kc, CHAIN)) * NR;
        int ai = aBase;
        int bi = bBase;
        int bEnd = bBase + kc * NR;
        for (boolean add = false; ; add = true) {
            FloatVector z = FloatVector.zero(S);
            FloatVector c0a = z, c0b = z, c1a = z, c1b = z, c2a = z, c2b = z, c3a = z, c3b = z;
            FloatVector c4a = z, c4b = z, c5a = z, c5b = z, c6a = z, c6b = z, c7a = z, c7b = z;
            FloatVector c8a = z, c8b = z, c9a = z, c9b = z, c10a = z, c10b = z, c11a = z, c11b = z;
            for (int cEnd = Math.min(bEnd, bi + chunk); bi < cEnd; bi += NR, ai += MR) {
                FloatVector b0 = FloatVector.fromArray(S, bp, bi);
                FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
                FloatVector a;
                a = FloatVector.broadcast(S, ap[ai]);
                c0a = a.fma(b0, c0a);
                c0b = a.fma(b1, c0b);
                a = FloatVector.broadcast(S, ap[ai + 1]);
                c1a = a.fma(b0, c1a);
                c1b = a.fma(b1, c1b);
                a = FloatVector.broadcast(S, ap[ai + 2]);
                c2a = a.fma(b0, c2a);
                c2b = a.fma(b1, c2b);
                a = FloatVector.broadcast(S, ap[ai + 3]);
                c3a = a.fma(b0, c3a);
                c3b = a.fma(b1, c3b);
                a = FloatVector.broadcast(S, ap[ai + 4]);
                c4a = a.fma(b0, c4a);
                c4b = a.fma(b1, c4b);
                a = FloatVector.broadcast(S, ap[ai + 5]);
                c5a = a.fma(b0, c5a);
                c5b = a.fma(b1, c5b);
                a = FloatVector.broadcast(S, ap[ai + 6]);
                c6a = a.fma(b0, c6a);
                c6b = a.fma(b1, c6b);
                a = FloatVector.broadcast(S, ap[ai + 7]);
                c7a = a.fma(b0, c7a);
                c7b = a.fma(b1, c7b);
                a = FloatVector.broadcast(S, ap[ai + 8]);
                c8a = a.fma(b0, c8a);
                c8b = a.fma(b1, c8b);
                a = FloatVector.broadcast(S, ap[ai + 9]);
                c9a = a.fma(b0, c9a);
                c9b = a.fma(b1, c9b);
                a = FloatVector.broadcast(S, ap[ai + 10]);
                c10a = a.fma(b0, c10a);
                c10b = a.fma(b1, c10b);
                a = FloatVector.broadcast(S, ap[ai + 11]);
                c11a = a.fma(b0, c11a);
                c11b = a.fma(b1, c11b);
            }
            if (add) {
                c0a.add(FloatVector.fromArray(S, t, 0)).intoArray(t, 0);
                c0b.add(FloatVector.fromArray(S, t, L)).intoArray(t, L);
                c1a.add(FloatVector.fromArray(S, t, NR)).intoArray(t, NR);
                c1b.add(FloatVector.fromArray(S, t, NR + L)).intoArray(t, NR + L);
                c2a.add(FloatVector.fromArray(S, t, 2 * NR)).intoArray(t, 2 * NR);
                c2b.add(FloatVector.fromArray(S, t, 2 * NR + L)).intoArray(t, 2 * NR + L);
                c3a.add(FloatVector.fromArray(S, t, 3 * NR)).intoArray(t, 3 * NR);
                c3b.add(FloatVector.fromArray(S, t, 3 * NR + L)).intoArray(t, 3 * NR + L);
                c4a.add(FloatVector.fromArray(S, t, 4 * NR)).intoArray(t, 4 * NR);
                c4b.add(FloatVector.fromArray(S, t, 4 * NR + L)).intoArray(t, 4 * NR + L);
                c5a.add(FloatVector.fromArray(S, t, 5 * NR)).intoArray(t, 5 * NR);
                c5b.add(FloatVector.fromArray(S, t, 5 * NR + L)).intoArray(t, 5 * NR + L);
                c6a.add(FloatVector.fromArray(S, t, 6 * NR)).intoArray(t, 6 * NR);
                c6b.add(FloatVector.fromArray(S, t, 6 * NR + L)).intoArray(t, 6 * NR + L);
                c7a.add(FloatVector.fromArray(S, t, 7 * NR)).intoArray(t, 7 * NR);
                c7b.add(FloatVector.fromArray(S, t, 7 * NR + L)).intoArray(t, 7 * NR + L);
                c8a.add(FloatVector.fromArray(S, t, 8 * NR)).intoArray(t, 8 * NR);
                c8b.add(FloatVector.fromArray(S, t, 8 * NR + L)).intoArray(t, 8 * NR + L);
                c9a.add(FloatVector.fromArray(S, t, 9 * NR)).intoArray(t, 9 * NR);
                c9b.add(FloatVector.fromArray(S, t, 9 * NR + L)).intoArray(t, 9 * NR + L);
                c10a.add(FloatVector.fromArray(S, t, 10 * NR)).intoArray(t, 10 * NR);
                c10b.add(FloatVector.fromArray(S, t, 10 * NR + L)).intoArray(t, 10 * NR + L);
                c11a.add(FloatVector.fromArray(S, t, 11 * NR)).intoArray(t, 11 * NR);
                c11b.add(FloatVector.fromArray(S, t, 11 * NR + L)).intoArray(t, 11 * NR + L);
            } else {
                c0a.intoArray(t, 0);
                c0b.intoArray(t, L);
                c1a.intoArray(t, NR);
                c1b.intoArray(t, NR + L);
                c2a.intoArray(t, 2 * NR);
                c2b.intoArray(t, 2 * NR + L);
                c3a.intoArray(t, 3 * NR);
                c3b.intoArray(t, 3 * NR + L);
                c4a.intoArray(t, 4 * NR);
                c4b.intoArray(t, 4 * NR + L);
                c5a.intoArray(t, 5 * NR);
                c5b.intoArray(t, 5 * NR + L);
                c6a.intoArray(t, 6 * NR);
                c6b.intoArray(t, 6 * NR + L);
                c7a.intoArray(t, 7 * NR);
                c7b.intoArray(t, 7 * NR + L);
                c8a.intoArray(t, 8 * NR);
                c8b.intoArray(t, 8 * NR + L);
                c9a.intoArray(t, 9 * NR);
                c9b.intoArray(t, 9 * NR + L);
                c10a.intoArray(t, 10 * NR);
                c10b.intoArray(t, 10 * NR + L);
                c11a.intoArray(t, 11 * NR);
                c11b.intoArray(t, 11 * NR + L);
            }
            if (bi == bEnd) {
                break;
            }
        }
        o.flush(cIdx, mr, nr);
    }

    /** C = beta * C on the m x n block (k == 0 or alpha == 0). */
    private static void scaleC(Job j) {
        for (int i = 0; i < j.m; i++) {
            long row = j.cOff + (long) i * j.ldc;
            for (int x = 0; x < j.n; x++) {
                float v = j.beta == 0f ? 0f : j.beta * j.c.getAtIndex(F, row + x);
                j.c.setAtIndex(F, row + x, v);
            }
        }
    }

    /** Direct triple loop for tiny products, where packing would dominate. */
    private static void naive(Job j) {
        long aRow = j.transA ? 1 : j.lda;
        long aCol = j.transA ? j.lda : 1;
        long bRow = j.transB ? 1 : j.ldb;
        long bCol = j.transB ? j.ldb : 1;
        for (int i = 0; i < j.m; i++) {
            for (int x = 0; x < j.n; x++) {
                float s = 0f;
                for (int p = 0; p < j.k; p++) {
                    s = Math.fma(j.a.getAtIndex(F, j.aOff + i * aRow + p * aCol),
                            j.b.getAtIndex(F, j.bOff + p * bRow + x * bCol), s);
                }
                long ci = j.cOff + (long) i * j.ldc + x;
                float v = j.alpha * s;
                if (j.beta != 0f) {
                    v += j.beta * j.c.getAtIndex(F, ci);
                }
                j.c.setAtIndex(F, ci, v);
            }
        }
    }

    private record Job(boolean transA, boolean transB, int m, int n, int k, float alpha,
            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            float beta, MemorySegment c, long cOff, int ldc) {
    }

    /** The micro-kernel's output: its tile, and C, ldc, alpha and this K slice's beta to apply it with. */
    static final class Out {
        final float[] tile = new float[MR * NR];
        MemorySegment c;
        long ldc;
        float alpha;
        float beta;

        void bind(Job j) {
            bind(j.c, j.ldc, j.alpha);
        }

        void bind(MemorySegment c, long ldc, float alpha) {
            this.c = c;
            this.ldc = ldc;
            this.alpha = alpha;
        }

        /** Writes the top-left mr x nr corner of the tile into C at cIdx: alpha * tile + beta * C. */
        void flush(long cIdx, int mr, int nr) {
            if (nr == NR) {
                for (int i = 0; i < mr; i++) {
                    long row = cIdx + i * ldc;
                    store(FloatVector.fromArray(S, tile, i * NR), row << 2);
                    store(FloatVector.fromArray(S, tile, i * NR + L), (row + L) << 2);
                }
                return;
            }
            for (int i = 0; i < mr; i++) {
                long row = cIdx + i * ldc;
                for (int x = 0; x < nr; x++) {
                    float v = alpha * tile[i * NR + x];
                    if (beta != 0f) {
                        v += beta * c.getAtIndex(F, row + x);
                    }
                    c.setAtIndex(F, row + x, v);
                }
            }
        }

        private void store(FloatVector acc, long off) {
            if (beta == 0f) {
                acc.mul(alpha).intoMemorySegment(c, off, LE);
            } else if (beta == 1f) {
                acc.fma(FloatVector.broadcast(S, alpha), FloatVector.fromMemorySegment(S, c, off, LE))
                        .intoMemorySegment(c, off, LE);
            } else {
                acc.fma(FloatVector.broadcast(S, alpha), FloatVector.fromMemorySegment(S, c, off, LE).mul(beta))
                        .intoMemorySegment(c, off, LE);
            }
        }
    }

    /** Per-thread packing buffers, grown on demand and kept for the thread's lifetime. */
    static final class Workspace {
        final Out out = new Out();
        float[] ap = new float[0];
        float[] bp = new float[0];

        float[] ap(int size) {
            if (ap.length < size) {
                ap = new float[size];
            }
            return ap;
        }

        float[] bp(int size) {
            if (bp.length < size) {
                bp = new float[size];
            }
            return bp;
        }
    }
}
