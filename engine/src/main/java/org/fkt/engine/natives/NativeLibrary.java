// One shared library opened through java.lang.foreign, with downcall lookup that names the library at fault.
package org.fkt.engine.natives;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/**
 * A library loaded for the life of the process (the global arena: NVIDIA libraries are never unloaded).
 * Companion libraries (libcublasLt next to libcublas, cuDNN 9's sub-libraries next to libcudnn) are opened
 * first by absolute path, so the dynamic loader finds them by soname without LD_LIBRARY_PATH.
 */
public final class NativeLibrary {

    private static final Linker LINKER = Linker.nativeLinker();

    private final Path file;
    private final SymbolLookup lookup;

    private NativeLibrary(Path file, SymbolLookup lookup) {
        this.file = file;
        this.lookup = lookup;
    }

    /**
     * Opens {@code file} after the companions that exist in its directory; throws a message naming the file.
     * @param companions file names opened first when present, in order (a missing one is skipped)
     */
    public static NativeLibrary open(Path file, List<String> companions) {
        Path dir = file.toAbsolutePath().getParent();
        for (String name : companions) {
            Path c = dir.resolve(name);
            if (java.nio.file.Files.isRegularFile(c)) {
                try {
                    SymbolLookup.libraryLookup(c, Arena.global());
                } catch (IllegalArgumentException e) {
                    throw new NativeLibraryException("cannot load " + c + " (needed by " + file.getFileName()
                            + "): " + e.getMessage(), e);
                }
            }
        }
        try {
            return new NativeLibrary(file, SymbolLookup.libraryLookup(file, Arena.global()));
        } catch (IllegalArgumentException e) {
            throw new NativeLibraryException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** A downcall to {@code symbol}; a missing symbol is a clear error naming it and this library. */
    public MethodHandle downcall(String symbol, FunctionDescriptor descriptor) {
        var address = lookup.find(symbol).orElseThrow(() -> new NativeLibraryException(
                "symbol " + symbol + " not found in " + file + " (library too old or not the expected one?)"));
        return LINKER.downcallHandle(address, descriptor);
    }

    /** A downcall handle without an address (the address is the first argument): checks a descriptor links. */
    public static MethodHandle unbound(FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(descriptor);
    }

    /** Invokes a downcall returning a C int, rethrowing anything the call throws as a NativeLibraryException. */
    public static int callInt(MethodHandle h, String symbol, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeLibraryException(symbol + " failed: " + t, t);
        }
    }
}
