// Chooses and holds the cuBLAS and cuDNN providers: created lazily, once; the choice and its reason logged once.
package org.fkt.engine.natives;

import org.fkt.engine.natives.blas.Blas;
import org.fkt.engine.natives.dnn.Dnn;

/** The process-wide entry point to cuBLAS and cuDNN. */
public final class NativeLibraries {

    private NativeLibraries() {
    }

    /** The cuBLAS handle of the chosen provider, created on first use; throws a clear message if none loads. */
    public static synchronized Blas blas() {
        throw new NativeLibraryException("cuBLAS: not yet implemented");
    }

    /** The cuDNN handle of the chosen provider, created on first use; throws a clear message if none loads. */
    public static synchronized Dnn dnn() {
        throw new NativeLibraryException("cuDNN: not yet implemented");
    }

    /** A multi-line report of which provider was chosen for cuBLAS and cuDNN and why. */
    public static synchronized String report() {
        return "cuBLAS: not probed\ncuDNN: not probed";
    }
}
