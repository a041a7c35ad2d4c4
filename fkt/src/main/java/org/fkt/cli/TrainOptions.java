package org.fkt.cli;

import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.Stem;
import org.fkt.train.OptimizerMode;
import org.fkt.train.TrainSettings;
import picocli.CommandLine.Option;

/**
 * The training flags shared by pretrain, finetune, joint and paper. Each is optional: an absent flag
 * keeps the value of the preset it is applied to ({@link TrainSettings#paper()} unless a command says
 * otherwise), so {@code --help} shows the paper's values as defaults.
 */
final class TrainOptions {
    @Option(names = "--arch", description = "resnet18, resnet34 or resnet50 (paper: resnet50)")
    String arch;

    @Option(names = "--stem", description = "imagenet (7x7 conv + max-pool) or cifar (3x3 conv); default: cifar below 64 px")
    String stem;

    @Option(names = "--image-size", description = "input side in pixels (paper: 224)")
    Integer imageSize;

    @Option(names = "--batch-size", description = "images per step (paper: 256)")
    Integer batchSize;

    @Option(names = "--epochs", description = "epochs per stage (paper: 100)")
    Integer epochs;

    @Option(names = "--lars-lr", description = "LARS learning rate (paper: 0.001)")
    Double larsLr;

    @Option(names = "--lars-weight-decay", description = "LARS weight decay (default 1e-6)")
    Double larsWeightDecay;

    @Option(names = "--sgd-lr", description = "SGD learning rate (paper: 0.025)")
    Double sgdLr;

    @Option(names = "--sgd-momentum", description = "SGD momentum (default 0.9)")
    Double sgdMomentum;

    @Option(names = "--sgd-weight-decay", description = "SGD weight decay (default 5e-4)")
    Double sgdWeightDecay;

    @Option(names = "--schedule", description = "constant (default) or cosine (with --warmup-epochs)")
    String schedule;

    @Option(names = "--warmup-epochs", description = "linear warm-up epochs of the cosine schedule (default 0)")
    Integer warmupEpochs;

    @Option(names = "--temperature", description = "NT-Xent temperature (paper: 0.5)")
    Double temperature;

    @Option(names = "--lambda", description = "weight of the supervised term in joint training (paper: 1)")
    Double lambda;

    @Option(names = "--proj-hidden", description = "projector hidden width (default: the encoder's feature width)")
    Integer projHidden;

    @Option(names = "--proj-out", description = "projector output width (default 128)")
    Integer projOut;

    @Option(names = "--optimizers", description = "joint training: split (LARS encoder + projector, SGD classifier; default), lars or sgd")
    String optimizers;

    @Option(names = "--augmentation", description = "simclr (default) or paper-code (the paper's published transforms)")
    String augmentation;

    @Option(names = "--workers", description = "data loading threads (default: half the cores)")
    Integer workers;

    @Option(names = "--seed", description = "random seed of weights, data order and augmentation (default 0)")
    Long seed;

    @Option(names = "--limit-train", description = "use only N training images (stratified); the run says it was shortened")
    Integer limitTrain;

    /** {@code base} with every given flag applied. */
    TrainSettings apply(TrainSettings base) {
        int size = or(imageSize, base.imageSize());
        Stem defaultStem = imageSize != null && stem == null ? (size < 64 ? Stem.CIFAR : Stem.IMAGENET) : base.stem();
        int epochCount = or(epochs, base.epochs());
        return new TrainSettings(
                arch == null ? base.arch() : Architecture.parse(arch),
                stem == null ? defaultStem : Stem.parse(stem),
                size, or(batchSize, base.batchSize()), epochCount,
                or(larsLr, base.larsLr()), base.larsMomentum(), or(larsWeightDecay, base.larsWeightDecay()), base.larsEta(),
                or(sgdLr, base.sgdLr()), or(sgdMomentum, base.sgdMomentum()), or(sgdWeightDecay, base.sgdWeightDecay()),
                schedule == null ? base.schedule() : schedule,
                or(warmupEpochs, Math.min(base.warmupEpochs(), epochCount - 1)),
                or(temperature, base.temperature()), or(lambda, base.lambda()),
                projHidden == null ? base.projHidden() : projHidden, or(projOut, base.projOut()),
                optimizers == null ? base.optimizers() : OptimizerMode.parse(optimizers),
                base.freezeEncoder(), augmentation == null ? base.augmentation() : augmentation,
                or(workers, base.workers()), or(seed, base.seed()), or(limitTrain, base.limitTrain()));
    }

    private static int or(Integer v, int fallback) {
        return v == null ? fallback : v;
    }

    private static long or(Long v, long fallback) {
        return v == null ? fallback : v;
    }

    private static double or(Double v, double fallback) {
        return v == null ? fallback : v;
    }
}
