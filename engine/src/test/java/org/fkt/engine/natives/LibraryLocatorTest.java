// Library discovery on fake folder trees with an injected environment.
package org.fkt.engine.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibraryLocatorTest {

    @TempDir
    Path root;

    private final Map<String, String> env = new HashMap<>();
    private final Map<String, String> props = new HashMap<>();
    private String ldconfig = "";
    private List<Path> pythonSites = List.of();

    private LibraryLocator locator() {
        return new LibraryLocator(new LibraryLocator.Environment(root, env::get, props::get, () -> ldconfig,
                () -> pythonSites));
    }

    private Path touch(String relative) throws IOException {
        Path f = root.resolve(relative);
        Files.createDirectories(f.getParent());
        Files.createFile(f);
        return f;
    }

    @Test
    void findsPipWheelLibrariesInSystemSitePackages() throws IOException {
        Path cublas = touch("usr/local/lib/python3.12/dist-packages/nvidia/cublas/lib/libcublas.so.12");
        Path cudnn = touch("usr/local/lib/python3.12/dist-packages/nvidia/cudnn/lib/libcudnn.so.9");
        var b = locator().locate(LibrarySpec.CUBLAS);
        assertEquals(cublas, b.first().orElseThrow().file());
        assertEquals("site-packages nvidia/*/lib", b.first().orElseThrow().source());
        assertEquals(cudnn, locator().locate(LibrarySpec.CUDNN).first().orElseThrow().file());
    }

    @Test
    void findsCuda13WheelsInTheSharedCu13Folder() throws IOException {
        Path cu12 = touch("usr/lib/python3.12/site-packages/nvidia/cublas/lib/libcublas.so.12");
        Path cu13 = touch("usr/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13");
        var r = locator().locate(LibrarySpec.CUBLAS);
        assertEquals(List.of(cu13, cu12), r.candidates().stream().map(LibraryLocator.Candidate::file).toList());
    }

    @Test
    void findsUserAndVirtualenvSitePackages() throws IOException {
        Path home = root.resolve("home/u");
        env.put("HOME", home.toString());
        Path user = touch("home/u/.local/lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.13");
        env.put("VIRTUAL_ENV", root.resolve("venv").toString());
        Path venv = touch("venv/lib/python3.10/site-packages/nvidia/cudnn/lib/libcudnn.so.9");
        assertEquals(user, locator().locate(LibrarySpec.CUBLAS).first().orElseThrow().file());
        assertEquals(venv, locator().locate(LibrarySpec.CUDNN).first().orElseThrow().file());
    }

    @Test
    void pythonReportedSitePackagesAreSearched() throws IOException {
        Path lib = touch("opt/py/site/nvidia/cublas/lib/libcublas.so.12");
        pythonSites = List.of(root.resolve("opt/py/site"));
        assertEquals(lib, locator().locate(LibrarySpec.CUBLAS).first().orElseThrow().file());
    }

    @Test
    void newerSonameWinsAcrossDirectoriesAndDirectoryOrderWithinOne() throws IOException {
        Path ld12 = touch("ld/libcublas.so.12");
        Path cuda13 = touch("usr/local/cuda/lib64/libcublas.so.13");
        Path other13 = touch("usr/local/cuda-13.0/lib64/libcublas.so.13");
        env.put("LD_LIBRARY_PATH", root.resolve("ld") + "::" + root.resolve("missing"));
        var r = locator().locate(LibrarySpec.CUBLAS);
        assertEquals(List.of(cuda13, other13, ld12), r.candidates().stream().map(LibraryLocator.Candidate::file)
                .toList());
        assertEquals("LD_LIBRARY_PATH", r.searched().getFirst().source());
        assertEquals(List.of(ld12), r.withSoname("libcublas.so.12").stream().map(LibraryLocator.Candidate::file)
                .toList());
    }

    @Test
    void cudaHomeAndLinkerPathsAreSearched() throws IOException {
        env.put("CUDA_HOME", root.resolve("opt/cuda").toString());
        Path home = touch("opt/cuda/lib64/libcudnn.so.9");
        assertEquals("CUDA_HOME", locator().locate(LibrarySpec.CUDNN).first().orElseThrow().source());
        Files.delete(home);
        Path viaLdconfig = touch("x86/libcudnn.so.9");
        ldconfig = "12 libs found in cache `/etc/ld.so.cache'\n\tlibcudnn.so.9 (libc6,x86-64) => " + viaLdconfig
                + "\n";
        var r = locator().locate(LibrarySpec.CUDNN);
        assertEquals(viaLdconfig, r.first().orElseThrow().file());
        assertEquals("ldconfig -p", r.first().orElseThrow().source());
        Files.delete(viaLdconfig);
        Path conf = touch("etc/ld.so.conf.d/cuda.conf");
        Files.writeString(conf, "# cuda\n/opt/nv/lib\n");
        Path viaConf = touch("opt/nv/lib/libcudnn.so.9");
        assertEquals(viaConf, locator().locate(LibrarySpec.CUDNN).first().orElseThrow().file());
    }

    @Test
    void propertyOverridesEnvironmentAndDiscovery() throws IOException {
        touch("usr/local/cuda/lib64/libcublas.so.13");
        Path mine = touch("mine/libcublas.so.12");
        Path named = touch("other/custom-cublas.so");
        env.put("FKT_CUBLAS_PATH", root.resolve("mine").toString());
        var viaEnv = locator().locate(LibrarySpec.CUBLAS);
        assertEquals(List.of(mine), viaEnv.candidates().stream().map(LibraryLocator.Candidate::file).toList());
        assertEquals("FKT_CUBLAS_PATH", viaEnv.first().orElseThrow().source());
        props.put("fkt.cublas.path", named.toString());
        var viaProp = locator().locate(LibrarySpec.CUBLAS);
        assertEquals(named, viaProp.first().orElseThrow().file());
        assertEquals("-Dfkt.cublas.path", viaProp.first().orElseThrow().source());
    }

    @Test
    void overrideNamingNothingIsAnErrorNotAFallback() throws IOException {
        touch("usr/local/cuda/lib64/libcudnn.so.9");
        props.put("fkt.cudnn.path", root.resolve("nope").toString());
        var e = assertThrows(NativeLibraryException.class, () -> locator().locate(LibrarySpec.CUDNN));
        assertTrue(e.getMessage().contains("-Dfkt.cudnn.path=" + root.resolve("nope")), e.getMessage());
    }

    @Test
    void notFoundMessageNamesFilesDirectoriesAndTheOverride() throws IOException {
        Files.createDirectories(root.resolve("usr/local/cuda/lib64"));
        var r = locator().locate(LibrarySpec.CUBLAS);
        assertTrue(r.candidates().isEmpty());
        String m = r.notFoundMessage();
        assertTrue(m.contains("libcublas.so.13 or libcublas.so.12"), m);
        assertTrue(m.contains(root.resolve("usr/local/cuda/lib64") + " (/usr/local/cuda)"), m);
        assertTrue(m.contains("fkt.cublas.path") && m.contains("FKT_CUBLAS_PATH"), m);
    }

    @Test
    void realMachineDiscoveryRunsWithoutError() {
        var r = new LibraryLocator(LibraryLocator.Environment.system()).locate(LibrarySpec.CUDA_DRIVER);
        assertTrue(r.searched().stream().allMatch(d -> Files.isDirectory(d.dir())));
    }
}
