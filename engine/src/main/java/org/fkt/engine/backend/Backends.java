package org.fkt.engine.backend;

import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.fkt.engine.tensor.Device;

/**
 * Finds the backend for a device. Backends register through {@link ServiceLoader}, so the core
 * never names one; a device family without a loadable backend gives one clear error. A backend that
 * loads but cannot run here (see {@link Backend#unavailableReason()}) is left out, and its reason kept.
 */
public final class Backends {
    private static final Map<Device.Kind, String> REASONS = new EnumMap<>(Device.Kind.class);
    private static final Map<Device.Kind, Backend> BY_KIND = load();

    private Backends() {
    }

    private static Map<Device.Kind, Backend> load() {
        var map = new EnumMap<Device.Kind, Backend>(Device.Kind.class);
        Iterator<Backend> it = ServiceLoader.load(Backend.class, Backends.class.getClassLoader()).iterator();
        int failures = 0;
        while (true) {
            Backend b;
            try {
                if (!it.hasNext()) {
                    break;
                }
                b = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                System.err.println("fkt: a backend failed to load and is skipped: " + e);
                if (++failures > 8) {
                    break;
                }
                continue;
            }
            String reason;
            try {
                reason = b.unavailableReason();
            } catch (RuntimeException | LinkageError e) {
                reason = "its availability check failed: " + e;
            }
            if (reason != null) {
                REASONS.putIfAbsent(b.kind(), b.name() + " backend unavailable: " + reason);
            } else {
                map.putIfAbsent(b.kind(), b);
            }
        }
        return map;
    }

    /** The backend serving {@code device}. */
    public static Backend of(Device device) {
        Backend b = BY_KIND.get(device.kind());
        if (b == null) {
            String reason = REASONS.get(device.kind());
            throw new IllegalStateException("no backend for device " + device + " (registered: "
                    + BY_KIND.keySet() + "); " + (reason != null ? reason : "the "
                    + device.kind().name().toLowerCase(java.util.Locale.ROOT)
                    + " backend is not on the class path or failed to load"));
        }
        return b;
    }

    /** True when a backend for {@code kind} is registered. */
    public static boolean available(Device.Kind kind) {
        return BY_KIND.containsKey(kind);
    }

    /** Why no backend serves {@code kind} (null when one does, or when none was even found). */
    public static String unavailableReason(Device.Kind kind) {
        return BY_KIND.containsKey(kind) ? null : REASONS.get(kind);
    }
}
