package org.fkt.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.objective.Batch;
import org.fkt.nn.objective.Objectives;
import org.fkt.nn.objective.StepResult;
import org.fkt.nn.optim.OptimizerGroups;
import org.fkt.report.Metrics;

/**
 * Runs one stage for its epochs: per step the objective's forward, a finite-loss check, backward and
 * the optimizer step; per epoch an evaluation (stages with a classifier) and a checkpoint. A stage that
 * finds a checkpoint in its folder continues from it: same weights, optimizer buffers, step counts and
 * data position, so the resumed run computes exactly what the uninterrupted one would have.
 *
 * <p>On a GPU a step reads the device once ({@link StepReadout}: loss terms and predictions, after the
 * forward, so a non-finite loss still stops the run before the optimizer step); the rest of the step is
 * queued without host synchronisation. Step and epoch times come from a {@link StepClock}: contiguous laps,
 * each holding one step's worth of device work, and the device's tail (the last step's backward and
 * update) waited for once when an epoch's steps end, so an epoch's time covers all of its steps.
 *
 * <p>With a frozen encoder (linear evaluation) the encoder runs in evaluation mode without gradients
 * and only the classifier learns.
 */
public final class Trainer {
    private final Stage stage;
    private final ResNet model;
    private final TrainSettings settings;
    private final Path checkpoints;
    private final StepClock clock;

    /**
     * What a call to {@link #run} ended with: stopped on request, or the stage complete; {@code test} is the
     * evaluation after the last epoch run in this call (null when none ran or the stage does not classify).
     */
    public record Outcome(boolean stopped, Position position, Metrics test) {
    }

    public Trainer(Stage stage, ResNet model, TrainSettings settings, Path checkpoints) {
        this(stage, model, settings, checkpoints, StepClock.of(deviceOf(model)));
    }

    /** A trainer timing its steps with {@code clock} (tests give one whose device is simulated). */
    Trainer(Stage stage, ResNet model, TrainSettings settings, Path checkpoints, StepClock clock) {
        this.stage = stage;
        this.model = model;
        this.settings = settings;
        this.checkpoints = checkpoints;
        this.clock = clock;
    }

    /** Where the model's parameters live, which is where its steps run. */
    private static Device deviceOf(ResNet model) {
        return model.namedParameters().values().iterator().next().device();
    }

    /** Trains (or resumes) the stage; {@code test} may be null to skip evaluation. */
    public Outcome run(EpochSource train, Evaluator test, TrainingListener listener, StopSignal stop) {
        try (OptimizerGroups optimizer = StageOptimizers.build(stage, model, settings, train.batchesPerEpoch())) {
            Position pos = restore(optimizer);
            if (pos.complete()) {
                return new Outcome(false, pos, null);
            }
            listener.stageStarted(stage, settings.epochs(), train.batchesPerEpoch(), pos);
            Metrics last = null;
            for (int epoch = pos.epoch(); epoch < settings.epochs(); epoch++) {
                boolean resumedEpoch = epoch == pos.epoch();
                Position.EpochSums sums = resumedEpoch ? pos.partial() : Position.EpochSums.empty();
                int first = resumedEpoch ? pos.batch() : 0;
                Map<String, Double> rates = optimizer.learningRates();
                setMode();
                clock.start();
                try (EpochSource.Feed feed = train.open(epoch, first)) {
                    for (int b = first; feed.hasNext(); b++) {
                        sums = step(feed, optimizer, epoch, b, train.batchesPerEpoch(), sums, listener);
                        if (stop.requested() && feed.hasNext()) {
                            sums = sums.plusSeconds(clock.settle());
                            Position at = new Position(stage, epoch, b + 1, false, sums);
                            Checkpoints.write(checkpoints, model, settings.imageSize(), optimizer, at);
                            return new Outcome(true, at, null);
                        }
                    }
                    sums = sums.plusSeconds(clock.settle());
                }
                Metrics metrics = test != null && stage.classifies() ? test.evaluate(model) : null;
                listener.epochDone(epochLog(epoch, optimizer.stepCount(), sums, metrics, rates));
                Position next = new Position(stage, epoch + 1, 0, epoch + 1 == settings.epochs(), Position.EpochSums.empty());
                Checkpoints.write(checkpoints, model, settings.imageSize(), optimizer, next);
                if (stop.requested() && !next.complete()) {
                    return new Outcome(true, next, metrics);
                }
                pos = next;
                last = metrics;
            }
            return new Outcome(false, pos, last);
        }
    }

    private Position restore(OptimizerGroups optimizer) {
        Position pos = Checkpoints.read(checkpoints);
        if (pos == null) {
            return Position.start(stage);
        }
        if (pos.stage() != stage) {
            throw new IllegalArgumentException("checkpoint in " + checkpoints + " is of stage " + pos.stage().label()
                    + ", not " + stage.label());
        }
        Checkpoints.loadModel(Checkpoints.modelFile(checkpoints), model, false);
        Checkpoints.loadOptimizer(checkpoints, optimizer);
        return pos;
    }

    private void setMode() {
        if (frozen()) {
            model.eval();
        } else {
            model.train(true);
        }
    }

    private boolean frozen() {
        return stage == Stage.FINETUNE && settings.freezeEncoder();
    }

    private Position.EpochSums step(EpochSource.Feed feed, OptimizerGroups optimizer, int epoch, int b, int batches,
                                    Position.EpochSums sums, TrainingListener listener) {
        try (var scope = MemoryScope.open()) {
            EpochSource.StepInput in = feed.next();
            StepResult r = forward(in.batch());
            StepReadout.Values read = StepReadout.read(r);   // the step's one device-to-host read
            double loss = read.loss();
            double contrastive = read.contrastive();
            double supervised = read.supervised();
            if (!Double.isFinite(loss)) {
                throw new TrainingDiverged(stage, epoch, b, loss, contrastive, supervised,
                        Files.exists(checkpoints.resolve(Checkpoints.INDEX)) ? checkpoints : null);
            }
            optimizer.clearGrads();
            r.loss().backward();
            optimizer.step();
            int correct = read.predicted() == null ? 0 : correct(read.predicted(), in.labels());
            double seconds = clock.lap();
            listener.stepDone(new TrainingListener.StepLog(stage, epoch, b, batches, loss, contrastive, supervised,
                    in.size(), seconds));
            return sums.add(in.size(), correct, loss, nanToZero(contrastive), nanToZero(supervised), seconds);
        }
    }

    private StepResult forward(Batch batch) {
        if (!frozen()) {
            return Objectives.forward(model, stage.objective(), batch, settings.temperature(), settings.lambda());
        }
        Tensor features;
        try (var off = Autograd.noGrad()) {
            features = model.features(batch.images());
        }
        Tensor logits = model.classify(features);
        Tensor loss = Ops.crossEntropy(logits, batch.labels());
        return new StepResult(loss, null, loss, logits, null);
    }

    private static int correct(int[] p, int[] labels) {
        int n = 0;
        for (int i = 0; i < p.length; i++) {
            n += p[i] == labels[i] ? 1 : 0;
        }
        return n;
    }

    private TrainingListener.EpochLog epochLog(int epoch, long steps, Position.EpochSums s, Metrics test,
                                               Map<String, Double> rates) {
        double n = Math.max(1, s.steps());
        boolean c = stage.objective().hasContrastive();
        boolean sup = stage.objective().hasSupervised();
        return new TrainingListener.EpochLog(stage, epoch, settings.epochs(), steps, s.loss() / n,
                c ? s.contrastive() / n : Double.NaN, sup ? s.supervised() / n : Double.NaN,
                sup && s.seen() > 0 ? s.correct() / (double) s.seen() : Double.NaN, test, rates, s.seconds(),
                s.seconds() > 0 ? s.seen() / s.seconds() : 0);
    }

    private static double nanToZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
