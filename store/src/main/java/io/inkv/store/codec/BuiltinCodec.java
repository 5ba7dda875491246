package io.inkv.store.codec;

import io.inkv.store.memory.ByteOutput;
import io.inkv.store.memory.LittleEndian;
import io.inkv.store.memory.Region;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/*
 * The built-in codecs: fixed little-endian layouts for numbers, UUID and the java.time value
 * types; UTF-8 for String (and enum constant names, so reordering constants does not change
 * stored data); raw bytes for byte[]. Every fixed-width codec reads its fields straight from the
 * region. Decoding a heap copy goes through HeapRegion, so each codec has one decoding path.
 *
 * String keys encode to their plain UTF-8 bytes, the same bytes the data-plane server's HTTP API
 * uses, so a key written by one is found by the other.
 *
 * Layouts (offsets in bytes, little-endian):
 *   Boolean 1 (0 or 1) | Byte 1 | Short 2 | Character 2 | Integer 4 | Float 4 (IEEE bits)
 *   Long 8 | Double 8 (IEEE bits) | UUID 16 (most, then least significant long)
 *   Instant, Duration 12 (seconds long, nanos int) | LocalDate 8 (epoch day)
 *   LocalTime 8 (nano of day) | LocalDateTime 16 (epoch day, nano of day)
 *   OffsetDateTime 20 (LocalDateTime, offset seconds int)
 *   ZonedDateTime 20 + n (LocalDateTime, offset seconds, zone id in UTF-8)
 */
abstract class BuiltinCodec<T> implements RegionCodec<T> {
  private static final Map<Class<?>, BuiltinCodec<?>> BY_TYPE = new HashMap<>();

  static final BuiltinCodec<String> STRING = register(new StringCodec());
  static final BuiltinCodec<byte[]> BYTES = register(new BytesCodec());
  static final BuiltinCodec<Boolean> BOOLEAN = register(new Fixed<>(Boolean.class, 1) {
    @Override
    Boolean read(Region r, int at) {
      byte b = r.getByte(at);
      if (b != 0 && b != 1) {
        throw new DecodeException("a Boolean is stored as 0 or 1, not " + b);
      }
      return b == 1;
    }

    @Override
    void write(Boolean v, byte[] out, int at) {
      out[at] = (byte) (v ? 1 : 0);
    }
  });
  static final BuiltinCodec<Byte> BYTE = register(new Fixed<>(Byte.class, 1) {
    @Override
    Byte read(Region r, int at) {
      return r.getByte(at);
    }

    @Override
    void write(Byte v, byte[] out, int at) {
      out[at] = v;
    }
  });
  static final BuiltinCodec<Short> SHORT = register(new Fixed<>(Short.class, 2) {
    @Override
    Short read(Region r, int at) {
      return r.getShort(at);
    }

    @Override
    void write(Short v, byte[] out, int at) {
      LittleEndian.putShort(out, at, v);
    }
  });
  static final BuiltinCodec<Character> CHARACTER = register(new Fixed<>(Character.class, 2) {
    @Override
    Character read(Region r, int at) {
      return (char) r.getShort(at);
    }

    @Override
    void write(Character v, byte[] out, int at) {
      LittleEndian.putShort(out, at, (short) v.charValue());
    }
  });
  static final BuiltinCodec<Integer> INTEGER = register(new Fixed<>(Integer.class, 4) {
    @Override
    Integer read(Region r, int at) {
      return r.getInt(at);
    }

    @Override
    void write(Integer v, byte[] out, int at) {
      LittleEndian.putInt(out, at, v);
    }
  });
  static final BuiltinCodec<Long> LONG = register(new Fixed<>(Long.class, 8) {
    @Override
    Long read(Region r, int at) {
      return r.getLong(at);
    }

    @Override
    void write(Long v, byte[] out, int at) {
      LittleEndian.putLong(out, at, v);
    }
  });
  static final BuiltinCodec<Float> FLOAT = register(new Fixed<>(Float.class, 4) {
    @Override
    Float read(Region r, int at) {
      return r.getFloat(at);
    }

    @Override
    void write(Float v, byte[] out, int at) {
      LittleEndian.putInt(out, at, Float.floatToRawIntBits(v));
    }
  });
  static final BuiltinCodec<Double> DOUBLE = register(new Fixed<>(Double.class, 8) {
    @Override
    Double read(Region r, int at) {
      return r.getDouble(at);
    }

    @Override
    void write(Double v, byte[] out, int at) {
      LittleEndian.putLong(out, at, Double.doubleToRawLongBits(v));
    }
  });
  static final BuiltinCodec<UUID> UUIDS = register(new Fixed<>(UUID.class, 16) {
    @Override
    UUID read(Region r, int at) {
      return new UUID(r.getLong(at), r.getLong(at + 8));
    }

    @Override
    void write(UUID v, byte[] out, int at) {
      LittleEndian.putLong(out, at, v.getMostSignificantBits());
      LittleEndian.putLong(out, at + 8, v.getLeastSignificantBits());
    }
  });
  static final BuiltinCodec<Instant> INSTANT = register(new Fixed<>(Instant.class, 12) {
    @Override
    Instant read(Region r, int at) {
      return Instant.ofEpochSecond(r.getLong(at), r.getInt(at + 8));
    }

    @Override
    void write(Instant v, byte[] out, int at) {
      LittleEndian.putLong(out, at, v.getEpochSecond());
      LittleEndian.putInt(out, at + 8, v.getNano());
    }
  });
  static final BuiltinCodec<Duration> DURATION = register(new Fixed<>(Duration.class, 12) {
    @Override
    Duration read(Region r, int at) {
      return Duration.ofSeconds(r.getLong(at), r.getInt(at + 8));
    }

    @Override
    void write(Duration v, byte[] out, int at) {
      LittleEndian.putLong(out, at, v.getSeconds());
      LittleEndian.putInt(out, at + 8, v.getNano());
    }
  });
  static final BuiltinCodec<LocalDate> LOCAL_DATE = register(new Fixed<>(LocalDate.class, 8) {
    @Override
    LocalDate read(Region r, int at) {
      return LocalDate.ofEpochDay(r.getLong(at));
    }

    @Override
    void write(LocalDate v, byte[] out, int at) {
      LittleEndian.putLong(out, at, v.toEpochDay());
    }
  });
  static final BuiltinCodec<LocalTime> LOCAL_TIME = register(new Fixed<>(LocalTime.class, 8) {
    @Override
    LocalTime read(Region r, int at) {
      return LocalTime.ofNanoOfDay(r.getLong(at));
    }

    @Override
    void write(LocalTime v, byte[] out, int at) {
      LittleEndian.putLong(out, at, v.toNanoOfDay());
    }
  });
  static final BuiltinCodec<LocalDateTime> LOCAL_DATE_TIME =
      register(new Fixed<>(LocalDateTime.class, 16) {
        @Override
        LocalDateTime read(Region r, int at) {
          return readLocalDateTime(r, at);
        }

        @Override
        void write(LocalDateTime v, byte[] out, int at) {
          writeLocalDateTime(v, out, at);
        }
      });
  static final BuiltinCodec<OffsetDateTime> OFFSET_DATE_TIME =
      register(new Fixed<>(OffsetDateTime.class, 20) {
        @Override
        OffsetDateTime read(Region r, int at) {
          return OffsetDateTime.of(readLocalDateTime(r, at), ZoneOffset.ofTotalSeconds(r.getInt(at + 16)));
        }

        @Override
        void write(OffsetDateTime v, byte[] out, int at) {
          writeLocalDateTime(v.toLocalDateTime(), out, at);
          LittleEndian.putInt(out, at + 16, v.getOffset().getTotalSeconds());
        }
      });
  static final BuiltinCodec<ZonedDateTime> ZONED_DATE_TIME = register(new ZonedDateTimeCodec());

  private final Class<T> type;

  BuiltinCodec(Class<T> type) {
    this.type = type;
  }

  private static <C extends BuiltinCodec<?>> C register(C codec) {
    BY_TYPE.put(codec.type(), codec);
    return codec;
  }

  /** Returns the built-in codec for {@code type}, or null. */
  @SuppressWarnings("unchecked")
  static <T> BuiltinCodec<T> forType(Class<T> type) {
    return (BuiltinCodec<T>) BY_TYPE.get(type);
  }

  @Override
  public final Class<T> type() {
    return type;
  }

  @Override
  public String toString() {
    return "BuiltinCodec[" + type.getName() + "]";
  }

  static LocalDateTime readLocalDateTime(Region r, int at) {
    return LocalDateTime.of(LocalDate.ofEpochDay(r.getLong(at)), LocalTime.ofNanoOfDay(r.getLong(at + 8)));
  }

  static void writeLocalDateTime(LocalDateTime v, byte[] out, int at) {
    LittleEndian.putLong(out, at, v.toLocalDate().toEpochDay());
    LittleEndian.putLong(out, at + 8, v.toLocalTime().toNanoOfDay());
  }

  /** A codec whose values always take {@code size} bytes. */
  abstract static class Fixed<T> extends BuiltinCodec<T> implements InPlaceCodec<T> {
    private final int size;

    Fixed(Class<T> type, int size) {
      super(type);
      this.size = size;
    }

    abstract T read(Region region, int offset);

    int size() {
      return size;
    }

    /** Writes {@code value} into {@code out} from {@code at}. */
    abstract void write(T value, byte[] out, int at);

    @Override
    public final byte[] encode(T value) {
      byte[] out = new byte[size];
      write(type().cast(value), out, 0);
      return out;
    }

    @Override
    public final void encodeInto(ByteOutput out, T value) {
      T v = type().cast(value);
      int at = out.reserve(size);
      write(v, out.buffer(), at);
    }

    @Override
    public final T decode(Region region, int offset, int length) {
      if (length != size) {
        throw new DecodeException("a " + type().getSimpleName() + " takes " + size + " bytes, not " + length);
      }
      try {
        return read(region, offset);
      } catch (java.time.DateTimeException e) {
        throw new DecodeException("not a valid " + type().getSimpleName() + ": " + e.getMessage(), e);
      }
    }
  }

  /*
   * UTF-8 with no header. Decoding copies the bytes into a per-thread scratch array and lets
   * the String constructor (which has an intrinsic ASCII fast path) build the string: one
   * allocation, the String itself. Values longer than the scratch array get a fresh array.
   */
  static final class StringCodec extends BuiltinCodec<String> {
    private static final int SCRATCH = 4096;
    private static final ThreadLocal<byte[]> SCRATCH_BYTES = ThreadLocal.withInitial(() -> new byte[SCRATCH]);

    StringCodec() {
      super(String.class);
    }

    @Override
    public byte[] encode(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(Region region, int offset, int length) {
      byte[] bytes = length <= SCRATCH ? SCRATCH_BYTES.get() : new byte[length];
      region.getBytes(offset, bytes, 0, length);
      return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes, int offset, int length) {
      return new String(bytes, offset, length, StandardCharsets.UTF_8);
    }
  }

  static final class BytesCodec extends BuiltinCodec<byte[]> {
    BytesCodec() {
      super(byte[].class);
    }

    @Override
    public byte[] encode(byte[] value) {
      return value.clone();
    }

    @Override
    public byte[] decode(Region region, int offset, int length) {
      byte[] copy = new byte[length];
      region.getBytes(offset, copy, 0, length);
      return copy;
    }

    @Override
    public byte[] decode(byte[] bytes, int offset, int length) {
      return java.util.Arrays.copyOfRange(bytes, offset, offset + length);
    }
  }

  static final class ZonedDateTimeCodec extends BuiltinCodec<ZonedDateTime> {
    ZonedDateTimeCodec() {
      super(ZonedDateTime.class);
    }

    @Override
    public byte[] encode(ZonedDateTime value) {
      byte[] zone = value.getZone().getId().getBytes(StandardCharsets.UTF_8);
      byte[] out = new byte[20 + zone.length];
      writeLocalDateTime(value.toLocalDateTime(), out, 0);
      LittleEndian.putInt(out, 16, value.getOffset().getTotalSeconds());
      System.arraycopy(zone, 0, out, 20, zone.length);
      return out;
    }

    @Override
    public ZonedDateTime decode(Region region, int offset, int length) {
      if (length < 20) {
        throw new DecodeException("a ZonedDateTime takes at least 20 bytes, not " + length);
      }
      try {
        LocalDateTime local = readLocalDateTime(region, offset);
        ZoneOffset zoneOffset = ZoneOffset.ofTotalSeconds(region.getInt(offset + 16));
        ZoneId zone = ZoneId.of(STRING.decode(region, offset + 20, length - 20));
        return ZonedDateTime.ofStrict(local, zoneOffset, zone);
      } catch (java.time.DateTimeException e) {
        throw new DecodeException("not a valid ZonedDateTime: " + e.getMessage(), e);
      }
    }
  }

  /** Enum constants by name, so adding or reordering constants keeps stored values readable. */
  static final class EnumCodec<E extends Enum<E>> extends BuiltinCodec<E> {
    private final Map<String, E> byName = new HashMap<>();
    private final byte[][] names;

    EnumCodec(Class<E> type) {
      super(type);
      E[] constants = type.getEnumConstants();
      names = new byte[constants.length][];
      for (E e : constants) {
        byName.put(e.name(), e);
        names[e.ordinal()] = e.name().getBytes(StandardCharsets.UTF_8);
      }
    }

    @Override
    public byte[] encode(E value) {
      return names[type().cast(value).ordinal()].clone();
    }

    @Override
    public E decode(Region region, int offset, int length) {
      String name = STRING.decode(region, offset, length);
      E e = byName.get(name);
      if (e == null) {
        throw new DecodeException(type().getName() + " has no constant " + name);
      }
      return e;
    }
  }
}
