package io.inkv.replication;

/**
 * Told of each key-level change the applier makes to the local store on behalf of another
 * writer (or of this JVM's own earlier run). Called on the applier thread, after the change,
 * outside the key's lock; it must be quick.
 */
@FunctionalInterface
public interface RemoteChangeListener {
  /**
   * Called after a remote change of {@code key}.
   *
   * @param oldValue the value before, or null if the key was absent
   * @param newValue the value after, or null if the change removed the key
   */
  void onChange(byte[] key, byte[] oldValue, byte[] newValue);
}
