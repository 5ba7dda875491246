package io.inkv.server;

import java.time.Duration;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RateControl;
import org.eclipse.jetty.io.WindowRateControl;

/**
 * The HTTP/2 rate control of a connection: Jetty's own, at most 128 a second of the frames that
 * make the server work without carrying a request (PING, SETTINGS, PRIORITY, resets, empty DATA,
 * and frames for streams already closed; past it the connection is closed with
 * ENHANCE_YOUR_CALM), except that DATA that carries bytes is not counted, whatever its stream.
 *
 * <p>Why: when the server answers an upload before reading it (413 past the drain bound, see
 * ApiHandler) it resets the stream, and the DATA the client sent before it saw the reset arrives
 * for a closed stream: up to a stream window of it (512 KiB), which Jetty's parser hands over as
 * one event per frame or part of a frame cut by a network read, 30 to 60 events. Counted, two to
 * four such refusals within a second closed the client's whole connection, failing every other
 * request on it (EarlyAnswersTest saw it on a loaded machine). DATA for a closed stream costs the
 * server less than the same DATA for an open stream it drains (no demand, no handler), which is
 * never counted, so not counting it opens no flood that uploads do not already allow; empty DATA
 * frames, which carry nothing and are the flood Jetty guards against, still count.
 */
final class Http2RateControl implements RateControl {
  /** Jetty's default: counted events a second before the connection is closed. */
  static final int EVENTS_PER_SECOND = 128;

  static final RateControl.Factory FACTORY = new RateControl.Factory() {
    @Override
    public RateControl newRateControl(EndPoint endPoint) {
      return new Http2RateControl(new WindowRateControl(EVENTS_PER_SECOND, Duration.ofSeconds(1)));
    }
  };

  private final RateControl counted;

  Http2RateControl(RateControl counted) {
    this.counted = counted;
  }

  @Override
  public boolean onEvent(Object event) {
    if (event instanceof DataFrame data && data.remaining() > 0) {
      return true;
    }
    return counted.onEvent(event);
  }
}
