package org.fkt.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a stage stands: the next epoch and batch to run, whether the stage is complete, and the sums of
 * the epoch in progress (so an epoch resumed mid-way reports the same means as one never interrupted).
 */
public record Position(Stage stage, int epoch, int batch, boolean complete, EpochSums partial) {
    public static Position start(Stage stage) {
        return new Position(stage, 0, 0, false, EpochSums.empty());
    }

    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("stage", stage.label());
        m.put("next_epoch", epoch);
        m.put("next_batch", batch);
        m.put("complete", complete);
        m.put("partial", partial.toMap());
        return m;
    }

    @SuppressWarnings("unchecked")
    public static Position fromMap(Map<String, Object> m) {
        var r = new JsonFields(m);
        Object partial = r.get("partial");
        if (!(partial instanceof Map)) {
            throw new IllegalArgumentException("run record: 'partial' is not an object");
        }
        return new Position(Stage.parse(r.str("stage")), r.integer("next_epoch"), r.integer("next_batch"),
                r.bool("complete"), EpochSums.fromMap((Map<String, Object>) partial));
    }

    /** Sums over the steps of one epoch. */
    public record EpochSums(int steps, long seen, long correct, double loss, double contrastive, double supervised,
                            double seconds) {
        public static EpochSums empty() {
            return new EpochSums(0, 0, 0, 0, 0, 0, 0);
        }

        public EpochSums add(int images, int right, double l, double c, double s, double sec) {
            return new EpochSums(steps + 1, seen + images, correct + right, loss + l, contrastive + c, supervised + s,
                    seconds + sec);
        }

        /** The same sums with {@code sec} more seconds (time spent outside any one step, such as the device's tail). */
        public EpochSums plusSeconds(double sec) {
            return new EpochSums(steps, seen, correct, loss, contrastive, supervised, seconds + sec);
        }

        Map<String, Object> toMap() {
            var m = new LinkedHashMap<String, Object>();
            m.put("steps", steps);
            m.put("seen", seen);
            m.put("correct", correct);
            m.put("loss", loss);
            m.put("contrastive", contrastive);
            m.put("supervised", supervised);
            m.put("seconds", seconds);
            return m;
        }

        static EpochSums fromMap(Map<String, Object> m) {
            var r = new JsonFields(m);
            return new EpochSums(r.integer("steps"), r.lng("seen"), r.lng("correct"), r.num("loss"),
                    r.num("contrastive"), r.num("supervised"), r.num("seconds"));
        }
    }
}
