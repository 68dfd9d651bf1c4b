package dev.sluice.sim.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A continuous-batching inference server (vLLM-style): an iteration loop over a running batch,
 * a FCFS waiting queue, a block KV cache with prefix caching, and preemption by recomputation.
 *
 * <h2>Design</h2>
 *
 * The engine alternates between <em>planning</em> a step and <em>finishing</em> it, one step at a
 * time, like vLLM's engine loop:
 *
 * <ol>
 *   <li><b>Plan</b> (at the step's start). Admit waiting jobs in arrival order while the batch has
 *       a free slot ({@code maxNumSeqs}), the step's token budget allows, and the KV cache can
 *       hold the job's known tokens; a job that does not fit blocks those behind it (head-of-line,
 *       as in vLLM). Leading prompt blocks already cached are reused and not prefilled. Then
 *       choose the step's work according to the {@link BatchingSpec.SchedulingPolicy}. Every
 *       decoding sequence needs a KV slot for one more token; when the cache is full the most
 *       recently admitted running sequence is <em>preempted</em>: its blocks are freed and it goes
 *       back to the head of the queue, to be prefilled again (prompt plus the tokens it had
 *       produced) when admitted. With multi-step scheduling ({@code decodeStepsPerSchedule > 1},
 *       prefill-first policy) a decode step opens a window of that many decode steps in which
 *       the queue is not looked at.
 *   <li><b>Cost</b>. The step lasts {@link StepCost#stepNanos} of its prefill tokens, decode
 *       sequences and decode context.
 *   <li><b>Finish</b> (at the step's end). A sequence whose prefill completed produces its next
 *       token (the first token ends the time to first token); each decoding sequence produces one
 *       token. A sequence that has produced all its output tokens leaves the batch and releases
 *       its blocks (full prompt blocks stay cached). The next step is planned at once.
 * </ol>
 *
 * Invariants: {@code running.size() <= maxNumSeqs}; a running sequence's block table holds at
 * least {@code computed + 1} tokens' worth of blocks for a decoding sequence; jobs start in arrival order except that preempted ones go first.
 * A step starts only from a scheduled task, so jobs submitted at the same instant share a step.
 *
 * <p>Not thread-safe: use it on its scheduler's thread.
 */
public final class BatchingEngine implements Engine {
  private final BatchingSpec spec;
  private final Scheduler scheduler;
  private final KvCache kv;
  private final ArrayDeque<Seq> waiting = new ArrayDeque<>();
  private final ArrayList<Seq> running = new ArrayList<>();
  private boolean busy;
  /** Decode steps left in the current multi-step window; no admissions until it reaches 0. */
  private int windowLeft;
  private long prefixQueried;
  private long prefixHits;
  private long preemptions;
  private long promptTokens;
  private long generationTokens;
  private long rejected;

  public BatchingEngine(BatchingSpec spec, Scheduler scheduler) {
    this.spec = spec;
    this.scheduler = scheduler;
    this.kv = new KvCache(spec.kvCapacityTokens(), spec.blockTokens(), spec.prefixCaching());
  }

  public BatchingSpec spec() {
    return spec;
  }

  @Override
  public Ticket submit(Job job, JobListener listener) {
    int total = job.promptTokens() + job.outputTokens();
    int limit = (int) Math.min(spec.maxModelLen(), (long) kv.totalBlocks() * kv.blockTokens());
    if (total > limit) {
      rejected++;
      listener.onRejected(new Rejection.TooLong(total, limit));
      return () -> {};
    }
    Seq s = new Seq(job, listener);
    waiting.addLast(s);
    wake();
    return s;
  }

  @Override
  public EngineStats stats() {
    return new EngineStats(running.size(), waiting.size(), kv.usage(), prefixQueried, prefixHits, preemptions,
        promptTokens, generationTokens, rejected);
  }

  /** Plans a step at the current time unless one is running or already due. */
  private void wake() {
    if (busy) return;
    busy = true;
    scheduler.schedule(scheduler.now(), this::startStep);
  }

  private void startStep() {
    Step step = plan();
    if (step.isEmpty()) {
      busy = false;
      return;
    }
    long nanos = spec.cost().stepNanos(step.prefillTokens, step.decodes.size(), step.contextTokens);
    scheduler.schedule(scheduler.now() + Math.max(1, nanos), () -> finish(step));
  }

  // ------------------------------------------------------------------ planning

  private Step plan() {
    Step step = new Step();
    int budget = spec.maxBatchedTokens();
    if (spec.policy() == BatchingSpec.SchedulingPolicy.CHUNKED) {
      budget -= planDecodes(step);
      for (Seq s : running) {
        if (budget <= 0) break;
        int remaining = s.prefillTarget - s.computed;
        if (s.prefilling && remaining > 0) {
          int chunk = Math.min(remaining, budget);
          step.addPrefill(s, chunk);
          budget -= chunk;
        }
      }
      admit(step, budget, true);
    } else {
      if (windowLeft == 0) admit(step, budget, false);
      if (step.prefills.isEmpty()) {
        planDecodes(step);
        if (step.decodes.isEmpty()) {
          // Everything in the window finished early: the queue may be looked at again.
          windowLeft = 0;
          admit(step, budget, false);
        } else {
          windowLeft = windowLeft == 0 ? spec.decodeStepsPerSchedule() - 1 : windowLeft - 1;
        }
      }
    }
    return step;
  }

  /** Admits waiting jobs into the batch and the step; returns nothing, fills {@code step.prefills}. */
  private void admit(Step step, int budget, boolean chunked) {
    long now = scheduler.now();
    while (!waiting.isEmpty() && running.size() < spec.maxNumSeqs() && budget > 0) {
      Seq s = waiting.peekFirst();
      int known = s.job.promptTokens() + s.generated;
      long[] hashes = s.job.prefixBlocks();
      // At least one token must be computed to produce logits, so a fully cached prompt still prefills its last token.
      int reusable = Math.min(kv.matchedBlocks(hashes), (known - 1) / kv.blockTokens());
      int cachedTokens = reusable * kv.blockTokens();
      int uncached = known - cachedTokens;
      if (!chunked && !step.prefills.isEmpty() && uncached > budget) break;
      int blocksNeeded = kv.blocksFor(known);
      if (!kv.canAdmit(hashes, reusable, blocksNeeded)) break;
      waiting.pollFirst();
      kv.admit(s.blocks, hashes, reusable, blocksNeeded);
      s.computed = cachedTokens;
      s.prefillTarget = known;
      s.prefilling = true;
      s.running = true;
      running.add(s);
      if (!s.admittedBefore) {
        s.admittedBefore = true;
        prefixQueried += s.job.promptTokens();
        prefixHits += cachedTokens;
        promptTokens += s.job.promptTokens();
      }
      s.listener.onScheduled(now, cachedTokens);
      int chunk = chunked ? Math.min(uncached, budget) : uncached;
      step.addPrefill(s, chunk);
      budget -= chunk;
    }
  }

  /** Adds every fully computed running sequence to the step's decodes, preempting as the KV cache requires; returns the decode count. */
  private int planDecodes(Step step) {
    for (int i = 0; i < running.size(); i++) {
      Seq s = running.get(i);
      if (s.prefilling) continue;
      boolean fits = true;
      while (!kv.grow(s.blocks, kv.blocksFor(s.computed + 1L))) {
        Seq victim = running.getLast();
        preempt(victim);
        if (victim == s) {
          fits = false;
          break;
        }
      }
      if (fits) {
        step.decodes.add(s);
        step.contextTokens += s.computed + 1L;
      }
    }
    return step.decodes.size();
  }

  private void preempt(Seq s) {
    running.remove(s);
    kv.release(s.blocks);
    s.running = false;
    s.prefilling = false;
    s.computed = 0;
    preemptions++;
    waiting.addFirst(s);
  }

  // ------------------------------------------------------------------ finishing

  private void finish(Step step) {
    long now = scheduler.now();
    for (int i = 0; i < step.prefills.size(); i++) {
      Seq s = step.prefills.get(i);
      if (!s.running) continue;
      s.computed += step.chunks.get(i);
      if (s.computed < s.prefillTarget) continue;
      s.prefilling = false;
      if (!s.registered) {
        kv.register(s.blocks, s.job.prefixBlocks());
        s.registered = true;
      }
      if (s.job.outputTokens() == 0) {
        complete(s, now);
      } else {
        emit(s, now);
      }
    }
    for (Seq s : step.decodes) {
      if (!s.running) continue;
      s.computed++;
      emit(s, now);
    }
    running.removeIf(s -> !s.running);
    startStep();
  }

  private void emit(Seq s, long now) {
    int index = s.generated++;
    generationTokens++;
    s.listener.onToken(index, now);
    if (s.generated >= s.job.outputTokens()) complete(s, now);
  }

  private void complete(Seq s, long now) {
    s.running = false;
    s.done = true;
    kv.release(s.blocks);
    s.listener.onFinished(now);
  }

  // ------------------------------------------------------------------ state

  /** One job's progress. */
  private final class Seq implements Ticket {
    final Job job;
    final JobListener listener;
    final KvCache.BlockTable blocks = new KvCache.BlockTable();
    /** Tokens whose KV is stored. While decoding: the prompt and every output token but the last. */
    int computed;
    /** Output tokens produced (and reported) so far. */
    int generated;
    /** Tokens to prefill before the next token: the prompt plus output produced before a preemption. */
    int prefillTarget;
    boolean prefilling;
    boolean running;
    boolean done;
    boolean admittedBefore;
    boolean registered;

    Seq(Job job, JobListener listener) {
      this.job = job;
      this.listener = listener;
    }


    @Override
    public void cancel() {
      if (done) return;
      done = true;
      if (running) {
        running = false;
        kv.release(blocks);
        BatchingEngine.this.running.remove(this);
      } else {
        waiting.remove(this);
      }
    }
  }

  /** The work of one step. */
  private static final class Step {
    final List<Seq> prefills = new ArrayList<>();
    final List<Integer> chunks = new ArrayList<>();
    final List<Seq> decodes = new ArrayList<>();
    int prefillTokens;
    long contextTokens;

    void addPrefill(Seq s, int chunk) {
      prefills.add(s);
      chunks.add(chunk);
      prefillTokens += chunk;
    }

    boolean isEmpty() {
      return prefills.isEmpty() && decodes.isEmpty();
    }
  }
}
