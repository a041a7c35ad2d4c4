package org.fkt.regime;

import org.fkt.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.report.Metrics;
import org.fkt.report.RunFiles;
import org.fkt.engine.tensor.Device;
import org.fkt.train.Checkpoints;
import org.fkt.train.Compute;
import org.fkt.train.Evaluator;
import org.fkt.io.Json;
import org.fkt.train.Stage;
import org.fkt.train.StopSignal;
import org.fkt.train.TrainSettings;
import org.fkt.train.Trainer;

/**
 * One stage in its own folder: {@code config.json} (the resolved settings, data, optimizer groups, the
 * encoder it started from), {@code history.csv} and plots each epoch, {@code checkpoints/}, and at the
 * end {@code model.safetensors}, {@code metrics.json} and {@code confusion.csv} on the test split. A folder
 * that already holds a run is refused unless resuming; resuming reads the settings back from config.json.
 */
public final class StageRun {
    static final String CONFIG = "config.json";
    static final String MODEL = "model.safetensors";

    private StageRun() {
    }

    /**
     * @param initEncoder weights whose encoder starts this stage (fine-tuning), or null
     * @param note        a line saying the run was shortened, or null
     * @param compute     the device (and TF32 setting) the model, batches and optimizer state live on
     */
    public record Spec(Stage stage, TrainSettings settings, TrainingData data, Path dir, Path initEncoder,
                       boolean resume, PrintStream out, StopSignal stop, String note, Compute compute) {
        /** A stage on the CPU. */
        public Spec(Stage stage, TrainSettings settings, TrainingData data, Path dir, Path initEncoder,
                    boolean resume, PrintStream out, StopSignal stop, String note) {
            this(stage, settings, data, dir, initEncoder, resume, out, stop, note, Compute.CPU);
        }
    }

    /** The outcome: stopped on request, or complete with the test metrics (null for pretraining). */
    public record Result(Stage stage, Path dir, boolean stopped, Metrics test) {
    }

    public static Result run(Spec spec) {
        Path dir = spec.dir();
        TrainSettings settings = prepareFolder(spec);
        TrainingData data = spec.data();
        PrintStream out = spec.out();
        var config = new ResNetConfig(settings.arch(), settings.stem(), data.classes().size(),
                settings.projectorHidden(), settings.projOut());
        Device device = spec.compute().device();
        try (ResNet model = new ResNet(config, settings.seed())) {
            model.to(device);   // initialised on the CPU from the seed, so every device starts from the same weights
            Path checkpoints = dir.resolve("checkpoints");
            if (spec.initEncoder() != null && Checkpoints.read(checkpoints) == null) {
                Checkpoints.loadModel(spec.initEncoder(), model, true);
            }
            out.printf("%s: %s %s stem, %dx%d, batch %d, %d epoch%s on %s -> %s%n", spec.stage().label(),
                    settings.arch().label(), settings.stem().name().toLowerCase(java.util.Locale.ROOT), settings.imageSize(),
                    settings.imageSize(), settings.batchSize(), settings.epochs(), settings.epochs() == 1 ? "" : "s",
                    spec.compute().label(), dir);
            var source = data.train(spec.stage(), settings, device);
            Evaluator evaluator = spec.stage().classifies()
                    ? new Evaluator(data.test(settings, device), data.classes().size()) : null;
            var listener = new RunListener(dir, out);
            Trainer.Outcome outcome = new Trainer(spec.stage(), model, settings, checkpoints)
                    .run(source, evaluator, listener, spec.stop());
            if (outcome.stopped()) {
                out.printf("%s stopped at epoch %d, batch %d; resume with --resume %s%n", spec.stage().label(),
                        outcome.position().epoch(), outcome.position().batch(), dir);
                return new Result(spec.stage(), dir, true, null);
            }
            Safetensors.write(dir.resolve(MODEL), model.stateDict(), finalMetadata(config, settings, data));
            Metrics test = null;
            if (evaluator != null) {
                test = outcome.test() != null ? outcome.test() : evaluator.evaluate(model);   // evaluated after the last epoch
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("stage", spec.stage().label());
                extra.put("split", "test");
                extra.putAll(spec.compute().toMap());
                if (spec.note() != null) {
                    extra.put("note", spec.note());
                }
                RunFiles.writeMetrics(dir.resolve("metrics.json"), test, data.classes(), extra);
                RunFiles.writeConfusion(dir.resolve("confusion.csv"), test, data.classes());
                out.printf("%s test: accuracy %.2f%%, macro precision %.2f%%, macro recall %.2f%% (%s)%n",
                        spec.stage().label(), 100 * test.accuracy(), 100 * test.macroPrecision(), 100 * test.macroRecall(),
                        spec.compute().label());
            }
            return new Result(spec.stage(), dir, false, test);
        }
    }

    /** The final weights' metadata: what {@code fkt evaluate} and {@code fkt cam} need beside the architecture. */
    private static Map<String, String> finalMetadata(ResNetConfig config, TrainSettings settings, TrainingData data) {
        Map<String, String> meta = new LinkedHashMap<>(Checkpoints.modelMetadata(config, settings.imageSize()));
        meta.put("mean", joined(data.normalization().mean()));
        meta.put("std", joined(data.normalization().std()));
        if (data.classes().stream().noneMatch(c -> c.contains(","))) {
            meta.put("class-names", String.join(",", data.classes()));
        }
        return meta;
    }

    private static String joined(double[] v) {
        return java.util.Arrays.stream(v).mapToObj(Double::toString).collect(java.util.stream.Collectors.joining(","));
    }

    /** Creates the folder and writes config.json, or on resume reads the settings back. */
    private static TrainSettings prepareFolder(Spec spec) {
        Path config = spec.dir().resolve(CONFIG);
        try {
            if (Files.exists(config)) {
                if (!spec.resume()) {
                    throw new IllegalArgumentException(spec.dir() + " already holds a run; pass --resume to continue it"
                            + " or choose another --out");
                }
                Map<String, Object> record = Json.parseObject(Files.readString(config));
                Object stage = record.get("stage");
                if (!spec.stage().label().equals(stage)) {
                    throw new IllegalArgumentException(config + " is a " + stage + " run, not " + spec.stage().label());
                }
                @SuppressWarnings("unchecked")
                TrainSettings saved = TrainSettings.fromMap((Map<String, Object>) record.get("settings"));
                if (!saved.equals(spec.settings())) {
                    spec.out().println("resuming with the settings saved in " + config + " (flags given now are ignored)");
                }
                return saved;
            }
            Files.createDirectories(spec.dir());
            var record = new LinkedHashMap<String, Object>();
            record.put("stage", spec.stage().label());
            record.put("settings", spec.settings().toMap());
            record.put("data", spec.data().describe());
            record.put("classes", spec.data().classes());
            record.put("optimizer_groups", optimizerGroups(spec));
            record.put("init_encoder", spec.initEncoder() == null ? null : spec.initEncoder().toString());
            record.putAll(spec.compute().toMap());
            record.put("shortened", spec.note());
            AtomicFiles.writeString(config, Json.write(record));
            return spec.settings();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the run folder " + spec.dir() + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> optimizerGroups(Spec spec) {
        var m = new LinkedHashMap<String, String>();
        TrainSettings s = spec.settings();
        switch (spec.stage()) {
            case PRETRAIN -> m.put("lars", "encoder + projector");
            case FINETUNE -> m.put("sgd", s.freezeEncoder() ? "classifier (encoder frozen)" : "encoder + classifier");
            case JOINT -> {
                switch (s.optimizers()) {
                    case SPLIT -> {
                        m.put("lars", "encoder + projector");
                        m.put("sgd", "classifier");
                    }
                    case LARS -> m.put("lars", "encoder + projector + classifier");
                    case SGD -> m.put("sgd", "encoder + projector + classifier");
                }
            }
        }
        return m;
    }
}
