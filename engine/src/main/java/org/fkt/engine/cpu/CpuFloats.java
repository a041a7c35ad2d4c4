package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 loops over off-heap memory with the Vector API, the fast paths under the CPU kernels
 * (float64 keeps the generic {@link CpuBuf} code as the reference). Every method works on one
 * thread over a run of {@code n} elements given as (segment, element index); callers parallelise.
 *
 * <p>Arithmetic with scalar coefficients (scaled adds, batch norm) and sums widen floats to
 * double lanes (half-width float loads, one conversion), so each result is rounded once, exactly
 * as in the generic path, at no cost that shows in these memory-bound loops; the LARS norms sum
 * in float lanes over blocks of {@link #BLOCK} elements and in double across blocks. Tails
 * shorter than one vector use masked loads and stores rather than scalar loops.
 *
 * <p>Two C2 pitfalls shape the code here and in the other float32 kernels. Vector constants are
 * made in place ({@code FloatVector.zero}) rather than kept in static fields: a loop-carried vector
 * that starts from a static vector object is boxed on every iteration. And loads and stores call
 * {@code FloatVector.fromMemorySegment}/{@code intoMemorySegment} directly rather than through small
 * helpers: in a large method C2 may not inline the helper, and a vector passed to or returned from
 * a call that is not inlined is boxed.
 */
final class CpuFloats {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Doubles as wide as a preferred vector, and floats of the same lane count (half as wide). */
    private static final VectorSpecies<Double> SD = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> SH =
            VectorSpecies.of(float.class, VectorShape.forBitSize(SD.vectorBitSize() / 2));
    private static final int H = SD.length();
    /** Elements summed in float lanes before the partial sum moves to double. */
    private static final int BLOCK = 256;

    private CpuFloats() {
    }

    /** Mask of the first {@code n} lanes (n may exceed L). */
    static VectorMask<Float> first(long n) {
        return S.indexInRange(0, (int) Math.min(n, L));
    }

    /** d[0..n) = v. */
    static void fill(MemorySegment d, long di, long n, float v) {
        if (Float.floatToRawIntBits(v) == 0) {
            d.asSlice(di << 2, n << 2).fill((byte) 0);
            return;
        }
        FloatVector fv = FloatVector.broadcast(S, v);
        long i = 0;
        for (; i + L <= n; i += L) {
            fv.intoMemorySegment(d, (di + i) << 2, ORDER);
        }
        if (i < n) {
            fv.intoMemorySegment(d, (di + i) << 2, ORDER, first(n - i));
        }
    }

    /** d[0..n) = s[0..n); short runs by vectors (the tail scalar), long ones by a bulk copy. */
    static void copy(MemorySegment s, long si, MemorySegment d, long di, long n) {
        if (n >= 4 * L) {
            MemorySegment.copy(s, si << 2, d, di << 2, n << 2);
            return;
        }
        long i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromMemorySegment(S, s, (si + i) << 2, ORDER).intoMemorySegment(d, (di + i) << 2, ORDER);
        }
        for (; i < n; i++) {
            d.setAtIndex(F, di + i, s.getAtIndex(F, si + i));
        }
    }

    /** o = alpha * a + beta * b (o may be a or b), in double lanes, rounded once. */
    static void axpby(MemorySegment a, long ai, double alpha, MemorySegment b, long bi, double beta,
                      MemorySegment o, long oi, long n) {
        long i = 0;
        for (; i + H <= n; i += H) {
            narrow(widen(a, ai + i).mul(alpha).add(widen(b, bi + i).mul(beta)), o, oi + i);
        }
        if (i < n) {
            DoubleVector v = widenTail(a, ai + i, n - i).mul(alpha).add(widenTail(b, bi + i, n - i).mul(beta));
            narrowTail(v, o, oi + i, n - i);
        }
    }

    /** acc += alpha * x, in double lanes, rounded once. */
    static void axpy(MemorySegment acc, long ai, double alpha, MemorySegment x, long xi, long n) {
        DoubleVector va = DoubleVector.broadcast(SD, alpha);
        long i = 0;
        for (; i + H <= n; i += H) {
            narrow(widen(x, xi + i).fma(va, widen(acc, ai + i)), acc, ai + i);
        }
        if (i < n) {
            narrowTail(widenTail(x, xi + i, n - i).fma(va, widenTail(acc, ai + i, n - i)), acc, ai + i, n - i);
        }
    }

    /** o = alpha * x (o may be x), in double lanes, rounded once. */
    static void scale(MemorySegment x, long xi, double alpha, MemorySegment o, long oi, long n) {
        long i = 0;
        for (; i + H <= n; i += H) {
            narrow(widen(x, xi + i).mul(alpha), o, oi + i);
        }
        if (i < n) {
            narrowTail(widenTail(x, xi + i, n - i).mul(alpha), o, oi + i, n - i);
        }
    }

    /**
     * The sum of v's lanes in lane order. reduceLanes(ADD) on floating-point lanes may add in a different
     * order in interpreted and in compiled code, so the same run gave different bits depending on when the
     * JIT compiled a loop; a fixed order keeps training runs reproducible.
     */
    static double sumLanes(DoubleVector v) {
        double s = 0;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** As {@link #sumLanes(DoubleVector)}, in float. */
    static float sumLanes(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /**
     * y = x > 0 ? x : 0, NaN stays NaN (as torch.relu, so a diverged loss shows), -0 becomes +0. Full vectors
     * unmasked, the tail masked.
     */
    static void relu(MemorySegment x, long xi, MemorySegment y, long yi, long n) {
        FloatVector zero = FloatVector.zero(S);
        long i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(S, x, (xi + i) << 2, ORDER);
            VectorMask<Float> keep = v.compare(VectorOperators.GT, 0f).or(v.test(VectorOperators.IS_NAN));
            zero.blend(v, keep).intoMemorySegment(y, (yi + i) << 2, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = first(n - i);
            FloatVector v = FloatVector.fromMemorySegment(S, x, (xi + i) << 2, ORDER, m);
            VectorMask<Float> keep = v.compare(VectorOperators.GT, 0f).or(v.test(VectorOperators.IS_NAN));
            zero.blend(v, keep).intoMemorySegment(y, (yi + i) << 2, ORDER, m);
        }
    }

    /** dx = y > 0 ? dy : 0. Full vectors unmasked, the tail masked. */
    static void reluBackward(MemorySegment y, long yi, MemorySegment dy, long gi, MemorySegment dx, long di, long n) {
        FloatVector zero = FloatVector.zero(S);
        long i = 0;
        for (; i + L <= n; i += L) {
            VectorMask<Float> pos = FloatVector.fromMemorySegment(S, y, (yi + i) << 2, ORDER)
                    .compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromMemorySegment(S, dy, (gi + i) << 2, ORDER), pos)
                    .intoMemorySegment(dx, (di + i) << 2, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = first(n - i);
            VectorMask<Float> pos = FloatVector.fromMemorySegment(S, y, (yi + i) << 2, ORDER, m)
                    .compare(VectorOperators.GT, 0f);
            FloatVector g = FloatVector.fromMemorySegment(S, dy, (gi + i) << 2, ORDER, m);
            zero.blend(g, pos).intoMemorySegment(dx, (di + i) << 2, ORDER, m);
        }
    }

    /** Sum of x[0..n), in double lanes. */
    static double sum(MemorySegment x, long xi, long n) {
        DoubleVector acc = DoubleVector.zero(SD);
        long i = 0;
        for (; i + H <= n; i += H) {
            acc = acc.add(widen(x, xi + i));
        }
        if (i < n) {
            acc = acc.add(widenTail(x, xi + i, n - i));
        }
        return sumLanes(acc);
    }

    /** Sum of (x - c)^2 over x[0..n), in double lanes. */
    static double centredSquares(MemorySegment x, long xi, double c, long n) {
        DoubleVector acc = DoubleVector.zero(SD);
        long i = 0;
        for (; i + H <= n; i += H) {
            DoubleVector d = widen(x, xi + i).sub(c);
            acc = d.fma(d, acc);
        }
        if (i < n) {
            VectorMask<Double> m = SD.indexInRange(0, (int) (n - i));
            DoubleVector d = widenTail(x, xi + i, n - i).sub(c);
            acc = acc.add(d.mul(d), m);
        }
        return sumLanes(acc);
    }

    /** Sums of dy and of dy * (x - c) over [0..n) added to {@code out[0]} and {@code out[1]}, in double lanes. */
    static void dotCentred(MemorySegment dy, long gi, MemorySegment x, long xi, double c, long n, double[] out) {
        DoubleVector a0 = DoubleVector.zero(SD);
        DoubleVector a1 = DoubleVector.zero(SD);
        long i = 0;
        for (; i + H <= n; i += H) {
            DoubleVector g = widen(dy, gi + i);
            a0 = a0.add(g);
            a1 = widen(x, xi + i).sub(c).fma(g, a1);
        }
        if (i < n) {
            DoubleVector g = widenTail(dy, gi + i, n - i);
            a0 = a0.add(g);
            a1 = widenTail(x, xi + i, n - i).sub(c).fma(g, a1);
        }
        out[0] += sumLanes(a0);
        out[1] += sumLanes(a1);
    }

    /** o = (x - c) * mul + add, computed in double lanes and rounded once (o may be x). */
    static void centredAffine(MemorySegment x, long xi, double c, double mul, double add, MemorySegment o, long oi,
                              long n) {
        DoubleVector vm = DoubleVector.broadcast(SD, mul);
        DoubleVector va = DoubleVector.broadcast(SD, add);
        long i = 0;
        for (; i + H <= n; i += H) {
            narrow(widen(x, xi + i).sub(c).fma(vm, va), o, oi + i);
        }
        if (i < n) {
            narrowTail(widenTail(x, xi + i, n - i).sub(c).fma(vm, va), o, oi + i, n - i);
        }
    }

    /**
     * dx = k * dy + b * (x - c) + a, the batch-norm gradient, computed in double lanes and rounded
     * once: its terms nearly cancel when dy is close to its projection on (1, xhat), and float
     * coefficients would leave their rounding in the small result.
     */
    static void bnGrad(MemorySegment dy, long gi, MemorySegment x, long xi, double c, double k, double b, double a,
                       MemorySegment dx, long di, long n) {
        DoubleVector vk = DoubleVector.broadcast(SD, k);
        DoubleVector vb = DoubleVector.broadcast(SD, b);
        DoubleVector va = DoubleVector.broadcast(SD, a);
        long i = 0;
        for (; i + H <= n; i += H) {
            DoubleVector t = widen(x, xi + i).sub(c).fma(vb, va);
            narrow(widen(dy, gi + i).fma(vk, t), dx, di + i);
        }
        if (i < n) {
            DoubleVector t = widenTail(x, xi + i, n - i).sub(c).fma(vb, va);
            narrowTail(widenTail(dy, gi + i, n - i).fma(vk, t), dx, di + i, n - i);
        }
    }

    /**
     * The H floats at x[xi] as double lanes. Loops call this for whole vectors and
     * {@link #widenTail} once for the rest: a mask made on every iteration is not intrinsified,
     * and a vector chosen between a masked and an unmasked load inside the loop got boxed.
     */
    private static DoubleVector widen(MemorySegment x, long xi) {
        return (DoubleVector) FloatVector.fromMemorySegment(SH, x, xi << 2, ORDER)
                .convertShape(VectorOperators.F2D, SD, 0);
    }

    /** The next {@code left} (< H) floats at x[xi] as double lanes, lanes past them 0. */
    private static DoubleVector widenTail(MemorySegment x, long xi, long left) {
        return (DoubleVector) FloatVector.fromMemorySegment(SH, x, xi << 2, ORDER, SH.indexInRange(0, (int) left))
                .convertShape(VectorOperators.F2D, SD, 0);
    }

    /** Stores v rounded to float at o[oi] (H lanes). */
    private static void narrow(DoubleVector v, MemorySegment o, long oi) {
        ((FloatVector) v.convertShape(VectorOperators.D2F, SH, 0)).intoMemorySegment(o, oi << 2, ORDER);
    }

    /** Stores the first {@code left} (< H) lanes of v, rounded to float, at o[oi]. */
    private static void narrowTail(DoubleVector v, MemorySegment o, long oi, long left) {
        ((FloatVector) v.convertShape(VectorOperators.D2F, SH, 0))
                .intoMemorySegment(o, oi << 2, ORDER, SH.indexInRange(0, (int) left));
    }

    /** LARS norms: {sum w^2, sum (g + wd*w)^2}, blocked like {@link #sum}. */
    static double[] larsSquares(MemorySegment w, long wi, MemorySegment g, long gi, float wd, long n) {
        double ws = 0;
        double gs = 0;
        for (long b = 0; b < n; b += BLOCK) {
            long len = Math.min(BLOCK, n - b);
            FloatVector aw = FloatVector.zero(S);
            FloatVector ag = FloatVector.zero(S);
            for (long i = 0; i < len; i += L) {
                VectorMask<Float> m = first(len - i);
                FloatVector vw = FloatVector.fromMemorySegment(S, w, (wi + b + i) << 2, ORDER, m);
                FloatVector vg = FloatVector.fromMemorySegment(S, g, (gi + b + i) << 2, ORDER, m).add(vw.mul(wd));
                aw = vw.fma(vw, aw);
                ag = vg.fma(vg, ag);
            }
            ws += sumLanes(aw);
            gs += sumLanes(ag);
        }
        return new double[] {ws, gs};
    }

    /** LARS update: g' = g + wd*w; v = momentum*v + lr*g'; w -= nesterov ? momentum*v + lr*g' : v. */
    static void larsUpdate(MemorySegment w, long wi, MemorySegment g, long gi, MemorySegment v, long vi,
                           float wd, float momentum, float lr, boolean nesterov, long n) {
        for (long i = 0; i < n; i += L) {
            VectorMask<Float> m = first(n - i);
            FloatVector vw = FloatVector.fromMemorySegment(S, w, (wi + i) << 2, ORDER, m);
            FloatVector vg = FloatVector.fromMemorySegment(S, g, (gi + i) << 2, ORDER, m).add(vw.mul(wd));
            FloatVector next = FloatVector.fromMemorySegment(S, v, (vi + i) << 2, ORDER, m).mul(momentum)
                    .add(vg.mul(lr));
            next.intoMemorySegment(v, (vi + i) << 2, ORDER, m);
            FloatVector update = nesterov ? next.mul(momentum).add(vg.mul(lr)) : next;
            vw.sub(update).intoMemorySegment(w, (wi + i) << 2, ORDER, m);
        }
    }
}
