package dev.sluice.cli;

import java.io.PrintWriter;

/** Runs a command body and turns its expected failures into one line on stderr and exit code 1. */
final class Cli {
  private Cli() {}

  interface Body {
    void run() throws Exception;
  }

  static int run(Body body) {
    PrintWriter err = new PrintWriter(System.err, true);
    return run(err, body);
  }

  /** Runs {@code body}, writing a failure to {@code err} (a command's {@code spec.commandLine().getErr()}). */
  static int run(PrintWriter err, Body body) {
    try {
      body.run();
      return 0;
    } catch (Exception e) {
      err.println("sluice: " + e.getMessage());
      err.flush();
      return 1;
    }
  }
}
