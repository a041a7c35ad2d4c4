package org.fkt.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.Stem;

/**
 * Every setting of one training stage, resolved (no defaults left to look up later): written to the
 * stage's config.json and read back by {@code --resume}, so a resumed stage runs with exactly the
 * settings it started with. The paper's values are in {@link #paper()}.
 *
 * @param projHidden projector hidden width, 0 for the encoder's feature width (SimCLR's default)
 * @param schedule   "constant" or "cosine" (linear warm-up over warmupEpochs, then cosine to 0)
 * @param limitTrain use only this many training images (stratified, seeded), 0 for all
 */
public record TrainSettings(Architecture arch, Stem stem, int imageSize, int batchSize, int epochs,
                            double larsLr, double larsMomentum, double larsWeightDecay, double larsEta,
                            double sgdLr, double sgdMomentum, double sgdWeightDecay,
                            String schedule, int warmupEpochs,
                            double temperature, double lambda, int projHidden, int projOut,
                            OptimizerMode optimizers, boolean freezeEncoder, String augmentation,
                            int workers, long seed, int limitTrain) {
    public TrainSettings {
        require(imageSize >= 8, "image size must be at least 8, got " + imageSize);
        require(batchSize >= 2, "batch size must be at least 2, got " + batchSize);
        require(epochs >= 1, "epochs must be at least 1, got " + epochs);
        require(larsLr > 0 && sgdLr > 0, "learning rates must be positive");
        require(temperature > 0, "temperature must be positive, got " + temperature);
        require(lambda >= 0, "lambda must be >= 0, got " + lambda);
        require(projOut >= 1 && projHidden >= 0, "projector widths must be positive");
        require(schedule.equals("constant") || schedule.equals("cosine"), "schedule must be constant or cosine, got " + schedule);
        require(warmupEpochs >= 0 && warmupEpochs < epochs || warmupEpochs == 0, "warm-up epochs must be fewer than epochs");
        require(workers >= 1, "workers must be at least 1, got " + workers);
        require(limitTrain >= 0, "limit-train must be >= 0, got " + limitTrain);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * The paper's configuration: ResNet-50, ImageNet stem at 224x224, batch 256, 100 epochs, LARS lr 0.001
     * (momentum 0.9, weight decay 1e-6, eta 0.001 as SimCLR), SGD lr 0.025 (momentum 0.9, weight decay
     * 5e-4), temperature 0.5, lambda 1, projector 2048-128, split optimizers, SimCLR augmentation.
     */
    public static TrainSettings paper() {
        return new TrainSettings(Architecture.RESNET50, Stem.IMAGENET, 224, 256, 100,
                0.001, 0.9, 1e-6, 0.001, 0.025, 0.9, 5e-4, "constant", 0,
                0.5, 1.0, 0, 128, OptimizerMode.SPLIT, false, "simclr",
                Math.max(1, Runtime.getRuntime().availableProcessors() / 2), 0, 0);
    }

    public TrainSettings withEpochs(int e) {
        return new TrainSettings(arch, stem, imageSize, batchSize, e, larsLr, larsMomentum, larsWeightDecay, larsEta,
                sgdLr, sgdMomentum, sgdWeightDecay, schedule, Math.min(warmupEpochs, e - 1), temperature, lambda,
                projHidden, projOut, optimizers, freezeEncoder, augmentation, workers, seed, limitTrain);
    }

    public TrainSettings withSeed(long s) {
        return new TrainSettings(arch, stem, imageSize, batchSize, epochs, larsLr, larsMomentum, larsWeightDecay, larsEta,
                sgdLr, sgdMomentum, sgdWeightDecay, schedule, warmupEpochs, temperature, lambda,
                projHidden, projOut, optimizers, freezeEncoder, augmentation, workers, s, limitTrain);
    }

    public TrainSettings withArch(Architecture a) {
        return new TrainSettings(a, stem, imageSize, batchSize, epochs, larsLr, larsMomentum, larsWeightDecay, larsEta,
                sgdLr, sgdMomentum, sgdWeightDecay, schedule, warmupEpochs, temperature, lambda,
                projHidden, projOut, optimizers, freezeEncoder, augmentation, workers, seed, limitTrain);
    }

    public TrainSettings withFreezeEncoder(boolean frozen) {
        return new TrainSettings(arch, stem, imageSize, batchSize, epochs, larsLr, larsMomentum, larsWeightDecay, larsEta,
                sgdLr, sgdMomentum, sgdWeightDecay, schedule, warmupEpochs, temperature, lambda,
                projHidden, projOut, optimizers, frozen, augmentation, workers, seed, limitTrain);
    }

    /** The projector's hidden width for this architecture. */
    public int projectorHidden() {
        return projHidden > 0 ? projHidden : arch.featureWidth();
    }

    /** As written to config.json. */
    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("arch", arch.label());
        m.put("stem", stem.name().toLowerCase(java.util.Locale.ROOT));
        m.put("image_size", imageSize);
        m.put("batch_size", batchSize);
        m.put("epochs", epochs);
        m.put("lars_lr", larsLr);
        m.put("lars_momentum", larsMomentum);
        m.put("lars_weight_decay", larsWeightDecay);
        m.put("lars_eta", larsEta);
        m.put("sgd_lr", sgdLr);
        m.put("sgd_momentum", sgdMomentum);
        m.put("sgd_weight_decay", sgdWeightDecay);
        m.put("schedule", schedule);
        m.put("warmup_epochs", warmupEpochs);
        m.put("temperature", temperature);
        m.put("lambda", lambda);
        m.put("proj_hidden", projectorHidden());
        m.put("proj_out", projOut);
        m.put("optimizers", optimizers.label());
        m.put("freeze_encoder", freezeEncoder);
        m.put("augmentation", augmentation);
        m.put("workers", workers);
        m.put("seed", seed);
        m.put("limit_train", limitTrain);
        return m;
    }

    /** Reads {@link #toMap()}'s output back; a missing or mistyped key is an error naming it. */
    public static TrainSettings fromMap(Map<String, Object> m) {
        var r = new JsonFields(m);
        return new TrainSettings(Architecture.parse(r.str("arch")), Stem.parse(r.str("stem")), r.integer("image_size"),
                r.integer("batch_size"), r.integer("epochs"), r.num("lars_lr"), r.num("lars_momentum"),
                r.num("lars_weight_decay"), r.num("lars_eta"), r.num("sgd_lr"), r.num("sgd_momentum"),
                r.num("sgd_weight_decay"), r.str("schedule"), r.integer("warmup_epochs"), r.num("temperature"),
                r.num("lambda"), r.integer("proj_hidden"), r.integer("proj_out"), OptimizerMode.parse(r.str("optimizers")),
                r.bool("freeze_encoder"), r.str("augmentation"), r.integer("workers"), r.lng("seed"), r.integer("limit_train"));
    }
}
