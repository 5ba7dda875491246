package io.inkv.store;

import com.koloboke.collect.map.IntLongCursor;
import io.inkv.store.internal.index.AddressMap;
import io.inkv.store.internal.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.StampedLock;
import java.util.zip.CRC32C;

/*
 * The in-memory index: key hash -> record address, striped over 2^k Koloboke AddressMaps, each
 * guarded by a StampedLock used as a seqlock.
 *
 * Layout, 12 bytes a slot and at most 16 an entry: the hash's top k bits choose the stripe and its
 * low 32 bits, the fingerprint, are the key of the stripe's int -> long map; the value is the
 * record's address. The bits between are not kept: two keys whose hashes agree on those k + 32
 * bits share a slot as a collision (below), which at 100M keys and 128 stripes (k = 7) happens to
 * about n^2 / 2^(k+33) = 140 pairs, each costing one key comparison more on a read. A full 64-bit
 * key beside the address (16 bytes a slot, 24 to 48 an entry) was the layout before; docs/store.md
 * has the measured footprint and get times of both.
 *
 * Readers never write shared memory: a lookup takes tryOptimisticRead() (a volatile read of the
 * stripe's state), probes the map with getForOptimisticRead (bounded, tolerant of concurrent
 * mutation) and validate()s the stamp; only if a writer got in the way three times in a row does
 * it take the read lock. Writers (already holding the key's lock in LogStore) take the stripe's
 * write lock for the few hundred nanoseconds a put or remove takes.
 *
 * Collisions: the index is keyed by a stripe and a 32-bit fingerprint, and two keys can share
 * them. The slot of such a fingerprint holds COLLIDED, and the stripe's overflow map holds an
 * immutable array of the addresses of every key with that fingerprint; writers replace the array, readers check each address's key. The
 * caller (LogStore) always compares the full key in the record, so a hash match alone never
 * returns a value.
 *
 * Stripe choice uses the hash's top bits and Koloboke's slot choice its mixed low bits, so the two
 * stay independent. Addresses are (segmentId << 32 | offset), offsets 8-aligned, both unsigned: 2^32
 * segments of up to 1 GiB, far more than any disk; 0 and COLLIDED are never addresses. The index
 * keeps the 64-bit address whole, so nothing about it changes with the store's size.
 *
 * The index image (StoreFiles.IMAGE_FILE) is the index on disk: its entries and the segment
 * counters as of a LogPosition, so that open loads it and scans only the log written after that
 * position. Layout (docs/store-format.md):
 *
 *   header, 72 bytes:
 *     0 u64 magic "INKVIMG1"   8 u32 format version (2)   12 u32 header length (72)
 *    16 u64 store id           24 u32 checkpoint segment   28 u32 checkpoint offset
 *    32 u64 next sequence      40 u64 clear floor          48 u64 entry count
 *    56 u32 segment count      60 u32 stripe bits k (0-16) 64 u32 0
 *    68 u32 CRC32C of [0, 68)
 *   segment count x 40 bytes: u32 id, u32 end of data, u64 live bytes, u64 garbage bytes,
 *     u64 min sequence, u64 earliest expiry
 *   entry count x 16 bytes: u64 indexed hash bits (the top k bits and the low 32 of the key's hash,
 *     the others 0), u64 record address (bits shared by several keys repeat)
 *   trailer, 16 bytes: u32 CRC32C of the segments and entries, u32 0, u64 magic "INKVEND1"
 *
 * An index opened from an image has at most the image's 2^k stripes (Recovery asks
 * declaredStripeBits), so every bit it needs is in the image. Version 1 (a 64-byte header, CRC32C
 * at 60, full 64-bit hashes) is still read: its entries are whole hashes, so it loads into any
 * stripe count and is rewritten as version 2 by the next image.
 *
 * The image is fuzzy: it is copied stripe by stripe while writers go on, so it may hold some
 * writes made after its position. Replay from the position is still exact because it keeps,
 * per key, the record with the highest sequence (Recovery).
 */
final class KeyIndex {
  static final long COLLIDED = 1L << 63;
  private static final long IMAGE_MAGIC = 0x31474D49564B4E49L; // "INKVIMG1"
  private static final long IMAGE_END_MAGIC = 0x31444E45564B4E49L; // "INKVEND1"
  private static final int IMAGE_VERSION = 2;
  private static final int IMAGE_HEADER = 72;
  private static final int V1_HEADER = 64;
  /** The most stripe bits an index has (2^16 stripes), and so what a version 1 image allows. */
  static final int MAX_STRIPE_BITS = 16;
  private static final int SEGMENT_INFO = 40;

  /** Tells whether the record at an address holds a given key. */
  interface KeyMatcher {
    boolean matches(long address, byte[] key);
  }

  private final Stripe[] stripes;
  private final int shift;
  private final int stripeBits;

  KeyIndex(int stripeCount, long expectedEntries) {
    int n = Integer.highestOneBit(Math.max(1, stripeCount - 1)) << 1;
    if (stripeCount == 1) {
      n = 1;
    }
    stripes = new Stripe[n];
    int perStripe = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(16, expectedEntries / n));
    for (int i = 0; i < n; i++) {
      stripes[i] = new Stripe(perStripe);
    }
    stripeBits = Integer.numberOfTrailingZeros(n);
    shift = 64 - stripeBits;
  }

  private static int fingerprint(long hash) {
    return (int) hash;
  }

  /** The bits of a hash the index keeps, as a hash: stripe {@code i}'s bits and the fingerprint. */
  private long indexedHash(int stripe, int fingerprint) {
    return (stripeBits == 0 ? 0 : (long) stripe << shift) | (fingerprint & 0xFFFF_FFFFL);
  }

  int stripeBits() {
    return stripeBits;
  }

  /** The bytes the stripes' tables take: 12 a slot (the overflow of colliding keys aside). */
  long tableBytes() {
    long bytes = 0;
    for (Stripe s : stripes) {
      bytes += (long) s.map.slots() * AddressMap.SLOT_BYTES;
    }
    return bytes;
  }

  private Stripe stripe(long hash) {
    return stripes.length == 1 ? stripes[0] : stripes[(int) (hash >>> shift)];
  }

  int stripeCount() {
    return stripes.length;
  }

  /**
   * Returns the address stored for {@code hash}: 0 if none, a record address, or COLLIDED (then
   * ask {@link #bucket}).
   */
  long find(long hash) {
    Stripe s = stripe(hash);
    StampedLock lock = s.lock;
    for (int attempt = 0; attempt < 3; attempt++) {
      long stamp = lock.tryOptimisticRead();
      if (stamp == 0) {
        continue;
      }
      long value;
      try {
        value = s.map.getForOptimisticRead(fingerprint(hash));
      } catch (RuntimeException raced) {
        continue; // a torn view of a table being rebuilt; validate would fail anyway
      }
      if (lock.validate(stamp)) {
        return value;
      }
    }
    long stamp = lock.readLock();
    try {
      return s.map.get(fingerprint(hash));
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Returns the addresses of every key sharing a COLLIDED hash, or null if it no longer collides. */
  long[] bucket(long hash) {
    ConcurrentHashMap<Integer, long[]> overflow = stripe(hash).overflow;
    return overflow == null ? null : overflow.get(fingerprint(hash));
  }

  /**
   * Maps {@code key} (hash {@code hash}) to {@code address}; returns the address it replaced for
   * the same key, or 0. The caller holds the key's lock.
   */
  long put(long hash, byte[] key, long address, KeyMatcher matcher) {
    Stripe s = stripe(hash);
    int fp = fingerprint(hash);
    long stamp = s.lock.writeLock();
    try {
      long current = s.map.get(fp);
      if (current == 0) {
        s.map.put(fp, address);
        s.count++;
        return 0;
      }
      if (current != COLLIDED) {
        if (matcher.matches(current, key)) {
          s.map.put(fp, address);
          return current;
        }
        s.overflow().put(fp, new long[] {current, address});
        s.map.put(fp, COLLIDED);
        s.count++;
        return 0;
      }
      long[] bucket = s.overflow.get(fp);
      for (int i = 0; i < bucket.length; i++) {
        if (matcher.matches(bucket[i], key)) {
          replaceInBucket(s, fp, bucket, i, address);
          return bucket[i];
        }
      }
      long[] next = Arrays.copyOf(bucket, bucket.length + 1);
      next[bucket.length] = address;
      s.overflow.put(fp, next);
      s.count++;
      return 0;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /** Unmaps {@code key}; returns its address, or 0 if it was absent. The caller holds the key's lock. */
  long remove(long hash, byte[] key, KeyMatcher matcher) {
    Stripe s = stripe(hash);
    int fp = fingerprint(hash);
    long stamp = s.lock.writeLock();
    try {
      long current = s.map.get(fp);
      if (current == 0) {
        return 0;
      }
      if (current != COLLIDED) {
        if (!matcher.matches(current, key)) {
          return 0;
        }
        s.map.remove(fp);
        s.count--;
        return current;
      }
      long[] bucket = s.overflow.get(fp);
      for (int i = 0; i < bucket.length; i++) {
        if (matcher.matches(bucket[i], key)) {
          removeFromBucket(s, fp, bucket, i);
          return bucket[i];
        }
      }
      return 0;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  private static void replaceInBucket(Stripe s, int fp, long[] bucket, int i, long address) {
    long[] next = bucket.clone();
    next[i] = address;
    s.overflow.put(fp, next);
  }

  private static void removeFromBucket(Stripe s, int fp, long[] bucket, int i) {
    if (bucket.length == 2) {
      s.map.put(fp, bucket[1 - i]);
      s.overflow.remove(fp);
    } else {
      long[] next = new long[bucket.length - 1];
      System.arraycopy(bucket, 0, next, 0, i);
      System.arraycopy(bucket, i + 1, next, i, bucket.length - i - 1);
      s.overflow.put(fp, next);
    }
    s.count--;
  }

  /** Replaces {@code oldAddress} with {@code newAddress} if the index still holds it; for compaction. */
  boolean replaceAddress(long hash, long oldAddress, long newAddress) {
    Stripe s = stripe(hash);
    int fp = fingerprint(hash);
    long stamp = s.lock.writeLock();
    try {
      int at = locate(s, fp, oldAddress);
      if (at == IN_SLOT) {
        s.map.put(fp, newAddress);
      } else if (at >= 0) {
        replaceInBucket(s, fp, s.overflow.get(fp), at, newAddress);
      }
      return at != ABSENT;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /** Removes the mapping to {@code address} if the index still holds it; for expiry and eviction. */
  boolean removeAddress(long hash, long address) {
    Stripe s = stripe(hash);
    int fp = fingerprint(hash);
    long stamp = s.lock.writeLock();
    try {
      int at = locate(s, fp, address);
      if (at == IN_SLOT) {
        s.map.remove(fp);
        s.count--;
      } else if (at >= 0) {
        removeFromBucket(s, fp, s.overflow.get(fp), at);
      }
      return at != ABSENT;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /*
   * Where stripe s holds address under fp, for the writers that go by address rather than by key
   * (compaction, expiry, eviction): IN_SLOT, its index in fp's collision bucket, or ABSENT. The
   * caller holds the stripe's write lock.
   */
  private static final int IN_SLOT = -1;
  private static final int ABSENT = -2;

  private static int locate(Stripe s, int fp, long address) {
    long current = s.map.get(fp);
    if (current == address) {
      return IN_SLOT;
    }
    if (current == COLLIDED) {
      long[] bucket = s.overflow.get(fp);
      for (int i = 0; i < bucket.length; i++) {
        if (bucket[i] == address) {
          return i;
        }
      }
    }
    return ABSENT;
  }

  /** Returns whether the index maps some key to {@code address}. */
  boolean holds(long hash, long address) {
    long current = find(hash);
    if (current == address) {
      return true;
    }
    if (current == COLLIDED) {
      // under the stripe's lock: read without it, a bucket that collapsed back into its slot
      // between the two reads (the other key removed) would hide an address the slot holds
      Stripe s = stripe(hash);
      long stamp = s.lock.readLock();
      try {
        return locate(s, fingerprint(hash), address) != ABSENT;
      } finally {
        s.lock.unlockRead(stamp);
      }
    }
    return false;
  }

  /** Adds a mapping while loading an image: no key comparison, a repeated hash becomes a bucket. */
  void load(long hash, long address) {
    Stripe s = stripe(hash);
    int fp = fingerprint(hash);
    long current = s.map.get(fp);
    if (current == 0) {
      s.map.put(fp, address);
    } else if (current == COLLIDED) {
      long[] bucket = s.overflow.get(fp);
      long[] next = Arrays.copyOf(bucket, bucket.length + 1);
      next[bucket.length] = address;
      s.overflow.put(fp, next);
    } else {
      s.overflow().put(fp, new long[] {current, address});
      s.map.put(fp, COLLIDED);
    }
    s.count++;
  }

  long size() {
    long n = 0;
    for (Stripe s : stripes) {
      n += s.count;
    }
    return n;
  }

  void clear() {
    for (Stripe s : stripes) {
      long stamp = s.lock.writeLock();
      try {
        s.map.clear();
        if (s.overflow != null) {
          s.overflow.clear();
        }
        s.count = 0;
      } finally {
        s.lock.unlockWrite(stamp);
      }
    }
  }

  /**
   * Copies stripe {@code i}'s (hash, address) pairs, one pair per key, into a new array of
   * 2 * n longs, under the stripe's read lock. A hash here holds only the bits the index keeps
   * (the stripe's and the fingerprint), which find, holds, removeAddress and replaceAddress
   * accept as they accept the key's full hash.
   */
  long[] snapshot(int i) {
    Stripe s = stripes[i];
    long stamp = s.lock.readLock();
    try {
      long[] out = new long[s.count * 2];
      int n = 0;
      IntLongCursor c = s.map.cursor();
      while (c.moveNext()) {
        long hash = indexedHash(i, c.key());
        long value = c.value();
        if (value == COLLIDED) {
          for (long a : s.overflow.get(c.key())) {
            out[n++] = hash;
            out[n++] = a;
          }
        } else {
          out[n++] = hash;
          out[n++] = value;
        }
      }
      return n == out.length ? out : Arrays.copyOf(out, n);
    } finally {
      s.lock.unlockRead(stamp);
    }
  }

  /*
   * Stripes: at least 64, and enough that one stripe holds at most about 2^20 entries, so a
   * stripe's table (2 longs per slot, load 1/2 to 2/3) stays around 32 MiB and its rehash, done
   * under the stripe's write lock, stays short.
   */
  static KeyIndex sized(long expectedEntries) {
    return sized(expectedEntries, MAX_STRIPE_BITS);
  }

  /** As {@link #sized(long)}, with at most 2^{@code maxStripeBits} stripes (an image's). */
  static KeyIndex sized(long expectedEntries, int maxStripeBits) {
    int stripes = Math.max(64, Runtime.getRuntime().availableProcessors() * 16);
    while (stripes < (1 << MAX_STRIPE_BITS) && expectedEntries / stripes > (1 << 20)) {
      stripes <<= 1;
    }
    return new KeyIndex(Math.min(stripes, 1 << maxStripeBits), expectedEntries);
  }

  // ---------------------------------------------------------------- the index image

  /**
   * Writes this index and {@code cp} to {@code file} atomically (through {@code temp}, forced, then
   * renamed over it, the directory forced).
   */
  void writeImage(Path file, Path temp, long storeId, LogPosition cp) {
    KeyIndex index = this;
    try (FileChannel ch = io.inkv.store.memory.MappedFile.openForWriting(temp)) {
      // At most 1 MiB, less for a small image: a direct buffer is zeroed when allocated.
      long estimate = 4096 + (long) SEGMENT_INFO * cp.segments().length + 16 * index.size();
      ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(1 << 20, estimate)).order(ByteOrder.LITTLE_ENDIAN);
      CRC32C bodyCrc = new CRC32C();
      ch.position(IMAGE_HEADER);
      for (LogPosition.SegmentInfo s : cp.segments()) {
        buf.putInt(s.id()).putInt(s.end()).putLong(s.liveBytes()).putLong(s.garbageBytes())
            .putLong(s.minSequence()).putLong(s.earliestExpiry());
        if (buf.remaining() < SEGMENT_INFO) {
          drainImage(ch, buf, bodyCrc);
        }
      }
      long entries = 0;
      for (int i = 0; i < index.stripeCount(); i++) {
        long[] pairs = index.snapshot(i);
        for (int j = 0; j < pairs.length; j += 2) {
          buf.putLong(pairs[j]).putLong(pairs[j + 1]);
          if (buf.remaining() < 16) {
            drainImage(ch, buf, bodyCrc);
          }
        }
        entries += pairs.length / 2;
      }
      drainImage(ch, buf, bodyCrc);
      buf.putInt((int) bodyCrc.getValue()).putInt(0).putLong(IMAGE_END_MAGIC);
      buf.flip();
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      buf.clear();
      buf.putLong(IMAGE_MAGIC).putInt(IMAGE_VERSION).putInt(IMAGE_HEADER).putLong(storeId)
          .putInt(cp.segment()).putInt(cp.offset()).putLong(cp.nextSequence()).putLong(cp.clearFloor())
          .putLong(entries).putInt(cp.segments().length).putInt(index.stripeBits()).putInt(0);
      buf.flip();
      CRC32C headerCrc = new CRC32C();
      headerCrc.update(buf.duplicate());
      buf.limit(IMAGE_HEADER).position(IMAGE_HEADER - 4);
      buf.putInt((int) headerCrc.getValue());
      buf.flip();
      ch.write(buf, 0);
      ch.force(true);
    } catch (IOException e) {
      // Give the space back (a full disk is the likely cause); the previous image still stands.
      try {
        Files.deleteIfExists(temp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new Store.StorageException(temp + ": cannot write the index image, the previous one stays: "
          + io.inkv.store.memory.MappedFile.describe(e), e);
    }
    DurableFiles.moveAtomically(temp, file, true);
  }

  private static void drainImage(FileChannel ch, ByteBuffer buf, CRC32C crc) throws IOException {
    buf.flip();
    crc.update(buf.duplicate());
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
    buf.clear();
  }

  /**
   * Returns the entry count the image's header declares, or 0 if there is no readable image; for
   * sizing the index before {@link #loadImage} fills it.
   */
  static long declaredImageEntries(Path file) {
    ByteBuffer header = checkedHeader(file);
    return header == null ? 0 : header.getLong(48);
  }

  /**
   * Returns how many stripe bits an index loading the image may have: the image's own for a
   * version 2 image, {@link #MAX_STRIPE_BITS} for a version 1 image (whole hashes) or none.
   */
  static int declaredStripeBits(Path file) {
    ByteBuffer header = checkedHeader(file);
    return header == null || header.getInt(8) == 1 ? MAX_STRIPE_BITS : header.getInt(60);
  }

  /** The header of a whole image (version 1 or 2), or null. */
  private static ByteBuffer checkedHeader(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(IMAGE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, header, 0);
      int length = header.getInt(8) == 1 ? V1_HEADER : IMAGE_HEADER;
      long entries = header.getLong(48);
      int segmentCount = header.getInt(56);
      CRC32C crc = new CRC32C();
      crc.update(header.array(), 0, length - 4);
      // Trust the count only from a header whose checksum holds and whose size matches the file:
      // a damaged count must not size the index (a flipped high bit asked for terabytes).
      boolean whole = header.getLong(0) == IMAGE_MAGIC && (int) crc.getValue() == header.getInt(length - 4)
          && entries > 0 && entries < Integer.MAX_VALUE && segmentCount >= 0
          && (length == V1_HEADER || (header.getInt(60) >= 0 && header.getInt(60) <= MAX_STRIPE_BITS))
          && length + (long) SEGMENT_INFO * segmentCount + 16L * entries + 16 == ch.size();
      return whole ? header : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Loads the image into this index (which must be empty) and returns its log position, or
   * returns null (leaving the index empty) if there is no image. A damaged image is an error
   * the caller may recover from by a full scan.
   *
   * @throws Store.CorruptedException if the image fails a check
   */
  LogPosition loadImage(Path path, long storeId, SegmentTable segments) {
    KeyIndex index = this;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < V1_HEADER + 16) {
        throw new Store.CorruptedException(path, "index image is " + size + " bytes, too short");
      }
      ByteBuffer header = ByteBuffer.allocate(IMAGE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
      header.limit(V1_HEADER);
      readFully(ch, header, 0);
      if (header.getLong(0) != IMAGE_MAGIC) {
        throw new Store.FormatException(path, "not an inkv index image (bad magic number)");
      }
      int version = header.getInt(8);
      if (version != 1 && version != IMAGE_VERSION) {
        throw new Store.FormatException(path, "index image format version " + version
            + " is not supported (this version of inkv reads 1 and " + IMAGE_VERSION + ")");
      }
      int headerLength = version == 1 ? V1_HEADER : IMAGE_HEADER;
      if (size < headerLength + 16) {
        throw new Store.CorruptedException(path, "index image is " + size + " bytes, too short");
      }
      header.limit(headerLength);
      readFully(ch, header, V1_HEADER);
      CRC32C crc = new CRC32C();
      crc.update(header.array(), 0, headerLength - 4);
      if ((int) crc.getValue() != header.getInt(headerLength - 4)) {
        throw new Store.CorruptedException(path, 0, "index image header checksum mismatch");
      }
      // Version 1 images hold whole hashes; version 2 the top k bits and the low 32. An index
      // with more stripes than k would need bits the image does not have.
      int imageStripeBits = version == 1 ? MAX_STRIPE_BITS : header.getInt(60);
      if (imageStripeBits < 0 || imageStripeBits > MAX_STRIPE_BITS) {
        throw new Store.CorruptedException(path, "index image declares " + imageStripeBits + " stripe bits, outside 0 to " + MAX_STRIPE_BITS);
      }
      if (stripeBits > imageStripeBits) {
        throw new Store.CorruptedException(path, "index image was written by an index of " + (1 << imageStripeBits)
            + " stripes, fewer than this index's " + stripes.length + ", so it lacks hash bits this index needs");
      }
      if (header.getLong(16) != storeId) {
        throw new Store.FormatException(path, "index image belongs to another store");
      }
      long entries = header.getLong(48);
      int segmentCount = header.getInt(56);
      long expected = headerLength + (long) SEGMENT_INFO * segmentCount + 16L * entries + 16;
      if (segmentCount < 0 || entries < 0 || expected != size) {
        throw new Store.CorruptedException(path, "index image is " + size + " bytes but its header implies " + expected);
      }
      ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(1 << 20, size)).order(ByteOrder.LITTLE_ENDIAN);
      CRC32C bodyCrc = new CRC32C();
      long position = headerLength;
      long bodyEnd = size - 16;
      LogPosition.SegmentInfo[] infos = new LogPosition.SegmentInfo[segmentCount];
      int seg = 0;
      long entry = 0;
      buf.limit(0);
      while (seg < segmentCount || entry < entries) {
        int need = seg < segmentCount ? SEGMENT_INFO : 16;
        if (buf.remaining() < need) {
          buf.compact();
          int toRead = (int) Math.min(buf.remaining(), bodyEnd - position);
          if (toRead <= 0) {
            throw new Store.CorruptedException(path, position, "index image ends early");
          }
          buf.limit(buf.position() + toRead);
          int start = buf.position();
          readFully(ch, buf, position);
          position += toRead;
          ByteBuffer added = buf.duplicate();
          added.position(start).limit(buf.position());
          bodyCrc.update(added);
          buf.flip();
        }
        if (seg < segmentCount) {
          infos[seg++] = new LogPosition.SegmentInfo(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong(),
              buf.getLong(), buf.getLong());
        } else {
          long hash = buf.getLong();
          long address = buf.getLong();
          int segmentId = (int) (address >>> 32);
          Segment target = segments.get(segmentId);
          if (address <= 0 || target == null) {
            throw new Store.CorruptedException(path, "index image entry " + entry
                + " points to segment " + segmentId + ", which does not exist");
          }
          // The checksums hold, but an image written by a faulty writer must still never send a
          // read outside a segment or to a misaligned record.
          int offset = (int) address;
          if (offset < Segment.HEADER || (offset & 7) != 0 || offset > target.capacity - RecordFormat.HEADER) {
            throw new Store.CorruptedException(path, "index image entry " + entry + " points to offset "
                + Integer.toUnsignedString(offset) + " of segment " + segmentId + ", where no record can start");
          }
          index.load(hash, address);
          entry++;
        }
      }
      ByteBuffer trailer = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, trailer, bodyEnd);
      if (trailer.getLong(8) != IMAGE_END_MAGIC || trailer.getInt(0) != (int) bodyCrc.getValue()) {
        throw new Store.CorruptedException(path, "index image body checksum mismatch");
      }
      LogPosition cp = new LogPosition(header.getInt(24), header.getInt(28), header.getLong(32), header.getLong(40), infos, entries);
      checkStructure(path, cp, segments);
      return cp;
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new Store.StorageException(path + ": cannot read the index image: " + e, e);
    }
  }

  /*
   * Checks what the checksums cannot: that an image is consistent with the segments it describes
   * (an image written by a faulty writer, or forged). Each segment's end of data lies in the
   * segment, aligned; the checkpoint lies in a listed segment, at or before its end of data; the
   * sequences are in order.
   */
  private static void checkStructure(Path path, LogPosition cp, SegmentTable segments) {
    boolean checkpointListed = false;
    for (LogPosition.SegmentInfo info : cp.segments()) {
      Segment s = segments.get(info.id());
      if (s != null && (info.end() < Segment.HEADER || info.end() > s.capacity || (info.end() & 7) != 0)) {
        throw new Store.CorruptedException(path, "index image says segment " + info.id() + " ends at "
            + Integer.toUnsignedString(info.end()) + ", outside its " + s.capacity + " bytes");
      }
      if (info.id() == cp.segment()) {
        checkpointListed = true;
        if (cp.offset() < Segment.HEADER || (cp.offset() & 7) != 0 || Integer.compareUnsigned(cp.offset(), info.end()) > 0) {
          throw new Store.CorruptedException(path, "index image checkpoint offset " + Integer.toUnsignedString(cp.offset())
              + " is not within segment " + info.id() + "'s data");
        }
      }
    }
    if (cp.segment() != 0 && !checkpointListed) {
      throw new Store.CorruptedException(path, "index image checkpoint segment " + cp.segment() + " is not among its segments");
    }
    if (cp.nextSequence() < 1 || cp.clearFloor() < 0 || cp.clearFloor() >= cp.nextSequence()) {
      throw new Store.CorruptedException(path, "index image sequences are out of order (next " + cp.nextSequence()
          + ", clear floor " + cp.clearFloor() + ")");
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long p = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, p);
      if (n < 0) {
        throw new IOException("unexpected end of file at " + p);
      }
      p += n;
    }
  }

  private static final class Stripe {
    final StampedLock lock = new StampedLock();
    final AddressMap map;
    /** Written under the write lock; read racily by size(). */
    int count;
    volatile ConcurrentHashMap<Integer, long[]> overflow;

    Stripe(int expected) {
      map = AddressMap.withExpectedSize(expected);
    }

    ConcurrentHashMap<Integer, long[]> overflow() {
      if (overflow == null) {
        overflow = new ConcurrentHashMap<>();
      }
      return overflow;
    }
  }
}
