package io.inkv.server;

/** The root of the exceptions the server throws for conditions other than a bad argument. */
class ServerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ServerException(String message) {
    super(message);
  }

  ServerException(String message, Throwable cause) {
    super(message, cause);
  }
}
