// The narrow cuDNN interface the CUDA backend codes against: the three convolution passes on raw device pointers.
package org.fkt.engine.natives.dnn;

/**
 * A cuDNN handle behind one of two providers (JCudnn or a java.lang.foreign binding). Tensors are NCHW
 * float32, filters KCRS; all pointers are raw device addresses.
 */
public interface Dnn extends AutoCloseable {

    /** Which binding serves this handle, e.g. "jcudnn" or "ffm". */
    String provider();

    /** The library version as cuDNN reports it, e.g. "9.10.2" (from cudnnGetVersion). */
    String version();

    /** Makes every following call run on the CUDA stream {@code cuStream} (a CUstream address; 0 = default). */
    void setStream(long cuStream);

    /**
     * The largest workspace, in bytes, that the algorithms chosen for {@code s} need across forward,
     * backward-data and backward-filter. algorithms are chosen once per shape and cached; ws is a device
     * workspace of wsBytes.
     */
    long workspaceBytes(ConvShape s);

    /** y (n, k, p, q) = conv(x (n, c, h, w), w (k, c, r, s)). */
    void convForward(ConvShape s, long x, long w, long y, long ws, long wsBytes);

    /** dx (n, c, h, w) = conv-transpose(dy (n, k, p, q), w (k, c, r, s)); dx is overwritten. */
    void convBackwardData(ConvShape s, long w, long dy, long dx, long ws, long wsBytes);

    /** dw (k, c, r, s) = correlation of x (n, c, h, w) with dy (n, k, p, q); dw is overwritten. */
    void convBackwardFilter(ConvShape s, long x, long dy, long dw, long ws, long wsBytes);

    /** Destroys the handle and its descriptors; idempotent. */
    @Override
    void close();
}
