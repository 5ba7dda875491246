package io.inkv.jcache;

import io.inkv.store.codec.Codec;
import java.util.function.UnaryOperator;
import javax.cache.processor.MutableEntry;

/*
 * The entry an EntryProcessor works on, inside Store.update. It records what the processor did
 * as one operation, with the reference implementation's rules: reading an existing value is an
 * ACCESS; reading a missing value through a read-through loader is a LOAD; setValue is a CREATE
 * or UPDATE depending on whether the entry existed; remove() after a CREATE or LOAD cancels it,
 * otherwise it is a REMOVE. Each getValue decodes a fresh copy, so mutating it without setValue
 * changes nothing.
 */
final class ProcessorEntry<K, V> implements MutableEntry<K, V> {
  enum Operation { NONE, ACCESS, CREATE, LOAD, UPDATE, REMOVE }

  private final K key;
  private final Codec<V> codec;
  private final ReadWriteThrough<K, V> loader;
  private final UnaryOperator<V> valueCheck;
  private byte[] current;
  private V value;
  private Operation operation;

  /** {@code loader} loads a missing value on getValue, or is null when the cache is not read-through. */
  ProcessorEntry(K key, Codec<V> codec, ReadWriteThrough<K, V> loader, UnaryOperator<V> valueCheck) {
    this.key = key;
    this.codec = codec;
    this.loader = loader;
    this.valueCheck = valueCheck;
  }

  void reset(byte[] currentValue) {
    this.current = currentValue;
    this.value = null;
    this.operation = Operation.NONE;
  }

  Operation operation() {
    return operation;
  }

  V newValue() {
    return value;
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public V getValue() {
    if (operation == Operation.NONE && current != null) {
      operation = Operation.ACCESS;
      return codec.decode(current);
    }
    if (operation == Operation.ACCESS) {
      return codec.decode(current);
    }
    if (value == null && operation == Operation.NONE && loader != null) {
      V loaded = loader.load(key);
      if (loaded != null) {
        value = valueCheck.apply(loaded);
        operation = Operation.LOAD;
      }
    }
    return value;
  }

  @Override
  public boolean exists() {
    return switch (operation) {
      case NONE, ACCESS -> current != null;
      case REMOVE -> false;
      default -> value != null;
    };
  }

  @Override
  public void remove() {
    operation = operation == Operation.CREATE || operation == Operation.LOAD ? Operation.NONE : Operation.REMOVE;
    value = null;
    if (operation == Operation.NONE) {
      current = null;
    }
  }

  @Override
  public void setValue(V newValue) {
    valueCheck.apply(newValue);
    operation = current == null ? Operation.CREATE : Operation.UPDATE;
    value = newValue;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("an entry processor's entry cannot be unwrapped to " + clazz.getName());
  }
}
