package org.fkt.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 micro-kernels of the fused NT-Xent ({@link CpuNtXentTiles} drives them): an MR x NR
 * tile of similarities, the backward's weight tile times zn rows, and a vector exp. They are
 * unrolled by hand with one local per accumulator so that C2 keeps all of them in registers, touch
 * only Java arrays, and pass no vectors to calls: a vector passed to a call that is not inlined is
 * boxed, and memory-segment accessors inside a kernel use up C2's inlining budget until the vector
 * operations themselves stop being intrinsified (seen here: the kernel then runs 5x slower). See
 * {@link CpuFloats} for more of these pitfalls.
 *
 * <p>exp is a Cephes-style polynomial (within one ulp of Math.exp on [-87.5, 0.5] in the test),
 * several times faster than {@code VectorOperators.EXP} on this JDK.
 */
final class CpuNtXentKernels {
    private static final VectorSpecies<Float> S = CpuNtXentTiles.S;
    private static final int L = CpuNtXentTiles.L;
    private static final int NR = CpuNtXentTiles.NR;

    private CpuNtXentKernels() {
    }

    /**
     * The micro-kernel: an MR x NR tile of similarities over features [k0, k0 + kLen) (ap and bp
     * offsets already at k0), 16 accumulators in registers; per k 2 vector loads from bp, 8 broadcasts
     * from the row block's lanes of its panel in ap (stride NR floats per k) and 16 FMAs (the idiom
     * of {@link CpuSgemm}). The first slice of features starts from zero, later ones from the partial
     * sums in the tile; the tile receives the sums times {@code scale} (1/t after the last slice).
     */
    static void similarity(float[] ap, int aBase, float[] bp, int bBase, int kLen, boolean first, float scale,
                           float[] tile, int tOff, int ld) {
        FloatVector c0a, c0b, c1a, c1b, c2a, c2b, c3a, c3b, c4a, c4b, c5a, c5b, c6a, c6b, c7a, c7b;
        if (first) {
            FloatVector z = FloatVector.zero(S);
            c0a = z; c0b = z; c1a = z; c1b = z; c2a = z; c2b = z; c3a = z; c3b = z;
            c4a = z; c4b = z; c5a = z; c5b = z; c6a = z; c6b = z; c7a = z; c7b = z;
        } else {
            c0a = FloatVector.fromArray(S, tile, tOff);
            c0b = FloatVector.fromArray(S, tile, tOff + L);
            c1a = FloatVector.fromArray(S, tile, ld + tOff);
            c1b = FloatVector.fromArray(S, tile, ld + tOff + L);
            c2a = FloatVector.fromArray(S, tile, 2 * ld + tOff);
            c2b = FloatVector.fromArray(S, tile, 2 * ld + tOff + L);
            c3a = FloatVector.fromArray(S, tile, 3 * ld + tOff);
            c3b = FloatVector.fromArray(S, tile, 3 * ld + tOff + L);
            c4a = FloatVector.fromArray(S, tile, 4 * ld + tOff);
            c4b = FloatVector.fromArray(S, tile, 4 * ld + tOff + L);
            c5a = FloatVector.fromArray(S, tile, 5 * ld + tOff);
            c5b = FloatVector.fromArray(S, tile, 5 * ld + tOff + L);
            c6a = FloatVector.fromArray(S, tile, 6 * ld + tOff);
            c6b = FloatVector.fromArray(S, tile, 6 * ld + tOff + L);
            c7a = FloatVector.fromArray(S, tile, 7 * ld + tOff);
            c7b = FloatVector.fromArray(S, tile, 7 * ld + tOff + L);
        }
        int ai = aBase;
        for (int bi = bBase, bEnd = bBase + kLen * NR; bi < bEnd; bi += NR, ai += NR) {
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
        }
        c0a.mul(scale).intoArray(tile, tOff);
        c0b.mul(scale).intoArray(tile, tOff + L);
        c1a.mul(scale).intoArray(tile, ld + tOff);
        c1b.mul(scale).intoArray(tile, ld + tOff + L);
        c2a.mul(scale).intoArray(tile, 2 * ld + tOff);
        c2b.mul(scale).intoArray(tile, 2 * ld + tOff + L);
        c3a.mul(scale).intoArray(tile, 3 * ld + tOff);
        c3b.mul(scale).intoArray(tile, 3 * ld + tOff + L);
        c4a.mul(scale).intoArray(tile, 4 * ld + tOff);
        c4b.mul(scale).intoArray(tile, 4 * ld + tOff + L);
        c5a.mul(scale).intoArray(tile, 5 * ld + tOff);
        c5b.mul(scale).intoArray(tile, 5 * ld + tOff + L);
        c6a.mul(scale).intoArray(tile, 6 * ld + tOff);
        c6b.mul(scale).intoArray(tile, 6 * ld + tOff + L);
        c7a.mul(scale).intoArray(tile, 7 * ld + tOff);
        c7b.mul(scale).intoArray(tile, 7 * ld + tOff + L);
    }

    /**
     * acc[accBase + r*dp ..] += sum over c < cols of tile[r*ld + c] * rp[rBase + c*dp ..] for all MR
     * rows (rows past the matrix have all-zero tile rows and land in padding): per chunk of NR features
     * 16 accumulators; per column 2 loads of a zn row, 8 broadcasts, 16 FMAs. Rows are dp floats
     * (d padded to NR), so every access is a whole vector.
     */
    static void accumulate(float[] tile, int ld, int cols, float[] rp, int rBase, int dp, float[] acc,
                           int accBase) {
        for (int d0 = 0; d0 < dp; d0 += NR) {
            FloatVector z = FloatVector.zero(S);
            FloatVector c0a = z, c0b = z, c1a = z, c1b = z, c2a = z, c2b = z, c3a = z, c3b = z;
            FloatVector c4a = z, c4b = z, c5a = z, c5b = z, c6a = z, c6b = z, c7a = z, c7b = z;
            int bi = rBase + d0;
            for (int c = 0; c < cols; c++, bi += dp) {
                FloatVector b0 = FloatVector.fromArray(S, rp, bi);
                FloatVector b1 = FloatVector.fromArray(S, rp, bi + L);
                FloatVector a;
                a = FloatVector.broadcast(S, tile[c]);
                c0a = a.fma(b0, c0a);
                c0b = a.fma(b1, c0b);
                a = FloatVector.broadcast(S, tile[ld + c]);
                c1a = a.fma(b0, c1a);
                c1b = a.fma(b1, c1b);
                a = FloatVector.broadcast(S, tile[2 * ld + c]);
                c2a = a.fma(b0, c2a);
                c2b = a.fma(b1, c2b);
                a = FloatVector.broadcast(S, tile[3 * ld + c]);
                c3a = a.fma(b0, c3a);
                c3b = a.fma(b1, c3b);
                a = FloatVector.broadcast(S, tile[4 * ld + c]);
                c4a = a.fma(b0, c4a);
                c4b = a.fma(b1, c4b);
                a = FloatVector.broadcast(S, tile[5 * ld + c]);
                c5a = a.fma(b0, c5a);
                c5b = a.fma(b1, c5b);
                a = FloatVector.broadcast(S, tile[6 * ld + c]);
                c6a = a.fma(b0, c6a);
                c6b = a.fma(b1, c6b);
                a = FloatVector.broadcast(S, tile[7 * ld + c]);
                c7a = a.fma(b0, c7a);
                c7b = a.fma(b1, c7b);
            }
            int o = accBase + d0;
            FloatVector.fromArray(S, acc, o).add(c0a).intoArray(acc, o);
            FloatVector.fromArray(S, acc, o + L).add(c0b).intoArray(acc, o + L);
            o += dp;
            FloatVector.fromArray(S, acc, o).add(c1a).intoArray(acc, o);
            FloatVector.fromArray(S, acc, o + L).add(c1b).intoArray(acc, o + L);
            o += dp;
            FloatVector.fromArray(S, acc, o).add(c2a).intoArray(acc, o);
            FloatVector.fromArray(S, acc, o + L).add(c2b).intoArray(acc, o + L);
            o += dp;
            FloatVector.fromArray(S, acc, o).add(c3a).intoArray(acc, o);
            FloatVector.fromArray(S, acc, o + L).add(c3b).intoArray(acc, o + L);
            o += dp;
            FloatVector.fromArray(S, acc, o).add(c4a).intoArray(acc, o);
            FloatVector.fromArray(S, acc, o + L).add(c4b).intoArray(acc, o + L);
            o += dp;
            FloatVector.fromArray(S, acc, o).add(c5a).intoArray(acc, o);
            FloatVector.fromArray(S, acc, o + L).add(c5b).intoArray(acc, o + L);
            o += dp;
            FloatVector.fromArray(S, acc, o).add(c6a).intoArray(acc, o);
            FloatVector.fromArray(S, acc, o + L).add(c6b).intoArray(acc, o + L);
            o += dp;
            FloatVector.fromArray(S, acc, o).add(c7a).intoArray(acc, o);
            FloatVector.fromArray(S, acc, o + L).add(c7b).intoArray(acc, o + L);
        }
    }

    /**
     * e^x for x at most about 0 (larger x is not met here): x = n ln2 + r with |r| <= ln2/2, e^r by
     * the Cephes single-precision polynomial, 2^n put into the exponent bits. x is clamped at -88,
     * where n = -127 and the exponent field 0 make the result exactly 0: so e^x is 0 below about
     * -87.68 (instead of a denormal) and for minus infinity, with no mask or blend; NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-88f);
        FloatVector t = xc.fma(1.44269504088896341f, 12582912f);
        FloatVector n = t.sub(12582912f);
        FloatVector r = n.fma(FloatVector.broadcast(S, -0.693359375f), xc).add(n.mul(2.12194440e-4f));
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        FloatVector er = p.fma(r.mul(r), r).add(1f);
        IntVector bits = ((IntVector) t.reinterpretAsInts()).sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
        return er.mul((FloatVector) bits.reinterpretAsFloats());
    }
}
