package org.fkt.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The run folder's curves from a {@link History}: {@code loss.png} (one line per loss term: total,
 * contrastive, supervised, each only when some epoch recorded it) and {@code accuracy.png} (train and
 * test top-1 accuracy in percent). The x axis is the epoch; when the history holds several stages
 * (pretrain, then finetune) their epochs are laid end to end, x = row number, with a dashed marker
 * naming each stage where it starts; both charts span every row's x, and no line crosses a stage
 * boundary. Absent and non-finite values are gaps.
 */
public final class Plots {
    public static final String LOSS_FILE = "loss.png";
    public static final String ACCURACY_FILE = "accuracy.png";

    private Plots() {
    }

    /** The loss chart (not yet rendered). */
    public static LinePlot loss(History history) {
        LinePlot plot = frame(history, "Training loss", "loss");
        addSeries(plot, history, "total", EpochRow::loss, 1);
        addSeries(plot, history, "contrastive (NT-Xent)", EpochRow::lossContrastive, 1);
        addSeries(plot, history, "supervised (cross-entropy)", EpochRow::lossSupervised, 1);
        return plot;
    }

    /** The accuracy chart in percent (not yet rendered). */
    public static LinePlot accuracy(History history) {
        LinePlot plot = frame(history, "Top-1 accuracy", "accuracy (%)");
        addSeries(plot, history, "train", EpochRow::trainAccuracy, 100);
        addSeries(plot, history, "test", EpochRow::testAccuracy, 100);
        return plot;
    }

    /** Writes {@code loss.png} and {@code accuracy.png} into {@code folder}. */
    public static void writeAll(History history, Path folder) {
        loss(history).write(folder.resolve(LOSS_FILE));
        accuracy(history).write(folder.resolve(ACCURACY_FILE));
    }

    /** The x value of row {@code i}: its epoch for a single-stage history, else the row number from 1. */
    static double x(History history, int i) {
        return singleStage(history) ? history.rows().get(i).epoch() : i + 1;
    }

    private static boolean singleStage(History history) {
        return history.rows().stream().map(EpochRow::stage).distinct().count() <= 1;
    }

    private static LinePlot frame(History history, String title, String yLabel) {
        boolean single = singleStage(history);
        String stageName = history.isEmpty() ? "" : " (" + history.rows().getFirst().stage() + ")";
        var plot = new LinePlot(title + (single ? stageName : ""), single ? "epoch" : "epoch (stages in order)", yLabel)
                .integerX();
        List<EpochRow> rows = history.rows();
        if (!rows.isEmpty() && x(history, 0) < x(history, rows.size() - 1)) {
            plot.xRange(x(history, 0), x(history, rows.size() - 1));
        }
        if (!single) {
            for (int i = 0; i < rows.size(); i++) {
                if (i == 0 || !rows.get(i).stage().equals(rows.get(i - 1).stage())) {
                    plot.marker(i == 0 ? 1 : i + 0.5, rows.get(i).stage());
                }
            }
        }
        return plot;
    }

    private static void addSeries(LinePlot plot, History history, String name, Function<EpochRow, Double> value,
            double scale) {
        List<EpochRow> rows = history.rows();
        if (rows.stream().map(value).allMatch(v -> v == null)) {
            return;
        }
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            if (i > 0 && !rows.get(i).stage().equals(rows.get(i - 1).stage())) {
                points.add(new double[] {i + 0.5, Double.NaN});   // no line across a stage boundary
            }
            Double v = value.apply(rows.get(i));
            points.add(new double[] {x(history, i), v == null ? Double.NaN : v * scale});
        }
        plot.series(name, points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray());
    }
}
