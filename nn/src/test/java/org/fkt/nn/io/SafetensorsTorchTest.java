package org.fkt.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.memory.NativeMemory;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.testing.TorchOracle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors files exchanged with PyTorch through python/safetensors_torch.py: files Python writes
 * read here with the values Python printed, files written here load in Python with the expected values
 * (and Python's re-save is byte-identical to ours), and a real torchvision resnet18 state dict loads
 * with its names and shapes. Values travel as text: floats in shortest round-trip decimal, so
 * comparisons are exact. Skipped, with the reason printed, when PyTorch is not installed.
 */
class SafetensorsTorchTest {
    private static final String SCRIPT = "safetensors_torch.py";

    @TempDir
    Path dir;

    private MemoryScope scope;
    private long liveBefore;
    private long seed;
    private Random random;

    @BeforeEach
    void open(TestInfo info) {
        TorchOracle.assumeAvailable();
        liveBefore = NativeMemory.liveBytes();
        scope = MemoryScope.open();
        seed = System.nanoTime();
        random = new Random(seed);
        System.out.println(info.getDisplayName() + ": seed " + seed);
    }

    @AfterEach
    void close() {
        if (scope != null) {
            scope.close();
            assertEquals(liveBefore, NativeMemory.liveBytes(), "native memory left behind");
        }
    }

    @Test
    void fileWrittenByPyTorchReadsWithTheSameValues() {
        Path file = dir.resolve("torch.safetensors");
        int pySeed = random.nextInt(1 << 30);
        List<String> lines = TorchOracle.run(SCRIPT, "sample", file.toString(), Integer.toString(pySeed)).lines().toList();
        assertTrue(lines.getFirst().startsWith("meta\t"), lines.getFirst());
        assertEquals(parseJson(lines.getFirst().substring(5)), Safetensors.metadata(file));
        assertEquals(Map.of("format", "pt", "seed", Integer.toString(pySeed)), Safetensors.metadata(file));

        Map<String, Tensor> read = Safetensors.read(file);
        List<String> expectedNames = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            Expected e = Expected.parse(line);
            expectedNames.add(e.name);
            Tensor t = read.get(e.name);
            assertEquals(e.dtype(), t.dtype(), e.name);
            assertArrayEquals(e.shape, t.shape(), e.name);
            e.assertValues(t);
        }
        assertEquals(expectedNames.stream().sorted().toList(), List.copyOf(read.keySet()), "Python writes in name order");
        assertEquals(DType.INT64, read.get("bn1.num_batches_tracked").dtype());
        assertEquals(0, read.get("bn1.num_batches_tracked").rank());
    }

    @Test
    void fileWrittenHereLoadsInPyTorchAndResavesIdentically() throws IOException {
        Map<String, Tensor> tensors = sampleTensors();
        Map<String, String> metadata = Map.of("format", "pt", "epoch", Integer.toString(random.nextInt(100)),
                "note", "quote \" backslash \\ newline \n tab \t control \u0001 umlaut \u00fc rocket \uD83D\uDE80");
        Path file = dir.resolve("java.safetensors");
        Path expected = dir.resolve("expected.txt");
        Path resaved = dir.resolve("resaved.safetensors");
        Safetensors.write(file, tensors, metadata);
        Files.writeString(expected, expectedLines(tensors), StandardCharsets.UTF_8);

        String out = TorchOracle.run(SCRIPT, "verify", file.toString(), expected.toString(), resaved.toString());
        assertEquals(metadata, parseJson(out.strip()), "metadata as PyTorch read it");
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(resaved), "Python's writer produces our bytes");
    }

    @Test
    void pythonVerificationDetectsAWrongValue() throws IOException {
        Map<String, Tensor> tensors = sampleTensors();
        Path file = dir.resolve("java.safetensors");
        Path expected = dir.resolve("expected.txt");
        Safetensors.write(file, tensors);
        tensors.get("layer1.0.conv1.weight").copyFrom(new float[2 * 3 * 3 * 3]);
        Files.writeString(expected, expectedLines(tensors), StandardCharsets.UTF_8);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TorchOracle.run(SCRIPT, "verify", file.toString(), expected.toString()));
        assertTrue(e.getMessage().contains("layer1.0.conv1.weight: values differ"), e.getMessage());
    }

    @Test
    void torchvisionResnet18StateDictLoads() {
        Path file = dir.resolve("resnet18.safetensors");
        List<String[]> lines = TorchOracle.run(SCRIPT, "resnet18", file.toString()).lines()
                .map(l -> l.split("\t", -1)).toList();
        Map<String, Tensor> read = Safetensors.read(file);
        assertEquals(122, lines.size(), "resnet18 state dict entries");
        assertEquals(122, read.size());
        assertEquals(Map.of("format", "pt", "model", "resnet18"), Safetensors.metadata(file));
        for (String[] l : lines) {
            Tensor t = read.get(l[0]);
            assertEquals(Expected.dtypeOf(l[1]), t.dtype(), l[0]);
            assertArrayEquals(Expected.shapeOf(l[2]), t.shape(), l[0]);
            double[] v = t.toDoubleArray();
            assertEquals(Double.parseDouble(l[3]), v[0], 0.0, l[0] + " first element");
            double sum = 0;
            double abs = 0;
            for (double x : v) {
                sum += x;
                abs += Math.abs(x);
            }
            assertEquals(Double.parseDouble(l[4]), sum, 1e-10 * abs + 1e-300, l[0] + " sum");
        }
        assertShape(read, "conv1.weight", DType.FLOAT32, 64, 3, 7, 7);
        assertShape(read, "layer1.0.conv1.weight", DType.FLOAT32, 64, 64, 3, 3);
        assertShape(read, "layer2.0.downsample.0.weight", DType.FLOAT32, 128, 64, 1, 1);
        assertShape(read, "layer4.1.bn2.running_var", DType.FLOAT32, 512);
        assertShape(read, "fc.weight", DType.FLOAT32, 1000, 512);
        assertShape(read, "fc.bias", DType.FLOAT32, 1000);
        assertShape(read, "bn1.num_batches_tracked", DType.INT64);
        assertEquals(1000L, read.get("bn1.num_batches_tracked").toLongArray()[0]);

        Map<String, Tensor> state = new LinkedHashMap<>();
        for (var e : read.entrySet()) {
            DType type = e.getValue().dtype() == DType.INT64 ? DType.INT32 : e.getValue().dtype();
            state.put(e.getKey(), Tensor.zeros(type, Device.CPU, e.getValue().shape()));
        }
        Safetensors.loadInto(file, state);
        for (var e : read.entrySet()) {
            assertArrayEquals(e.getValue().toDoubleArray(), state.get(e.getKey()).toDoubleArray(), 0.0, e.getKey());
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** All four types, a scalar, a zero-size tensor and a non-contiguous one, with torchvision-style names. */
    private Map<String, Tensor> sampleTensors() {
        float[] conv = new float[2 * 3 * 3 * 3];
        for (int i = 0; i < conv.length; i++) {
            conv[i] = (float) random.nextGaussian();
        }
        float[] fc = new float[4 * 3];
        for (int i = 0; i < fc.length; i++) {
            fc[i] = (float) (random.nextGaussian() * 1e-3);
        }
        Map<String, Tensor> tensors = new TreeMap<>();
        tensors.put("layer1.0.conv1.weight", Tensor.of(conv, 2, 3, 3, 3));
        tensors.put("layer1.0.bn1.running_var", Tensor.of(random.doubles(2).map(v -> v + 0.5).toArray(), 2));
        tensors.put("bn1.num_batches_tracked", Tensor.of(new long[] {random.nextLong()}));
        tensors.put("fc.weight", Tensor.of(fc, 4, 3).transposeView(0, 1));
        tensors.put("labels", Tensor.of(random.ints(5).toArray(), 5));
        tensors.put("ids", Tensor.of(random.longs(4).toArray(), 2, 2));
        tensors.put("empty", Tensor.empty(DType.FLOAT64, Device.CPU, 3, 0));
        return tensors;
    }

    /** The value lines python/safetensors_torch.py reads and prints (floats as exact decimal doubles). */
    private static String expectedLines(Map<String, Tensor> tensors) {
        var sb = new StringBuilder();
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            List<String> values = new ArrayList<>();
            switch (t.dtype()) {
                case FLOAT32 -> {
                    for (float v : t.toFloatArray()) {
                        values.add(Double.toString(v));
                    }
                }
                case FLOAT64 -> Arrays.stream(t.toDoubleArray()).forEach(v -> values.add(Double.toString(v)));
                case INT32 -> Arrays.stream(t.toIntArray()).forEach(v -> values.add(Integer.toString(v)));
                default -> Arrays.stream(t.toLongArray()).forEach(v -> values.add(Long.toString(v)));
            }
            sb.append("tensor\t").append(e.getKey()).append('\t').append(SafetensorsHeader.code(t.dtype())).append('\t')
                    .append(String.join(",", Arrays.stream(t.shape()).mapToObj(Integer::toString).toList())).append('\t')
                    .append(String.join(" ", values)).append('\n');
        }
        return sb.toString();
    }

    private static Map<String, String> parseJson(String json) {
        try {
            Map<String, String> out = new LinkedHashMap<>();
            ((Map<?, ?>) HeaderJson.parse(json.getBytes(StandardCharsets.UTF_8)))
                    .forEach((k, v) -> out.put((String) k, (String) v));
            return out;
        } catch (HeaderJson.SyntaxException e) {
            throw new AssertionError("bad JSON from Python: " + json, e);
        }
    }

    private static void assertShape(Map<String, Tensor> read, String name, DType dtype, int... shape) {
        Tensor t = read.get(name);
        assertTrue(t != null, name + " missing");
        assertEquals(dtype, t.dtype(), name);
        assertArrayEquals(shape, t.shape(), name);
    }

    /** One "tensor NAME DTYPE SHAPE VALUES" line printed by Python. */
    private record Expected(String name, String code, int[] shape, String[] values) {
        static Expected parse(String line) {
            String[] f = line.split("\t", -1);
            assertEquals(5, f.length, line);
            assertEquals("tensor", f[0], line);
            return new Expected(f[1], f[2], shapeOf(f[3]), f[4].isEmpty() ? new String[0] : f[4].split(" "));
        }

        static DType dtypeOf(String code) {
            return switch (code) {
                case "F32" -> DType.FLOAT32;
                case "F64" -> DType.FLOAT64;
                case "I32" -> DType.INT32;
                case "I64" -> DType.INT64;
                default -> throw new AssertionError("unexpected dtype " + code);
            };
        }

        static int[] shapeOf(String text) {
            return text.isEmpty() ? new int[0] : Arrays.stream(text.split(",")).mapToInt(Integer::parseInt).toArray();
        }

        DType dtype() {
            return dtypeOf(code);
        }

        void assertValues(Tensor t) {
            assertEquals(values.length, t.numel(), name);
            switch (t.dtype()) {
                case FLOAT32 -> {
                    float[] v = t.toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        assertEquals(Float.floatToRawIntBits((float) Double.parseDouble(values[i])), Float.floatToRawIntBits(v[i]),
                                name + "[" + i + "]");
                    }
                }
                case FLOAT64 -> assertArrayEquals(Arrays.stream(values).mapToDouble(Double::parseDouble).toArray(),
                        t.toDoubleArray(), 0.0, name);
                case INT32 -> assertArrayEquals(Arrays.stream(values).mapToInt(Integer::parseInt).toArray(), t.toIntArray(), name);
                default -> assertArrayEquals(Arrays.stream(values).mapToLong(Long::parseLong).toArray(), t.toLongArray(), name);
            }
        }
    }
}
