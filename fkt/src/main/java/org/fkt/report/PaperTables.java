package org.fkt.report;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The paper's result tables as text: per dataset, rows of accuracy, macro precision and macro recall
 * (percent) for representational transfer (RT) and functional transfer (FT), each this run's mean
 * ± sample standard deviation (n-1) over seeds (a single seed prints the value alone) beside the
 * paper's number.
 *
 * <p>Paper values: Table II (ResNet-50) accuracies are CIFAR-10 RT 92.20 / FT 93.60, Intel Image
 * 93.18 / 93.70, APTOS 2019 83.10 / 83.32. The paper's precision and recall values, and its ResNet-18
 * ablation numbers (Table III), could not be retrieved when this was written, so they print as "n/a"
 * and a note says so; {@link #PAPER_TABLE_II} and {@link #PAPER_TABLE_III} are where to add them.
 */
public final class PaperTables {
    /** The two regimes compared. */
    public enum Regime { RT, FT }

    /** One dataset's results: one {@link Scores} per seed for each regime (empty: regime not run). */
    public record DatasetResults(String dataset, List<Scores> rt, List<Scores> ft) {
        public DatasetResults {
            rt = List.copyOf(rt);
            ft = List.copyOf(ft);
        }

        List<Scores> of(Regime regime) {
            return regime == Regime.RT ? rt : ft;
        }
    }

    /** A published row in percent; NaN where the value is not known. */
    public record PaperValues(double accuracy, double precision, double recall) {
        double get(int m) {
            return m == 0 ? accuracy : m == 1 ? precision : recall;
        }
    }

    private static final double NA = Double.NaN;

    /** Table II (ResNet-50): dataset key -> [RT, FT]. */
    public static final Map<String, List<PaperValues>> PAPER_TABLE_II = Map.of(
            "cifar10", List.of(new PaperValues(92.20, NA, NA), new PaperValues(93.60, NA, NA)),
            "intel", List.of(new PaperValues(93.18, NA, NA), new PaperValues(93.70, NA, NA)),
            "aptos", List.of(new PaperValues(83.10, NA, NA), new PaperValues(83.32, NA, NA)));

    /** Table III (ResNet-18 ablation on Intel Image): values not retrieved. */
    public static final Map<String, List<PaperValues>> PAPER_TABLE_III = Map.of(
            "intel", List.of(new PaperValues(NA, NA, NA), new PaperValues(NA, NA, NA)));

    private static final String[] METRICS = {"accuracy", "precision", "recall"};

    private PaperTables() {
    }

    /** Display name of a dataset key (cifar10, intel, aptos); other keys print as given. */
    public static String displayName(String dataset) {
        return switch (dataset) {
            case "cifar10" -> "CIFAR-10";
            case "intel" -> "Intel Image";
            case "aptos" -> "APTOS 2019";
            default -> dataset;
        };
    }

    /**
     * Table II: the ResNet-50 comparison over the given datasets. {@code shortened} describes how the
     * run was shortened ("2 epochs per stage, 512 training images"), or null for the paper's setting.
     * {@code charset} is the output's (a "±" it cannot encode becomes "+-").
     */
    public static String tableII(List<DatasetResults> results, String shortened, Charset charset) {
        return render("Table II: RT vs FT, ResNet-50", results, PAPER_TABLE_II, shortened, charset);
    }

    /** Table III: the ResNet-18 ablation (Intel Image in the paper); arguments as {@link #tableII}. */
    public static String tableIII(List<DatasetResults> results, String shortened, Charset charset) {
        return render("Table III: RT vs FT, ResNet-18 ablation", results, PAPER_TABLE_III, shortened, charset);
    }

    /** Any table of this layout, with {@code paper} values by dataset key ([RT, FT]). */
    public static String render(String title, List<DatasetResults> results, Map<String, List<PaperValues>> paper,
            String shortened, Charset charset) {
        String pm = charset != null && charset.newEncoder().canEncode('\u00b1') ? " \u00b1 " : " +- ";
        int maxSeeds = results.stream().flatMap(r -> Stream.of(r.rt.size(), r.ft.size()))
                .mapToInt(Integer::intValue).max().orElse(0);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"dataset", "metric", "RT (this run)", "RT (paper)", "FT (this run)", "FT (paper)"});
        boolean missingPaper = false;
        for (DatasetResults r : results) {
            List<PaperValues> published = paper.get(r.dataset);
            for (int m = 0; m < METRICS.length; m++) {
                String[] row = new String[6];
                row[0] = m == 0 ? displayName(r.dataset) : "";
                row[1] = METRICS[m];
                for (Regime regime : Regime.values()) {
                    int col = regime == Regime.RT ? 2 : 4;
                    row[col] = cell(r.of(regime), m, pm, maxSeeds);
                    double p = published == null ? NA : published.get(regime.ordinal()).get(m);
                    row[col + 1] = Double.isNaN(p) ? "n/a" : String.format(Locale.ROOT, "%.2f", p);
                    missingPaper |= Double.isNaN(p);
                }
                rows.add(row);
            }
        }
        var out = new StringBuilder(title).append(": top-1 accuracy, macro precision, macro recall (%); ")
                .append(maxSeeds <= 1 ? "one seed" : "mean" + pm.strip() + "sample std (n-1) over " + maxSeeds + " seeds")
                .append('\n');
        int[] widths = new int[6];
        for (String[] row : rows) {
            for (int c = 0; c < 6; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            out.append(join(rows.get(i), widths)).append('\n');
            if (i == 0) {
                String[] rule = new String[6];
                for (int c = 0; c < 6; c++) {
                    rule[c] = "-".repeat(widths[c]);
                }
                out.append(join(rule, widths)).append('\n');
            }
        }
        if (missingPaper) {
            out.append("note: n/a = the paper's value is not available here (its precision and recall, and the"
                    + " ResNet-18 ablation, were not retrieved); only the quoted numbers are the paper's\n");
        }
        if (shortened != null && !shortened.isBlank()) {
            out.append("note: shortened run (").append(shortened.strip()).append("), not the paper's configuration:"
                    + " its numbers are not comparable with the paper's\n");
        }
        return out.toString();
    }

    private static String join(String[] row, int[] widths) {
        var s = new StringBuilder();
        for (int c = 0; c < row.length; c++) {
            s.append(c == 0 ? "" : "   ").append(row[c]).append(" ".repeat(widths[c] - row[c].length()));
        }
        return s.toString().stripTrailing();
    }

    /** "mean ± std" in percent over the seeds of one regime, "-" without seeds; "(n=K)" when fewer than the table's. */
    static String cell(List<Scores> seeds, int metric, String pm, int maxSeeds) {
        if (seeds.isEmpty()) {
            return "-";
        }
        double[] v = seeds.stream().mapToDouble(s -> s.get(metric) * 100).toArray();
        String text = String.format(Locale.ROOT, "%.2f", mean(v));
        if (v.length > 1) {
            text += pm + String.format(Locale.ROOT, "%.2f", sampleStd(v));
        }
        return v.length < maxSeeds ? text + " (n=" + v.length + ")" : text;
    }

    static double mean(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return sum / v.length;
    }

    /** Standard deviation with Bessel's correction (n-1); needs at least two values. */
    static double sampleStd(double[] v) {
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (v.length - 1));
    }
}
