package org.fkt.cli;

import org.fkt.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fkt.io.Json;
import org.fkt.train.Compute;
import org.fkt.train.TrainSettings;

/**
 * {@code paper.json}: what a paper run was asked to do (preset, seeds, regimes, resolved settings), written
 * when it starts so that {@code --resume} continues the same run whatever flags are given then. The device
 * and TF32 setting it started with are recorded too ({@code device}, {@code tf32}) but not restored: a
 * resumed run computes where its own {@code --device} says.
 */
record PaperRecord(String dataset, boolean ablation, int seeds, boolean rt, boolean ft, TrainSettings settings) {
    static void create(Path file, PaperRecord r, Compute compute) {
        try {
            if (Files.exists(file)) {
                throw new IllegalArgumentException(file.getParent() + " already holds a paper run; pass --resume "
                        + file.getParent() + " to continue it or choose another --out");
            }
            Files.createDirectories(file.getParent());
            var m = new LinkedHashMap<String, Object>();
            m.put("dataset", r.dataset());
            m.put("ablation", r.ablation());
            m.put("seeds", r.seeds());
            m.put("rt", r.rt());
            m.put("ft", r.ft());
            m.put("settings", r.settings().toMap());
            m.putAll(compute.toMap());
            AtomicFiles.writeString(file, Json.write(m));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    static PaperRecord read(Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("--resume: " + file.getParent() + " holds no paper run (no paper.json)");
        }
        try {
            Map<String, Object> m = Json.parseObject(Files.readString(file));
            return new PaperRecord((String) m.get("dataset"), (Boolean) m.get("ablation"),
                    ((Number) m.get("seeds")).intValue(), (Boolean) m.get("rt"), (Boolean) m.get("ft"),
                    TrainSettings.fromMap((Map<String, Object>) m.get("settings")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(file + " is not a valid paper run record", e);
        }
    }
}
