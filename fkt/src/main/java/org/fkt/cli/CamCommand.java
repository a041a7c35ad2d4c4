package org.fkt.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.fkt.cam.CamImages;
import org.fkt.cam.CamOverlay;
import org.fkt.cam.GradCam;
import org.fkt.data.Image;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.fkt.train.Compute;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fkt cam}: Grad-CAM overlays of a trained model for one image or a folder of images (searched
 * recursively), one PNG per image, "original | overlay", named after the image.
 *
 * <p>The model comes from a safetensors checkpoint whose metadata holds {@code arch}, {@code stem},
 * {@code classes}, {@code proj-hidden}, {@code proj-out} and {@code image-size}; optional keys:
 * {@code mean} and {@code std} (three comma-separated numbers each, the input normalisation; ImageNet's
 * by default) and {@code class-names} (comma-separated, label order). Runs on {@code --device} (the GPU
 * when usable by default, like training).
 */
@Command(name = "cam", mixinStandardHelpOptions = true,
        description = {"Write Grad-CAM heatmaps (last ResNet stage) over test images as PNG: original | overlay."})
final class CamCommand implements Callable<Integer> {
    static final List<String> REQUIRED_METADATA = List.of("arch", "stem", "classes", "proj-hidden", "proj-out", "image-size");

    @Option(names = "--checkpoint", required = true,
            description = "model safetensors; metadata: arch, stem, classes, proj-hidden, proj-out, image-size")
    Path checkpoint;

    @Option(names = "--data", required = true, description = "an image file, or a folder searched recursively for images")
    Path data;

    @Option(names = "--class", description = "class to explain, by index or name (default: each image's predicted class)")
    String className;

    @Option(names = "--out", required = true, description = "folder for the PNG files")
    Path out;

    @Option(names = "--alpha", defaultValue = "0.5", description = "heatmap opacity in the overlay (default ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--limit", defaultValue = "0", description = "at most this many images from a folder (0: all)")
    int limit;

    @Option(names = "--device", defaultValue = "auto", description = "auto (default: the GPU when usable, else the CPU), cpu or cuda:N")
    String device;

    @Option(names = "--tf32", description = "TF32 tensor-core math for GEMMs and convolutions on the GPU (default: off)")
    boolean tf32;

    @Override
    public Integer call() {
        Map<String, String> meta = Safetensors.metadata(checkpoint);
        List<String> missing = REQUIRED_METADATA.stream().filter(k -> !meta.containsKey(k)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(checkpoint + ": the checkpoint's metadata lacks " + missing + " (has "
                    + meta.keySet() + ")");
        }
        var config = new ResNetConfig(Architecture.parse(meta.get("arch")), Stem.parse(meta.get("stem")),
                integer(meta, "classes"), integer(meta, "proj-hidden"), integer(meta, "proj-out"));
        if (config.classes() < 1) {
            throw new IllegalArgumentException(checkpoint + ": the model has no classifier (classes = 0); Grad-CAM needs one");
        }
        int size = integer(meta, "image-size");
        float[] mean = meta.containsKey("mean") ? floats(meta, "mean") : CamImages.IMAGENET_MEAN;
        float[] std = meta.containsKey("std") ? floats(meta, "std") : CamImages.IMAGENET_STD;
        List<String> names = classNames(meta, config.classes());
        int target = targetClass(names);
        List<Path> images = images();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot create the output folder: " + e.getMessage(), e);
        }
        List<String> skipped = new ArrayList<>();
        int written = 0;
        Compute compute = Compute.resolve(device, tf32, System.out);
        try (ResNet model = new ResNet(config, 0)) {
            model.to(compute.device());
            Safetensors.loadInto(checkpoint, model.stateDict());
            model.afterLoad();
            model.eval();
            for (Path file : images) {
                Image image;
                try {
                    image = CamImages.read(file, size);
                } catch (UncheckedIOException e) {
                    skipped.add(e.getMessage());
                    System.err.println("fkt cam: skipped " + e.getMessage());
                    continue;
                }
                GradCam.Result cam;
                try (var scope = MemoryScope.open()) {
                    Tensor x = CamImages.toTensor(image, mean, std);
                    cam = GradCam.compute(model, x, target);
                }
                Path png = out.resolve(outputName(file));
                int scale = Math.max(1, 224 / size);
                CamOverlay.writePng(png, CamOverlay.sideBySide(image, cam.heatmap(), cam.height(), cam.width(), alpha, scale));
                written++;
                System.out.printf(Locale.ROOT, "%s: predicted %s (%.1f%%), map of %s -> %s%n", file,
                        names.get(cam.predicted()), 100 * softmax(cam.logits())[cam.predicted()],
                        names.get(cam.classIndex()), png);
            }
        }
        if (!skipped.isEmpty()) {
            System.err.println("fkt cam: " + skipped.size() + " of " + images.size()
                    + " images could not be read and were skipped");
        }
        if (written == 0) {
            throw new IllegalArgumentException(data + ": none of the " + images.size() + " images could be read");
        }
        System.out.println(written + " Grad-CAM overlays written to " + out);
        return 0;
    }

    private static int integer(Map<String, String> meta, String key) {
        try {
            return Integer.parseInt(meta.get(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint metadata '" + key + "' is not an integer: '" + meta.get(key) + "'");
        }
    }

    private float[] floats(Map<String, String> meta, String key) {
        String[] parts = meta.get(key).split(",");
        if (parts.length != 3) {
            throw new IllegalArgumentException(checkpoint + ": metadata '" + key + "' must hold 3 comma-separated numbers, got '"
                    + meta.get(key) + "'");
        }
        float[] v = new float[3];
        for (int i = 0; i < 3; i++) {
            try {
                v[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(checkpoint + ": metadata '" + key + "' holds a non-number: '"
                        + meta.get(key) + "'");
            }
        }
        return v;
    }

    private List<String> classNames(Map<String, String> meta, int classes) {
        if (!meta.containsKey("class-names")) {
            return IntStream.range(0, classes).mapToObj(i -> "class " + i).toList();
        }
        List<String> names = Arrays.stream(meta.get("class-names").split(",", -1)).map(String::trim).toList();
        if (names.size() != classes) {
            throw new IllegalArgumentException(checkpoint + ": metadata 'class-names' lists " + names.size() + " names for "
                    + classes + " classes");
        }
        return names;
    }

    /** The --class option as an index, or -1 for the predicted class. */
    private int targetClass(List<String> names) {
        if (className == null) {
            return -1;
        }
        int index = names.indexOf(className.trim());
        if (index < 0) {
            try {
                index = Integer.parseInt(className.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--class '" + className + "' is neither a class index nor one of " + names);
            }
        }
        if (index < 0 || index >= names.size()) {
            throw new IllegalArgumentException("--class " + index + " is outside [0, " + names.size() + ")");
        }
        return index;
    }

    private List<Path> images() {
        if (Files.isRegularFile(data)) {
            return List.of(data);
        }
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + " does not exist");
        }
        List<Path> found;
        try (Stream<Path> walk = Files.walk(data)) {
            found = walk.filter(CamImages::isImageFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(data + ": cannot list the folder: " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("--data " + data + " holds no image files (" + CamImages.EXTENSIONS + ")");
        }
        return limit > 0 && found.size() > limit ? found.subList(0, limit) : found;
    }

    /** "a/b/cat.jpg" under the data folder -> "a_b_cat.cam.png". */
    private String outputName(Path file) {
        Path relative = Files.isDirectory(data) ? data.relativize(file) : file.getFileName();
        String name = relative.toString().replace(File.separatorChar, '_');
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name) + ".cam.png";
    }

    private static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
