package dev.sluice.route;

/**
 * One place a request may be sent: a deployment, and the names to use for it.
 *
 * @param route the model name reported in {@code X-Sluice-Route} (the entry's name, or what the
 *     client asked for when the entry is a pattern)
 * @param upstreamModel the model name sent upstream
 * @param fallback whether this target belongs to a fallback model rather than the one asked for
 */
public record Target(Deployment deployment, String route, String upstreamModel, boolean fallback) {}
