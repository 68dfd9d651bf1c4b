package dev.sluice.pipeline;

/**
 * What answered a request: the model entry and deployment that served it. Reported to the client in
 * {@code X-Sluice-Route: <model>/<deployment>}.
 *
 * @param model the model name reported (the entry's name, or what the client asked for when the
 *     entry is a pattern)
 * @param entry the config's model entry that served it (a fallback's, when a fallback answered)
 * @param upstreamModel the model name sent upstream
 */
public record Served(String model, String deploymentId, String provider, String pool, String entry,
    String upstreamModel) {
  public String route() {
    return model + "/" + deploymentId;
  }
}
