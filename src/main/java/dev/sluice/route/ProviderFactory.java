package dev.sluice.route;

import dev.sluice.config.GatewayConfig.DeploymentConfig;

/** Creates the provider for a deployment (a {@link dev.sluice.provider.Provider}, an embeddings provider, or both). */
@FunctionalInterface
public interface ProviderFactory {
  Object create(String model, DeploymentConfig deployment);
}
