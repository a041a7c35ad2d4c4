package org.fkt.report;

import org.fkt.io.AtomicFiles;
import org.fkt.io.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evaluation files of a run folder, each written atomically:
 * <ul>
 * <li>{@code metrics.json}: {@code accuracy}, {@code macro_precision}, {@code macro_recall} (fractions),
 *     {@code samples}, {@code conventions} (how undefined precision/recall count), {@code per_class}
 *     (name, precision, recall, support, predicted), {@code confusion} (rows true, columns predicted)
 *     and whatever the caller adds first (regime, seed, epochs, ...);</li>
 * <li>{@code confusion.csv}: a header {@code true\predicted,NAME...}, then one line per true class
 *     starting with its name.</li>
 * </ul>
 */
public final class RunFiles {
    /** How the macro means treat undefined values; written into metrics.json. */
    public static final String CONVENTIONS = "macro means over classes present in the true or predicted labels;"
            + " precision of a never-predicted class and recall of a class without samples count 0"
            + " (scikit-learn average='macro', zero_division=0)";

    private RunFiles() {
    }

    /** The metrics.json content: {@code extra} entries first, then the metrics. */
    public static Map<String, Object> metricsJson(Metrics metrics, List<String> classNames, Map<String, ?> extra) {
        checkNames(metrics, classNames);
        Map<String, Object> json = new LinkedHashMap<>();
        if (extra != null) {
            json.putAll(extra);
        }
        json.put("accuracy", metrics.accuracy());
        json.put("macro_precision", metrics.macroPrecision());
        json.put("macro_recall", metrics.macroRecall());
        json.put("samples", metrics.count());
        json.put("conventions", CONVENTIONS);
        List<Object> perClass = new ArrayList<>();
        for (int c = 0; c < metrics.classes(); c++) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("class", classNames.get(c));
            entry.put("precision", metrics.precision(c));
            entry.put("recall", metrics.recall(c));
            entry.put("support", metrics.support(c));
            entry.put("predicted", metrics.predictedCount(c));
            perClass.add(entry);
        }
        json.put("per_class", perClass);
        json.put("confusion", metrics.confusion());
        return json;
    }

    /** Writes {@link #metricsJson} to {@code file}. */
    public static void writeMetrics(Path file, Metrics metrics, List<String> classNames, Map<String, ?> extra) {
        AtomicFiles.writeString(file, Json.write(metricsJson(metrics, classNames, extra)) + "\n");
    }

    /** The confusion.csv text. */
    public static String confusionCsv(Metrics metrics, List<String> classNames) {
        checkNames(metrics, classNames);
        List<String> header = new ArrayList<>();
        header.add("true\\predicted");
        header.addAll(classNames);
        var out = new StringBuilder(Csv.line(header)).append('\n');
        for (int t = 0; t < metrics.classes(); t++) {
            List<String> line = new ArrayList<>();
            line.add(classNames.get(t));
            for (int p = 0; p < metrics.classes(); p++) {
                line.add(Long.toString(metrics.confusion(t, p)));
            }
            out.append(Csv.line(line)).append('\n');
        }
        return out.toString();
    }

    /** Writes {@link #confusionCsv} to {@code file}. */
    public static void writeConfusion(Path file, Metrics metrics, List<String> classNames) {
        AtomicFiles.writeString(file, confusionCsv(metrics, classNames));
    }

    private static void checkNames(Metrics metrics, List<String> classNames) {
        if (classNames == null || classNames.size() != metrics.classes()) {
            throw new IllegalArgumentException("run files: " + metrics.classes() + " classes but "
                    + (classNames == null ? "no" : classNames.size()) + " class names");
        }
    }
}
