package org.fkt.report;

import org.fkt.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A run's per-epoch record, in order over every stage, kept as {@code history.csv}:
 * <pre>
 * stage,epoch,steps,loss,loss_contrastive,loss_supervised,train_accuracy,test_accuracy,lr_GROUP...,epoch_seconds,images_per_second
 * </pre>
 * one {@code lr_GROUP} column per optimizer group seen in any row (first-seen order). An absent value
 * is an empty field; numbers are written with {@link Double#toString} (so they read back exactly,
 * NaN and Infinity included). The driver calls {@link #append} after each epoch, which rewrites the
 * file atomically; a resumed run {@link #load}s it, {@link #truncateAfter} the checkpoint's epoch
 * (rows written after the checkpoint it resumes from) and carries on.
 */
public final class History {
    /** The fixed columns before the learning rates. */
    static final List<String> LEADING = List.of("stage", "epoch", "steps", "loss", "loss_contrastive", "loss_supervised",
            "train_accuracy", "test_accuracy");
    /** The fixed columns after the learning rates. */
    static final List<String> TRAILING = List.of("epoch_seconds", "images_per_second");
    static final String LR_PREFIX = "lr_";

    private final List<EpochRow> rows = new ArrayList<>();

    /** An empty history. */
    public History() {
    }

    /** The rows in order (unmodifiable view). */
    public List<EpochRow> rows() {
        return Collections.unmodifiableList(rows);
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** Adds a row in memory. */
    public void add(EpochRow row) {
        rows.add(Objects.requireNonNull(row, "row"));
    }

    /** Adds {@code row} and rewrites {@code file} atomically with every row. */
    public void append(Path file, EpochRow row) {
        add(row);
        save(file);
    }

    /** The rows of {@code stage}, in order. */
    public List<EpochRow> stage(String stage) {
        return rows.stream().filter(r -> r.stage().equals(stage)).toList();
    }

    /** The last row of {@code stage}, if any (where a resumed stage continues). */
    public Optional<EpochRow> last(String stage) {
        List<EpochRow> s = stage(stage);
        return s.isEmpty() ? Optional.empty() : Optional.of(s.getLast());
    }

    /**
     * Keeps the rows up to and including the last row of {@code stage} with epoch {@code epoch} and
     * drops every later row (what a crash after the history write but before the checkpoint left).
     * {@code epoch} 0 keeps the rows before {@code stage}'s first row (the stage restarts).
     *
     * @throws IllegalStateException when {@code epoch} > 0 and the history has no such row
     */
    public void truncateAfter(String stage, int epoch) {
        int keep = -1;
        for (int i = 0; i < rows.size(); i++) {
            EpochRow r = rows.get(i);
            if (r.stage().equals(stage) && r.epoch() == epoch) {
                keep = i + 1;
            }
        }
        if (keep < 0) {
            if (epoch != 0) {
                throw new IllegalStateException("history: no row for " + stage + " epoch " + epoch + " to resume from ("
                        + rows.size() + " rows, " + stage + " epochs " + stage(stage).stream().map(EpochRow::epoch).toList() + ")");
            }
            keep = rows.size();
            for (int i = 0; i < rows.size(); i++) {
                if (rows.get(i).stage().equals(stage)) {
                    keep = i;
                    break;
                }
            }
        }
        rows.subList(keep, rows.size()).clear();
    }

    /** Optimizer group names over all rows, first-seen order. */
    public List<String> learningRateGroups() {
        Set<String> groups = new LinkedHashSet<>();
        rows.forEach(r -> groups.addAll(r.learningRates().keySet()));
        return List.copyOf(groups);
    }

    // ---- CSV ---------------------------------------------------------------------------------------

    /** Writes {@code file} atomically. */
    public void save(Path file) {
        AtomicFiles.writeString(file, toCsv());
    }

    /** The CSV text (header and one line per row). */
    public String toCsv() {
        List<String> groups = learningRateGroups();
        List<String> header = new ArrayList<>(LEADING);
        groups.forEach(g -> header.add(LR_PREFIX + g));
        header.addAll(TRAILING);
        var out = new StringBuilder(Csv.line(header)).append('\n');
        for (EpochRow r : rows) {
            List<String> f = new ArrayList<>(List.of(r.stage(), Integer.toString(r.epoch()), Long.toString(r.steps()),
                    cell(r.loss()), cell(r.lossContrastive()), cell(r.lossSupervised()), cell(r.trainAccuracy()),
                    cell(r.testAccuracy())));
            groups.forEach(g -> f.add(cell(r.learningRates().get(g))));
            f.add(Double.toString(r.epochSeconds()));
            f.add(Double.toString(r.imagesPerSecond()));
            out.append(Csv.line(f)).append('\n');
        }
        return out.toString();
    }

    private static String cell(Double v) {
        return v == null ? "" : Double.toString(v);
    }

    /** Reads {@code file} as written by {@link #save}. Errors name the file, line and column. */
    public static History load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the history: " + e.getMessage(), e);
        }
    }

    /** {@link #load}, or an empty history when {@code file} does not exist (a fresh run). */
    public static History loadIfExists(Path file) {
        return Files.exists(file) ? load(file) : new History();
    }

    /** Parses CSV text; {@code source} names it in errors. */
    public static History parse(String csv, String source) {
        List<List<String>> records = Csv.parse(csv, source);
        if (records.isEmpty()) {
            throw new IllegalArgumentException(source + ": empty history (no header line)");
        }
        List<String> header = records.getFirst();
        int lrCount = header.size() - LEADING.size() - TRAILING.size();
        if (lrCount < 0 || !header.subList(0, LEADING.size()).equals(LEADING)
                || !header.subList(header.size() - TRAILING.size(), header.size()).equals(TRAILING)) {
            throw new IllegalArgumentException(source + ": header " + header + " is not a history header: expected "
                    + LEADING + ", lr_GROUP columns, " + TRAILING);
        }
        List<String> groups = new ArrayList<>();
        for (String name : header.subList(LEADING.size(), LEADING.size() + lrCount)) {
            if (!name.startsWith(LR_PREFIX) || name.length() == LR_PREFIX.length()) {
                throw new IllegalArgumentException(source + ": header column '" + name + "' is not lr_GROUP");
            }
            groups.add(name.substring(LR_PREFIX.length()));
        }
        var history = new History();
        for (int i = 1; i < records.size(); i++) {
            List<String> f = records.get(i);
            var where = new Where(source, i + 1, header);
            if (f.size() != header.size()) {
                throw new IllegalArgumentException(source + ": line " + (i + 1) + " has " + f.size() + " fields, the header "
                        + header.size());
            }
            Map<String, Double> rates = new LinkedHashMap<>();
            for (int g = 0; g < lrCount; g++) {
                Double lr = where.optional(f, LEADING.size() + g);
                if (lr != null) {
                    rates.put(groups.get(g), lr);
                }
            }
            int t = LEADING.size() + lrCount;
            try {
                history.add(new EpochRow(f.get(0), (int) where.integer(f, 1), where.integer(f, 2), where.optional(f, 3),
                        where.optional(f, 4), where.optional(f, 5), where.optional(f, 6), where.optional(f, 7), rates,
                        where.required(f, t), where.required(f, t + 1)));
            } catch (IllegalArgumentException e) {
                if (e.getMessage().startsWith(source)) {
                    throw e;
                }
                throw new IllegalArgumentException(source + ": line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return history;
    }

    /** Field parsing with errors that say where. */
    private record Where(String source, int line, List<String> header) {
        Double optional(List<String> f, int column) {
            return f.get(column).isEmpty() ? null : required(f, column);
        }

        double required(List<String> f, int column) {
            try {
                return Double.parseDouble(f.get(column));
            } catch (NumberFormatException e) {
                throw bad(f, column, "a number");
            }
        }

        long integer(List<String> f, int column) {
            try {
                long v = Long.parseLong(f.get(column));
                if (v != (int) v && column == 1) {
                    throw bad(f, column, "an int");
                }
                return v;
            } catch (NumberFormatException e) {
                throw bad(f, column, "an integer");
            }
        }

        IllegalArgumentException bad(List<String> f, int column, String expected) {
            return new IllegalArgumentException(source + ": line " + line + ", column " + header.get(column) + ": '"
                    + f.get(column) + "' is not " + expected);
        }
    }
}
