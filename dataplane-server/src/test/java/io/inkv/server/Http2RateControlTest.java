package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.io.RateControl;
import org.junit.jupiter.api.Test;

/** Which HTTP/2 frames count against a connection's rate limit (see Http2RateControl). */
class Http2RateControlTest {
  private static RateControl control() {
    return Http2RateControl.FACTORY.newRateControl(null);
  }

  @Test
  void dataThatCarriesBytesIsNotCounted() {
    RateControl c = control();
    for (int i = 0; i < 100 * Http2RateControl.EVENTS_PER_SECOND; i++) {
      assertTrue(c.onEvent(new DataFrame(3 + 2 * i, ByteBuffer.allocate(1 + i % 16384), false)), "frame " + i);
    }
    // and the limit is still all there for what counts
    for (int i = 0; i < Http2RateControl.EVENTS_PER_SECOND; i++) {
      assertTrue(c.onEvent(new PingFrame(i, false)), "ping " + i);
    }
  }

  @Test
  void emptyDataFramesCountAndThe129thInASecondIsRefused() {
    RateControl c = control();
    int allowed = 0;
    while (c.onEvent(new DataFrame(1, ByteBuffer.allocate(0), false))) {
      allowed++;
      if (allowed > 10 * Http2RateControl.EVENTS_PER_SECOND) {
        break;
      }
    }
    assertEquals(Http2RateControl.EVENTS_PER_SECOND, allowed, "empty DATA frames allowed in a second");
    assertFalse(c.onEvent(new PingFrame(1, false)), "other frames share the limit");
  }

  @Test
  void otherFramesCountAsJettyCountsThem() {
    RateControl c = control();
    for (int i = 0; i < Http2RateControl.EVENTS_PER_SECOND; i++) {
      assertTrue(c.onEvent(new PingFrame(i, false)), "ping " + i);
    }
    assertFalse(c.onEvent(new PingFrame(0, false)), "ping past the limit");
  }
}
