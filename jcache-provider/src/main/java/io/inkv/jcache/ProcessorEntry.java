package io.inkv.jcache;

import java.util.function.UnaryOperator;
import javax.cache.processor.MutableEntry;

/*
 * The entry an EntryProcessor works on, inside Tier.update. It records what the processor did
 * as one effect, with the reference implementation's rules: reading an existing value is an
 * ACCESS; reading a missing value through a read-through loader is a LOAD; setValue is a CREATE
 * or UPDATE depending on whether the entry existed; remove() after a CREATE or LOAD cancels it,
 * otherwise it is a REMOVE. By value, each getValue decodes a fresh copy, so mutating it without
 * setValue changes nothing; by reference it returns the cached instance itself.
 */
final class ProcessorEntry<K, V> implements MutableEntry<K, V> {
  /** What the processor did to the entry, as one cache change. */
  enum Effect { NONE, ACCESS, CREATE, LOAD, UPDATE, REMOVE }

  private final K key;
  private final Object k;
  private final Tier<K, V> tier;
  private final ReadWriteThrough<K, V> loader;
  private final UnaryOperator<V> valueCheck;
  private Object current;
  private V value;
  private Effect effect;

  /** {@code loader} loads a missing value on getValue, or is null when the cache is not read-through. */
  ProcessorEntry(K key, Object k, Tier<K, V> tier, ReadWriteThrough<K, V> loader, UnaryOperator<V> valueCheck) {
    this.key = key;
    this.k = k;
    this.tier = tier;
    this.loader = loader;
    this.valueCheck = valueCheck;
  }

  void reset(Object currentValue) {
    this.current = currentValue;
    this.value = null;
    this.effect = Effect.NONE;
  }

  Effect effect() {
    return effect;
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
    if (effect == Effect.NONE && current != null) {
      effect = Effect.ACCESS;
      return tier.valueOf(k, current);
    }
    if (effect == Effect.ACCESS) {
      return tier.valueOf(k, current);
    }
    if (value == null && effect == Effect.NONE && loader != null) {
      V loaded = loader.load(key);
      if (loaded != null) {
        value = valueCheck.apply(loaded);
        effect = Effect.LOAD;
      }
    }
    return value;
  }

  @Override
  public boolean exists() {
    return switch (effect) {
      case NONE, ACCESS -> current != null;
      case REMOVE -> false;
      default -> value != null;
    };
  }

  @Override
  public void remove() {
    effect = effect == Effect.CREATE || effect == Effect.LOAD ? Effect.NONE : Effect.REMOVE;
    value = null;
    if (effect == Effect.NONE) {
      current = null;
    }
  }

  @Override
  public void setValue(V newValue) {
    valueCheck.apply(newValue);
    effect = current == null ? Effect.CREATE : Effect.UPDATE;
    value = newValue;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    return Unwrap.self(this, clazz, "an entry processor's entry");
  }
}
