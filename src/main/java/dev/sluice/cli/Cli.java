package dev.sluice.cli;

/** Runs a command body and turns its expected failures into one line on stderr and exit code 1. */
final class Cli {
  private Cli() {}

  interface Body {
    void run() throws Exception;
  }

  static int run(Body body) {
    try {
      body.run();
      return 0;
    } catch (AdminClient.Failure e) {
      System.err.println("sluice: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      System.err.println("sluice: " + e.getMessage());
      return 1;
    }
  }
}
