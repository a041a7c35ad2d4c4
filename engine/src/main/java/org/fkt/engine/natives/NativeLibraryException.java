// The one exception every native-library failure becomes: names what was looked for and where.
package org.fkt.engine.natives;

/** A native library (libcuda, libcublas, libcudnn) is missing, too old, or failed a call. */
public final class NativeLibraryException extends RuntimeException {

    public NativeLibraryException(String message) {
        super(message);
    }

    public NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
