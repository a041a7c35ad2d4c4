package org.fkt.nn.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.engine.tensor.Tensor;

/** Order-preserving subsets of a parameter map by name prefix, for building optimizer groups. */
public final class ParameterSets {
    private ParameterSets() {
    }

    /** The parameters whose name starts with any of {@code prefixes} ("fc.", "projector."). */
    public static Map<String, Tensor> startingWith(Map<String, Tensor> params, String... prefixes) {
        return select(params, prefixes, true);
    }

    /** The parameters whose name starts with none of {@code prefixes}. */
    public static Map<String, Tensor> notStartingWith(Map<String, Tensor> params, String... prefixes) {
        return select(params, prefixes, false);
    }

    private static Map<String, Tensor> select(Map<String, Tensor> params, String[] prefixes, boolean keep) {
        List<String> list = List.of(prefixes);
        var out = new LinkedHashMap<String, Tensor>();
        params.forEach((name, t) -> {
            if (list.stream().anyMatch(name::startsWith) == keep) {
                out.put(name, t);
            }
        });
        return out;
    }
}
