/**
 * The paper's two regimes as thin drivers over {@code org.fkt.train}: a stage run in its own folder
 * ({@link org.fkt.regime.StageRun}), representational transfer (pretrain, then fine-tune from the
 * pretrained encoder) and functional transfer (one joint training) in {@link org.fkt.regime.Regimes},
 * and the paper's presets and result table ({@link org.fkt.regime.PaperPresets}, {@link org.fkt.regime.PaperRun}).
 */
package org.fkt.regime;
