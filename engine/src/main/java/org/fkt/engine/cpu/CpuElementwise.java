package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Memory-bound CPU kernels: fill, copy and type conversion, scaled adds, ReLU, full sum. Float32
 * tensors take the Vector-API loops of {@link CpuFloats}, which compute in double lanes and round
 * once like the generic path; float64 keeps the generic path, the reference they are tested against.
 */
final class CpuElementwise {
    private static final int GRAIN = 1 << 15;

    private CpuElementwise() {
    }

    static void fill(Tensor dst, double value) {
        MemorySegment seg = CpuBuf.segment(dst);
        long bytes = dst.dtype().byteSize();
        MemorySegment region = seg.asSlice(dst.offset() * bytes, dst.numel() * bytes);
        if (value == 0) {
            region.fill((byte) 0);
            return;
        }
        if (dst.dtype() == DType.INT32) {
            int v = (int) value;
            for (long i = 0; i < dst.numel(); i++) {
                region.setAtIndex(ValueLayout.JAVA_INT, i, v);
            }
            return;
        }
        if (dst.dtype() == DType.INT64) {
            long v = (long) value;
            for (long i = 0; i < dst.numel(); i++) {
                region.setAtIndex(ValueLayout.JAVA_LONG, i, v);
            }
            return;
        }
        if (dst.dtype() == DType.FLOAT32) {
            float v = (float) value;
            MemorySegment d = CpuBuf.segment(dst);
            long o = dst.offset();
            forEach(dst.numel(), (i0, i1) -> CpuFloats.fill(d, o + i0, i1 - i0, v));
            return;
        }
        CpuBuf b = CpuBuf.of(dst);
        forEach(dst.numel(), (i0, i1) -> {
            for (long i = i0; i < i1; i++) {
                b.set(i, value);
            }
        });
    }

    /** Copies {@code src} (any strides) into contiguous {@code dst} of the same shape and type. */
    static void copy(Tensor src, Tensor dst) {
        long bytes = src.dtype().byteSize();
        MemorySegment to = CpuBuf.segment(dst).asSlice(dst.offset() * bytes, dst.numel() * bytes);
        if (src.isContiguous()) {
            MemorySegment.copy(CpuBuf.segment(src), src.offset() * bytes, to, 0, dst.numel() * bytes);
            return;
        }
        MemorySegment from = CpuBuf.segment(src);
        int[] shape = src.shape();
        long[] strides = src.strides();
        int[] index = new int[shape.length];
        for (long i = 0; i < dst.numel(); i++) {
            long at = src.offset();
            for (int d = 0; d < shape.length; d++) {
                at += index[d] * strides[d];
            }
            MemorySegment.copy(from, at * bytes, to, i * bytes, bytes);
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
    }

    /** Converts between element types (floats round to nearest; to int truncates; int64 beyond 2^53 loses digits). */
    static void convert(Tensor src, Tensor dst) {
        if (src.dtype() == dst.dtype()) {
            copy(src, dst);
            return;
        }
        MemorySegment s = CpuBuf.segment(src);
        MemorySegment d = CpuBuf.segment(dst);
        for (long i = 0; i < dst.numel(); i++) {
            double v = switch (src.dtype()) {
                case FLOAT32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT, src.offset() + i);
                case FLOAT64 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE, src.offset() + i);
                case INT32 -> s.getAtIndex(ValueLayout.JAVA_INT, src.offset() + i);
                case INT64 -> s.getAtIndex(ValueLayout.JAVA_LONG, src.offset() + i);
            };
            switch (dst.dtype()) {
                case FLOAT32 -> d.setAtIndex(ValueLayout.JAVA_FLOAT, dst.offset() + i, (float) v);
                case FLOAT64 -> d.setAtIndex(ValueLayout.JAVA_DOUBLE, dst.offset() + i, v);
                case INT32 -> d.setAtIndex(ValueLayout.JAVA_INT, dst.offset() + i, (int) v);
                case INT64 -> d.setAtIndex(ValueLayout.JAVA_LONG, dst.offset() + i, (long) v);
            }
        }
    }

    /** out = alpha * a + beta * b. */
    static void addScaled(Tensor a, double alpha, Tensor b, double beta, Tensor out) {
        if (allFloat32(a, b, out)) {
            MemorySegment as = CpuBuf.segment(a);
            MemorySegment bs = CpuBuf.segment(b);
            MemorySegment os = CpuBuf.segment(out);
            long ao = a.offset();
            long bo = b.offset();
            long oo = out.offset();
            forEach(out.numel(), (i0, i1) ->
                    CpuFloats.axpby(as, ao + i0, alpha, bs, bo + i0, beta, os, oo + i0, i1 - i0));
            return;
        }
        CpuBuf ab = CpuBuf.of(a);
        CpuBuf bb = CpuBuf.of(b);
        CpuBuf ob = CpuBuf.of(out);
        forEach(out.numel(), (i0, i1) -> {
            for (long i = i0; i < i1; i++) {
                ob.set(i, alpha * ab.get(i) + beta * bb.get(i));
            }
        });
    }

    /** acc += alpha * x. */
    static void accumulate(Tensor acc, Tensor x, double alpha) {
        if (allFloat32(acc, x, x)) {
            MemorySegment as = CpuBuf.segment(acc);
            MemorySegment xs = CpuBuf.segment(x);
            long ao = acc.offset();
            long xo = x.offset();
            forEach(acc.numel(), (i0, i1) -> CpuFloats.axpy(as, ao + i0, alpha, xs, xo + i0, i1 - i0));
            return;
        }
        CpuBuf ab = CpuBuf.of(acc);
        CpuBuf xb = CpuBuf.of(x);
        forEach(acc.numel(), (i0, i1) -> {
            for (long i = i0; i < i1; i++) {
                ab.set(i, ab.get(i) + alpha * xb.get(i));
            }
        });
    }

    /** out = alpha * x (out may be x). */
    static void scale(Tensor x, double alpha, Tensor out) {
        if (allFloat32(x, out, out)) {
            MemorySegment xs = CpuBuf.segment(x);
            MemorySegment os = CpuBuf.segment(out);
            long xo = x.offset();
            long oo = out.offset();
            forEach(out.numel(), (i0, i1) -> CpuFloats.scale(xs, xo + i0, alpha, os, oo + i0, i1 - i0));
            return;
        }
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf ob = CpuBuf.of(out);
        forEach(out.numel(), (i0, i1) -> {
            for (long i = i0; i < i1; i++) {
                ob.set(i, alpha * xb.get(i));
            }
        });
    }

    static void relu(Tensor x, Tensor y) {
        if (allFloat32(x, y, y)) {
            MemorySegment xs = CpuBuf.segment(x);
            MemorySegment ys = CpuBuf.segment(y);
            long xo = x.offset();
            long yo = y.offset();
            forEach(y.numel(), (i0, i1) -> CpuFloats.relu(xs, xo + i0, ys, yo + i0, i1 - i0));
            return;
        }
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf yb = CpuBuf.of(y);
        forEach(y.numel(), (i0, i1) -> {
            for (long i = i0; i < i1; i++) {
                double v = xb.get(i);
                yb.set(i, v > 0 || Double.isNaN(v) ? v : 0);
            }
        });
    }

    static void reluBackward(Tensor y, Tensor dy, Tensor dx) {
        if (allFloat32(y, dy, dx)) {
            MemorySegment ys = CpuBuf.segment(y);
            MemorySegment gs = CpuBuf.segment(dy);
            MemorySegment ds = CpuBuf.segment(dx);
            long yo = y.offset();
            long go = dy.offset();
            long dO = dx.offset();
            forEach(dx.numel(), (i0, i1) -> CpuFloats.reluBackward(ys, yo + i0, gs, go + i0, ds, dO + i0, i1 - i0));
            return;
        }
        CpuBuf yb = CpuBuf.of(y);
        CpuBuf gb = CpuBuf.of(dy);
        CpuBuf db = CpuBuf.of(dx);
        forEach(dx.numel(), (i0, i1) -> {
            for (long i = i0; i < i1; i++) {
                db.set(i, yb.get(i) > 0 ? gb.get(i) : 0);
            }
        });
    }

    /** out = sum of x, accumulated in double per thread chunk. */
    static void sum(Tensor x, Tensor out) {
        CpuBuf xb = CpuBuf.of(x);
        long n = x.numel();
        int chunks = (int) Math.min(CpuParallel.threads(), Math.max(1, n / GRAIN));
        double[] partial = new double[chunks];
        CpuParallel.forEach(chunks, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                long i0 = n * c / chunks;
                long i1 = n * (c + 1) / chunks;
                if (x.dtype() == DType.FLOAT32) {
                    partial[c] = CpuFloats.sum(xb.segment, xb.base + i0, i1 - i0);
                    continue;
                }
                double s = 0;
                for (long i = i0; i < i1; i++) {
                    s += xb.get(i);
                }
                partial[c] = s;
            }
        });
        double total = 0;
        for (double p : partial) {
            total += p;
        }
        CpuBuf.of(out).set(0, total);
    }

    private static boolean allFloat32(Tensor a, Tensor b, Tensor c) {
        return a.dtype() == DType.FLOAT32 && b.dtype() == DType.FLOAT32 && c.dtype() == DType.FLOAT32;
    }

    /**
     * A parallel loop over [0, n) elements in chunks of at least {@link #GRAIN}; inner bounds are
     * multiples of 16 elements so that vector loops stay on whole cache lines.
     */
    private static void forEach(long n, LongRange body) {
        int chunks = (int) Math.min(CpuParallel.threads(), Math.max(1, n / GRAIN));
        CpuParallel.forEach(chunks, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                long start = c == 0 ? 0 : n * c / chunks & ~15L;
                long end = c == chunks - 1 ? n : n * (c + 1) / chunks & ~15L;
                body.run(start, end);
            }
        });
    }

    @FunctionalInterface
    private interface LongRange {
        void run(long start, long end);
    }
}
