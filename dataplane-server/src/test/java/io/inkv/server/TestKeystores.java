package io.inkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

/** Self-signed server keystores for the TLS tests, made with the JDK's keytool. */
final class TestKeystores {
  private TestKeystores() {}

  /**
   * Writes a PKCS12 keystore at {@code keystore} holding an EC key for CN=localhost (also valid for
   * 127.0.0.1 and localhost as subject alternative names), protected by {@code password}.
   */
  static Path selfSigned(Path keystore, String password) throws Exception {
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "inkv", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", password).redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes());
    assertEquals(0, keytool.waitFor(), "keytool: " + output);
    return keystore;
  }
}
