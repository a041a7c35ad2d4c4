package org.fkt.nn.objective;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * mathematics is identical). Where the two float32 errors (against PyTorch's float64) are more than
 * twice apart, in either direction, the tensor is reported but does not fail the test when the float64
 * runs agree: rounding on one side moved a pre-activation across a ReLU kink (zero), which switches a
 * whole gradient element on or off, or one side's rounding is larger; how often depends on the data, not
 * on a bug (scripts/activation-taps.sh traces such a case layer by layer). The seed is printed;
 * -Dfkt.parity.seed=N reruns one.
 */
class DumpParityTest {
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
        long seed = DumpComparison.seed();
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
        TorchOracle.run("torch_step.py", DumpComparison.args(run, "--out", torch32.toString()));
        Path ours64 = dir.resolve("engine64.safetensors");
        String label = arch + " " + stem + " " + objective;
        DumpComparison.compare(ours, torch32, label, "float32 errors more than twice apart while both float64 runs"
                + " agree (kinks crossed by rounding on the side named)", "tensors differ", new DumpComparison.Judge() {
                    private Map<String, Tensor> exact;
                    private Map<String, Tensor> engine64;

                    @Override
                    public void prepare() {
                        TorchOracle.run("torch_step.py", DumpComparison.args(run, "--out", torch64.toString(), "--double"));
                        exact = Safetensors.read(torch64);
                        StepDump.run(new StepDump.Config(Architecture.parse(arch), Stem.parse(stem), 5,
                                Objective.parse(objective), weights, batch, ours64, 0.5, 1.0, 64, 32, Device.CPU,
                                DType.FLOAT64));
                        engine64 = Safetensors.read(ours64);
                    }

                    @Override
                    public DumpComparison.Judgement judge(String name, double[] a, double[] b, double rel) {
                        double[] c = exact.get(name).toDoubleArray();
                        double engineError = DumpComparison.relative(a, c);
                        double torchError = DumpComparison.relative(b, c);
                        double mathError = DumpComparison.relative(engine64.get(name).toDoubleArray(), c);
                        String line = String.format("%s: vs torch32 %.3g; vs float64 engine %.3g, torch32 %.3g;"
                                + " engine64 vs torch64 %.3g; %s", name, rel, engineError, torchError, mathError,
                                DumpComparison.worst(a, b));
                        if (!(mathError <= MATH_TOLERANCE)) {
                            return new DumpComparison.Judgement(DumpComparison.Verdict.FAIL, line);
                        }
                        if (engineError > 2 * torchError) {
                            return new DumpComparison.Judgement(DumpComparison.Verdict.NOTE, "engine: " + line);
                        }
                        if (torchError > 2 * engineError) {
                            return new DumpComparison.Judgement(DumpComparison.Verdict.NOTE, "PyTorch: " + line);
                        }
                        return new DumpComparison.Judgement(DumpComparison.Verdict.PASS, line);
                    }
                });
    }
}
