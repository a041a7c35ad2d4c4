package org.fkt.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.fkt.engine.memory.MemoryScope;

/**
 * A tensor's elements to and from Java arrays: the bodies of {@link Tensor}'s host-access methods.
 * Reads copy the tensor to a contiguous host tensor of the wanted type first (on a device, a
 * device-to-host copy, which waits for the device); writes go through the backend's host upload.
 */
final class HostCopies {
    private HostCopies() {
    }

    /** Overwrites contiguous {@code t}'s elements with {@code length} host values of {@code type}. */
    static void copyFrom(Tensor t, MemorySegment src, int length, DType type) {
        t.checkOpen("copyFrom", "self");
        if (type != t.dtype() || length != t.numel() || !t.isContiguous()) {
            throw new IllegalArgumentException("copyFrom: " + length + " " + type.label() + " values do not fit "
                    + t.describe() + (t.isContiguous() ? "" : " (not contiguous)"));
        }
        t.backend().copyFromHost(src, t);
    }

    static float[] floats(Tensor t) {
        try (Tensor h = hostCopy(t, DType.FLOAT32)) {
            return segment(h).toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    static double[] doubles(Tensor t) {
        try (Tensor h = hostCopy(t, DType.FLOAT64)) {
            return segment(h).toArray(ValueLayout.JAVA_DOUBLE);
        }
    }

    static int[] ints(Tensor t) {
        if (t.dtype() != DType.INT32) {
            throw new IllegalArgumentException("toIntArray: " + t.describe() + " is not int32");
        }
        try (Tensor h = hostCopy(t, DType.INT32)) {
            return segment(h).toArray(ValueLayout.JAVA_INT);
        }
    }

    static long[] longs(Tensor t) {
        if (t.dtype() != DType.INT64) {
            throw new IllegalArgumentException("toLongArray: " + t.describe() + " is not int64");
        }
        try (Tensor h = hostCopy(t, DType.INT64)) {
            return segment(h).toArray(ValueLayout.JAVA_LONG);
        }
    }

    /** A contiguous host copy of {@code t} in {@code type}, owned by the caller (outside any scope). */
    private static Tensor hostCopy(Tensor t, DType type) {
        t.checkOpen("read", "self");
        return MemoryScope.unscoped(() -> {
            Tensor onHost = t.device().kind() == Device.Kind.CPU ? t.contiguous() : t.to(Device.CPU);
            if (onHost.dtype() == type) {
                return onHost;
            }
            try (onHost) {
                return onHost.to(type);
            }
        });
    }

    /** Host memory of a contiguous host tensor, from its first element to its last. */
    static MemorySegment segment(Tensor t) {
        if (!(t.storage() instanceof HostStorage host)) {
            throw new IllegalStateException(t.describe() + " is not in host memory");
        }
        long bytes = t.dtype().byteSize();
        return host.hostSegment().asSlice(t.offset() * bytes, t.numel() * bytes);
    }
}
