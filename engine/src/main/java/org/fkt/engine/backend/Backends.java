package org.fkt.engine.backend;

import java.util.EnumMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.fkt.engine.tensor.Device;

/**
 * Finds the backend for a device. Backends register through {@link ServiceLoader}, so the core
 * never names one; a device family without a loadable backend gives one clear error.
 */
public final class Backends {
    private static final Map<Device.Kind, Backend> BY_KIND = load();

    private Backends() {
    }

    private static Map<Device.Kind, Backend> load() {
        var map = new EnumMap<Device.Kind, Backend>(Device.Kind.class);
        for (Backend b : ServiceLoader.load(Backend.class, Backends.class.getClassLoader())) {
            map.putIfAbsent(b.kind(), b);
        }
        return map;
    }

    /** The backend serving {@code device}. */
    public static Backend of(Device device) {
        Backend b = BY_KIND.get(device.kind());
        if (b == null) {
            throw new IllegalStateException("no backend for device " + device + " (registered: "
                    + BY_KIND.keySet() + "); the " + device.kind().name().toLowerCase(java.util.Locale.ROOT)
                    + " backend is not on the class path or failed to load");
        }
        return b;
    }

    /** True when a backend for {@code kind} is registered. */
    public static boolean available(Device.Kind kind) {
        return BY_KIND.containsKey(kind);
    }
}
