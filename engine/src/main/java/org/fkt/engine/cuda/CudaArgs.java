package org.fkt.engine.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * The argument list of one kernel launch, in the kernel's parameter order and C types: device
 * pointers and {@code long long} as int64, {@code int}, {@code float}, {@code double}, and small
 * structs passed by value as int64 words.
 */
final class CudaArgs {
    private final List<Pointer> values = new ArrayList<>();

    /** A device pointer ({@code float*}, {@code int*}, ...) as a raw address; 0 is nullptr. */
    CudaArgs ptr(long address) {
        values.add(Pointer.to(new long[] {address}));
        return this;
    }

    /** A {@code long long}. */
    CudaArgs i64(long v) {
        values.add(Pointer.to(new long[] {v}));
        return this;
    }

    CudaArgs i32(int v) {
        values.add(Pointer.to(new int[] {v}));
        return this;
    }

    CudaArgs f32(float v) {
        values.add(Pointer.to(new float[] {v}));
        return this;
    }

    CudaArgs f64(double v) {
        values.add(Pointer.to(new double[] {v}));
        return this;
    }

    /** A struct of int64 words passed by value. */
    CudaArgs words(long[] struct) {
        values.add(Pointer.to(struct.clone()));
        return this;
    }

    int size() {
        return values.size();
    }

    /** The kernelParams array of cuLaunchKernel. */
    Pointer kernelParams() {
        return Pointer.to(values.toArray(new NativePointerObject[0]));
    }
}
