package org.fkt.train;

import org.fkt.io.AtomicFiles;
import org.fkt.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.fkt.nn.optim.Optimizer;
import org.fkt.nn.optim.OptimizerState;

/**
 * A stage's checkpoints in {@code <stage>/checkpoints/}: the weights ({@code model-e<E>-b<B>.safetensors},
 * torchvision names, the architecture in its metadata), the optimizer's momentum buffers
 * ({@code optimizer-e<E>-b<B>.safetensors}, the step count in its metadata) and {@code checkpoint.json}
 * naming them with the position (next epoch, next batch) and the epoch's partial sums. The data order and
 * augmentation derive from (seed, epoch, index), so this position is the whole random state.
 *
 * <p>Writing is crash-safe: both tensor files are written atomically under new names, then checkpoint.json
 * is replaced atomically, and only then are older files deleted. A write that fails at any point leaves
 * the previous checkpoint.json and the files it names intact.
 */
public final class Checkpoints {
    static final String INDEX = "checkpoint.json";

    private Checkpoints() {
    }

    /** The model's metadata: what a loader checks before accepting the weights. */
    public static Map<String, String> modelMetadata(ResNetConfig c, int imageSize) {
        var m = new LinkedHashMap<String, String>();
        m.put("format", "fkt-resnet");
        m.put("arch", c.architecture().label());
        m.put("stem", c.stem().name().toLowerCase(java.util.Locale.ROOT));
        m.put("classes", Integer.toString(c.classes()));
        m.put("proj-hidden", Integer.toString(c.projectionHidden()));
        m.put("proj-out", Integer.toString(c.projectionOut()));
        m.put("image-size", Integer.toString(imageSize));
        return m;
    }

    /** Writes a checkpoint of {@code model} and {@code optimizer} at {@code position} into {@code dir}. */
    public static void write(Path dir, ResNet model, int imageSize, Optimizer optimizer, Position position) {
        try {
            Files.createDirectories(dir);
            String tag = "e" + position.epoch() + "-b" + position.batch();
            String modelFile = "model-" + tag + ".safetensors";
            String optimizerFile = "optimizer-" + tag + ".safetensors";
            Safetensors.write(dir.resolve(modelFile), model.stateDict(), modelMetadata(model.config(), imageSize));
            try (var scope = MemoryScope.open(); OptimizerState state = optimizer.state()) {
                Safetensors.write(dir.resolve(optimizerFile), state.buffers(), Map.of("step", Long.toString(state.step())));
            }
            var index = new LinkedHashMap<String, Object>(position.toMap());
            index.put("model", modelFile);
            index.put("optimizer", optimizerFile);
            AtomicFiles.writeString(dir.resolve(INDEX), Json.write(index));
            deleteUnreferenced(dir, Set.of(modelFile, optimizerFile));
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint: cannot write in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The position of the checkpoint in {@code dir}, or null when there is none. */
    public static Position read(Path dir) {
        Path index = dir.resolve(INDEX);
        if (!Files.exists(index)) {
            return null;
        }
        try {
            return Position.fromMap(Json.parseObject(Files.readString(index)));
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint: cannot read " + index + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint: " + index + " is not a valid checkpoint index: " + e.getMessage(), e);
        }
    }

    /** The weights file of the checkpoint in {@code dir}. */
    public static Path modelFile(Path dir) {
        return dir.resolve(indexEntry(dir, "model"));
    }

    /** Restores the optimizer's buffers and step count from the checkpoint in {@code dir}. */
    public static void loadOptimizer(Path dir, Optimizer optimizer) {
        Path file = dir.resolve(indexEntry(dir, "optimizer"));
        long step = Long.parseLong(Safetensors.metadata(file).getOrDefault("step", "0"));
        try (var scope = MemoryScope.open()) {
            Map<String, Tensor> buffers = Safetensors.read(file);
            optimizer.loadState(new OptimizerState(step, buffers));
        }
    }

    /**
     * Loads weights into {@code model} after checking the file's architecture, stem and widths against it.
     * With {@code encoderOnly} the heads are left as they are (fine-tuning from a pretrained encoder).
     */
    public static void loadModel(Path file, ResNet model, boolean encoderOnly) {
        checkCompatible(file, model.config(), encoderOnly);
        Map<String, Tensor> target = new LinkedHashMap<>(model.stateDict());
        if (encoderOnly) {
            target.keySet().removeIf(Checkpoints::isHead);
            try (var scope = MemoryScope.open()) {
                Map<String, Tensor> all = Safetensors.read(file);
                for (var e : target.entrySet()) {
                    Tensor src = all.get(e.getKey());
                    if (src == null) {
                        throw new IllegalArgumentException("checkpoint " + file + ": no tensor '" + e.getKey() + "'");
                    }
                    if (!src.sameShape(e.getValue())) {
                        throw new IllegalArgumentException("checkpoint " + file + ": '" + e.getKey() + "' is "
                                + src.describe() + ", the model has " + e.getValue().describe());
                    }
                    Tensor dst = e.getValue();
                    Tensor typed = src.dtype() == dst.dtype() ? src : src.to(dst.dtype());
                    Tensor placed = typed.device().equals(dst.device()) ? typed : typed.to(dst.device());
                    dst.backend().copy(placed, dst);
                }
            }
        } else {
            Safetensors.loadInto(file, target);
        }
        model.afterLoad();
    }

    static boolean isHead(String name) {
        return name.startsWith("fc.") || name.startsWith("projector.");
    }

    /** Refuses a file made for another architecture, stem or class count, naming the mismatch. */
    static void checkCompatible(Path file, ResNetConfig config, boolean encoderOnly) {
        Map<String, String> meta = Safetensors.metadata(file);
        if (!"fkt-resnet".equals(meta.get("format"))) {
            return;   // a torchvision state_dict: the name and shape checks of the load decide
        }
        mismatch(file, "architecture", Architecture.parse(meta.get("arch")).label(), config.architecture().label());
        mismatch(file, "stem", Stem.parse(meta.get("stem")).name(), config.stem().name());
        if (!encoderOnly) {
            mismatch(file, "class count", meta.get("classes"), Integer.toString(config.classes()));
            mismatch(file, "projector widths", meta.get("proj-hidden") + "-" + meta.get("proj-out"),
                    config.projectionHidden() + "-" + config.projectionOut());
        }
    }

    private static void mismatch(Path file, String what, String found, String expected) {
        if (!found.equals(expected)) {
            throw new IllegalArgumentException("checkpoint " + file + " is for " + what + " " + found
                    + ", but this run has " + expected);
        }
    }

    private static String indexEntry(Path dir, String key) {
        JsonFields r = new JsonFields(readIndex(dir));
        return r.str(key);
    }

    private static Map<String, Object> readIndex(Path dir) {
        try {
            return Json.parseObject(Files.readString(dir.resolve(INDEX)));
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint: no readable " + INDEX + " in " + dir, e);
        }
    }

    private static void deleteUnreferenced(Path dir, Set<String> keep) throws IOException {
        var doomed = new HashSet<Path>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> {
                String n = p.getFileName().toString();
                return (n.startsWith("model-") || n.startsWith("optimizer-")) && n.endsWith(".safetensors") && !keep.contains(n);
            }).forEach(doomed::add);
        }
        for (Path p : doomed) {
            Files.deleteIfExists(p);
        }
    }
}
