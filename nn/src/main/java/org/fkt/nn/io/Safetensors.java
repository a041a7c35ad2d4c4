package org.fkt.nn.io;

import static org.fkt.nn.io.SafetensorsHeader.checkEncodable;
import static org.fkt.nn.io.SafetensorsHeader.code;
import static org.fkt.nn.io.SafetensorsHeader.quoted;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.HostStorage;
import org.fkt.engine.tensor.Shapes;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.io.SafetensorsHeader.Entry;

/**
 * Reads and writes safetensors checkpoints: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON ({@code "__metadata__"} with string values, and per tensor its dtype, shape and
 * {@code data_offsets} into the data block), then the raw little-endian tensor data.
 *
 * <p>Choices worth knowing:
 * <ul>
 * <li>Writing orders tensors by name ({@link String#compareTo}), header entries and data alike, with no
 *     padding between tensors; metadata keys are sorted too, so equal inputs give identical bytes (the
 *     reference writer orders by dtype alignment first; readers accept any order). The header is
 *     padded with spaces to a multiple of 8 bytes.</li>
 * <li>Reading is as strict as the reference: header at most {@link #MAX_HEADER_BYTES}, supported
 *     dtypes F32, F64, I32, I64, each tensor's byte span equal to numel times the element size, and the
 *     spans tiling the data block exactly (no overlap, hole or trailing bytes). Unknown fields in a
 *     tensor entry are rejected rather than ignored. {@link #read} returns tensors in header order.</li>
 * <li>Bulk data moves with {@link MemorySegment} copies that name the byte order (little-endian in
 *     the file, native in memory): reads map the data block into a confined arena, writes stream
 *     through a 4 MiB staging buffer.</li>
 * <li>Writes are atomic: a temporary ".NAME.RANDOM.tmp" in the same folder (created with default
 *     permissions, unlike {@link Files#createTempFile}'s owner-only ones), forced to disk, then moved
 *     over the target with ATOMIC_MOVE; the folder is then forced too, best effort. On failure the
 *     previous file is untouched and the temporary removed.</li>
 * <li>{@link #loadInto} checks everything (names, shapes, types, the int32 range) before writing
 *     any destination tensor, so a failed load leaves the destination as it was.</li>
 * </ul>
 * Every failure is a {@link CheckpointException} whose message starts with the file. The header's
 * rules live in {@link SafetensorsHeader}, its JSON in {@link HeaderJson}; this class moves the data.
 */
public final class Safetensors {
    /** Largest header accepted (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    private static final int STAGING_BYTES = 4 << 20;
    private static final int NAMES_LISTED = 20;

    private Safetensors() {
    }

    // ---- reading ---------------------------------------------------------------------------------

    /**
     * Reads every tensor of {@code file}, in header order, as new contiguous CPU tensors named after
     * their keys. They belong to the caller (and to the current {@link MemoryScope}, like any new tensor).
     */
    public static Map<String, Tensor> read(Path file) {
        Objects.requireNonNull(file, "file");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            SafetensorsHeader header = SafetensorsHeader.read(file, channel);
            MemorySegment data = mapData(channel, header, arena);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            boolean complete = false;
            try {
                for (Entry e : header.entries()) {
                    Tensor t = Tensor.empty(e.dtype(), Device.CPU, e.shape()).name(e.name());
                    tensors.put(e.name(), t);
                    MemorySegment.copy(data, fileLayout(e.dtype()), e.begin(), host(t), hostLayout(e.dtype()),
                            t.offset() * e.dtype().byteSize(), e.numel());
                }
                complete = true;
                return tensors;
            } finally {
                if (!complete) {
                    tensors.values().forEach(Tensor::close);
                }
            }
        } catch (IOException e) {
            throw ioFailure(file, "cannot read", e);
        }
    }

    /** The {@code __metadata__} of {@code file} in file order; empty when it has none. */
    public static Map<String, String> metadata(Path file) {
        Objects.requireNonNull(file, "file");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return SafetensorsHeader.read(file, channel).metadata();
        } catch (IOException e) {
            throw ioFailure(file, "cannot read", e);
        }
    }

    /**
     * Copies each tensor of {@code file} into the tensor of the same name in {@code destination}
     * (a state dict). Names must match exactly both ways and shapes must be equal; the element type
     * must match, except that F64 data loads into float32 (rounded) and I64 into int32 (range checked).
     */
    public static void loadInto(Path file, Map<String, Tensor> destination) {
        Objects.requireNonNull(file, "file");
        if (destination == null) {
            throw new CheckpointException(file, "the destination map is null");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            SafetensorsHeader header = SafetensorsHeader.read(file, channel);
            checkNames(file, header, destination);
            checkFit(file, header, destination);
            MemorySegment data = mapData(channel, header, arena);
            for (Entry e : header.entries()) {
                if (e.dtype() == DType.INT64 && destination.get(e.name()).dtype() == DType.INT32) {
                    checkIntRange(file, e, data);
                }
            }
            for (Entry e : header.entries()) {
                copyInto(data, e, destination.get(e.name()));
            }
        } catch (IOException e) {
            throw ioFailure(file, "cannot read", e);
        }
    }

    private static void checkNames(Path file, SafetensorsHeader header, Map<String, Tensor> destination) {
        Set<String> inFile = new HashSet<>();
        List<String> unexpected = new ArrayList<>();
        for (Entry e : header.entries()) {
            inFile.add(e.name());
            if (!destination.containsKey(e.name())) {
                unexpected.add(e.name());
            }
        }
        List<String> missing = destination.keySet().stream().filter(n -> !inFile.contains(n)).toList();
        if (missing.isEmpty() && unexpected.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add(missing.size() + " missing from the file " + listed(missing));
        }
        if (!unexpected.isEmpty()) {
            parts.add(unexpected.size() + " unexpected in the file " + listed(unexpected));
        }
        throw new CheckpointException(file, "tensor names do not match the destination: " + String.join("; ", parts));
    }

    private static void checkFit(Path file, SafetensorsHeader header, Map<String, Tensor> destination) {
        List<String> problems = new ArrayList<>();
        String typeHint = "";
        for (Entry e : header.entries()) {
            Tensor dst = destination.get(e.name());
            String name = quoted(e.name());
            if (dst == null) {
                problems.add("destination tensor " + name + " is null");
            } else if (dst.isClosed() || dst.storage().isReleased()) {
                problems.add("destination tensor " + name + " is closed");
            } else if (!Arrays.equals(e.shape(), dst.shape())) {
                problems.add("tensor " + name + " has shape " + Shapes.toString(e.shape()) + " in the file but "
                        + Shapes.toString(dst.shape()) + " in the destination");
            } else if (!loadable(e.dtype(), dst.dtype())) {
                problems.add("tensor " + name + " is " + code(e.dtype()) + " in the file but " + dst.dtype().label()
                        + " in the destination");
                typeHint = " (loadable: the same type, F64 into float32, I64 into int32)";
            } else if (!dst.isContiguous()) {
                problems.add("destination tensor " + name + " " + dst.describe() + " is not contiguous");
            }
        }
        if (problems.size() == 1) {
            throw new CheckpointException(file, problems.getFirst() + typeHint);
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException(file, problems.size() + " tensors do not fit the destination: "
                    + String.join("; ", problems) + typeHint);
        }
    }

    private static boolean loadable(DType inFile, DType destination) {
        return inFile == destination
                || inFile == DType.FLOAT64 && destination == DType.FLOAT32
                || inFile == DType.INT64 && destination == DType.INT32;
    }

    private static void checkIntRange(Path file, Entry e, MemorySegment data) {
        ValueLayout.OfLong layout = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < e.numel(); i++) {
            long v = data.get(layout, e.begin() + i * Long.BYTES);
            if (v != (int) v) {
                throw new CheckpointException(file, "tensor " + quoted(e.name()) + " holds int64 value " + v
                        + " at element " + i + ", outside the int32 range of its destination");
            }
        }
    }

    /** Copies (converting where allowed) one file tensor into a checked destination. */
    private static void copyInto(MemorySegment data, Entry e, Tensor dst) {
        int size = dst.dtype().byteSize();
        boolean direct = dst.device().kind() == Device.Kind.CPU && dst.storage() instanceof HostStorage;
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment target = direct ? host(dst) : staging.allocate(Math.max(1, e.numel() * size), 8);
            long base = direct ? dst.offset() * size : 0;
            if (e.dtype() == dst.dtype()) {
                MemorySegment.copy(data, fileLayout(e.dtype()), e.begin(), target, hostLayout(e.dtype()), base, e.numel());
            } else if (e.dtype() == DType.FLOAT64) {
                ValueLayout.OfDouble from = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < e.numel(); i++) {
                    target.set(ValueLayout.JAVA_FLOAT_UNALIGNED, base + i * Float.BYTES,
                            (float) data.get(from, e.begin() + i * Double.BYTES));
                }
            } else {
                ValueLayout.OfLong from = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < e.numel(); i++) {
                    target.set(ValueLayout.JAVA_INT_UNALIGNED, base + i * Integer.BYTES,
                            (int) data.get(from, e.begin() + i * Long.BYTES));
                }
            }
            if (!direct) {
                dst.backend().copyFromHost(target, dst);
            }
        }
    }

    // ---- writing -----------------------------------------------------------------------------------

    /** {@link #write(Path, Map, Map)} without metadata. */
    public static void write(Path file, Map<String, Tensor> tensors) {
        write(file, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} (any device and strides) and {@code metadata} (may be null) to {@code file}
     * atomically: readers see the previous file or the complete new one, never a partial one.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(file, "file");
        if (tensors == null) {
            throw new CheckpointException(file, "the tensor map is null");
        }
        TreeMap<String, Tensor> sorted = new TreeMap<>();
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null) {
                throw new CheckpointException(file, "a tensor name is null");
            }
            if (name.equals(METADATA_KEY)) {
                throw new CheckpointException(file, "\"" + METADATA_KEY + "\" is reserved and cannot name a tensor");
            }
            if (e.getValue() == null) {
                throw new CheckpointException(file, "tensor " + quoted(name) + " is null");
            }
            checkEncodable(file, "tensor name", name);
            sorted.put(name, e.getValue());
        }
        TreeMap<String, String> meta = new TreeMap<>();
        if (metadata != null) {
            for (var e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new CheckpointException(file, "metadata " + quoted(String.valueOf(e.getKey()))
                            + " has a null key or value");
                }
                checkEncodable(file, "metadata key", e.getKey());
                checkEncodable(file, "metadata value", e.getValue());
                meta.put(e.getKey(), e.getValue());
            }
        }
        byte[] header = SafetensorsHeader.encode(file, sorted, meta);
        Path target = file.toAbsolutePath();
        Path folder = target.getParent();
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path temp = folder.resolve("." + target.getFileName() + "." + random + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofConfined()) {
                ByteBuffer length = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                writeFully(channel, length.putLong(0, header.length));
                writeFully(channel, ByteBuffer.wrap(header));
                MemorySegment staging = arena.allocate(STAGING_BYTES, Long.BYTES);
                for (var e : sorted.entrySet()) {
                    writeData(file, e.getKey(), e.getValue(), channel, staging);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            forceFolder(folder);
        } catch (IOException e) {
            throw ioFailure(file, "cannot write", e);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    /** Streams one tensor's elements, little-endian, through {@code staging}. */
    private static void writeData(Path file, String name, Tensor t, FileChannel channel, MemorySegment staging)
            throws IOException {
        if (t.isClosed() || t.storage().isReleased()) {
            throw new CheckpointException(file, "cannot write tensor " + quoted(name) + ": " + t.describe() + " is closed");
        }
        boolean onHost = t.device().kind() == Device.Kind.CPU && t.storage() instanceof HostStorage;
        Tensor src;
        try {
            src = onHost && t.isContiguous() ? t : MemoryScope.unscoped(() -> onHost ? t.contiguous() : t.to(Device.CPU));
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "cannot write tensor " + quoted(name) + ": copying "
                    + t.describe() + " to contiguous host memory failed: " + e.getMessage(), e);
        }
        try {
            int size = src.dtype().byteSize();
            MemorySegment memory = host(src);
            long at = src.offset() * size;
            long remaining = src.numel();
            long perChunk = staging.byteSize() / size;
            while (remaining > 0) {
                long n = Math.min(perChunk, remaining);
                MemorySegment.copy(memory, hostLayout(src.dtype()), at, staging, fileLayout(src.dtype()), 0, n);
                writeFully(channel, staging.asSlice(0, n * size).asByteBuffer());
                at += n * size;
                remaining -= n;
            }
        } finally {
            if (src != t) {
                src.close();
            }
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** Native-order element layout of a dtype; unaligned because file offsets need not be aligned. */
    private static ValueLayout hostLayout(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> ValueLayout.JAVA_FLOAT_UNALIGNED;
            case FLOAT64 -> ValueLayout.JAVA_DOUBLE_UNALIGNED;
            case INT32 -> ValueLayout.JAVA_INT_UNALIGNED;
            case INT64 -> ValueLayout.JAVA_LONG_UNALIGNED;
            default -> throw new IllegalArgumentException("no element layout for " + dtype.label());
        };
    }

    private static ValueLayout fileLayout(DType dtype) {
        return hostLayout(dtype).withOrder(ByteOrder.LITTLE_ENDIAN);
    }

    private static MemorySegment host(Tensor t) {
        return ((HostStorage) t.storage()).hostSegment();
    }

    private static MemorySegment mapData(FileChannel channel, SafetensorsHeader header, Arena arena) throws IOException {
        if (header.dataBytes() == 0) {
            return MemorySegment.ofArray(new byte[0]);
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart(), header.dataBytes(), arena);
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Makes the rename durable where the platform allows opening a folder (not on Windows). */
    private static void forceFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // best effort: the file itself is already on disk
        }
    }

    private static CheckpointException ioFailure(Path file, String action, IOException e) {
        return new CheckpointException(file, action + ": " + e.getClass().getSimpleName()
                + (e.getMessage() != null ? " " + e.getMessage() : ""), e);
    }

    private static String listed(List<String> names) {
        List<String> shown = names.subList(0, Math.min(NAMES_LISTED, names.size()));
        return shown.stream().map(SafetensorsHeader::quoted).toList()
                + (names.size() > NAMES_LISTED ? " and " + (names.size() - NAMES_LISTED) + " more" : "");
    }
}
