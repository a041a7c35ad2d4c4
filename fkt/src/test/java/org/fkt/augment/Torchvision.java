package org.fkt.augment;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The torchvision oracle of the augmentation tests: collects cases (an op, a float (3, H, W) input and
 * parameters), runs them all in one /usr/bin/python3 process (torchvision_ops.py beside this class's
 * resources) and returns each output. Tests skip, saying why, where torch/torchvision cannot be imported.
 */
final class Torchvision {
    private static final String PYTHON = System.getProperty("fkt.python", "/usr/bin/python3");
    private static Boolean available;
    private static String reason;

    private final Path dir;
    private final List<String> lines = new ArrayList<>();
    private final Map<String, Path> outputs = new LinkedHashMap<>();

    Torchvision(Path dir) {
        this.dir = dir;
    }

    static synchronized void assumeAvailable() {
        if (available == null) {
            try {
                var p = new ProcessBuilder(PYTHON, "-c", "import torch, torchvision; print(torch.__version__, torchvision.__version__)")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                available = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
                reason = available ? "torch, torchvision " + out : PYTHON + " cannot import torch/torchvision: " + out;
            } catch (IOException | InterruptedException e) {
                available = false;
                reason = PYTHON + " could not be started: " + e.getMessage();
            }
            System.out.println("torchvision oracle: " + reason);
        }
        if (!available) {
            System.out.println("SKIPPED: augmentation parity needs python3-torch and python3-torchvision (" + reason + ")");
        }
        Assumptions.assumeTrue(available, () -> "torchvision not available: " + reason);
    }

    /** Adds case {@code name}: op on input {@code x} (3, h, w); {@code params} alternate key, value (numbers, booleans, arrays, strings). */
    void add(String name, String op, float[] x, int h, int w, Object... params) throws IOException {
        Path in = dir.resolve(name + ".in");
        Path out = dir.resolve(name + ".out");
        write(in, x);
        StringBuilder json = new StringBuilder();
        json.append("{\"op\":\"").append(op).append("\",\"in\":\"").append(in).append("\",\"out\":\"").append(out)
                .append("\",\"h\":").append(h).append(",\"w\":").append(w);
        for (int i = 0; i < params.length; i += 2) {
            json.append(",\"").append(params[i]).append("\":").append(value(params[i + 1]));
        }
        lines.add(json.append('}').toString());
        outputs.put(name, out);
    }

    /** Runs every case added; afterwards {@link #output} reads the results. */
    void run() throws IOException, InterruptedException, URISyntaxException {
        Path spec = dir.resolve("spec.jsonl");
        Files.write(spec, lines);
        Path script = Path.of(Torchvision.class.getResource("torchvision_ops.py").toURI());
        Path log = dir.resolve("python.log");
        var p = new ProcessBuilder(PYTHON, script.toString(), spec.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("torchvision_ops.py timed out; log:\n" + Files.readString(log));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("torchvision_ops.py failed (" + p.exitValue() + "):\n" + Files.readString(log));
        }
    }

    float[] output(String name) throws IOException {
        byte[] bytes = Files.readAllBytes(outputs.get(name));
        float[] f = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    private static void write(Path path, float[] x) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        Files.write(path, b.array());
    }

    private static String value(Object v) {
        if (v instanceof String s) {
            return "\"" + s + "\"";
        }
        if (v instanceof int[] a) {
            return java.util.Arrays.toString(a);
        }
        if (v instanceof double[] a) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < a.length; i++) {
                sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "%.17g", a[i]));
            }
            return sb.append(']').toString();
        }
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.17g", d);
        }
        if (v instanceof Float f) {
            return String.format(Locale.ROOT, "%.9g", f);
        }
        return String.valueOf(v);
    }
}
