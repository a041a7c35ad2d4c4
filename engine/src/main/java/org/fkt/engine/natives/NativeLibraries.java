// Chooses and holds the cuBLAS and cuDNN providers: created lazily, once; the choice and its reason logged once.
package org.fkt.engine.natives;

import java.util.List;
import org.fkt.engine.natives.blas.Blas;
import org.fkt.engine.natives.blas.CublasFfm;
import org.fkt.engine.natives.blas.Jcublas;
import org.fkt.engine.natives.dnn.CudnnFfm;
import org.fkt.engine.natives.dnn.Dnn;
import org.fkt.engine.natives.dnn.Jcudnn;

/**
 * The process-wide entry point to cuBLAS and cuDNN. Each is tried as JCublas / JCudnn first (their JNI
 * libraries link libcublas.so.12 / libcudnn.so.8), then through java.lang.foreign on the libraries
 * {@link LibraryLocator} finds (libcublas.so.13 or .12, libcudnn.so.9). {@code -Dfkt.blas.provider} and
 * {@code -Dfkt.dnn.provider} (auto, jcublas/jcudnn, ffm) force one. Handles need a current CUDA context.
 */
public final class NativeLibraries {

    private static final System.Logger LOG = System.getLogger(NativeLibraries.class.getName());

    private static ProviderChoice<Blas> blas;
    private static ProviderChoice<Dnn> dnn;

    private NativeLibraries() {
    }

    /** The cuBLAS handle of the chosen provider, created on first use; throws a clear message if none loads. */
    public static synchronized Blas blas() {
        if (blas == null) {
            blas = ProviderChoice.choose("cuBLAS", System.getProperty("fkt.blas.provider"), blasAttempts(locator()));
            LOG.log(System.Logger.Level.INFO, blas.summary());
        }
        if (!blas.loaded()) {
            throw blas.failure();
        }
        return blas.instance();
    }

    /** The cuDNN handle of the chosen provider, created on first use; throws a clear message if none loads. */
    public static synchronized Dnn dnn() {
        if (dnn == null) {
            dnn = ProviderChoice.choose("cuDNN", System.getProperty("fkt.dnn.provider"), dnnAttempts(locator()));
            LOG.log(System.Logger.Level.INFO, dnn.summary());
        }
        if (!dnn.loaded()) {
            throw dnn.failure();
        }
        return dnn.instance();
    }

    /**
     * A new cuBLAS handle of the provider {@link #blas()} chose, made in the CUDA context current on this
     * thread (one per device); the caller sets its stream and closes it.
     */
    public static synchronized Blas openBlas() {
        String provider = blas().provider();
        return another(ProviderChoice.choose("cuBLAS", provider, blasAttempts(locator())));
    }

    /** A new cuDNN handle of the provider {@link #dnn()} chose, for the current context, like {@link #openBlas()}. */
    public static synchronized Dnn openDnn() {
        String provider = dnn().provider();
        return another(ProviderChoice.choose("cuDNN", provider, dnnAttempts(locator())));
    }

    private static <T> T another(ProviderChoice<T> choice) {
        if (!choice.loaded()) {
            throw choice.failure();
        }
        return choice.instance();
    }

    /** Two lines: which provider serves cuBLAS and cuDNN (with versions) and why; tries both if not yet done. */
    public static synchronized String report() {
        return line(() -> blas().provider() + " " + blas().version(), "cuBLAS") + "\n"
                + line(() -> dnn().provider() + " " + dnn().version(), "cuDNN");
    }

    /** The cuBLAS attempts in order: JCublas, then the ffm binding on each library found. */
    static List<ProviderChoice.Attempt<Blas>> blasAttempts(LibraryLocator locator) {
        return List.of(new ProviderChoice.Attempt<>("jcublas", Jcublas::new),
                new ProviderChoice.Attempt<>("ffm", () -> firstThatLoads(locator.locate(LibrarySpec.CUBLAS),
                        CublasFfm::new)));
    }

    /** The cuDNN attempts in order: JCudnn, then the ffm binding on each libcudnn.so.9 found. */
    static List<ProviderChoice.Attempt<Dnn>> dnnAttempts(LibraryLocator locator) {
        return List.of(new ProviderChoice.Attempt<>("jcudnn", Jcudnn::new),
                new ProviderChoice.Attempt<>("ffm", () -> firstThatLoads(locator.locate(LibrarySpec.CUDNN),
                        CudnnFfm::new)));
    }

    /** Opens the candidates in order; the message of the failure names every file tried, or where it looked. */
    static <T> T firstThatLoads(LibraryLocator.Result found, java.util.function.Function<java.nio.file.Path, T> open) {
        if (found.candidates().isEmpty()) {
            throw new NativeLibraryException(found.notFoundMessage());
        }
        var errors = new StringBuilder();
        for (var c : found.candidates()) {
            try {
                return open.apply(c.file());
            } catch (NativeLibraryException e) {
                errors.append(errors.isEmpty() ? "" : "; ").append(c).append(": ").append(e.getMessage());
            }
        }
        throw new NativeLibraryException(errors.toString());
    }

    private static LibraryLocator locator() {
        return new LibraryLocator(LibraryLocator.Environment.system());
    }

    private static String line(java.util.function.Supplier<String> chosen, String what) {
        try {
            String c = chosen.get();
            var choice = what.equals("cuBLAS") ? blas : dnn;
            return what + ": " + c + " (" + String.join("; ", choice.attempts()) + ")";
        } catch (NativeLibraryException e) {
            return what + ": unavailable (" + e.getMessage() + ")";
        }
    }
}
