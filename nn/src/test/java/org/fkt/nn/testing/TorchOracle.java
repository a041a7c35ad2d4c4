package org.fkt.nn.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the repository's Python scripts (python/) under a Python that has PyTorch, our independent
 * oracle. Tests call {@link #assumeAvailable()} first: without PyTorch they are skipped with the
 * reason printed (CI installs Debian's python3-torch, so there they run).
 */
public final class TorchOracle {
    /** Debian's interpreter, where python3-torch installs; override with -Dfkt.python=PATH. */
    private static final String PYTHON = System.getProperty("fkt.python", "/usr/bin/python3");
    private static Boolean available;
    private static String reason;

    private TorchOracle() {
    }

    /** True when {@link #PYTHON} imports torch and torchvision. */
    public static synchronized boolean available() {
        if (available == null) {
            try {
                var p = new ProcessBuilder(PYTHON, "-c", "import torch, torchvision; print(torch.__version__)")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                boolean ok = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
                available = ok;
                reason = ok ? "torch " + out : PYTHON + " cannot import torch/torchvision: " + lastLine(out);
            } catch (IOException | InterruptedException e) {
                available = false;
                reason = PYTHON + " could not be started: " + e.getMessage();
            }
            System.out.println("PyTorch oracle: " + reason);
        }
        return available;
    }

    /** Skips the calling test, printing why, when PyTorch is not available. */
    public static void assumeAvailable() {
        if (!available()) {
            System.out.println("SKIPPED: PyTorch parity test needs python3-torch and python3-torchvision ("
                    + reason + "); install them with apt-get install -y python3-torch python3-torchvision");
        }
        Assumptions.assumeTrue(available(), () -> "PyTorch not available: " + reason);
    }

    private static String cudaReason;

    /**
     * Skips the calling test, printing why, unless PyTorch is available and sees a CUDA device (the
     * peer of the engine's GPU parity tests; on a GPU server point -Dfkt.python at the interpreter that
     * holds the CUDA build of torch).
     */
    public static synchronized void assumeCuda() {
        assumeAvailable();
        if (cudaReason == null) {
            try {
                var p = new ProcessBuilder(PYTHON, "-c",
                        "import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none')")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                boolean ok = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0 && !lastLine(out).equals("none");
                cudaReason = ok ? "" : PYTHON + "'s torch sees no CUDA device (" + lastLine(out) + ")";
            } catch (IOException | InterruptedException e) {
                cudaReason = PYTHON + " could not be started: " + e.getMessage();
            }
            if (!cudaReason.isEmpty()) {
                System.out.println("SKIPPED: PyTorch GPU parity test: " + cudaReason);
            }
        }
        Assumptions.assumeTrue(cudaReason.isEmpty(), () -> "PyTorch without CUDA: " + cudaReason);
    }

    /** Runs python/{@code script} with {@code args} from the repository root; returns its stdout. */
    public static String run(String script, String... args) {
        Path root = repositoryRoot();
        List<String> command = new ArrayList<>();
        command.add(PYTHON);
        command.add(root.resolve("python").resolve(script).toString());
        command.addAll(List.of(args));
        try {
            Path log = Files.createTempFile("torch-oracle", ".log");
            var p = new ProcessBuilder(command).directory(root.toFile())
                    .redirectError(log.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            String err = Files.readString(log);
            Files.deleteIfExists(log);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + err);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    /**
     * The folder holding python/: -Dfkt.python.root (the distribution's launcher sets it), else the first
     * folder above the working directory that has one (Surefire runs tests from a module folder).
     */
    public static Path repositoryRoot() {
        String root = System.getProperty("fkt.python.root");
        if (root != null && Files.isDirectory(Path.of(root, "python"))) {
            return Path.of(root);
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("python"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no python/ folder above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    private static String lastLine(String s) {
        String[] lines = s.split("\n");
        return lines[lines.length - 1];
    }
}
