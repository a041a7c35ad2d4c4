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

/** The composed NT-Xent against a loop-by-loop double reference and against PyTorch. */
class NtXentTest {
    private static final int[] ROWS = {2, 8, 512};
    private static final int[] DIMS = {16, 128};
    private static final double[] TEMPERATURES = {0.1, 0.5, 1.0};

    @Test
    void matchesDirectDefinition() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        var random = new Random(seed);
        try (var scope = MemoryScope.open()) {
            for (int rows : new int[] {2, 6, 10}) {
                double[] z = gaussian(random, rows * 5, 2);
                for (double t : TEMPERATURES) {
                    Tensor zt = Tensor.of(z, rows, 5);
                    double expected = direct(z, rows, 5, t);
                    assertEquals(expected, NtXent.loss(zt, t).item(), 1e-12 * Math.max(1, Math.abs(expected)),
                            "2N=" + rows + " t=" + t);
                }
            }
        }
    }

    @Test
    void duplicatedAndZeroRowsStayFinite() {
        try (var scope = MemoryScope.open()) {
            Tensor z = Tensor.of(new float[] {1, 2, 1, 2, 0, 0, 3, -1}, 4, 2).requiresGrad(true);
            Tensor loss = NtXent.loss(z, 0.05);
            loss.backward();
            assertTrue(Double.isFinite(loss.item()), "loss " + loss.item());
            for (float g : z.grad().toFloatArray()) {
                assertTrue(Float.isFinite(g), "gradient " + g);
            }
        }
    }

    @Test
    void rejectsOddRowCount() {
        try (var scope = MemoryScope.open()) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> NtXent.loss(Tensor.zeros(3, 4), 0.5));
            assertTrue(e.getMessage().contains("(3, 4)"), e.getMessage());
        }
    }

    @Test
    void matchesPyTorch(@TempDir Path dir) {
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
                    Tensor loss = NtXent.loss(z, t);
                    loss.backward();
                    String key = tag + "." + t;
                    assertRelative("loss " + key, expected.get("loss." + key).toDoubleArray(), loss.toDoubleArray(), 1e-5);
                    assertRelative("grad " + key, expected.get("grad." + key).toDoubleArray(), z.grad().toDoubleArray(), 1e-4);
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
