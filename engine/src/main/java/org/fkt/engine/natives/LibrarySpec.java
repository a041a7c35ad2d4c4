// What a native library is called and how the user overrides where it comes from.
package org.fkt.engine.natives;

import java.util.List;

/**
 * One NVIDIA library to find: a display name, the system property and environment variable that override
 * discovery, and the file names (sonames) accepted, most preferred first.
 */
public record LibrarySpec(String what, String property, String envVar, List<String> sonames) {

    /** The CUDA driver API; installed with the NVIDIA driver, never by the CUDA toolkit or pip. */
    public static final LibrarySpec CUDA_DRIVER =
            new LibrarySpec("CUDA driver", "fkt.cuda.driver.path", "FKT_CUDA_DRIVER_PATH", List.of("libcuda.so.1"));

    /** cuBLAS 13 (CUDA 13) or 12 (CUDA 12) for the java.lang.foreign binding. */
    public static final LibrarySpec CUBLAS =
            new LibrarySpec("cuBLAS", "fkt.cublas.path", "FKT_CUBLAS_PATH",
                    List.of("libcublas.so.13", "libcublas.so.12"));

    /** cuDNN 9's shim library for the java.lang.foreign binding (it loads libcudnn_cnn.so.9 and the rest). */
    public static final LibrarySpec CUDNN =
            new LibrarySpec("cuDNN", "fkt.cudnn.path", "FKT_CUDNN_PATH", List.of("libcudnn.so.9"));

    public LibrarySpec {
        sonames = List.copyOf(sonames);
        if (sonames.isEmpty()) {
            throw new IllegalArgumentException("LibrarySpec " + what + ": no file names");
        }
    }
}
