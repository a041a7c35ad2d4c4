package org.fkt.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.autograd.Op;
import org.fkt.engine.backend.Backend;
import org.fkt.engine.backend.Backends;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.memory.Owned;

/**
 * An n-dimensional array on a device, with an explicit element type, shape and strides (in
 * elements; images are NCHW), and the autograd state of reverse-mode differentiation.
 *
 * <p>Memory is freed deterministically: by {@link #close()} or by the {@link MemoryScope} that was
 * current when the tensor was created. Views ({@link #reshape}, {@link #detach}) share the storage
 * through a reference count. Any use of a closed tensor is an {@link IllegalStateException} naming it.
 * Kernels see contiguous tensors; {@link #contiguous()} makes one from a strided view.
 */
public final class Tensor implements Owned {
    private final Storage storage;
    private final DType dtype;
    private final int[] shape;
    private final long[] strides;   // in elements
    private final long offset;      // in elements, into storage
    private MemoryScope owner;
    private boolean closed;
    private String name;

    private boolean requiresGrad;
    private Tensor grad;
    private Op gradFn;

    private Tensor(Storage storage, DType dtype, int[] shape, long[] strides, long offset) {
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        MemoryScope.adopt(this);
    }

    // ---- creation ----------------------------------------------------------------------------

    /** Uninitialised contiguous tensor. */
    public static Tensor empty(DType dtype, Device device, int... shape) {
        int[] s = Shapes.checked(shape);
        Backend backend = Backends.of(device);
        Storage storage = backend.allocate(device, Math.max(1, Shapes.numel(s)) * dtype.byteSize());
        return new Tensor(storage, dtype, s, Shapes.contiguousStrides(s), 0);
    }

    /** Uninitialised float32 tensor on the CPU. */
    public static Tensor empty(int... shape) {
        return empty(DType.FLOAT32, Device.CPU, shape);
    }

    /** Tensor filled with {@code value}. */
    public static Tensor full(double value, DType dtype, Device device, int... shape) {
        Tensor t = empty(dtype, device, shape);
        t.backend().fill(t, value);
        return t;
    }

    public static Tensor zeros(DType dtype, Device device, int... shape) {
        return full(0, dtype, device, shape);
    }

    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, Device.CPU, shape);
    }

    public static Tensor ones(int... shape) {
        return full(1, DType.FLOAT32, Device.CPU, shape);
    }

    /** Float32 CPU tensor holding a copy of {@code data}. */
    public static Tensor of(float[] data, int... shape) {
        return fromHost(MemorySegment.ofArray(data), data.length, DType.FLOAT32, shape);
    }

    /** Float64 CPU tensor holding a copy of {@code data}. */
    public static Tensor of(double[] data, int... shape) {
        return fromHost(MemorySegment.ofArray(data), data.length, DType.FLOAT64, shape);
    }

    /** Int32 CPU tensor holding a copy of {@code data}. */
    public static Tensor of(int[] data, int... shape) {
        return fromHost(MemorySegment.ofArray(data), data.length, DType.INT32, shape);
    }

    /** Int64 CPU tensor holding a copy of {@code data}. */
    public static Tensor of(long[] data, int... shape) {
        return fromHost(MemorySegment.ofArray(data), data.length, DType.INT64, shape);
    }

    /** Float32 CPU scalar. */
    public static Tensor scalar(float value) {
        return of(new float[] {value});
    }

    private static Tensor fromHost(MemorySegment src, int length, DType dtype, int[] shape) {
        if (Shapes.numel(shape) != length) {
            throw new IllegalArgumentException("tensor of shape " + Shapes.toString(shape) + " needs "
                    + Shapes.numel(shape) + " elements but " + length + " were given");
        }
        Tensor t = empty(dtype, Device.CPU, shape);
        t.backend().copyFromHost(src, t);
        return t;
    }

    /**
     * Concatenation along axis 0 of tensors that agree in type, device and the other axes (for
     * example two augmented views into one batch). A copy outside the autograd graph.
     */
    public static Tensor cat(Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("cat: no tensors");
        }
        Tensor first = parts[0];
        int rows = 0;
        for (Tensor p : parts) {
            p.checkOpen("cat", "part");
            if (p.rank() != first.rank() || p.rank() == 0 || p.dtype != first.dtype || !p.device().equals(first.device())
                    || !Arrays.equals(p.shape, 1, p.shape.length, first.shape, 1, first.shape.length)) {
                throw new IllegalArgumentException("cat: " + p.describe() + " does not match " + first.describe()
                        + " outside axis 0");
            }
            rows += p.shape[0];
        }
        int[] shape = first.shape.clone();
        shape[0] = rows;
        Tensor out = empty(first.dtype, first.device(), shape);
        long at = 0;
        for (Tensor p : parts) {
            try (Tensor src = p.contiguous(); Tensor dst = out.slice(at, p.shape)) {
                out.backend().copy(src, dst);
            }
            at += p.numel();
        }
        return out;
    }

    // ---- metadata ----------------------------------------------------------------------------

    public DType dtype() {
        return dtype;
    }

    public Device device() {
        return storage.device();
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    public int dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public int rank() {
        return shape.length;
    }

    public long numel() {
        return Shapes.numel(shape);
    }

    /** A copy of the strides, in elements. */
    public long[] strides() {
        return strides.clone();
    }

    /** Offset of element 0 in the storage, in elements. */
    public long offset() {
        return offset;
    }

    /** The backing memory; for backends. */
    public Storage storage() {
        return storage;
    }

    public Backend backend() {
        return Backends.of(device());
    }

    public boolean isContiguous() {
        return Arrays.equals(strides, Shapes.contiguousStrides(shape));
    }

    public boolean sameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    /** Optional name used in messages (parameters are named after their module path). */
    public Tensor name(String name) {
        this.name = name;
        return this;
    }

    public String name() {
        return name;
    }

    /** "name (8, 64, 56, 56) float32 cpu", for messages. */
    public String describe() {
        return (name != null ? name + " " : "") + Shapes.toString(shape) + " " + dtype.label() + " " + device();
    }

    @Override
    public String toString() {
        return "Tensor[" + describe() + (closed ? ", closed" : "") + "]";
    }

    // ---- views and copies --------------------------------------------------------------------

    /** A view with a new shape of the same element count; the tensor must be contiguous. */
    public Tensor view(int... newShape) {
        checkOpen("view", "self");
        int[] s = Shapes.checked(newShape);
        if (Shapes.numel(s) != numel()) {
            throw new IllegalArgumentException("view: cannot view " + describe() + " as "
                    + Shapes.toString(s) + " (" + numel() + " vs " + Shapes.numel(s) + " elements)");
        }
        if (!isContiguous()) {
            throw new IllegalArgumentException("view: " + describe() + " is not contiguous");
        }
        storage.retain();
        Tensor v = new Tensor(storage, dtype, s, Shapes.contiguousStrides(s), offset);
        v.name = name;
        return v;
    }

    /**
     * A contiguous view of {@code shape} starting {@code elementOffset} elements into this
     * contiguous tensor (for example one image of a batch, or a scratch region of a workspace).
     */
    public Tensor slice(long elementOffset, int... shape) {
        checkOpen("slice", "self");
        int[] s = Shapes.checked(shape);
        if (!isContiguous() || elementOffset < 0 || elementOffset + Shapes.numel(s) > numel()) {
            throw new IllegalArgumentException("slice: " + Shapes.toString(s) + " at element " + elementOffset
                    + " does not fit in " + describe() + (isContiguous() ? "" : " (not contiguous)"));
        }
        storage.retain();
        return new Tensor(storage, dtype, s, Shapes.contiguousStrides(s), offset + elementOffset);
    }

    /** A view sharing storage that is outside the autograd graph. */
    public Tensor detach() {
        checkOpen("detach", "self");
        storage.retain();
        Tensor v = new Tensor(storage, dtype, shape.clone(), strides.clone(), offset);
        v.name = name;
        return v;
    }

    /** A view with two axes swapped (strided; call {@link #contiguous()} before kernels). */
    public Tensor transposeView(int a, int b) {
        checkOpen("transpose", "self");
        int[] s = shape.clone();
        long[] st = strides.clone();
        int t = s[a];
        s[a] = s[b];
        s[b] = t;
        long u = st[a];
        st[a] = st[b];
        st[b] = u;
        storage.retain();
        return new Tensor(storage, dtype, s, st, offset);
    }

    /** This tensor if contiguous (as a new view), else a contiguous copy. Not differentiable. */
    public Tensor contiguous() {
        checkOpen("contiguous", "self");
        if (isContiguous()) {
            return detach();
        }
        Tensor out = empty(dtype, device(), shape);
        backend().copy(this, out);
        return out;
    }

    /** A copy on {@code device} (new even when already there; GPU to GPU via the host). Not differentiable. */
    public Tensor to(Device device) {
        checkOpen("to", "self");
        Tensor src = contiguous();
        try {
            Tensor out = empty(dtype, device, shape);
            if (device.equals(device())) {
                backend().copy(src, out);
            } else if (device.kind() == Device.Kind.CPU) {
                src.backend().copyToHost(src, HostCopies.segment(out));
            } else if (device().kind() == Device.Kind.CPU) {
                out.backend().copyFromHost(HostCopies.segment(src), out);
            } else {
                try (Tensor host = src.to(Device.CPU)) {
                    out.backend().copyFromHost(HostCopies.segment(host), out);
                }
            }
            return out;
        } finally {
            src.close();
        }
    }

    /** A copy converted to {@code type} (same device). Not differentiable. */
    public Tensor to(DType type) {
        checkOpen("to", "self");
        Tensor src = contiguous();
        try {
            Tensor out = empty(type, device(), shape);
            backend().convert(src, out);
            return out;
        } finally {
            src.close();
        }
    }

    // ---- host access (bodies in HostCopies) ---------------------------------------------------

    /** Overwrites this float32 tensor's elements (row-major) with {@code data}. */
    public void copyFrom(float[] data) {
        HostCopies.copyFrom(this, MemorySegment.ofArray(data), data.length, DType.FLOAT32);
    }

    /** Overwrites this float64 tensor's elements (row-major) with {@code data}. */
    public void copyFrom(double[] data) {
        HostCopies.copyFrom(this, MemorySegment.ofArray(data), data.length, DType.FLOAT64);
    }

    /** Overwrites this int32 tensor's elements (row-major) with {@code data}. */
    public void copyFrom(int[] data) {
        HostCopies.copyFrom(this, MemorySegment.ofArray(data), data.length, DType.INT32);
    }

    /** Overwrites this int64 tensor's elements (row-major) with {@code data}. */
    public void copyFrom(long[] data) {
        HostCopies.copyFrom(this, MemorySegment.ofArray(data), data.length, DType.INT64);
    }

    /** All elements, in row-major order, converted to float. */
    public float[] toFloatArray() {
        return HostCopies.floats(this);
    }

    /** All elements, in row-major order, converted to double. */
    public double[] toDoubleArray() {
        return HostCopies.doubles(this);
    }

    /** All elements of an int32 tensor, in row-major order. */
    public int[] toIntArray() {
        return HostCopies.ints(this);
    }

    /** All elements of an int64 tensor, in row-major order. */
    public long[] toLongArray() {
        return HostCopies.longs(this);
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: " + describe() + " has " + numel() + " elements, not 1");
        }
        return toDoubleArray()[0];
    }

    // ---- autograd ----------------------------------------------------------------------------

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as a parameter whose gradient {@link #backward()} accumulates. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null) {
            throw new IllegalStateException("requiresGrad: " + describe() + " is the result of "
                    + gradFn.name() + "; only leaves can be marked (use detach())");
        }
        if (value && !dtype.isFloating()) {
            throw new IllegalArgumentException("requiresGrad: " + describe() + " is not a floating type");
        }
        this.requiresGrad = value;
        return this;
    }

    /** Accumulated gradient of a leaf, or null before the first backward. */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the gradient (closing the old one); used by autograd and optimizers. */
    public void grad(Tensor g) {
        if (grad != null && grad != g) {
            grad.close();
        }
        grad = g;
    }

    /** Sets the gradient to zero in place (keeping its memory). */
    public void zeroGrad() {
        if (grad != null) {
            grad.backend().fill(grad, 0);
        }
    }

    /** The operation that produced this tensor, or null for a leaf. */
    public Op gradFn() {
        return gradFn;
    }

    /** Called by the op layer when it records this tensor as an op's output. */
    public void gradFn(Op op) {
        this.gradFn = op;
        this.requiresGrad = op != null;
    }

    /** Back-propagates from this one-element tensor (seed 1). */
    public void backward() {
        Autograd.backward(this, null);
    }

    /** Back-propagates from this tensor with an explicit seed gradient of the same shape. */
    public void backward(Tensor seed) {
        Autograd.backward(this, seed);
    }

    // ---- lifetime ----------------------------------------------------------------------------

    public boolean isClosed() {
        return closed;
    }

    /** Throws a clear error when this tensor cannot be used by {@code op} as argument {@code arg}. */
    public void checkOpen(String op, String arg) {
        if (closed || storage.isReleased()) {
            throw new IllegalStateException(op + ": " + arg + " " + describe() + " is closed");
        }
    }

    @Override
    public MemoryScope owner() {
        return owner;
    }

    @Override
    public void owner(MemoryScope scope) {
        this.owner = scope;
    }

    /** Releases this tensor's reference to its storage and its gradient. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (grad != null) {
            grad.close();
            grad = null;
        }
        storage.release();
    }
}
