package io.inkv.server;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line of {@code inkv-server.jar}: runs the data-plane server, or with {@code admin}
 * first, the admin commands. {@code --help} explains every flag.
 */
public final class Main {
  private Main() {}

  /**
   * Runs the server until SIGTERM or SIGINT, or an admin command.
   *
   * @param args the command line; {@code --help} lists it
   */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("admin")) {
      System.exit(Admin.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
      return;
    }
    ServerOptions options;
    try {
      options = ServerOptions.parse(args);
    } catch (ServerOptions.UsageException e) {
      System.err.println("inkv-server: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.help) {
      System.out.print(ServerOptions.USAGE);
      return;
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    InkvServer server;
    try {
      server = InkvServer.start(options);
    } catch (ServerException e) {
      // a condition the message explains (a setting, a directory another server holds, a port in
      // use): one line on stderr, no stack, as the admin commands do; the start has undone itself
      System.err.println("inkv-server: cannot start: " + e.getMessage());
      System.exit(e instanceof ServerOptions.UsageException ? 2 : 1);
      return;
    } catch (RuntimeException e) { // a bug: the stack is what a report needs
      log.error("cannot start", e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM and SIGINT run shutdown hooks; the JVM waits for this one, which stops Jetty
    // gracefully, then flushes and closes every store.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("signal received");
      server.close();
      stopped.countDown();
    }, "inkv-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
