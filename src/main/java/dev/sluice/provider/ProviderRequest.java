package dev.sluice.provider;

import dev.sluice.pipeline.Call;

/**
 * One upstream attempt as a provider sees it.
 *
 * @param call the client's request (its body is read-only)
 * @param upstreamModel the model name to send upstream
 * @param deadlineNanos when this attempt must have finished, on {@link System#nanoTime()}
 */
public record ProviderRequest(Call call, String upstreamModel, long deadlineNanos) {}
