package io.inkv.store.internal;

import java.util.Iterator;
import java.util.NoSuchElementException;

/*
 * An iterator that knows whether there is a next element only once it has found it: the store's
 * entry iterator and the JCache heap tier's both pass over what they find gone or expired on the
 * way. A subclass says how to find the next element; this class keeps it from hasNext() until
 * next() hands it out.
 */
public abstract class LookAheadIterator<T> implements Iterator<T> {
  private T next;

  /** Creates an iterator that has not looked for an element yet. */
  protected LookAheadIterator() {}

  /** Finds the next element, or returns null when there are no more. */
  protected abstract T findNext();

  @Override
  public final boolean hasNext() {
    if (next == null) {
      next = findNext();
    }
    return next != null;
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T found = next;
    next = null;
    return found;
  }
}
