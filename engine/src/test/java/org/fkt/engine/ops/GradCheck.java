package org.fkt.engine.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Checks analytic gradients against central finite differences, everything in float64. The
 * scalar is L = sum(f(inputs) * r) for a fixed random r, so every output element contributes.
 * Inputs with more than {@code maxProbes} elements are probed at a random subset.
 */
final class GradCheck {
    private static final double STEP = 1e-6;
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;
    private static final int MAX_PROBES = 160;

    private GradCheck() {
    }

    static void check(String op, Random random, Function<Tensor[], Tensor> f, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("gradcheck needs float64 inputs");
            }
            t.requiresGrad(true);
            t.grad(null);
        }
        double[] r;
        try (var scope = MemoryScope.open()) {
            Tensor y = f.apply(inputs);
            r = new double[(int) y.numel()];
            for (int i = 0; i < r.length; i++) {
                r[i] = random.nextGaussian();
            }
            y.backward(Tensor.of(r, y.shape()));
        }
        List<String> mismatches = new ArrayList<>();
        int probes = 0;
        for (int in = 0; in < inputs.length; in++) {
            Tensor x = inputs[in];
            double[] analytic = x.grad().toDoubleArray();
            double[] values = x.toDoubleArray();
            for (int j : probeIndices(values.length, random)) {
                double saved = values[j];
                values[j] = saved + STEP;
                x.copyFrom(values);
                double plus = objective(f, inputs, r);
                values[j] = saved - STEP;
                x.copyFrom(values);
                double minus = objective(f, inputs, r);
                values[j] = saved;
                x.copyFrom(values);
                double numeric = (plus - minus) / (2 * STEP);
                probes++;
                if (!(Math.abs(analytic[j] - numeric) <= ATOL + RTOL * Math.abs(numeric))) {
                    mismatches.add(String.format("input %d element %d: analytic %.10g, numeric %.10g", in, j,
                            analytic[j], numeric));
                }
            }
        }
        if (!mismatches.isEmpty()) {
            fail(op + ": " + mismatches.size() + " of " + probes + " gradient probes differ; first: "
                    + String.join("; ", mismatches.subList(0, Math.min(5, mismatches.size()))));
        }
    }

    private static double objective(Function<Tensor[], Tensor> f, Tensor[] inputs, double[] r) {
        try (var scope = MemoryScope.open(); var off = Autograd.noGrad()) {
            double[] y = f.apply(inputs).toDoubleArray();
            double s = 0;
            for (int i = 0; i < y.length; i++) {
                s += y[i] * r[i];
            }
            return s;
        }
    }

    private static int[] probeIndices(int n, Random random) {
        if (n <= MAX_PROBES) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] some = new int[MAX_PROBES];
        for (int i = 0; i < MAX_PROBES; i++) {
            some[i] = random.nextInt(n);
        }
        return some;
    }
}
