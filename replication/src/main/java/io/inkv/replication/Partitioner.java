package io.inkv.replication;

import java.util.Objects;

/**
 * The one partitioner of every writer of an inkv topic: the partition of a key is
 * {@code (murmur2(keyBytes) & 0x7fffffff) % partitionCount}, which is what kafka-clients' default
 * partitioner computes for a record with a non-null key ({@code BuiltInPartitioner.partitionForKey}).
 *
 * <p>inkv sets the partition of every record explicitly with this function (it never relies on the
 * producer's partitioner setting), so a writer in another language that implements the same
 * function places keys where inkv does. For a document store with a partitioning field the bytes
 * hashed are that field's value (see {@link EventFormat}), not the document key.
 */
public final class Partitioner {
  private Partitioner() {}

  /**
   * Returns the partition of {@code keyBytes} among {@code partitionCount} partitions.
   *
   * @throws IllegalArgumentException if {@code partitionCount} is not positive
   */
  public static int partitionOf(byte[] keyBytes, int partitionCount) {
    Objects.requireNonNull(keyBytes, "keyBytes");
    if (partitionCount <= 0) {
      throw new IllegalArgumentException("the partition count must be positive: " + partitionCount);
    }
    return (murmur2(keyBytes) & 0x7fffffff) % partitionCount;
  }

  /** Returns the 32-bit MurmurHash2 of {@code data} with Kafka's seed (0x9747b28c). */
  public static int murmur2(byte[] data) {
    int length = data.length;
    int m = 0x5bd1e995;
    int r = 24;
    int h = 0x9747b28c ^ length;
    int length4 = length / 4;
    for (int i = 0; i < length4; i++) {
      int i4 = i * 4;
      int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16)
          + ((data[i4 + 3] & 0xff) << 24);
      k *= m;
      k ^= k >>> r;
      k *= m;
      h *= m;
      h ^= k;
    }
    int tail = length & ~3;
    int rest = length % 4;
    if (rest == 3) {
      h ^= (data[tail + 2] & 0xff) << 16;
    }
    if (rest >= 2) {
      h ^= (data[tail + 1] & 0xff) << 8;
    }
    if (rest >= 1) {
      h ^= data[tail] & 0xff;
      h *= m;
    }
    h ^= h >>> 13;
    h *= m;
    h ^= h >>> 15;
    return h;
  }
}
