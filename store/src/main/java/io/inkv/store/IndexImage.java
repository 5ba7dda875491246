package io.inkv.store;

import io.inkv.store.internal.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/*
 * index.img: the index and the segment counters as of a checkpoint, so that open loads it and
 * scans only the log written after the checkpoint. Layout (docs/store-format.md):
 *
 *   header, 64 bytes:
 *     0 u64 magic "INKVIMG1"   8 u32 format version (1)   12 u32 header length (64)
 *    16 u64 store id           24 u32 checkpoint segment   28 u32 checkpoint offset
 *    32 u64 next sequence      40 u64 clear floor          48 u64 entry count
 *    56 u32 segment count      60 u32 CRC32C of [0, 60)
 *   segment count x 40 bytes: u32 id, u32 end of data, u64 live bytes, u64 garbage bytes,
 *     u64 min sequence, u64 earliest expiry
 *   entry count x 16 bytes: u64 key hash, u64 record address (a hash shared by several keys repeats)
 *   trailer, 16 bytes: u32 CRC32C of the segments and entries, u32 0, u64 magic "INKVEND1"
 *
 * The image is fuzzy: it is copied stripe by stripe while writers go on, so it may hold some
 * writes made after its checkpoint. Replay from the checkpoint is still exact because it keeps,
 * per key, the record with the highest sequence (LogStore.applyReplayed).
 */
final class IndexImage {
  static final String FILE = "index.img";
  private static final long MAGIC = 0x31474D49564B4E49L; // "INKVIMG1"
  private static final long END_MAGIC = 0x31444E45564B4E49L; // "INKVEND1"
  private static final int VERSION = 1;
  private static final int HEADER = 64;
  private static final int SEGMENT_INFO = 40;

  record SegmentInfo(int id, int end, long liveBytes, long garbageBytes, long minSequence, long earliestExpiry) {}

  record Checkpoint(int segment, int offset, long nextSequence, long clearFloor, SegmentInfo[] segments, long entries) {}

  private IndexImage() {}

  static void write(Path directory, long storeId, Checkpoint cp, KeyIndex index) {
    Path temp = directory.resolve(FILE + DurableFiles.TEMP_SUFFIX);
    try (FileChannel ch = io.inkv.store.memory.MappedFile.openForWriting(temp)) {
      // At most 1 MiB, less for a small image: a direct buffer is zeroed when allocated.
      long estimate = 4096 + (long) SEGMENT_INFO * cp.segments().length + 16 * index.size();
      ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(1 << 20, estimate)).order(ByteOrder.LITTLE_ENDIAN);
      CRC32C bodyCrc = new CRC32C();
      ch.position(HEADER);
      for (SegmentInfo s : cp.segments()) {
        buf.putInt(s.id()).putInt(s.end()).putLong(s.liveBytes()).putLong(s.garbageBytes())
            .putLong(s.minSequence()).putLong(s.earliestExpiry());
        if (buf.remaining() < SEGMENT_INFO) {
          drain(ch, buf, bodyCrc);
        }
      }
      long entries = 0;
      for (int i = 0; i < index.stripeCount(); i++) {
        long[] pairs = index.snapshot(i);
        for (int j = 0; j < pairs.length; j += 2) {
          buf.putLong(pairs[j]).putLong(pairs[j + 1]);
          if (buf.remaining() < 16) {
            drain(ch, buf, bodyCrc);
          }
        }
        entries += pairs.length / 2;
      }
      drain(ch, buf, bodyCrc);
      buf.putInt((int) bodyCrc.getValue()).putInt(0).putLong(END_MAGIC);
      buf.flip();
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      buf.clear();
      buf.putLong(MAGIC).putInt(VERSION).putInt(HEADER).putLong(storeId)
          .putInt(cp.segment()).putInt(cp.offset()).putLong(cp.nextSequence()).putLong(cp.clearFloor())
          .putLong(entries).putInt(cp.segments().length);
      buf.flip();
      CRC32C headerCrc = new CRC32C();
      headerCrc.update(buf.duplicate());
      buf.limit(HEADER).position(60);
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
    DurableFiles.moveAtomically(temp, directory.resolve(FILE), true);
  }

  private static void drain(FileChannel ch, ByteBuffer buf, CRC32C crc) throws IOException {
    buf.flip();
    crc.update(buf.duplicate());
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
    buf.clear();
  }

  /**
   * Returns the entry count the image's header declares, or 0 if there is no readable image; for
   * sizing the index before {@link #read} fills it.
   */
  static long declaredEntries(Path directory) {
    try (FileChannel ch = FileChannel.open(directory.resolve(FILE), StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, header, 0);
      long entries = header.getLong(48);
      int segmentCount = header.getInt(56);
      CRC32C crc = new CRC32C();
      crc.update(header.array(), 0, 60);
      // Trust the count only from a header whose checksum holds and whose size matches the file:
      // a damaged count must not size the index (a flipped high bit asked for terabytes).
      boolean whole = header.getLong(0) == MAGIC && (int) crc.getValue() == header.getInt(60)
          && entries > 0 && entries < Integer.MAX_VALUE && segmentCount >= 0
          && HEADER + (long) SEGMENT_INFO * segmentCount + 16L * entries + 16 == ch.size();
      return whole ? entries : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * Loads the image into {@code index} (which must be empty) and returns its checkpoint, or
   * returns null (leaving {@code index} empty) if there is no image. A damaged image is an error
   * the caller may recover from by a full scan.
   *
   * @throws Store.CorruptedException if the image fails a check
   */
  static Checkpoint read(Path directory, long storeId, KeyIndex index, SegmentTable segments) {
    Path path = directory.resolve(FILE);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER + 16) {
        throw new Store.CorruptedException(path, "index image is " + size + " bytes, too short");
      }
      ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, header, 0);
      header.flip();
      if (header.getLong(0) != MAGIC) {
        throw new Store.FormatException(path, "not an inkv index image (bad magic number)");
      }
      CRC32C crc = new CRC32C();
      crc.update(header.array(), 0, 60);
      if ((int) crc.getValue() != header.getInt(60)) {
        throw new Store.CorruptedException(path, 0, "index image header checksum mismatch");
      }
      if (header.getInt(8) != VERSION) {
        throw new Store.FormatException(path, "index image format version " + header.getInt(8) + " is not supported");
      }
      if (header.getLong(16) != storeId) {
        throw new Store.FormatException(path, "index image belongs to another store");
      }
      long entries = header.getLong(48);
      int segmentCount = header.getInt(56);
      long expected = HEADER + (long) SEGMENT_INFO * segmentCount + 16L * entries + 16;
      if (segmentCount < 0 || entries < 0 || expected != size) {
        throw new Store.CorruptedException(path, "index image is " + size + " bytes but its header implies " + expected);
      }
      ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(1 << 20, size)).order(ByteOrder.LITTLE_ENDIAN);
      CRC32C bodyCrc = new CRC32C();
      long position = HEADER;
      long bodyEnd = size - 16;
      SegmentInfo[] infos = new SegmentInfo[segmentCount];
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
          infos[seg++] = new SegmentInfo(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong(),
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
      if (trailer.getLong(8) != END_MAGIC || trailer.getInt(0) != (int) bodyCrc.getValue()) {
        throw new Store.CorruptedException(path, "index image body checksum mismatch");
      }
      Checkpoint cp = new Checkpoint(header.getInt(24), header.getInt(28), header.getLong(32), header.getLong(40), infos, entries);
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
  private static void checkStructure(Path path, Checkpoint cp, SegmentTable segments) {
    boolean checkpointListed = false;
    for (SegmentInfo info : cp.segments()) {
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

  static void delete(Path directory) {
    try {
      Files.deleteIfExists(directory.resolve(FILE));
    } catch (IOException e) {
      throw new Store.StorageException(directory.resolve(FILE) + ": cannot delete: " + e, e);
    }
  }
}
