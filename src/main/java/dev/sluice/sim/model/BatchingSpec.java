package dev.sluice.sim.model;

/**
 * The shape of a continuous-batching server (vLLM, llama.cpp server slots).
 *
 * @param maxNumSeqs most sequences in the running batch (vLLM {@code max_num_seqs}, llama.cpp slots)
 * @param maxBatchedTokens most tokens one step may process (vLLM {@code max_num_batched_tokens})
 * @param policy how prefill and decode share steps
 * @param cost the step-time model
 * @param kvCapacityTokens tokens the KV cache holds
 * @param blockTokens tokens per KV block (the prefix-caching granularity)
 * @param prefixCaching whether full blocks of finished prompts stay cached for reuse
 * @param maxModelLen the model's context length: prompt plus output may not exceed it
 * @param decodeStepsPerSchedule decode steps run back to back before the scheduler looks at the
 *     queue again (vLLM {@code --num-scheduler-steps}; 1 schedules before every step)
 */
public record BatchingSpec(int maxNumSeqs, int maxBatchedTokens, SchedulingPolicy policy, StepCost cost,
    long kvCapacityTokens, int blockTokens, boolean prefixCaching, int maxModelLen, int decodeStepsPerSchedule) {

  public BatchingSpec {
    if (maxNumSeqs < 1) throw new IllegalArgumentException("maxNumSeqs must be at least 1");
    if (maxBatchedTokens < 1) throw new IllegalArgumentException("maxBatchedTokens must be at least 1");
    if (blockTokens < 1) throw new IllegalArgumentException("blockTokens must be at least 1");
    if (kvCapacityTokens < blockTokens) throw new IllegalArgumentException("the KV cache must hold at least one block");
    if (maxModelLen < 2) throw new IllegalArgumentException("maxModelLen must be at least 2");
    if (decodeStepsPerSchedule < 1) throw new IllegalArgumentException("decodeStepsPerSchedule must be at least 1");
  }

  /** How a batching engine fills a step. */
  public enum SchedulingPolicy {
    /**
     * vLLM V0 without chunked prefill: when a queued request can be admitted, the step prefills
     * the admitted prompts (up to the token budget) and running sequences wait; otherwise the step
     * decodes one token for every running sequence.
     */
    PREFILL_FIRST,
    /**
     * vLLM V1 and llama.cpp: every step decodes one token for each running sequence and spends the
     * rest of the token budget on chunks of prompts, so prefill never stalls decoding entirely.
     */
    CHUNKED
  }
}
