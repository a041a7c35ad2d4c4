package org.fkt.nn.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.Stem;
import org.fkt.nn.testing.TorchOracle;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One training step of the engine against PyTorch from the same weights and batch: loss terms,
 * logits, projections, every parameter gradient and every running statistic within 1e-4 relative
 * (||a - b|| / ||b||). Where a tensor misses that, both sides are compared with a float64 PyTorch
 * run: the engine's own float64 run must then agree with PyTorch's float64 run within 1e-9 (the
 * mathematics is identical), and the float32 error is expected to be at most twice PyTorch's. A
 * tensor above twice PyTorch's float32 error is reported but does not fail the test when the float64
 * runs agree: that happens when rounding moves a pre-activation across a ReLU kink (zero), which
 * switches a whole gradient element on or off; how often depends on the data, not on a bug.
 */
class DumpParityTest {
    private static final double TOLERANCE = 1e-4;
    /** The engine in float64 against PyTorch in float64: the same mathematics, up to double rounding. */
    private static final double MATH_TOLERANCE = 1e-9;

    @ParameterizedTest(name = "{0} {1} stem, {2}")
    @CsvSource({
        "resnet18, cifar, supervised", "resnet18, cifar, contrastive", "resnet18, cifar, joint",
        "resnet18, imagenet, supervised", "resnet18, imagenet, contrastive", "resnet18, imagenet, joint",
        "resnet50, cifar, supervised", "resnet50, cifar, contrastive", "resnet50, cifar, joint",
        "resnet50, imagenet, supervised", "resnet50, imagenet, contrastive", "resnet50, imagenet, joint",
    })
    void stepMatchesPyTorch(String arch, String stem, String objective, @TempDir Path dir) {
        TorchOracle.assumeAvailable();
        int size = stem.equals("cifar") ? 32 : 128;
        String classes = "5";
        String hidden = "64";
        String projection = "32";
        Path weights = dir.resolve("w.safetensors");
        Path batch = dir.resolve("b.safetensors");
        long seed = System.nanoTime() % 100000;
        System.out.println(arch + " " + stem + " " + objective + ": seed " + seed);
        TorchOracle.run("torch_step.py", "make", "--arch", arch, "--stem", stem, "--classes", classes, "--proj-hidden",
                hidden, "--proj-out", projection, "--batch", "4", "--size", Integer.toString(size), "--seed",
                Long.toString(seed), "--weights", weights.toString(), "--batch-out", batch.toString());
        Path ours = dir.resolve("engine.safetensors");
        StepDump.run(new StepDump.Config(Architecture.parse(arch), Stem.parse(stem), 5, Objective.parse(objective),
                weights, batch, ours, 0.5, 1.0, 64, 32, Device.CPU, DType.FLOAT32));
        Path torch32 = dir.resolve("torch32.safetensors");
        Path torch64 = dir.resolve("torch64.safetensors");
        List<String> run = new ArrayList<>(List.of("run", "--arch", arch, "--stem", stem, "--classes", classes,
                "--proj-hidden", hidden, "--proj-out", projection, "--objective", objective, "--weights",
                weights.toString(), "--batch", batch.toString()));
        TorchOracle.run("torch_step.py", concat(run, "--out", torch32.toString()));
        try (var scope = MemoryScope.open()) {
            Map<String, Tensor> engine = Safetensors.read(ours);
            Map<String, Tensor> reference = Safetensors.read(torch32);
            assertEquals(reference.keySet(), engine.keySet(), "output names");
            Map<String, Tensor> exact = null;
            Map<String, Tensor> engine64 = null;
            List<String> failures = new ArrayList<>();
            List<String> kinks = new ArrayList<>();
            int viaFloat64 = 0;
            for (String name : reference.keySet()) {
                double[] a = engine.get(name).toDoubleArray();
                double[] b = reference.get(name).toDoubleArray();
                double rel = relative(a, b);
                if (rel <= TOLERANCE) {
                    continue;
                }
                if (exact == null) {
                    TorchOracle.run("torch_step.py", concat(run, "--out", torch64.toString(), "--double"));
                    exact = Safetensors.read(torch64);
                    Path ours64 = dir.resolve("engine64.safetensors");
                    StepDump.run(new StepDump.Config(Architecture.parse(arch), Stem.parse(stem), 5,
                            Objective.parse(objective), weights, batch, ours64, 0.5, 1.0, 64, 32, Device.CPU, DType.FLOAT64));
                    engine64 = Safetensors.read(ours64);
                }
                double[] c = exact.get(name).toDoubleArray();
                double engineError = relative(a, c);
                double torchError = relative(b, c);
                double mathError = relative(engine64.get(name).toDoubleArray(), c);
                viaFloat64++;
                String line = String.format("%s: vs torch32 %.3g; vs float64 engine %.3g, torch32 %.3g; engine64 vs torch64 %.3g; %s",
                        name, rel, engineError, torchError, mathError, worst(a, b));
                if (!(mathError <= MATH_TOLERANCE)) {
                    failures.add(line);
                } else if (!(engineError <= 2 * torchError)) {
                    kinks.add(line);
                }
            }
            if (!kinks.isEmpty()) {
                System.out.println("float32 error above twice PyTorch's while both float64 runs agree (ReLU/max-pool"
                        + " kinks crossed by rounding):\n" + String.join("\n", kinks));
            }
            System.out.printf("%s %s %s: %d tensors, %d judged against float64%n", arch, stem, objective,
                    reference.size(), viaFloat64);
            if (!failures.isEmpty()) {
                fail(failures.size() + " tensors differ:\n" + String.join("\n", failures));
            }
        }
    }

    private static String[] concat(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** ||a - b|| / ||b||; 0 when both are zero. */
    static double relative(double[] a, double[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < b.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            norm += b[i] * b[i];
        }
        if (norm == 0) {
            return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.sqrt(diff / norm);
    }

    private static String worst(double[] a, double[] b) {
        int w = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < b.length; i++) {
            na += a[i] * a[i];
            nb += b[i] * b[i];
            if (Math.abs(a[i] - b[i]) > Math.abs(a[w] - b[w])) {
                w = i;
            }
        }
        return String.format("|engine| %.6g |torch| %.6g, worst [%d] %.8g vs %.8g", Math.sqrt(na), Math.sqrt(nb), w, a[w], b[w]);
    }
}
