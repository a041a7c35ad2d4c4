package org.fkt.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.testing.TorchOracle;

/**
 * One optimizer parity case against python/optim_reference.py. Exchange through a temporary folder:
 * case.json (names, shapes, which parameters have a gradient at which step, learning rates,
 * hyper-parameters) and raw little-endian float32 files in.bin (initial values, then each step's
 * gradients) and out.bin (the script's parameters after each step, then its final momentum buffers).
 * The Java optimizer runs the same steps; every parameter after every step, and the final buffers, must
 * agree within a tolerance relative to the tensor's largest magnitude.
 */
final class OptimParity {
    /** One parameter: name, shape, initial values, and its gradient at each step (null: none). */
    record Param(String name, int[] shape, float[] init, float[][] grads) {
        boolean hasBufferAfter(int steps) {
            return IntStream.range(0, steps).anyMatch(s -> grads[s] != null);
        }
    }

    private final List<Param> params = new ArrayList<>();
    private final double[] lrs;
    private final OptimTestData data;

    OptimParity(OptimTestData data, double... lrs) {
        this.data = data;
        this.lrs = lrs;
    }

    /**
     * Adds a parameter of Normal(0, wScale) values (0: all zeros) with Normal(0, gScale) gradients at
     * the steps listed in {@code gradAt} (null: every step; gScale 0: zero gradients).
     */
    OptimParity param(String name, int[] shape, double wScale, double gScale, int... gradAt) {
        int n = OptimTestData.numel(shape);
        float[][] grads = new float[lrs.length][];
        for (int s = 0; s < lrs.length; s++) {
            final int step = s;
            boolean has = gradAt.length == 0 || Arrays.stream(gradAt).anyMatch(k -> k == step);
            grads[s] = has ? data.normal(n, 0, gScale) : null;
        }
        params.add(new Param(name, shape, data.normal(n, 0, wScale), grads));
        return this;
    }

    /** The standard parameter set: conv/BN/linear names, a tensor over the CPU kernels' parallel grain,
     *  a zero-initialised weight, a late starter, one skipped at step 3, a zero gradient, one never stepped. */
    OptimParity standardParams() {
        return param("conv1.weight", new int[] {8, 3, 3, 3}, 0.2, 0.5)
                .param("bn1.weight", new int[] {8}, 0.1, 0.05)
                .param("bn1.bias", new int[] {8}, 0.1, 0.05)
                .param("layer1.0.conv1.weight", new int[] {64, 64, 3, 3}, 0.05, 0.01)
                .param("layer1.0.bn1.weight", new int[] {64}, 1.0, 0.2)
                .param("layer1.0.bn1.bias", new int[] {64}, 0.5, 0.2)
                .param("projector.0.weight", new int[] {32, 64}, 0.1, 0.02)
                .param("projector.0.bias", new int[] {32}, 0.1, 0.02)
                .param("fc.weight", new int[] {10, 64}, 0, 0.3)
                .param("fc.bias", new int[] {10}, 0, 0.3)
                .param("late.weight", new int[] {16, 8}, 0.3, 0.1, 2, 3, 4)
                .param("sometimes.weight", new int[] {12, 5}, 0.3, 0.1, 0, 1, 2, 4)
                .param("frozen.weight", new int[] {6, 4}, 0.3, 0)
                .param("never.weight", new int[] {3, 3}, 0.3, 0.1, -1);
    }

    /**
     * Runs the script with {@code optimizer} ("sgd"/"lars") and the given JSON fragments, then the Java
     * optimizer that {@code factory} builds over fresh parameters, and compares. keepsBuffers: the
     * optimizer has a momentum buffer for every parameter that got a gradient. Parameters must agree
     * within {@code tolerance}, the final buffers within {@code bufferTolerance}.
     */
    void check(String optimizer, String hyperJson, String excludeDecayJson, String excludeAdaptJson,
               boolean keepsBuffers, Function<Map<String, Tensor>, Optimizer> factory, double tolerance,
               double bufferTolerance) {
        TorchOracle.assumeAvailable();
        Path dir = exchange(optimizer, hyperJson, excludeDecayJson, excludeAdaptJson);
        System.out.println(TorchOracle.run("optim_reference.py", dir.toString()).trim());
        float[] expected = readFloats(dir.resolve("out.bin"));
        var tensors = new LinkedHashMap<String, Tensor>();
        for (Param p : params) {
            tensors.put(p.name, Tensor.of(p.init, p.shape).requiresGrad(true).name(p.name));
        }
        Worst params = new Worst();
        Worst buffers = new Worst();
        double worstElement = 0;
        try (Optimizer opt = factory.apply(tensors)) {
            opt.schedule(s -> lrs[(int) s]);
            int pos = 0;
            for (int s = 0; s < lrs.length; s++) {
                for (Param p : this.params) {
                    Tensor t = tensors.get(p.name);
                    t.grad(p.grads[s] == null ? null : Tensor.of(p.grads[s], p.shape));
                }
                opt.step();
                for (Param p : this.params) {
                    float[] want = Arrays.copyOfRange(expected, pos, pos += p.init.length);
                    float[] got = tensors.get(p.name).toFloatArray();
                    String what = p.name + " after step " + s;
                    params.update(compare(what, got, want, tolerance), what);
                    worstElement = Math.max(worstElement, elementwise(got, want));
                }
            }
            try (OptimizerState state = opt.state()) {
                List<String> withBuffer = this.params.stream()
                        .filter(p -> keepsBuffers && p.hasBufferAfter(lrs.length)).map(Param::name).toList();
                assertEquals(withBuffer, List.copyOf(state.buffers().keySet()), "parameters with a momentum buffer");
                for (String name : withBuffer) {
                    float[] want = Arrays.copyOfRange(expected, pos, pos += tensors.get(name).numel());
                    String what = "momentum buffer of " + name;
                    buffers.update(compare(what, state.buffers().get(name).toFloatArray(), want, bufferTolerance), what);
                }
            }
            assertEquals(expected.length, pos, "values in out.bin");
        } finally {
            tensors.values().forEach(Tensor::close);
        }
        System.out.printf("%s parity: parameters within %.3g of each tensor's max magnitude (worst: %s; tolerance %.0e),"
                + " buffers within %.3g (worst: %s; tolerance %.0e); worst elementwise relative error of the"
                + " parameters %.3g (elements above 1e-3 of the max)%n", optimizer, params.error, params.where,
                tolerance, buffers.error, buffers.where, bufferTolerance, worstElement);
    }

    /** The largest error seen and where. */
    private static final class Worst {
        double error;
        String where = "-";

        void update(double e, String what) {
            if (e > error) {
                error = e;
                where = what;
            }
        }
    }

    private Path exchange(String optimizer, String hyperJson, String excludeDecayJson, String excludeAdaptJson) {
        try {
            Path dir = Files.createTempDirectory("optim-parity");
            String paramsJson = params.stream().map(p -> "{\"name\": \"" + p.name + "\", \"shape\": "
                    + Arrays.toString(p.shape) + ", \"grad_at\": " + Arrays.stream(p.grads)
                    .map(g -> g != null ? "true" : "false").collect(Collectors.joining(", ", "[", "]")) + "}")
                    .collect(Collectors.joining(",\n  ", "[\n  ", "\n]"));
            String json = "{\"optimizer\": \"" + optimizer + "\", \"steps\": " + lrs.length
                    + ", \"lrs\": " + Arrays.toString(lrs) + ", \"hyper\": " + hyperJson
                    + ", \"exclude_decay\": " + excludeDecayJson + ", \"exclude_adapt\": " + excludeAdaptJson
                    + ", \"params\": " + paramsJson + "}\n";
            Files.writeString(dir.resolve("case.json"), json);
            List<float[]> chunks = new ArrayList<>();
            params.forEach(p -> chunks.add(p.init));
            for (int s = 0; s < lrs.length; s++) {
                for (Param p : params) {
                    if (p.grads[s] != null) {
                        chunks.add(p.grads[s]);
                    }
                }
            }
            writeFloats(dir.resolve("in.bin"), chunks);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Fails, printing the tensor's name, both norms and the worst elements, unless every element is
     * within {@code tolerance * max|expected|}; returns that normalised worst error.
     */
    static double compare(String what, float[] actual, float[] expected, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double denom = scale > 0 ? scale : 1;
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs((double) actual[i] - expected[i]) / denom);
        }
        if (worst <= tolerance && Double.isFinite(worst)) {
            return worst;
        }
        Integer[] order = IntStream.range(0, actual.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -Math.abs((double) actual[i] - expected[i])))
                .limit(5).toArray(Integer[]::new);
        var msg = new StringBuilder(String.format("%s: error %.3g of max |expected| %.6g exceeds %.0e;"
                + " norms java %.9g torch %.9g; worst elements:", what, worst, scale, tolerance,
                norm(actual), norm(expected)));
        for (int i : order) {
            msg.append(String.format("%n  [%d] java %.9g torch %.9g diff %.3g", i, actual[i], expected[i],
                    actual[i] - (double) expected[i]));
        }
        System.out.println(msg);
        fail(msg.toString());
        return worst;
    }

    /** Largest |a - e| / |e| over elements with |e| at least 1e-3 of the largest |e| (reported only). */
    static double elementwise(float[] actual, float[] expected) {
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            if (Math.abs(expected[i]) >= 1e-3 * scale && expected[i] != 0) {
                worst = Math.max(worst, Math.abs((double) actual[i] - expected[i]) / Math.abs(expected[i]));
            }
        }
        return worst;
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    private static void writeFloats(Path file, List<float[]> chunks) throws IOException {
        int n = chunks.stream().mapToInt(c -> c.length).sum();
        ByteBuffer buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] c : chunks) {
            for (float x : c) {
                buf.putFloat(x);
            }
        }
        Files.write(file, buf.array());
    }

    private static float[] readFloats(Path file) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[buf.remaining() / 4];
            buf.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
