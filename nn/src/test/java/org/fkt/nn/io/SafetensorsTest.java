package org.fkt.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.memory.NativeMemory;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Safetensors files without PyTorch: exact round trips, the writer's bytes against a file built by
 * hand from the format description, every malformed-file error, atomic writes, and loadInto. Each test
 * runs in its own memory scope and checks that no native memory is left behind; random data comes
 * from a fresh seed that is printed.
 */
class SafetensorsTest {
    @TempDir
    Path dir;

    private MemoryScope scope;
    private long liveBefore;
    private Random random;

    @BeforeEach
    void open(TestInfo info) {
        liveBefore = NativeMemory.liveBytes();
        scope = MemoryScope.open();
        long seed = System.nanoTime();
        random = new Random(seed);
        System.out.println(info.getDisplayName() + ": seed " + seed);
    }

    @AfterEach
    void close() {
        scope.close();
        assertEquals(liveBefore, NativeMemory.liveBytes(), "native memory left behind");
    }

    // ---- round trip and exact bytes ----------------------------------------------------------------

    @Test
    void roundTripKeepsBitsShapesOrderAndMetadata() {
        float[] f32 = new float[3 * 4 * 5];
        for (int i = 0; i < f32.length; i++) {
            f32[i] = Float.intBitsToFloat(random.nextInt());   // every bit pattern, NaN payloads included
        }
        double[] f64 = new double[7];
        Arrays.setAll(f64, i -> Double.longBitsToDouble(random.nextLong()));
        int[] i32 = random.ints(6).toArray();
        long step = random.nextLong();
        double[] big = random.doubles(1_100_000).toArray();   // 8.8 MB: several staging chunks
        float[] base = new float[3 * 5];
        for (int i = 0; i < base.length; i++) {
            base[i] = (float) random.nextGaussian();
        }

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("layer1.0.conv1.weight", Tensor.of(f32, 3, 4, 5));
        tensors.put("fc.bias", Tensor.of(f64, 7));
        tensors.put("counts", Tensor.of(i32, 2, 3));
        tensors.put("bn1.num_batches_tracked", Tensor.of(new long[] {step}));
        tensors.put("empty", Tensor.empty(DType.FLOAT32, Device.CPU, 0, 3));
        tensors.put("empty64", Tensor.empty(DType.INT64, Device.CPU, 2, 0, 4));
        tensors.put("big", Tensor.of(big, big.length));
        tensors.put("transposed", Tensor.of(base, 3, 5).transposeView(0, 1));
        Map<String, String> metadata = Map.of("format", "pt",
                "note", "quote \" backslash \\ newline \n tab \t control \u0001 umlaut \u00fc rocket \uD83D\uDE80", "", "empty key");
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, tensors, metadata);

        Map<String, Tensor> read = Safetensors.read(file);
        assertEquals(List.copyOf(new TreeMap<>(tensors).keySet()), List.copyOf(read.keySet()), "file order is name order");
        for (var e : tensors.entrySet()) {
            Tensor t = read.get(e.getKey());
            assertEquals(e.getValue().dtype(), t.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
            assertEquals(e.getKey(), t.name());
        }
        assertArrayEquals(bits(f32), bits(read.get("layer1.0.conv1.weight").toFloatArray()));
        assertArrayEquals(bits(f64), bits(read.get("fc.bias").toDoubleArray()));
        assertArrayEquals(i32, read.get("counts").toIntArray());
        assertArrayEquals(new long[] {step}, read.get("bn1.num_batches_tracked").toLongArray());
        assertEquals(0, read.get("empty").numel());
        assertArrayEquals(new int[] {2, 0, 4}, read.get("empty64").shape());
        assertArrayEquals(bits(big), bits(read.get("big").toDoubleArray()));
        float[] transposed = read.get("transposed").toFloatArray();
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(base[j * 5 + i], transposed[i * 3 + j], "transposed[" + i + "][" + j + "]");
            }
        }
        assertEquals(metadata, Safetensors.metadata(file));
        assertEquals(List.of(file.getFileName()), listing(), "no temporary files remain");
    }

    @Test
    void writerProducesTheBytesTheFormatPrescribes() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("b", Tensor.of(new float[] {1.5f, -2f}, 2));
        tensors.put("c", Tensor.empty(DType.INT32, Device.CPU, 0));
        tensors.put("a", Tensor.of(new long[] {7}));
        Path file = dir.resolve("tiny.safetensors");
        Safetensors.write(file, tensors, Map.of("format", "pt"));

        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                + "\"c\":{\"dtype\":\"I32\",\"shape\":[0],\"data_offsets\":[16,16]}}";
        String padded = json + " ".repeat((8 - json.length() % 8) % 8);
        byte[] data = {
            7, 0, 0, 0, 0, 0, 0, 0,                   // a = 7L
            0, 0, (byte) 0xC0, 0x3F,                  // 1.5f = 0x3FC00000
            0, 0, 0, (byte) 0xC0,                     // -2f = 0xC0000000
        };
        assertArrayEquals(bytes(padded.length(), padded.getBytes(StandardCharsets.UTF_8), data), Files.readAllBytes(file));
    }

    @Test
    void readerAcceptsAHandBuiltFileInAnyOrder() {
        String json = "{ \"z\\u00e9\\\"w\" : {\"shape\": [2, 1], \"dtype\": \"F64\", \"data_offsets\": [4, 20]},\n"
                + "  \"a\": {\"dtype\": \"I32\", \"shape\": [], \"data_offsets\": [0, 4]},\n"
                + "  \"__metadata__\": {\"origin\": \"hand\\/made\\n\"} }   ";
        byte[] data = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(-5).putDouble(0.25).putDouble(-1e300).array();
        Path file = write("hand.safetensors", bytes(json.length(), json.getBytes(StandardCharsets.UTF_8), data));

        Map<String, Tensor> read = Safetensors.read(file);
        assertEquals(List.of("z\u00e9\"w", "a"), List.copyOf(read.keySet()), "header order");
        assertArrayEquals(new double[] {0.25, -1e300}, read.get("z\u00e9\"w").toDoubleArray());
        assertArrayEquals(new int[] {2, 1}, read.get("z\u00e9\"w").shape());
        assertArrayEquals(new int[] {-5}, read.get("a").toIntArray());
        assertEquals(0, read.get("a").rank());
        assertEquals(Map.of("origin", "hand/made\n"), Safetensors.metadata(file));
    }

    @Test
    void metadataIsEmptyWhenAbsent() {
        Path file = dir.resolve("plain.safetensors");
        Safetensors.write(file, Map.of("x", Tensor.zeros(2)));
        assertEquals(Map.of(), Safetensors.metadata(file));
    }

    // ---- malformed files ---------------------------------------------------------------------------

    static Stream<Arguments> malformed() {
        String f32x1 = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        return Stream.of(
                bad("empty file", new byte[0], "truncated", "0 bytes"),
                bad("five bytes", new byte[5], "truncated", "5 bytes"),
                bad("header beyond the file", bytes(100, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
                        "truncated", "header length 100", "beyond the end"),
                bad("absurd header length", bytes(200_000_000, new byte[0], new byte[0]), "absurdly large", "200000000"),
                bad("header length with the top bit set", bytes(-1, new byte[0], new byte[0]),
                        "absurdly large", "18446744073709551615"),
                json("unclosed object", f32x1.substring(0, f32x1.length() - 1), 4, "malformed header JSON", "expected ',' or '}'"),
                json("trailing comma", "{\"w\":{},}", 0, "malformed header JSON", "expected a string key"),
                json("unterminated string", "{\"w", 0, "malformed header JSON", "unterminated string"),
                json("bad escape", "{\"w\\q\":{}}", 0, "malformed header JSON", "invalid escape \\q"),
                json("fraction", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "only integers"),
                json("literal", "{\"w\":true}", 0, "true, false and null"),
                json("huge integer", "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", 4,
                        "out of the 64-bit range"),
                json("array at the top", "[]", 0, "the JSON is not an object"),
                json("duplicate key", "{\"w\":{},\"w\":{}}", 0, "duplicate key \"w\""),
                json("content after the object", "{} x", 0, "unexpected content"),
                json("deep nesting", "{\"w\":" + "[".repeat(40) + "]".repeat(40) + "}", 0, "nesting deeper"),
                bad("invalid UTF-8", bytes(4, new byte[] {'{', '"', (byte) 0xC3, '}'}, new byte[0]), "not valid UTF-8"),
                json("BF16", f32x1.replace("F32", "BF16"), 4, "unsupported dtype BF16 for tensor 'w'", "F32, F64, I32, I64"),
                json("F16", f32x1.replace("F32", "F16"), 4, "unsupported dtype F16 for tensor 'w'"),
                json("U8", f32x1.replace("F32", "U8"), 4, "unsupported dtype U8 for tensor 'w'"),
                json("BOOL", f32x1.replace("F32", "BOOL"), 4, "unsupported dtype BOOL for tensor 'w'"),
                json("made-up dtype", f32x1.replace("F32", "Q4"), 4, "unsupported dtype Q4 for tensor 'w'"),
                json("negative dimension", f32x1.replace("[1]", "[2,-3]"), 4, "tensor 'w'", "negative dimension", "[2, -3]"),
                json("dimension beyond int", f32x1.replace("[1]", "[3000000000]"), 4, "tensor 'w'", "3000000000", "limit"),
                json("overflowing shape", f32x1.replace("[1]", "[2147483647,2147483647,2147483647]"), 4,
                        "tensor 'w'", "overflows 64 bits"),
                json("span of the wrong size", f32x1.replace("[1]", "[2]"), 4, "tensor 'w'", "spanning 4 bytes", "needs 8"),
                json("reversed offsets", f32x1.replace("[0,4]", "[4,0]"), 4, "tensor 'w'", "invalid data_offsets [4, 0]"),
                json("one offset", f32x1.replace("[0,4]", "[4]"), 4, "tensor 'w'", "invalid data_offsets [4]"),
                json("string offsets", f32x1.replace("[0,4]", "[\"0\",\"4\"]"), 4, "data_offsets of tensor 'w'", "not a list of integers"),
                json("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "tensor 'b'", "overlaps tensor 'a'"),
                json("hole between tensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, "hole", "[4, 8)", "'b'"),
                json("hole at the start", f32x1.replace("[0,4]", "[4,8]"), 8, "hole", "[0, 4)", "'w'"),
                json("data shorter than the offsets", f32x1.replace("[1]", "[4]").replace("[0,4]", "[0,16]"), 8,
                        "truncated", "tensor 'w'", "[0, 16]", "only 8"),
                json("bytes after the last tensor", f32x1, 8, "4 bytes after the last tensor"),
                json("missing field", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "tensor 'w' has no \"shape\""),
                json("unknown field", f32x1.replace("{\"dtype\"", "{\"scale\":2,\"dtype\""), 4, "tensor 'w'", "unknown field \"scale\""),
                json("entry not an object", "{\"w\":5}", 0, "tensor 'w' is not a JSON object"),
                json("dtype not a string", f32x1.replace("\"F32\"", "32"), 4, "dtype of tensor 'w' is not a string"),
                json("metadata value not a string", "{\"__metadata__\":{\"epoch\":3}}", 0, "__metadata__", "'epoch'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFileIsAClearError(String label, byte[] contents, String[] fragments) {
        Path file = write(label.replace(' ', '-') + ".safetensors", contents);
        for (Executable call : List.<Executable>of(() -> Safetensors.read(file), () -> Safetensors.metadata(file),
                () -> Safetensors.loadInto(file, Map.of()))) {
            CheckpointException e = assertThrows(CheckpointException.class, call);
            assertMessage(e, file.toString());
            assertMessage(e, fragments);
            assertEquals(file, e.file());
        }
    }

    @Test
    void missingFileNamesTheFile() {
        Path file = dir.resolve("absent.safetensors");
        assertMessage(assertThrows(CheckpointException.class, () -> Safetensors.read(file)),
                file.toString(), "cannot read", "NoSuchFileException");
    }

    // ---- atomic writes -----------------------------------------------------------------------------

    @Test
    void failureMidwayKeepsThePreviousFileAndNoTemporary() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.of(random.doubles(1000).toArray(), 1000)));
        byte[] previous = Files.readAllBytes(file);

        Tensor closed = Tensor.zeros(4).name("head.weight");
        closed.close();
        Map<String, Tensor> tensors = Map.of("a", Tensor.of(random.doubles(600_000).toArray(), 600_000), "z", closed);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Safetensors.write(file, tensors));
        assertMessage(e, file.toString(), "tensor 'z'", "closed");
        assertArrayEquals(previous, Files.readAllBytes(file), "previous file unchanged");
        assertEquals(List.of(file.getFileName()), listing(), "no temporary files remain");
    }

    @Test
    void failedMoveLeavesNoTemporary() throws IOException {
        Path target = dir.resolve("ckpt.safetensors");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep.txt"), "keep");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Safetensors.write(target, Map.of("a", Tensor.ones(8))));
        assertMessage(e, target.toString(), "cannot write");
        assertEquals(List.of(target.getFileName()), listing(), "no temporary files remain");
        assertEquals("keep", Files.readString(target.resolve("keep.txt")));
    }

    @Test
    void readOnlyFolderKeepsThePreviousFile() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("locked"));
        Path file = folder.resolve("ckpt.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.ones(3)));
        byte[] previous = Files.readAllBytes(file);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            if (Files.isWritable(folder)) {
                System.out.println("SKIPPED: failed-move atomicity test: running as root, a read-only folder is still writable");
            }
            Assumptions.assumeFalse(Files.isWritable(folder), "running as root: a read-only folder is still writable");
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Safetensors.write(file, Map.of("a", Tensor.zeros(3))));
            assertMessage(e, file.toString(), "cannot write");
            assertArrayEquals(previous, Files.readAllBytes(file));
        } finally {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void overwriteReplacesTheFile() {
        Path file = dir.resolve("ckpt.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.ones(3), "old", Tensor.ones(1)), Map.of("epoch", "1"));
        Safetensors.write(file, Map.of("a", Tensor.of(new float[] {4, 5, 6}, 3)), Map.of("epoch", "2"));
        Map<String, Tensor> read = Safetensors.read(file);
        assertEquals(List.of("a"), List.copyOf(read.keySet()));
        assertArrayEquals(new float[] {4, 5, 6}, read.get("a").toFloatArray());
        assertEquals(Map.of("epoch", "2"), Safetensors.metadata(file));
        assertEquals(List.of(file.getFileName()), listing());
    }

    @Test
    void invalidWriteRequestsNameTheFile() {
        Path file = dir.resolve("bad.safetensors");
        assertMessage(assertThrows(CheckpointException.class,
                () -> Safetensors.write(file, Map.of("__metadata__", Tensor.ones(1)))), file.toString(), "reserved");
        Map<String, Tensor> withNull = new LinkedHashMap<>();
        withNull.put("w", null);
        assertMessage(assertThrows(CheckpointException.class, () -> Safetensors.write(file, withNull)),
                file.toString(), "tensor 'w' is null");
        assertMessage(assertThrows(CheckpointException.class,
                () -> Safetensors.write(file, Map.of("w\uD800", Tensor.ones(1)))), file.toString(), "unpaired surrogate", "w\\uD800");
        assertEquals(List.of(), listing(), "nothing was created");
    }

    // ---- loadInto ----------------------------------------------------------------------------------

    @Test
    void loadIntoCopiesAndConverts() {
        double[] w = random.doubles(12).map(v -> v * 4 - 2).toArray();
        float[] b = {(float) random.nextGaussian(), (float) random.nextGaussian(), 0.5f, -0f};
        long[] big = {Long.MAX_VALUE, Long.MIN_VALUE, random.nextLong()};
        long[] steps = {random.nextInt(), Integer.MIN_VALUE, Integer.MAX_VALUE};
        Path file = dir.resolve("state.safetensors");
        Safetensors.write(file, Map.of("w", Tensor.of(w, 3, 4), "b", Tensor.of(b, 4),
                "big", Tensor.of(big, 3), "steps", Tensor.of(steps, 3)));

        Tensor wDst = Tensor.zeros(DType.FLOAT32, Device.CPU, 3, 4);
        Tensor backing = Tensor.full(9, DType.FLOAT32, Device.CPU, 10);
        Tensor bDst = backing.slice(3, 4);                      // non-zero storage offset
        Tensor bigDst = Tensor.zeros(DType.INT64, Device.CPU, 3);
        Tensor stepsDst = Tensor.zeros(DType.INT32, Device.CPU, 3);
        Safetensors.loadInto(file, Map.of("w", wDst, "b", bDst, "big", bigDst, "steps", stepsDst));

        float[] wExpected = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            wExpected[i] = (float) w[i];
        }
        assertArrayEquals(bits(wExpected), bits(wDst.toFloatArray()), "F64 rounded into float32");
        assertArrayEquals(bits(b), bits(bDst.toFloatArray()));
        assertArrayEquals(new float[] {9, 9, 9, b[0], b[1], b[2], b[3], 9, 9, 9}, backing.toFloatArray(), "neighbours untouched");
        assertArrayEquals(big, bigDst.toLongArray());
        assertArrayEquals(Arrays.stream(steps).mapToInt(v -> (int) v).toArray(), stepsDst.toIntArray(), "I64 into int32");
    }

    @Test
    void loadIntoListsMissingAndUnexpectedNames() {
        Path file = dir.resolve("state.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.ones(1), "b", Tensor.ones(1), "c", Tensor.ones(1)));
        Map<String, Tensor> dst = new LinkedHashMap<>();
        for (String n : List.of("a", "b", "d", "e")) {
            dst.put(n, Tensor.zeros(1));
        }
        assertMessage(assertThrows(CheckpointException.class, () -> Safetensors.loadInto(file, dst)),
                file.toString(), "2 missing from the file ['d', 'e']", "1 unexpected in the file ['c']");
        assertArrayEquals(new float[] {0}, dst.get("a").toFloatArray(), "nothing loaded");
    }

    @Test
    void loadIntoRejectsShapeAndTypeMismatches() {
        Path file = dir.resolve("state.safetensors");
        Safetensors.write(file, Map.of("fc.weight", Tensor.ones(3, 4), "bn.weight", Tensor.ones(4),
                "ids", Tensor.of(new int[] {1, 2}, 2), "x", Tensor.ones(2)));
        Tensor bn = Tensor.zeros(4);
        Map<String, Tensor> shapeOnly = Map.of("fc.weight", Tensor.zeros(4, 3), "bn.weight", bn,
                "ids", Tensor.zeros(DType.INT32, Device.CPU, 2), "x", Tensor.zeros(2));
        assertMessage(assertThrows(CheckpointException.class, () -> Safetensors.loadInto(file, shapeOnly)),
                file.toString(), "tensor 'fc.weight' has shape (3, 4) in the file but (4, 3) in the destination");
        assertArrayEquals(new float[4], bn.toFloatArray(), "nothing loaded");

        Map<String, Tensor> types = Map.of("fc.weight", Tensor.zeros(DType.FLOAT64, Device.CPU, 3, 4), "bn.weight", bn,
                "ids", Tensor.zeros(DType.INT64, Device.CPU, 2), "x", Tensor.zeros(DType.INT32, Device.CPU, 2));
        assertMessage(assertThrows(CheckpointException.class, () -> Safetensors.loadInto(file, types)), file.toString(),
                "3 tensors do not fit", "tensor 'fc.weight' is F32 in the file but float64 in the destination",
                "tensor 'ids' is I32 in the file but int64", "tensor 'x' is F32 in the file but int32");

        Tensor closed = Tensor.zeros(2);
        closed.close();
        Map<String, Tensor> badDst = Map.of("fc.weight", Tensor.zeros(4, 3).transposeView(0, 1), "bn.weight", bn,
                "ids", Tensor.zeros(DType.INT32, Device.CPU, 2), "x", closed);
        assertMessage(assertThrows(CheckpointException.class, () -> Safetensors.loadInto(file, badDst)), file.toString(),
                "destination tensor 'fc.weight'", "not contiguous", "destination tensor 'x' is closed");
    }

    @Test
    void loadIntoChecksTheInt32RangeBeforeWritingAnything() {
        Path file = dir.resolve("state.safetensors");
        long tooBig = (1L << 40) + random.nextInt(1000);
        Safetensors.write(file, Map.of("a.weight", Tensor.ones(2), "steps", Tensor.of(new long[] {1, tooBig}, 2)));
        Tensor a = Tensor.zeros(2);
        Tensor steps = Tensor.zeros(DType.INT32, Device.CPU, 2);
        assertMessage(assertThrows(CheckpointException.class, () -> Safetensors.loadInto(file, Map.of("a.weight", a, "steps", steps))),
                file.toString(), "tensor 'steps'", "int64 value " + tooBig, "element 1", "int32 range");
        assertArrayEquals(new float[2], a.toFloatArray(), "nothing loaded");
        assertArrayEquals(new int[2], steps.toIntArray());
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static Arguments bad(String label, byte[] contents, String... fragments) {
        return Arguments.of(label, contents, fragments);
    }

    /** A file with header {@code json} and {@code dataBytes} zero bytes of data. */
    private static Arguments json(String label, String json, int dataBytes, String... fragments) {
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        return bad(label, bytes(utf8.length, utf8, new byte[dataBytes]), fragments);
    }

    /** The 8-byte little-endian {@code headerLength}, then {@code header}, then {@code data}. */
    private static byte[] bytes(long headerLength, byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerLength).put(header).put(data).array();
    }

    private Path write(String name, byte[] contents) {
        try {
            return Files.write(dir.resolve(name), contents);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private List<Path> listing() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(Path::getFileName).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertMessage(Throwable e, String... fragments) {
        System.out.println("  message: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        assertFalse(e.getMessage().isBlank());
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        Arrays.setAll(b, i -> Float.floatToRawIntBits(v[i]));
        return b;
    }

    private static long[] bits(double[] v) {
        long[] b = new long[v.length];
        Arrays.setAll(b, i -> Double.doubleToRawLongBits(v[i]));
        return b;
    }
}
