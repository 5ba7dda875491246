package io.inkv.store;

import io.inkv.store.internal.LookAheadIterator;
import java.util.ArrayList;
import java.util.List;

/*
 * Store.iterator(): walks the index stripe by stripe. For each stripe it copies the keys (under
 * the stripe's read lock for the addresses, then from the records), and then reads each key's
 * current value as it is returned. A key lives in exactly one stripe, so no entry is returned twice.
 */
final class EntryIterator extends LookAheadIterator<Entry> {
  private final LogStore store;
  private int stripe;
  private List<byte[]> keys = List.of();
  private int position;
  private byte[] lastKey;

  EntryIterator(LogStore store) {
    this.store = store;
  }

  @Override
  protected Entry findNext() {
    while (true) {
      while (position < keys.size()) {
        Entry e = store.entryOf(keys.get(position++)); // null: removed or expired since the keys were copied
        if (e != null) {
          return e;
        }
      }
      if (stripe >= store.index.stripeCount()) {
        return null;
      }
      keys = keysOfStripe(stripe++);
      position = 0;
    }
  }

  @Override
  public Entry next() {
    Entry e = super.next();
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
