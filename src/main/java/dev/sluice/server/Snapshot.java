package dev.sluice.server;

import dev.sluice.admit.AdmissionRules;
import dev.sluice.auth.KeyDirectory;
import dev.sluice.meter.PlanBook;
import dev.sluice.config.GatewayConfig;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.route.Catalog;

/**
 * Everything a request needs from the current configuration, swapped as one reference on reload.
 * A request takes the snapshot once when it arrives and keeps it to the end, so a reload never
 * changes the rules under a request in flight.
 *
 * @param keys who API keys belong to (the config's keys and the store's)
 * @param plans each tenant's pricing plan
 * @param rules the budgets and rate limits in force
 * @param loadedAtEpochSecond when this configuration was loaded (the {@code created} of {@code /v1/models})
 */
public record Snapshot(GatewayConfig config, Catalog catalog, KeyDirectory keys, PlanBook plans, AdmissionRules rules,
    Pipeline modelCall, long loadedAtEpochSecond) {}
