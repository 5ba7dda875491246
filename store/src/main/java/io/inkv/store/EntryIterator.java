package io.inkv.store;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/*
 * Store.iterator(): walks the index stripe by stripe. For each stripe it copies the keys (under
 * the stripe's read lock for the addresses, then from the records), and then reads each key's
 * current value as it is returned. A key lives in exactly one stripe, so no entry is returned twice.
 */
final class EntryIterator implements Iterator<Entry> {
  private final LogStore store;
  private int stripe;
  private List<byte[]> keys = List.of();
  private int position;
  private Entry next;
  private byte[] lastKey;

  EntryIterator(LogStore store) {
    this.store = store;
  }

  @Override
  public boolean hasNext() {
    while (next == null) {
      if (position < keys.size()) {
        byte[] key = keys.get(position++);
        next = store.entryOf(key);
        continue;
      }
      if (stripe >= store.index.stripeCount()) {
        return false;
      }
      keys = keysOfStripe(stripe++);
      position = 0;
    }
    return true;
  }

  @Override
  public Entry next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Entry e = next;
    next = null;
    lastKey = e.key();
    return e;
  }

  @Override
  public void remove() {
    if (lastKey == null) {
      throw new IllegalStateException("next() has not returned an entry to remove");
    }
    store.remove(lastKey);
    lastKey = null;
  }

  private List<byte[]> keysOfStripe(int stripe) {
    int slot = store.enter();
    try {
      retry:
      while (true) {
        long[] pairs = store.index.snapshot(stripe);
        List<byte[]> keys = new ArrayList<>(pairs.length / 2);
        for (int j = 0; j < pairs.length; j += 2) {
          Segment s = store.files.segments.get(Segment.segmentId(pairs[j + 1]));
          if (s == null) {
            continue retry; // a compaction moved records meanwhile
          }
          keys.add(RecordCopy.keyAt(s, Segment.offset(pairs[j + 1])));
        }
        return keys;
      }
    } finally {
      store.gate.exit(slot);
    }
  }
}
