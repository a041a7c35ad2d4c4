package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.HostStorage;
import org.fkt.engine.tensor.Tensor;

/**
 * Element access to a contiguous floating-point CPU tensor, in double precision whatever the
 * stored type. The CPU kernels other than GEMM are written once against this, so float32 (training)
 * and float64 (reference, gradient checks) share one implementation; arithmetic is done in double.
 * Only the two final subclasses exist, so the JIT inlines every call site.
 */
abstract sealed class CpuBuf {
    final MemorySegment segment;
    final long base;    // element index of the tensor's first element

    private CpuBuf(MemorySegment segment, long base) {
        this.segment = segment;
        this.base = base;
    }

    /** Accessor for a floating-point CPU tensor. */
    static CpuBuf of(Tensor t) {
        MemorySegment seg = segment(t);
        return switch (t.dtype()) {
            case FLOAT32 -> new F32(seg, t.offset());
            case FLOAT64 -> new F64(seg, t.offset());
            case INT32, INT64 -> throw new IllegalArgumentException(t.describe() + " is not floating-point");
        };
    }

    /** The whole storage block of a CPU tensor. */
    static MemorySegment segment(Tensor t) {
        return ((HostStorage) t.storage()).hostSegment();
    }

    /** Reads int32 element {@code i} (relative to the tensor's first element). */
    static int getInt(Tensor t, MemorySegment seg, long i) {
        return seg.getAtIndex(ValueLayout.JAVA_INT, t.offset() + i);
    }

    abstract double get(long i);

    abstract void set(long i, double v);

    final void add(long i, double v) {
        set(i, get(i) + v);
    }

    abstract DType dtype();

    static final class F32 extends CpuBuf {
        F32(MemorySegment segment, long base) {
            super(segment, base);
        }

        @Override
        double get(long i) {
            return segment.getAtIndex(ValueLayout.JAVA_FLOAT, base + i);
        }

        @Override
        void set(long i, double v) {
            segment.setAtIndex(ValueLayout.JAVA_FLOAT, base + i, (float) v);
        }

        @Override
        DType dtype() {
            return DType.FLOAT32;
        }
    }

    static final class F64 extends CpuBuf {
        F64(MemorySegment segment, long base) {
            super(segment, base);
        }

        @Override
        double get(long i) {
            return segment.getAtIndex(ValueLayout.JAVA_DOUBLE, base + i);
        }

        @Override
        void set(long i, double v) {
            segment.setAtIndex(ValueLayout.JAVA_DOUBLE, base + i, v);
        }

        @Override
        DType dtype() {
            return DType.FLOAT64;
        }
    }
}
