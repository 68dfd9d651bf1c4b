package dev.sluice.route;

import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.provider.Provider;

/**
 * A deployment ready to be called: its config, the provider bound to it, and its live state.
 *
 * @param model the model entry it belongs to
 * @param provider the provider; it may also implement other capabilities such as embeddings
 */
public record Deployment(String model, DeploymentConfig config, Object provider, DeploymentState state) {

  public String id() {
    return config.id();
  }

  /** The chat provider, or {@code null} when this deployment cannot chat. */
  public Provider chat() {
    return provider instanceof Provider p ? p : null;
  }
}
