// Raw device addresses and CUstream handles as JCuda objects, for the JCublas and JCudnn providers.
package org.fkt.engine.natives;

import java.lang.reflect.Field;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.runtime.cudaStream_t;

/** Wraps raw 64-bit addresses (device pointers, streams) in the JCuda types their APIs take. */
public final class JcudaPointers {

    private static final Field NATIVE_POINTER = nativePointerField();

    private JcudaPointers() {
    }

    /** A JCuda Pointer holding the raw device address {@code address}. */
    public static Pointer device(long address) {
        return new Raw(address);
    }

    /** A cudaStream_t for the CUstream address {@code cuStream} (0 = the default stream). */
    public static cudaStream_t stream(long cuStream) {
        var s = new cudaStream_t();
        try {
            NATIVE_POINTER.setLong(s, cuStream);
        } catch (IllegalAccessException e) {
            throw new NativeLibraryException("cannot wrap CUstream 0x" + Long.toHexString(cuStream) + ": " + e, e);
        }
        return s;
    }

    private static Field nativePointerField() {
        try {
            Field f = NativePointerObject.class.getDeclaredField("nativePointer");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new NativeLibraryException("this JCuda version has no NativePointerObject.nativePointer: " + e, e);
        }
    }

    private static final class Raw extends Pointer {
        Raw(long address) {
            super(address);
        }
    }
}
