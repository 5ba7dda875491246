package io.inkv.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/*
 * The answers Jetty writes itself, before a request reaches ApiHandler or when it cannot be
 * parsed (a malformed request line, a URI or header over the limit, bad framing), in the form of
 * every other error of the API: one line of text/plain, here the status's reason and Jetty's short
 * message, never an HTML page, a stack or a cause.
 */
final class PlainErrorHandler extends ErrorHandler {
  private static final String TEXT = "text/plain;charset=utf-8";

  PlainErrorHandler() {
    setShowStacks(false);
    setShowCauses(false);
  }

  static byte[] line(int status, String message) {
    String reason = HttpStatus.getMessage(status);
    StringBuilder sb = new StringBuilder(reason == null ? "error " + status : reason.toLowerCase(java.util.Locale.ROOT));
    if (message != null && !message.isBlank() && !message.equalsIgnoreCase(reason)) {
      sb.append(": ");
      // the parser's message, printable ASCII only and short: it may quote a byte of the request
      message.chars().limit(200).forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
    }
    return sb.append('\n').toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
      Callback callback) {
    byte[] body = line(code, message);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, TEXT);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    // a request Jetty refused (its body, if any, unread): on HTTP/1.1 end the connection after this
    // answer and say so, so the client sends nothing more on it
    if (request.getConnectionMetaData().getHttpVersion().getVersion() < 20) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
