package dev.sluice.pipeline;

/**
 * What answered a request: the model entry and deployment that served it. Reported to the client in
 * {@code X-Sluice-Route: <model>/<deployment>}.
 */
public record Served(String model, String deploymentId, String provider, String pool) {
  public String route() {
    return model + "/" + deploymentId;
  }
}
