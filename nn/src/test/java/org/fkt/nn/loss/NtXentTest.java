package org.fkt.nn.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.testing.TorchOracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both NT-Xent paths (fused and composed) against a loop-by-loop double reference and against
 * PyTorch (python/ntxent_reference.py), including a zero row and duplicated rows.
 */
class NtXentTest {
    private static final int[] ROWS = {2, 8, 512};
    private static final int[] DIMS = {16, 128};
    private static final double[] TEMPERATURES = {0.1, 0.5, 1.0};

    @ParameterizedTest
    @EnumSource(NtXentPath.class)
    void matchesDirectDefinition(NtXentPath path) {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        var random = new Random(seed);
        try (var scope = MemoryScope.open()) {
            for (int rows : new int[] {2, 6, 10}) {
                double[] z = gaussian(random, rows * 5, 2);
                for (double t : TEMPERATURES) {
                    Tensor zt = Tensor.of(z, rows, 5);
                    double expected = direct(z, rows, 5, t);
                    assertEquals(expected, NtXent.loss(zt, t, path).item(), 1e-12 * Math.max(1, Math.abs(expected)),
                            path + " 2N=" + rows + " t=" + t);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(NtXentPath.class)
    void duplicatedAndZeroRowsStayFinite(NtXentPath path) {
        try (var scope = MemoryScope.open()) {
            Tensor z = Tensor.of(new float[] {1, 2, 1, 2, 0, 0, 3, -1}, 4, 2).requiresGrad(true);
            Tensor loss = NtXent.loss(z, 0.05, path);
            loss.backward();
            assertTrue(Double.isFinite(loss.item()), "loss " + loss.item());
            for (float g : z.grad().toFloatArray()) {
                assertTrue(Float.isFinite(g), "gradient " + g);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(NtXentPath.class)
    void rejectsOddRowCount(NtXentPath path) {
        try (var scope = MemoryScope.open()) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> NtXent.loss(Tensor.zeros(3, 4), 0.5, path));
            assertTrue(e.getMessage().contains("(3, 4)"), e.getMessage());
        }
    }

    @Test
    void defaultPathIsFusedUnlessOverridden() {
        String saved = System.getProperty(NtXentPath.PROPERTY);
        try {
            System.clearProperty(NtXentPath.PROPERTY);
            assertEquals(NtXentPath.FUSED, NtXentPath.fromSystemProperty());
            System.setProperty(NtXentPath.PROPERTY, "Composed");
            assertEquals(NtXentPath.COMPOSED, NtXentPath.fromSystemProperty());
            System.setProperty(NtXentPath.PROPERTY, "flash");
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    NtXentPath::fromSystemProperty);
            assertTrue(e.getMessage().contains("flash") && e.getMessage().contains(NtXentPath.PROPERTY),
                    e.getMessage());
        } finally {
            if (saved == null) {
                System.clearProperty(NtXentPath.PROPERTY);
            } else {
                System.setProperty(NtXentPath.PROPERTY, saved);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(NtXentPath.class)
    void matchesPyTorch(NtXentPath path, @TempDir Path dir) {
        TorchOracle.assumeAvailable();
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        var random = new Random(seed);
        try (var scope = MemoryScope.open()) {
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            for (int rows : ROWS) {
                for (int d : DIMS) {
                    float[] z = new float[rows * d];
                    double[] g = gaussian(random, rows * d, 3);
                    for (int i = 0; i < z.length; i++) {
                        z[i] = (float) g[i];
                    }
                    inputs.put("z." + rows + "x" + d, Tensor.of(z, rows, d));
                }
            }
            float[] special = new float[8 * 16];
            double[] g = gaussian(random, special.length, 1);
            for (int i = 0; i < special.length; i++) {
                special[i] = (float) g[i];
            }
            System.arraycopy(special, 0, special, 4 * 16, 16);            // row 4 (row 0's partner) equals row 0
            System.arraycopy(special, 16, special, 2 * 16, 16);           // rows 1 and 2 equal
            java.util.Arrays.fill(special, 7 * 16, 8 * 16, 0f);           // row 7 is zero
            inputs.put("z.special", Tensor.of(special, 8, 16));
            Path in = dir.resolve("z.safetensors");
            Path out = dir.resolve("torch.safetensors");
            Safetensors.write(in, inputs, Map.of());
            String[] args = new String[2 + TEMPERATURES.length];
            args[0] = in.toString();
            args[1] = out.toString();
            for (int i = 0; i < TEMPERATURES.length; i++) {
                args[2 + i] = Double.toString(TEMPERATURES[i]);
            }
            TorchOracle.run("ntxent_reference.py", args);
            Map<String, Tensor> expected = Safetensors.read(out);
            for (var e : inputs.entrySet()) {
                String tag = e.getKey().substring(2);
                for (double t : TEMPERATURES) {
                    Tensor z = e.getValue().detach().requiresGrad(true);
                    Tensor loss = NtXent.loss(z, t, path);
                    loss.backward();
                    String key = tag + "." + t;
                    assertRelative(path + " loss " + key, expected.get("loss." + key).toDoubleArray(),
                            loss.toDoubleArray(), 1e-5);
                    assertRelative(path + " grad " + key, expected.get("grad." + key).toDoubleArray(),
                            z.grad().toDoubleArray(), 1e-4);
                }
            }
        }
    }

    /** ||a - b|| / ||b|| within tol; on failure prints both norms and the worst element. */
    static void assertRelative(String what, double[] expected, double[] actual, double tol) {
        double diff = 0;
        double norm = 0;
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
            if (Math.abs(d) > Math.abs(actual[worst] - expected[worst])) {
                worst = i;
            }
        }
        double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
        if (!(rel <= tol)) {
            fail(String.format("%s: relative error %.3g > %.1g; |expected| %.6g, |actual| %.6g; worst [%d] %.8g vs %.8g",
                    what, rel, tol, Math.sqrt(norm), norm(actual), worst, actual[worst], expected[worst]));
        }
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d * d;
        }
        return Math.sqrt(s);
    }

    private static double[] gaussian(Random random, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian() * scale;
        }
        return v;
    }

    /** NT-Xent by its definition, in plain loops. */
    private static double direct(double[] z, int rows, int d, double t) {
        double[][] u = new double[rows][d];
        for (int i = 0; i < rows; i++) {
            double n = 0;
            for (int j = 0; j < d; j++) {
                n += z[i * d + j] * z[i * d + j];
            }
            n = Math.max(Math.sqrt(n), 1e-12);
            for (int j = 0; j < d; j++) {
                u[i][j] = z[i * d + j] / n;
            }
        }
        double total = 0;
        for (int i = 0; i < rows; i++) {
            int partner = (i + rows / 2) % rows;
            double denominator = 0;
            double positive = 0;
            for (int k = 0; k < rows; k++) {
                if (k == i) {
                    continue;
                }
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += u[i][j] * u[k][j];
                }
                denominator += Math.exp(s / t);
                if (k == partner) {
                    positive = s / t;
                }
            }
            total += Math.log(denominator) - positive;
        }
        return total / rows;
    }
}
