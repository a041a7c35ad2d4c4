package org.fkt.regime;

import org.fkt.io.AtomicFiles;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.report.Metrics;
import org.fkt.report.PaperTables;
import org.fkt.report.Scores;
import org.fkt.train.Checkpoints;
import org.fkt.train.Compute;
import org.fkt.io.Json;
import org.fkt.train.StopSignal;
import org.fkt.train.TrainSettings;

/**
 * {@code fkt paper}: for each seed, representational transfer in {@code seed-<k>/rt} and functional
 * transfer in {@code seed-<k>/ft}, then the paper's table (mean ± std over seeds beside the published
 * numbers) printed and written to {@code table.txt}, with every seed's scores in {@code results.json}.
 */
public final class PaperRun {
    private PaperRun() {
    }

    /** What to run; {@code note} says how the run is shorter than the paper's, or is null. */
    public record Spec(PaperPresets preset, TrainSettings settings, TrainingData data, int seeds, boolean rt,
                       boolean ft, Path dir, boolean resume, PrintStream out, StopSignal stop, String note, Compute compute) {
    }

    /** Runs every seed and regime; returns false when stopped on request (the table is not printed). */
    public static boolean run(Spec spec) {
        List<Scores> rt = new ArrayList<>();
        List<Scores> ft = new ArrayList<>();
        var perSeed = new ArrayList<Map<String, Object>>();
        for (int seed = 0; seed < spec.seeds(); seed++) {
            TrainSettings s = spec.settings().withSeed(spec.settings().seed() + seed);
            Path seedDir = spec.dir().resolve("seed-" + seed);
            var record = new LinkedHashMap<String, Object>();
            record.put("seed", s.seed());
            if (spec.rt()) {
                spec.out().printf("%n== seed %d: representational transfer (pretrain, then fine-tune) ==%n", s.seed());
                Metrics m = Regimes.representational(s, spec.data(), seedDir.resolve("rt"), spec.resume(), spec.out(),
                        spec.stop(), spec.note(), spec.compute());
                if (m == null) {
                    return false;
                }
                rt.add(m.scores());
                record.put("rt", scores(m));
            }
            if (spec.ft()) {
                spec.out().printf("%n== seed %d: functional transfer (joint) ==%n", s.seed());
                Metrics m = Regimes.functional(s, spec.data(), seedDir.resolve("ft"), spec.resume(), spec.out(),
                        spec.stop(), spec.note(), spec.compute());
                if (m == null) {
                    return false;
                }
                ft.add(m.scores());
                record.put("ft", scores(m));
            }
            perSeed.add(record);
        }
        var results = List.of(new PaperTables.DatasetResults(spec.preset().key(), rt, ft));
        Charset charset = spec.out().charset();
        String table = spec.preset().table().equals("III")
                ? PaperTables.tableIII(results, spec.note(), charset)
                : PaperTables.tableII(results, spec.note(), charset);
        spec.out().println();
        spec.out().print(table);
        spec.out().println("computed on " + spec.compute().label());
        var summary = new LinkedHashMap<String, Object>();
        summary.put("preset", spec.preset().name());
        summary.put("table", spec.preset().table());
        summary.put("settings", spec.settings().toMap());
        summary.put("data", spec.data().describe());
        summary.put("shortened", spec.note());
        summary.putAll(spec.compute().toMap());
        summary.put("seeds", perSeed);
        AtomicFiles.writeString(spec.dir().resolve("table.txt"), table);
        AtomicFiles.writeString(spec.dir().resolve("results.json"), Json.write(summary));
        spec.out().println("run folder: " + spec.dir());
        return true;
    }

    private static Map<String, Object> scores(Metrics m) {
        var s = new LinkedHashMap<String, Object>();
        s.put("accuracy", m.accuracy());
        s.put("precision", m.macroPrecision());
        s.put("recall", m.macroRecall());
        return s;
    }
}
