package org.fkt.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.fkt.engine.backend.Backends;
import org.fkt.engine.cuda.CudaBackend;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.fkt.nn.optim.Sgd;

/**
 * The engine's side of bench/scripts/resnet50-gpu-step.sh: a ResNet training step (forward,
 * cross-entropy, backward, SGD with momentum 0.9) on one device, timed after warm-up between two device
 * synchronisations (so the mean step includes every queued kernel), with the CUDA allocator's peak bytes
 * over the whole configuration (model, gradients, momentum, batch, activations; sizes rounded up to the
 * allocator's size classes). The batch is fixed random data already on the device: the loader is not timed.
 *
 * <p>Not JMH: JMH forks a JVM per benchmark and cannot alternate with another process, while the script
 * alternates engine and PyTorch rounds on one GPU. So this main either runs one configuration from flags,
 * or with {@code --serve} answers {@code run key=value ...} lines on stdin (a driver keeps one warm JVM
 * for every round). Each answer is one {@code RESULT {json}} line; a failed run answers {@code ERROR ...}.
 * {@code --device cpu} runs the same code on the CPU (no peak memory there), which is how the plumbing is
 * tested on a machine without a GPU.
 */
public final class GpuStepBench {
    /** One configuration: what the step runs and how long it is timed. */
    record Config(Architecture arch, Stem stem, int size, int batch, int classes, boolean tf32, int warmup, int steps) {
        static Config parse(Map<String, String> kv) {
            Stem stem = Stem.parse(kv.getOrDefault("stem", "imagenet"));
            int size = Integer.parseInt(kv.getOrDefault("size", stem == Stem.CIFAR ? "32" : "224"));
            int classes = Integer.parseInt(kv.getOrDefault("classes", stem == Stem.CIFAR ? "10" : "1000"));
            var c = new Config(Architecture.parse(kv.getOrDefault("arch", "resnet50")), stem, size,
                    Integer.parseInt(kv.getOrDefault("batch", "256")), classes,
                    Boolean.parseBoolean(kv.getOrDefault("tf32", "false")),
                    Integer.parseInt(kv.getOrDefault("warmup", "5")), Integer.parseInt(kv.getOrDefault("steps", "20")));
            if (c.size < 8 || c.batch < 1 || c.classes < 1 || c.warmup < 0 || c.steps < 1) {
                throw new IllegalArgumentException("bad configuration " + kv + ": size >= 8, batch, classes, steps >= 1");
            }
            return c;
        }
    }

    private GpuStepBench() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> flags = new LinkedHashMap<>();
        boolean serve = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--serve")) {
                serve = true;
            } else if (a.equals("--tf32")) {
                flags.put("tf32", "true");
            } else if (a.startsWith("--") && i + 1 < args.length) {
                flags.put(a.substring(2), args[++i]);
            } else {
                System.err.println("usage: GpuStepBench [--device cuda:0|cpu] [--serve | --arch resnet50 --stem imagenet|cifar"
                        + " --size S --batch B --classes K --warmup W --steps N --tf32]");
                System.exit(2);
            }
        }
        Device device = Device.parse(flags.getOrDefault("device", "cuda:0"));
        PrintStream out = System.out;
        if (device.kind() == Device.Kind.CUDA && !Backends.available(Device.Kind.CUDA)) {
            out.println("ERROR no usable CUDA device: " + Backends.unavailableReason(Device.Kind.CUDA));
            out.flush();
            System.exit(3);
        }
        out.println("DEVICE " + describe(device));
        out.flush();
        if (!serve) {
            out.println("RESULT " + json(run(device, Config.parse(flags))));
            return;
        }
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            line = line.strip();
            if (line.equals("quit")) {
                break;
            }
            if (!line.startsWith("run")) {
                out.println("ERROR expected 'run key=value ...' or 'quit', got: " + line);
                out.flush();
                continue;
            }
            try {
                out.println("RESULT " + json(run(device, Config.parse(keyValues(line.substring(3))))));
            } catch (RuntimeException | OutOfMemoryError e) {
                out.println("ERROR " + e.toString().replace('\n', ' '));
            }
            out.flush();
        }
    }

    static String describe(Device device) {
        return device.kind() == Device.Kind.CUDA ? device + ": " + CudaBackend.describe(device) : "cpu";
    }

    /** Runs one configuration and returns its measurements. */
    static Map<String, Object> run(Device device, Config c) {
        boolean cuda = device.kind() == Device.Kind.CUDA;
        if (cuda) {
            ((CudaBackend) Backends.of(device)).tf32(c.tf32());
            CudaBackend.emptyCache(device);
            CudaBackend.resetPeak(device);
        }
        var config = new ResNetConfig(c.arch(), c.stem(), c.classes(), 0, 0);
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        long t0 = 0;
        long nanos;
        try (ResNet model = new ResNet(config, 0)) {
            model.to(device);
            try (Sgd sgd = Sgd.builder(model.namedParameters()).lr(0.01).momentum(0.9).build();
                 Tensor images = MemoryScope.unscoped(() -> placed(randomImages(c), device));     // (B, 3, S, S)
                 Tensor labels = MemoryScope.unscoped(() -> placed(randomLabels(c), device))) {   // (B)
                int total = c.warmup() + c.steps();
                for (int i = 0; i < total; i++) {
                    if (i == c.warmup()) {
                        synchronize(device);
                        t0 = System.nanoTime();
                    }
                    double loss = step(model, sgd, images, labels, i == 0 || i == total - 1);
                    firstLoss = i == 0 ? loss : firstLoss;
                    lastLoss = i == total - 1 ? loss : lastLoss;
                }
                synchronize(device);
                nanos = System.nanoTime() - t0;
            }
        }
        double stepMs = nanos / 1e6 / c.steps();
        var r = new LinkedHashMap<String, Object>();
        r.put("arch", c.arch().label());
        r.put("stem", c.stem().label());
        r.put("size", c.size());
        r.put("batch", c.batch());
        r.put("tf32", cuda && c.tf32());   // TF32 does not exist on the CPU
        r.put("warmup", c.warmup());
        r.put("steps", c.steps());
        r.put("step_ms", stepMs);
        r.put("images_per_s", c.batch() / (stepMs / 1000));
        r.put("peak_bytes", cuda ? CudaBackend.memoryInUse(device)[1] : -1L);
        r.put("first_loss", firstLoss);
        r.put("last_loss", lastLoss);
        return r;
    }

    /** One training step; reads the loss to the host only when {@code read} (the first and the last step). */
    private static double step(ResNet model, Sgd sgd, Tensor images, Tensor labels, boolean read) {
        try (var scope = MemoryScope.open()) {
            Tensor loss = Ops.crossEntropy(model.forward(images), labels);
            sgd.zeroGrad();
            loss.backward();
            sgd.step();
            return read ? loss.item() : Double.NaN;
        }
    }

    private static void synchronize(Device device) {
        if (device.kind() == Device.Kind.CUDA) {
            CudaBackend.synchronize(device);
        }
    }

    /** {@code host}'s copy on {@code device}; {@code host} is closed. */
    private static Tensor placed(Tensor host, Device device) {
        try (host) {
            return host.to(device);
        }
    }

    private static Tensor randomImages(Config c) {
        var random = new Random(0);
        float[] pixels = new float[c.batch() * 3 * c.size() * c.size()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        return Tensor.of(pixels, c.batch(), 3, c.size(), c.size());
    }

    private static Tensor randomLabels(Config c) {
        var random = new Random(1);
        int[] y = new int[c.batch()];
        for (int i = 0; i < y.length; i++) {
            y[i] = random.nextInt(c.classes());
        }
        return Tensor.of(y, c.batch());
    }

    static Map<String, String> keyValues(String text) {
        var kv = new LinkedHashMap<String, String>();
        for (String part : text.strip().split("\\s+")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("expected key=value, got '" + part + "'");
            }
            kv.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return kv;
    }

    /** A flat JSON object of strings, numbers and booleans. */
    static String json(Map<String, Object> m) {
        var sb = new StringBuilder("{");
        for (var e : m.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof Double d) {
                sb.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "null");
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                sb.append('"').append(String.valueOf(v).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return sb.append('}').toString();
    }
}
