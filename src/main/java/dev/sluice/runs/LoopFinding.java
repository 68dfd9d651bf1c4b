package dev.sluice.runs;

/**
 * A loop that the next call of a run would continue.
 *
 * @param pattern a stable name that clients and metrics see: {@code exact_repeat},
 *     {@code tool_repeat}, {@code cycle}, {@code no_progress} or {@code error_repeat}
 * @param detail one sentence for a person (what repeated, how many times)
 */
public record LoopFinding(String pattern, String detail) {}
