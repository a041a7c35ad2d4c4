// Finds NVIDIA shared libraries on disk: override, LD_LIBRARY_PATH, CUDA_HOME, /usr/local/cuda, the linker's
// paths and the nvidia/*/lib folders of Python site-packages (PyTorch's pip wheels).
package org.fkt.engine.natives;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Library discovery. Every input is injectable ({@link Environment}) so that tests run it on fake folder
 * trees: the file-system root, the environment and properties, the output of {@code ldconfig -p} and the
 * site-packages folders Python reports.
 */
public final class LibraryLocator {

    /** Where a directory to search came from, e.g. "LD_LIBRARY_PATH" or "site-packages nvidia/*&#47;lib". */
    public record SearchDir(Path dir, String source) {
    }

    /** One library file found: the file, its soname, and the source of the directory it lies in. */
    public record Candidate(Path file, String soname, String source) {
        @Override
        public String toString() {
            return file + " (" + source + ")";
        }
    }

    /** The result of one search: the candidates in order of preference and every directory looked at. */
    public record Result(LibrarySpec spec, List<Candidate> candidates, List<SearchDir> searched) {

        public Optional<Candidate> first() {
            return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.getFirst());
        }

        /** Candidates with the given soname, in order. */
        public List<Candidate> withSoname(String soname) {
            return candidates.stream().filter(c -> c.soname().equals(soname)).toList();
        }

        /** "cuBLAS (libcublas.so.13 or libcublas.so.12) not found in: dir (source), ..." */
        public String notFoundMessage() {
            var sb = new StringBuilder();
            sb.append(spec.what()).append(" (").append(String.join(" or ", spec.sonames())).append(") not found in ");
            if (searched.isEmpty()) {
                sb.append("any directory (none to search)");
            } else {
                for (int i = 0; i < searched.size(); i++) {
                    var d = searched.get(i);
                    sb.append(i == 0 ? "" : ", ").append(d.dir()).append(" (").append(d.source()).append(')');
                }
            }
            sb.append("; set -D").append(spec.property()).append("=<file or dir> or ").append(spec.envVar())
                    .append(" to point at it");
            return sb.toString();
        }
    }

    /** Everything discovery reads from the machine. */
    public record Environment(Path root, Function<String, String> env, Function<String, String> props,
                              Supplier<String> ldconfigOutput, Supplier<List<Path>> pythonSitePackages) {

        /** The real machine: "/", System.getenv, System.getProperty, `ldconfig -p`, and python3's site list. */
        public static Environment system() {
            return new Environment(Path.of("/"), System::getenv, System::getProperty,
                    () -> run(2, ldconfig(), "-p"), LibraryLocator::pythonSitePackages);
        }
    }

    private final Environment env;

    /** ldconfig lives in /sbin, which is not on every PATH (env -i, cron, containers). */
    static String ldconfig() {
        for (String p : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return "ldconfig";
    }

    public LibraryLocator(Environment env) {
        this.env = env;
    }

    /** Searches for {@code spec}; an override that names nothing existing is an error, never a silent fallback. */
    public Result locate(LibrarySpec spec) {
        String override = firstNonBlank(env.props().apply(spec.property()), env.env().apply(spec.envVar()));
        if (override != null) {
            return locateOverride(spec, override);
        }
        var searched = searchDirs();
        var found = new ArrayList<Candidate>();
        for (var d : searched) {
            for (String soname : spec.sonames()) {
                Path f = d.dir().resolve(soname);
                if (Files.isRegularFile(f) && found.stream().noneMatch(c -> sameFile(c.file(), f))) {
                    found.add(new Candidate(f, soname, d.source()));
                }
            }
        }
        // Prefer the newer soname across all dirs (cuBLAS 13 over 12), keeping directory order within one soname.
        var ordered = new ArrayList<Candidate>();
        for (String soname : spec.sonames()) {
            found.stream().filter(c -> c.soname().equals(soname)).forEach(ordered::add);
        }
        return new Result(spec, List.copyOf(ordered), searched);
    }

    private Result locateOverride(LibrarySpec spec, String value) {
        Path p = Path.of(value);
        String source = env.props().apply(spec.property()) != null && !env.props().apply(spec.property()).isBlank()
                ? "-D" + spec.property() : spec.envVar();
        if (Files.isRegularFile(p)) {
            String name = p.getFileName().toString();
            return new Result(spec, List.of(new Candidate(p, name, source)), List.of(new SearchDir(p.getParent(), source)));
        }
        if (Files.isDirectory(p)) {
            var found = new ArrayList<Candidate>();
            for (String soname : spec.sonames()) {
                if (Files.isRegularFile(p.resolve(soname))) {
                    found.add(new Candidate(p.resolve(soname), soname, source));
                }
            }
            return new Result(spec, List.copyOf(found), List.of(new SearchDir(p, source)));
        }
        throw new NativeLibraryException(spec.what() + ": " + source + "=" + value
                + " names neither a file nor a directory");
    }

    /** Every directory searched, in order, without duplicates. */
    public List<SearchDir> searchDirs() {
        var dirs = new LinkedHashMap<Path, SearchDir>();
        for (String part : split(env.env().apply("LD_LIBRARY_PATH"))) {
            add(dirs, Path.of(part), "LD_LIBRARY_PATH");
        }
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String home = env.env().apply(var);
            if (home != null && !home.isBlank()) {
                add(dirs, Path.of(home, "lib64"), var);
                add(dirs, Path.of(home, "lib"), var);
                add(dirs, Path.of(home, "targets", "x86_64-linux", "lib"), var);
            }
        }
        Path root = env.root();
        add(dirs, root.resolve("usr/local/cuda/lib64"), "/usr/local/cuda");
        for (Path d : glob(root.resolve("usr/local"), "cuda-*")) {
            add(dirs, d.resolve("lib64"), "/usr/local/cuda-*");
        }
        for (Path d : ldconfigDirs()) {
            add(dirs, d, "ldconfig -p");
        }
        for (Path d : ldSoConfDirs()) {
            add(dirs, d, "/etc/ld.so.conf.d");
        }
        for (String d : List.of("usr/lib/x86_64-linux-gnu", "usr/lib64", "usr/lib", "usr/lib/wsl/lib")) {
            add(dirs, root.resolve(d), "system default");
        }
        for (Path site : sitePackages()) {
            for (Path pkg : glob(site.resolve("nvidia"), "*")) {
                add(dirs, pkg.resolve("lib"), "site-packages nvidia/*/lib");
            }
            add(dirs, site.resolve("torch/lib"), "site-packages torch/lib");
        }
        String conda = env.env().apply("CONDA_PREFIX");
        if (conda != null && !conda.isBlank()) {
            add(dirs, Path.of(conda, "lib"), "CONDA_PREFIX");
        }
        return List.copyOf(dirs.values());
    }

    /** site-packages / dist-packages folders: system and user pythons, a virtualenv, conda, and python3's own list. */
    List<Path> sitePackages() {
        var out = new ArrayList<Path>();
        Path root = env.root();
        for (String base : List.of("usr/lib", "usr/local/lib", "opt/conda/lib")) {
            for (Path py : glob(root.resolve(base), "python3*")) {
                out.add(py.resolve("site-packages"));
                out.add(py.resolve("dist-packages"));
            }
        }
        for (String var : List.of("HOME", "VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = env.env().apply(var);
            if (v != null && !v.isBlank()) {
                Path lib = var.equals("HOME") ? Path.of(v, ".local", "lib") : Path.of(v, "lib");
                for (Path py : glob(lib, "python3*")) {
                    out.add(py.resolve("site-packages"));
                }
            }
        }
        out.addAll(env.pythonSitePackages().get());
        return out.stream().filter(Files::isDirectory).distinct().toList();
    }

    private List<Path> ldconfigDirs() {
        var out = new ArrayList<Path>();
        String text = env.ldconfigOutput().get();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\n")) {
            int arrow = line.indexOf("=>");
            if (arrow >= 0) {
                Path parent = Path.of(line.substring(arrow + 2).trim()).getParent();
                if (parent != null && !out.contains(parent)) {
                    out.add(parent);
                }
            }
        }
        return out;
    }

    private List<Path> ldSoConfDirs() {
        var out = new ArrayList<Path>();
        for (Path conf : glob(env.root().resolve("etc/ld.so.conf.d"), "*.conf")) {
            try {
                for (String line : Files.readAllLines(conf, StandardCharsets.UTF_8)) {
                    String t = line.strip();
                    if (t.startsWith("/")) {
                        out.add(env.root().resolve(t.substring(1)));
                    }
                }
            } catch (IOException e) {
                // an unreadable linker config adds no directories
            }
        }
        return out;
    }

    private static void add(Map<Path, SearchDir> dirs, Path dir, String source) {
        Path n = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(n)) {
            dirs.putIfAbsent(n, new SearchDir(n, source));
        }
    }

    private static List<Path> glob(Path dir, String pattern) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            var matcher = dir.getFileSystem().getPathMatcher("glob:" + pattern);
            return s.filter(p -> matcher.matches(p.getFileName())).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> split(String pathList) {
        if (pathList == null || pathList.isBlank()) {
            return List.of();
        }
        return Stream.of(pathList.split(":")).filter(s -> !s.isBlank()).toList();
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : null;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.equals(b);
        }
    }

    /** python3's site.getsitepackages(), or nothing if python3 is missing or slow (3 s). */
    static List<Path> pythonSitePackages() {
        String out = run(3, "python3", "-c", "import site; print('\\n'.join(site.getsitepackages()))");
        if (out == null) {
            return List.of();
        }
        return out.lines().map(String::strip).filter(s -> s.startsWith("/")).map(Path::of).toList();
    }

    /** Runs a short command and returns its stdout, or null when it is missing, fails or times out. */
    static String run(int timeoutSeconds, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            var out = new java.io.ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (var in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException e) {
                    // a broken pipe after a timeout leaves what was read
                }
            });
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            reader.join(TimeUnit.SECONDS.toMillis(timeoutSeconds));
            return p.exitValue() == 0 ? out.toString(StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
