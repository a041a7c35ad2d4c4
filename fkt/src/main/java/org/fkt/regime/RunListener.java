package org.fkt.regime;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import org.fkt.report.EpochRow;
import org.fkt.report.EpochSummary;
import org.fkt.report.History;
import org.fkt.report.Plots;
import org.fkt.report.ProgressBar;
import org.fkt.train.Position;
import org.fkt.train.Stage;
import org.fkt.train.TrainingListener;

/**
 * What a stage run writes while it trains: history.csv each epoch (written before the checkpoint, so a
 * resume finds every checkpointed epoch in it and drops any later row), the loss and accuracy plots,
 * and the progress bar and epoch summaries on the console.
 */
final class RunListener implements TrainingListener {
    private final Path dir;
    private final PrintStream out;
    private History history;
    private ProgressBar bar;
    private int barEpoch = -1;
    private long images;

    RunListener(Path dir, PrintStream out) {
        this.dir = dir;
        this.out = out;
    }

    @Override
    public void stageStarted(Stage stage, int epochs, int batchesPerEpoch, Position from) {
        history = History.loadIfExists(dir.resolve("history.csv"));
        history.truncateAfter(stage.label(), from.epoch());
        if (from.epoch() > 0 || from.batch() > 0) {
            out.printf("%s: resuming at epoch %d, batch %d of %d%n", stage.label(), from.epoch() + 1, from.batch(),
                    batchesPerEpoch);
        }
    }

    @Override
    public void stepDone(StepLog step) {
        if (bar == null || barEpoch != step.epoch()) {
            bar = new ProgressBar(out, step.stage().label() + " epoch " + (step.epoch() + 1), step.batches());
            barEpoch = step.epoch();
            images = 0;
        }
        images += step.images();
        var terms = new LinkedHashMap<String, Double>();
        terms.put("loss", step.loss());
        if (!Double.isNaN(step.contrastive()) && !Double.isNaN(step.supervised())) {
            terms.put("ntxent", step.contrastive());
            terms.put("ce", step.supervised());
        }
        bar.update(step.batch() + 1, images, terms);
    }

    @Override
    public void epochDone(EpochLog e) {
        var row = EpochRow.builder(e.stage().label(), e.epoch() + 1).steps(e.steps())
                .loss(e.loss(), nanToNull(e.contrastive()), nanToNull(e.supervised()))
                .accuracy(nanToNull(e.trainAccuracy()), e.test() == null ? null : e.test().accuracy())
                .timing(e.seconds(), e.imagesPerSecond());
        e.learningRates().forEach(row::learningRate);
        if (bar != null) {
            bar.finish();
            bar = null;
        }
        EpochRow done = row.build();
        history.add(done);
        history.save(dir.resolve("history.csv"));
        Plots.writeAll(history, dir);
        out.println(EpochSummary.format(done, e.epochs()));
    }

    private static Double nanToNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
