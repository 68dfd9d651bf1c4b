package dev.sluice.pipeline;

/** The kind of model call a request makes. */
public enum Operation {
  CHAT_COMPLETIONS("chat"),
  EMBEDDINGS("embeddings");

  private final String wireName;

  Operation(String wireName) {
    this.wireName = wireName;
  }

  /** The OpenTelemetry GenAI operation name ({@code chat}, {@code embeddings}). */
  public String wireName() {
    return wireName;
  }
}
