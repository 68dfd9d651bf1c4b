package dev.sluice.route;

import dev.sluice.pipeline.Call;

/**
 * One upstream try within a client request.
 *
 * @param number 1 for the first attempt of the request, counting retries and fallbacks
 * @param deadlineNanos when this attempt must have finished
 */
public record Attempt(Call call, Target target, int number, long deadlineNanos) {}
