package io.inkv.replication;

import java.nio.file.Path;

/*
 * What the applier applies events to: a byte store or a document store. Key-level events are
 * applied under the key's replication lock; whole-store events under every lock.
 */
interface Target {

  /**
   * Applies a key-level event from another writer.
   *
   * @param own the merges this JVM wrote to the key and has not yet seen come back from the topic,
   *     or null; never a full write (the applier skips the event then)
   * @return the change to report to a remote change listener, or null
   * @throws IllegalArgumentException or a StoreException if the store refuses the event
   */
  Change apply(byte[] key, Event event, OwnWrites.Pending own);

  /** Applies a whole-store event, keeping the keys with pending own writes. */
  void applyWholeStore(Event event, OwnWrites own);

  /** Makes every write so far durable (before a checkpoint names the offsets it covers). */
  void flush();

  Path directory();

  /** The kind of store, recorded in (and checked against) the topic's descriptor. */
  TopicDescriptor.Kind kind();

  /** The format of the values, recorded in (and checked against) the topic's descriptor. */
  String valueFormat();

  /** A change of one key: the values before and after (null for absent). */
  record Change(byte[] key, byte[] oldValue, byte[] newValue) {}
}
