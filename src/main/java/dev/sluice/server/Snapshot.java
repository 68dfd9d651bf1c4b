package dev.sluice.server;

import dev.sluice.auth.KeyDirectory;
import dev.sluice.config.GatewayConfig;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.route.Catalog;

/**
 * Everything a request needs from the current configuration, swapped as one reference on reload.
 * A request takes the snapshot once when it arrives and keeps it to the end, so a reload never
 * changes the rules under a request in flight.
 *
 * @param keys who API keys belong to (the config's keys and the store's)
 * @param loadedAtEpochSecond when this configuration was loaded (the {@code created} of {@code /v1/models})
 */
public record Snapshot(GatewayConfig config, Catalog catalog, KeyDirectory keys, Pipeline modelCall,
    long loadedAtEpochSecond) {}
