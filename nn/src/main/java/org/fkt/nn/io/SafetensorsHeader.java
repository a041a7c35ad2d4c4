package org.fkt.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Shapes;
import org.fkt.engine.tensor.Tensor;

/**
 * The header of a safetensors file, validated: metadata, one {@link Entry} per tensor in header
 * order, and where the data block lies. Reading checks everything the reference implementation
 * checks (length limit, dtypes, sizes, exact tiling of the data block) plus unknown entry fields;
 * {@link #encode} builds the header {@link Safetensors} writes. Split from {@link Safetensors} to keep
 * the format rules in one place and the data movement in the other.
 */
record SafetensorsHeader(Map<String, String> metadata, List<Entry> entries, long dataStart, long dataBytes) {
    /** Supported dtype codes, for messages. */
    static final String SUPPORTED = "F32, F64, I32, I64";

    private static final String METADATA_KEY = "__metadata__";
    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");

    /** One tensor; {@code begin} and {@code end} are byte offsets into the data block. */
    record Entry(String name, DType dtype, int[] shape, long numel, long begin, long end) {
    }

    /** Reads and validates the header of {@code file} (the 8-byte length and the JSON). */
    static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < Long.BYTES) {
            throw new CheckpointException(file, "truncated: the file has " + size
                    + " bytes, fewer than the 8 of the header length (not a safetensors file?)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, lengthBytes, 0);
        long n = lengthBytes.getLong(0);
        if (n < 0 || n > Safetensors.MAX_HEADER_BYTES) {
            throw new CheckpointException(file, "header length " + Long.toUnsignedString(n)
                    + " bytes is absurdly large (the limit is " + Safetensors.MAX_HEADER_BYTES
                    + "); not a safetensors file?");
        }
        if (n > size - Long.BYTES) {
            throw new CheckpointException(file, "truncated: the header length " + n
                    + " goes beyond the end of the file (" + size + " bytes)");
        }
        byte[] json = new byte[(int) n];
        readFully(file, channel, ByteBuffer.wrap(json), Long.BYTES);
        Object root;
        try {
            root = HeaderJson.parse(json);
        } catch (HeaderJson.SyntaxException e) {
            throw new CheckpointException(file, "malformed header JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw new CheckpointException(file, "malformed header: the JSON is not an object");
        }
        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>();
        for (var field : top.entrySet()) {
            String key = (String) field.getKey();
            if (key.equals(METADATA_KEY)) {
                metadata = metadataOf(file, field.getValue());
            } else {
                entries.add(entryOf(file, key, field.getValue()));
            }
        }
        long dataStart = Long.BYTES + n;
        long dataBytes = size - dataStart;
        checkLayout(file, entries, dataBytes);
        return new SafetensorsHeader(metadata, List.copyOf(entries), dataStart, dataBytes);
    }

    private static Map<String, String> metadataOf(Path file, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new CheckpointException(file, "malformed header: __metadata__ is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var kv : map.entrySet()) {
            if (!(kv.getValue() instanceof String s)) {
                throw new CheckpointException(file, "malformed header: __metadata__ maps strings to strings, but "
                        + quoted((String) kv.getKey()) + " has the value " + kv.getValue());
            }
            metadata.put((String) kv.getKey(), s);
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Entry entryOf(Path file, String name, Object value) {
        String tensor = "tensor " + quoted(name);
        if (!(value instanceof Map<?, ?> fields)) {
            throw new CheckpointException(file, "malformed header: " + tensor + " is not a JSON object");
        }
        for (Object key : fields.keySet()) {
            if (!ENTRY_FIELDS.contains(key)) {
                throw new CheckpointException(file, "malformed header: " + tensor + " has an unknown field \""
                        + key + "\" (expected dtype, shape, data_offsets)");
            }
        }
        for (String key : List.of("dtype", "shape", "data_offsets")) {
            if (!fields.containsKey(key)) {
                throw new CheckpointException(file, "malformed header: " + tensor + " has no \"" + key + "\"");
            }
        }
        if (!(fields.get("dtype") instanceof String code)) {
            throw new CheckpointException(file, "malformed header: the dtype of " + tensor + " is not a string");
        }
        DType dtype = dtypeOf(code);
        if (dtype == null) {
            throw new CheckpointException(file, "unsupported dtype " + code + " for " + tensor
                    + " (supported: " + SUPPORTED + ")");
        }
        List<Long> dims = integers(file, tensor, "shape", fields.get("shape"));
        int[] shape = new int[dims.size()];
        long numel = 1;
        long bytes;
        try {
            for (int i = 0; i < shape.length; i++) {
                long d = dims.get(i);
                if (d < 0) {
                    throw new CheckpointException(file, tensor + " has a negative dimension in shape " + dims);
                }
                if (d > Integer.MAX_VALUE) {
                    throw new CheckpointException(file, tensor + " has dimension " + d + " in shape " + dims
                            + ", beyond the engine's limit of " + Integer.MAX_VALUE);
                }
                shape[i] = (int) d;
                numel = Math.multiplyExact(numel, d);
            }
            bytes = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException overflow) {
            throw new CheckpointException(file, tensor + " has shape " + dims + ", whose size overflows 64 bits");
        }
        List<Long> offsets = integers(file, tensor, "data_offsets", fields.get("data_offsets"));
        if (offsets.size() != 2 || offsets.get(0) < 0 || offsets.get(1) < offsets.get(0)) {
            throw new CheckpointException(file, tensor + " has invalid data_offsets " + offsets
                    + " (expected [begin, end] with 0 <= begin <= end)");
        }
        long begin = offsets.get(0);
        long end = offsets.get(1);
        if (end - begin != bytes) {
            throw new CheckpointException(file, tensor + " has data_offsets " + offsets + " spanning " + (end - begin)
                    + " bytes, but shape " + Shapes.toString(shape) + " of " + code + " needs " + bytes);
        }
        return new Entry(name, dtype, shape, numel, begin, end);
    }

    private static List<Long> integers(Path file, String tensor, String field, Object value) {
        if (value instanceof List<?> list && list.stream().allMatch(v -> v instanceof Long)) {
            return list.stream().map(v -> (Long) v).toList();
        }
        throw new CheckpointException(file, "malformed header: the " + field + " of " + tensor
                + " is not a list of integers");
    }

    /** The tensors' byte spans must tile the data block: no overlap, no hole, nothing beyond or after. */
    private static void checkLayout(Path file, List<Entry> entries, long dataBytes) {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.begin() < at) {
                throw new CheckpointException(file, "tensor " + quoted(e.name()) + " (data_offsets " + span(e)
                        + ") overlaps tensor " + quoted(previous.name()) + " (" + span(previous) + ")");
            }
            if (e.begin() > at) {
                throw new CheckpointException(file, "the data block has a hole: bytes [" + at + ", " + e.begin()
                        + ") belong to no tensor (the next is " + quoted(e.name()) + " at " + span(e) + ")");
            }
            at = e.end();
            previous = e;
        }
        if (at > dataBytes) {
            Entry cut = byOffset.stream().filter(e -> e.end() > dataBytes).findFirst().orElseThrow();
            throw new CheckpointException(file, "truncated: tensor " + quoted(cut.name()) + " needs bytes " + span(cut)
                    + " of the data block, which has only " + dataBytes);
        }
        if (at < dataBytes) {
            throw new CheckpointException(file, "the data block has " + (dataBytes - at)
                    + " bytes after the last tensor that belong to no tensor");
        }
    }

    /**
     * The header for {@code tensors} laid out in map order with no gaps, padded with spaces to a
     * multiple of 8 bytes; the length prefix is not included.
     */
    static byte[] encode(Path file, SortedMap<String, Tensor> tensors, SortedMap<String, String> metadata) {
        var json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            HeaderJson.appendString(json, METADATA_KEY);
            json.append(":{");
            for (var e : metadata.entrySet()) {
                if (json.charAt(json.length() - 1) != '{') {
                    json.append(',');
                }
                HeaderJson.appendString(json, e.getKey());
                json.append(':');
                HeaderJson.appendString(json, e.getValue());
            }
            json.append('}');
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long bytes = t.numel() * t.dtype().byteSize();
            if (json.length() > 1) {
                json.append(',');
            }
            HeaderJson.appendString(json, e.getKey());
            json.append(":{\"dtype\":\"").append(codeForWrite(file, e.getKey(), t.dtype())).append("\",\"shape\":[");
            int[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                json.append(i > 0 ? "," : "").append(shape[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        byte[] raw;
        try {
            raw = HeaderJson.encode(json.toString());
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file, "the header is not encodable as UTF-8", e);
        }
        int padded = (raw.length + 7) / 8 * 8;
        if (padded > Safetensors.MAX_HEADER_BYTES) {
            throw new CheckpointException(file, "the header would take " + padded + " bytes, more than readers accept ("
                    + Safetensors.MAX_HEADER_BYTES + ")");
        }
        byte[] header = Arrays.copyOf(raw, padded);
        Arrays.fill(header, raw.length, padded, (byte) ' ');
        return header;
    }

    /** The engine type of a safetensors dtype code, or null for one the engine lacks. */
    private static DType dtypeOf(String code) {
        return switch (code) {
            case "F32" -> DType.FLOAT32;
            case "F64" -> DType.FLOAT64;
            case "I32" -> DType.INT32;
            case "I64" -> DType.INT64;
            default -> null;
        };
    }

    static String code(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case INT32 -> "I32";
            case INT64 -> "I64";
            default -> null;
        };
    }

    private static String codeForWrite(Path file, String name, DType dtype) {
        String code = code(dtype);
        if (code == null) {
            throw new CheckpointException(file, "cannot write tensor " + quoted(name) + ": dtype " + dtype.label()
                    + " has no safetensors code here (supported: " + SUPPORTED + ")");
        }
        return code;
    }

    static void readFully(Path file, FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new CheckpointException(file, "truncated: the file ended at byte " + at + " while reading its header");
            }
            at += n;
        }
    }

    /** Rejects strings UTF-8 cannot encode (unpaired surrogates), showing them with \\u escapes. */
    static void checkEncodable(Path file, String what, String s) {
        try {
            HeaderJson.encode(s);
        } catch (CharacterCodingException e) {
            var shown = new StringBuilder();
            s.chars().forEach(c -> shown.append(Character.isSurrogate((char) c)
                    ? String.format("\\u%04X", c) : String.valueOf((char) c)));
            throw new CheckpointException(file, what + " " + quoted(shown.toString())
                    + " is not valid Unicode (unpaired surrogate)");
        }
    }

    static String quoted(String name) {
        return "'" + name + "'";
    }

    private static String span(Entry e) {
        return "[" + e.begin() + ", " + e.end() + "]";
    }
}
