package io.inkv.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.inkv.store.document.Document;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class EventFormatTest {

  static List<Event> samples() {
    Document doc = Document.builder().put("i", 7).put("l", -5L).put("f", 1.5f).put("d", Math.PI).put("b", true)
        .put("s", "héllo").put("y", new byte[] {1, 2, 3}).build();
    return List.of(
        new Event.Put(1_700_000_000_000L, 42, 1, "value".getBytes(StandardCharsets.UTF_8), 0),
        new Event.Put(5, -1, Long.MAX_VALUE, new byte[0], 1_800_000_000_000L),
        new Event.Remove(6, 7, 8),
        new Event.DocUpsert(9, 10, 11, doc),
        new Event.DocFieldDelete(12, 13, 14, List.of("a", "bb", "ccc")),
        new Event.Clear(15, 16, 17, 8, 3),
        new Event.DropFields(18, 19, 20, 4, 0, Event.DropMode.NAMES, List.of("x", "y")),
        new Event.DropFields(18, 19, 21, 4, 1, Event.DropMode.PREFIX, List.of("tmp_")),
        new Event.DropFields(18, 19, 22, 4, 2, Event.DropMode.ALL, List.of()));
  }

  @Test
  void everyEventTypeSurvivesARoundTrip() throws Exception {
    for (Event e : samples()) {
      byte[] bytes = EventFormat.encode(e);
      Event back = EventFormat.decode(bytes);
      assertEquals(e.getClass(), back.getClass());
      assertArrayEquals(bytes, EventFormat.encode(back), "re-encoding " + e);
      assertEquals(e.time(), back.time());
      assertEquals(e.writerId(), back.writerId());
      assertEquals(e.sequence(), back.sequence());
    }
    Event.DocUpsert u = (Event.DocUpsert) EventFormat.decode(EventFormat.encode(samples().get(3)));
    assertEquals(((Event.DocUpsert) samples().get(3)).fields(), u.fields());
  }

  @Test
  void aFutureVersionOrUnknownTypeIsAClearError() {
    byte[] b = EventFormat.encode(samples().get(2));
    b[2] = 2;
    assertTrue(assertThrows(EventFormat.MalformedEventException.class, () -> EventFormat.decode(b)).getMessage()
        .contains("version 2"));
    byte[] c = EventFormat.encode(samples().get(2));
    c[3] = 99;
    assertTrue(assertThrows(EventFormat.MalformedEventException.class, () -> EventFormat.decode(c)).getMessage()
        .contains("unknown event type 99"));
    assertThrows(EventFormat.MalformedEventException.class, () -> EventFormat.decode(null));
    assertThrows(EventFormat.MalformedEventException.class, () -> EventFormat.decode(new byte[3]));
  }

  @Test
  void aRecordOfAnotherProducerIsNotAnInkvEventAndTheMessageShowsWhatItBegins() {
    String json = assertThrows(EventFormat.MalformedEventException.class,
        () -> EventFormat.decode("{\"name\":\"Ada\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))).getMessage();
    assertTrue(json.startsWith("not an inkv event: 14 bytes"), json);
    assertTrue(json.contains("text \"{\"name\":\"Ada\"}\""), json);
    String binary = assertThrows(EventFormat.MalformedEventException.class,
        () -> EventFormat.decode(new byte[] {1, 2, 3})).getMessage();
    assertTrue(binary.startsWith("not an inkv event") && binary.contains("bytes 0x010203"), binary);
    byte[] shortEvent = java.util.Arrays.copyOf(EventFormat.encode(samples().get(1)), 10);
    assertTrue(assertThrows(EventFormat.MalformedEventException.class, () -> EventFormat.decode(shortEvent)).getMessage()
        .startsWith("truncated"), "an inkv event cut short is still called truncated");
  }

  @Test
  void aTopicDescriptorRoundTripsAndIsKeptApartFromEvents() throws Exception {
    TopicDescriptor d = new TopicDescriptor(TopicDescriptor.Kind.DOCUMENTS, "documents", 0x1234L, 99L);
    assertEquals(d, EventFormat.decodeDescriptor(EventFormat.encodeDescriptor(d)));
    byte[] key = EventFormat.descriptorKey(0x1234L);
    assertTrue(EventFormat.isDescriptorKey(key));
    assertTrue(EventFormat.isControlKey(key), "a store key can never be a descriptor key");
    assertTrue(!EventFormat.isDescriptorKey(EventFormat.controlKey(3)));
    assertThrows(EventFormat.MalformedEventException.class, () -> EventFormat.decode(EventFormat.encodeDescriptor(d)));
    assertThrows(EventFormat.MalformedEventException.class,
        () -> EventFormat.decodeDescriptor(EventFormat.encode(samples().get(1))));
  }

  /*
   * Property: for any bytes, decode returns an event or throws MalformedEventException, nothing
   * else; and an event it accepts re-encodes to exactly those bytes (the format has one encoding
   * per event, so nothing is silently dropped or reinterpreted). Inputs: random bytes, and valid
   * events with random bit flips, truncations, extensions and overwritten length fields.
   */
  @Test
  void decodingAnyBytesGivesAnEventOrAMalformedEventErrorAndNothingElse() {
    SplittableRandom random = new SplittableRandom(20_26);
    List<byte[]> valid = new ArrayList<>();
    for (Event e : samples()) {
      valid.add(EventFormat.encode(e));
    }
    int accepted = 0;
    int rounds = Boolean.getBoolean("inkv.reliability") ? 2_000_000 : 200_000;
    for (int i = 0; i < rounds; i++) {
      byte[] input;
      if (i % 10 == 0) {
        input = new byte[random.nextInt(64)];
        for (int j = 0; j < input.length; j++) {
          input[j] = (byte) random.nextInt(256);
        }
      } else {
        byte[] base = valid.get(random.nextInt(valid.size()));
        input = base.clone();
        switch (random.nextInt(4)) {
          case 0 -> {
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
              int pos = random.nextInt(input.length);
              input[pos] ^= (byte) (1 << random.nextInt(8));
            }
          }
          case 1 -> input = Arrays.copyOf(input, random.nextInt(input.length));
          case 2 -> input = Arrays.copyOf(input, input.length + 1 + random.nextInt(8));
          default -> {
            int pos = EventFormat.HEADER_SIZE + random.nextInt(Math.max(1, input.length - EventFormat.HEADER_SIZE));
            if (pos < input.length) {
              input[pos] = (byte) 0xFF;
            }
          }
        }
      }
      try {
        Event e = EventFormat.decode(input);
        accepted++;
        assertArrayEquals(input, EventFormat.encode(e), "an accepted input must re-encode to itself");
      } catch (EventFormat.MalformedEventException expected) {
        assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
      } catch (RuntimeException | Error other) {
        fail("decode threw " + other + " for " + Arrays.toString(input), other);
      }
    }
    System.out.printf("EventFormatTest: %,d inputs: %,d decoded and re-encoded to themselves, %,d refused with"
        + " MalformedEventException, nothing else%n", rounds, accepted, rounds - accepted);
    assertTrue(accepted > 0, "some mutations (e.g. of a value byte) are still valid events");
  }

  @Test
  void controlKeysCannotBeStoreKeysOfTheSamePrefix() {
    assertTrue(EventFormat.isControlKey(EventFormat.controlKey(0)));
    assertTrue(EventFormat.isControlKey(EventFormat.controlKey(123)));
    assertEquals(false, EventFormat.isControlKey("user".getBytes(StandardCharsets.UTF_8)));
    assertEquals(false, EventFormat.isControlKey(new byte[0]));
    assertArrayEquals(EventFormat.CONTROL_PREFIX.getBytes(StandardCharsets.ISO_8859_1), EventFormat.controlPrefix());
  }

  @Test
  void thePartitionerIsKafkasDefaultPartitionerForKeyedRecords() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      byte[] key = new byte[random.nextInt(40)];
      for (int j = 0; j < key.length; j++) {
        key[j] = (byte) random.nextInt(256);
      }
      int partitions = 1 + random.nextInt(64);
      assertEquals(BuiltInPartitioner.partitionForKey(key, partitions), Partitioner.partitionOf(key, partitions));
      assertEquals(org.apache.kafka.common.utils.Utils.murmur2(key), Partitioner.murmur2(key));
    }
  }
}
