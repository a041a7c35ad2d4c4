package org.fkt.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.fkt.engine.tensor.DType;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.Stem;
import org.fkt.nn.objective.Objective;
import org.fkt.nn.objective.StepDump;
import org.fkt.train.Compute;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fkt dump}: one training-mode forward and backward from given weights and batch, written out. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Run one training-mode forward and backward and write loss, logits, projections, every",
            "parameter gradient (grad.<name>) and every BatchNorm running statistic (running.<name>)."})
final class DumpCommand implements Callable<Integer> {
    @Option(names = "--arch", required = true, description = "resnet18, resnet34 or resnet50")
    String arch;

    @Option(names = "--stem", required = true, description = "imagenet or cifar")
    String stem;

    @Option(names = "--classes", required = true, description = "classifier width")
    int classes;

    @Option(names = "--objective", required = true, description = "supervised, contrastive or joint")
    String objective;

    @Option(names = "--weights", required = true, description = "safetensors: encoder (torchvision names), fc.*, projector.*")
    Path weights;

    @Option(names = "--batch", required = true, description = "safetensors: images, labels (int64), view1, view2")
    Path batch;

    @Option(names = "--out", required = true, description = "safetensors file to write")
    Path out;

    @Option(names = "--temperature", defaultValue = "0.5", description = "NT-Xent temperature (default ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--lambda", defaultValue = "1.0", description = "weight of the supervised term in joint (default ${DEFAULT-VALUE})")
    double lambda;

    @Option(names = "--proj-hidden", defaultValue = "0", description = "projector hidden width (default: feature width)")
    int projHidden;

    @Option(names = "--proj-out", defaultValue = "128", description = "projector output width (default ${DEFAULT-VALUE})")
    int projOut;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu (default), cuda:N, or auto (the GPU when usable)")
    String device;

    @Option(names = "--tf32", description = "TF32 tensor-core math for GEMMs and convolutions on the GPU (default: off)")
    boolean tf32;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32, or float64 for a double-precision reference run (cpu)")
    String dtype;

    private static DType parseDtype(String name) {
        return switch (name) {
            case "float32" -> DType.FLOAT32;
            case "float64" -> DType.FLOAT64;
            default -> throw new IllegalArgumentException("--dtype must be float32 or float64, got " + name);
        };
    }

    @Override
    public Integer call() {
        Compute compute = Compute.resolve(device, tf32, System.out);
        double loss = StepDump.run(new StepDump.Config(Architecture.parse(arch), Stem.parse(stem), classes,
                Objective.parse(objective), weights, batch, out, temperature, lambda, projHidden, projOut,
                compute.device(), parseDtype(dtype)));
        System.out.printf("%s step of %s (%s stem): loss %.6f written to %s%n", objective, arch, stem, loss, out);
        return 0;
    }
}
