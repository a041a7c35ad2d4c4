/**
 * Datasets: CIFAR-10 binary batches, image-folder trees (plain or inside a .zip) and APTOS 2019,
 * decoded once into a uint8 cache ({@link org.fkt.data.Image}) and exposed as {@link org.fkt.data.Dataset}.
 */
package org.fkt.data;
