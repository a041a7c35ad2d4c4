package org.fkt.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fkt.augment.Normalization;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.fkt.regime.TrainingData;
import org.fkt.report.Metrics;
import org.fkt.report.RunFiles;
import org.fkt.train.Checkpoints;
import org.fkt.train.Compute;
import org.fkt.train.Evaluator;
import org.fkt.train.TrainSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fkt evaluate}: test-split accuracy, macro precision and recall, confusion matrix of trained weights. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate trained weights on a dataset's test split: accuracy, macro precision and recall, confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "a finetune or joint run folder, or its model.safetensors")
    Path checkpoint;

    @Option(names = "--batch-size", defaultValue = "256", description = "images per forward pass (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--out", description = "folder for metrics.json and confusion.csv")
    Path out;

    @Mixin
    DataFlags dataFlags;

    @Override
    public Integer call() {
        Path file = Files.isDirectory(checkpoint) ? checkpoint.resolve("model.safetensors") : checkpoint;
        Map<String, String> meta = Safetensors.metadata(file);
        if (!"fkt-resnet".equals(meta.get("format"))) {
            throw new IllegalArgumentException(file + " has no fkt model metadata (arch, stem, classes); was it written by fkt?");
        }
        var config = new ResNetConfig(Architecture.parse(meta.get("arch")), Stem.parse(meta.get("stem")),
                Integer.parseInt(meta.get("classes")), Integer.parseInt(meta.get("proj-hidden")),
                Integer.parseInt(meta.get("proj-out")));
        int size = Integer.parseInt(meta.get("image-size"));
        Compute compute = dataFlags.resolveDevice(System.out);
        Normalization norm = meta.containsKey("mean") && meta.containsKey("std")
                ? new Normalization("checkpoint", numbers(meta.get("mean")), numbers(meta.get("std")))
                : size <= 64 ? Normalization.CIFAR10 : Normalization.IMAGENET;
        TrainingData data = dataFlags.open(size, 0, null, false, norm, System.out);
        if (data.classes().size() != config.classes()) {
            throw new IllegalArgumentException(file + " classifies " + config.classes() + " classes, the data has "
                    + data.classes().size() + " " + data.classes());
        }
        TrainSettings s = TrainSettings.paper();
        var evalSettings = new TrainSettings(config.architecture(), config.stem(), size, batchSize, 1, s.larsLr(),
                s.larsMomentum(), s.larsWeightDecay(), s.larsEta(), s.sgdLr(), s.sgdMomentum(), s.sgdWeightDecay(),
                s.schedule(), 0, s.temperature(), s.lambda(), config.projectionHidden(), Math.max(1, config.projectionOut()),
                s.optimizers(), false, s.augmentation(), s.workers(), 0, 0);
        try (ResNet model = new ResNet(config, 0)) {
            model.to(compute.device());
            Checkpoints.loadModel(file, model, false);
            Metrics m = new Evaluator(data.test(evalSettings, compute.device()), config.classes()).evaluate(model);
            System.out.printf("test: %d images, accuracy %.2f%%, macro precision %.2f%%, macro recall %.2f%% (%s)%n",
                    m.count(), 100 * m.accuracy(), 100 * m.macroPrecision(), 100 * m.macroRecall(), compute.label());
            System.out.print(RunFiles.confusionCsv(m, data.classes()));
            if (out != null) {
                try {
                    Files.createDirectories(out);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create " + out, e);
                }
                RunFiles.writeMetrics(out.resolve("metrics.json"), m, data.classes(), withCompute(file, compute));
                RunFiles.writeConfusion(out.resolve("confusion.csv"), m, data.classes());
            }
        }
        return 0;
    }

    private static Map<String, Object> withCompute(Path weights, Compute compute) {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("weights", weights.toString());
        m.putAll(compute.toMap());
        return m;
    }

    private static double[] numbers(String csv) {
        return java.util.Arrays.stream(csv.split(",")).mapToDouble(Double::parseDouble).toArray();
    }
}
