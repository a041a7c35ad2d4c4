package org.fkt.data;

/** The dataset layouts {@link DataSources#open} reads; {@link #AUTO} detects the layout from the files. */
public enum DataFormat {
    /** Detect: CIFAR-10 binary batches, an image-folder tree (plain or zipped) or APTOS 2019. */
    AUTO,
    /** {@code cifar-10-batches-bin/}: data_batch_1..5.bin (train), test_batch.bin (test), batches.meta.txt. */
    CIFAR_BINARY,
    /** {@code train/<class>/*.jpg|jpeg|png} and {@code test/<class>/...} (or Intel Image's seg_train/seg_test). */
    IMAGE_FOLDER,
    /** APTOS 2019: {@code train.csv} (id_code,diagnosis) and {@code train_images/<id_code>.png}. */
    APTOS
}
