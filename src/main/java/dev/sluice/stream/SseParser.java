package dev.sluice.stream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental parser of Server-Sent Events (the WHATWG event-stream format) for upstream
 * responses: feed it bytes as they arrive, in any split, and it calls back once per event.
 * Handles LF, CRLF and CR line ends, multi-line data, comments and the {@code event:} field.
 * Not thread-safe; one parser per stream.
 */
public final class SseParser {

  /** Receives parsed events. */
  @FunctionalInterface
  public interface Listener {
    /**
     * @param event the {@code event:} name, or {@code null} when the event had none
     * @param data the data lines joined with {@code \n}
     */
    void onEvent(String event, String data);
  }

  private final Listener listener;
  private byte[] line = new byte[256];
  private int lineLength;
  private boolean lastWasCr;
  private String event;
  private StringBuilder data;
  private boolean sawAnyByte;

  public SseParser(Listener listener) {
    this.listener = listener;
  }

  /** True once any byte has been fed. */
  public boolean sawAnyByte() {
    return sawAnyByte;
  }

  public void feed(byte[] bytes, int offset, int length) {
    if (length > 0) sawAnyByte = true;
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      byte b = bytes[i];
      if (b == '\n') {
        if (lastWasCr) {
          lastWasCr = false;
          continue;
        }
        endLine();
      } else if (b == '\r') {
        lastWasCr = true;
        endLine();
      } else {
        lastWasCr = false;
        if (lineLength == line.length) line = Arrays.copyOf(line, line.length * 2);
        line[lineLength++] = b;
      }
    }
  }

  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  /** Call at the end of input: dispatches a last event that lacked its blank line. */
  public void end() {
    if (lineLength > 0) endLine();
    dispatch();
  }

  private void endLine() {
    if (lineLength == 0) {
      dispatch();
      return;
    }
    if (line[0] == ':') {
      lineLength = 0;
      return;
    }
    int colon = -1;
    for (int i = 0; i < lineLength; i++) {
      if (line[i] == ':') {
        colon = i;
        break;
      }
    }
    String field;
    String value;
    if (colon < 0) {
      field = new String(line, 0, lineLength, StandardCharsets.UTF_8);
      value = "";
    } else {
      field = new String(line, 0, colon, StandardCharsets.UTF_8);
      int start = colon + 1;
      if (start < lineLength && line[start] == ' ') start++;
      value = new String(line, start, lineLength - start, StandardCharsets.UTF_8);
    }
    lineLength = 0;
    switch (field) {
      case "data" -> {
        if (data == null) {
          data = new StringBuilder(value);
        } else {
          data.append('\n').append(value);
        }
      }
      case "event" -> event = value;
      default -> { } // id, retry and unknown fields do not matter upstream
    }
  }

  private void dispatch() {
    if (data != null) {
      String e = event;
      String d = data.toString();
      event = null;
      data = null;
      listener.onEvent(e, d);
    } else {
      event = null;
    }
  }
}
