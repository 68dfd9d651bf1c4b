package dev.sluice.provider.local;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Embedder} that runs a synchronous in-process model off the callers' threads and
 * gathers the texts of concurrent callers into batches.
 *
 * <h2>Design</h2>
 *
 * A call enqueues a <em>job</em> (its texts, its promise, the caller's Vert.x context) and returns.
 * Up to {@code drains} <em>drains</em> run on the executor, one per thread: a drain takes a batch
 * from the head of the queue (jobs are served in arrival order; a job larger than a batch is split
 * across consecutive batches), embeds it, completes each job as soon as its last text is done, and
 * takes the next batch until the queue is empty. A batch is at most {@code maxBatch} texts and at
 * most an even share of those waiting among the drains without a batch, so a lone large call is
 * spread over every drain instead of keeping one busy while the others idle. A call that arrives
 * while fewer than {@code drains} drains run starts one at once, with no timer and no linger;
 * calls that arrive while every drain is busy wait only for the first batch to end (a few
 * milliseconds for short texts) and then go together into the next one.
 *
 * <p>Inside a batch every text is run through the model on its own. Padding the texts into one
 * tensor was measured and rejected: the quantized model quantizes activations over the whole
 * input tensor, so a text's vector would depend on which other texts shared its batch (cosine down
 * to 0.977 against the same text alone, for 32 sentences), and on this CPU it was not faster.
 * One inference runs on one thread ({@link MiniLmEncoder}); the drains are what use several cores.
 * What batching buys here is bounded work per wake-up, one hand-off between threads per batch
 * rather than per request, and a queue that can be bounded and measured; a text's vector never
 * depends on its neighbours.
 *
 * <h2>Bounds</h2>
 *
 * At most {@code maxQueued} texts wait; a call that would exceed that fails at once with
 * {@link RejectedExecutionException} (the provider turns it into a 503 with {@code Retry-After}),
 * so overload is refused instead of growing the queue and everyone's latency without bound.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>At most {@code limits.drains()} drains run; {@code drains} counts those scheduled or
 *       running, {@code running} those of them that hold a batch. Both are changed only under
 *       {@code lock}.
 *   <li>{@code queued} is the number of texts in {@code queue} not yet taken into a batch.
 *   <li>A job's promise is completed exactly once ({@link Job#finished}): with every vector, with
 *       the first failure of one of its texts, or when the embedder closes.
 *   <li>Each text of a job is taken, under {@code lock}, into exactly one batch, so its vector is
 *       written by one drain. A drain writes a text's vector and adds its tokens before it counts
 *       the text done ({@link Job#remaining}, atomic); the drain that counts the last one therefore
 *       sees every other drain's writes, and completes the job.
 *   <li>One text's failure fails its own job only; the other jobs of the batch go on.
 * </ol>
 */
final class BatchingEmbedder implements Embedder {
  private static final Logger log = LoggerFactory.getLogger(BatchingEmbedder.class);

  /**
   * How much work the embedder takes on.
   *
   * @param maxBatch texts per batch at most
   * @param maxQueued texts waiting at most; a call that would go beyond is refused
   * @param drains batches run at once at most, each on its own thread of the executor
   */
  record Limits(int maxBatch, int maxQueued, int drains) {
    /** One inference per core, as many as ONNX Runtime's default spread one inference over. */
    static final Limits DEFAULT = new Limits(32, 4096, Runtime.getRuntime().availableProcessors());

    Limits {
      if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
      if (maxQueued < 1) throw new IllegalArgumentException("maxQueued must be at least 1, got " + maxQueued);
      if (drains < 1) throw new IllegalArgumentException("drains must be at least 1, got " + drains);
    }

    /** One drain: batches run one after the other. */
    Limits(int maxBatch, int maxQueued) {
      this(maxBatch, maxQueued, 1);
    }
  }

  private final String model;
  private final int dimensions;
  private final Supplier<? extends EmbeddingModel> loader;
  private final Executor executor;
  private final Limits limits;

  private final Object lock = new Object();
  private final ArrayDeque<Job> queue = new ArrayDeque<>(); // guarded by lock
  private int queued; // guarded by lock
  private int drains; // guarded by lock
  private int running; // guarded by lock: drains between taking a batch and finishing it
  private boolean closed; // guarded by lock

  private final Object modelLock = new Object();
  private EmbeddingModel loaded; // guarded by modelLock
  private RuntimeException loadFailure; // guarded by modelLock

  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong inputs = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();

  private BatchingEmbedder(String model, int dimensions, Supplier<? extends EmbeddingModel> loader, Executor executor,
      Limits limits) {
    this.model = model;
    this.dimensions = dimensions;
    this.loader = loader;
    this.executor = executor;
    this.limits = limits;
  }

  /**
   * Creates an embedder and starts loading its model on {@code executor}, so that neither the
   * caller nor the first request waits for the whole load. If {@code executor} is an
   * {@link ExecutorService}, {@link #close()} shuts it down.
   *
   * @param loader loads the model; called once, on the executor
   */
  static BatchingEmbedder start(String model, int dimensions, Supplier<? extends EmbeddingModel> loader,
      Executor executor, Limits limits) {
    BatchingEmbedder e = new BatchingEmbedder(model, dimensions, loader, executor, limits);
    executor.execute(() -> {
      try {
        e.loadedModel();
      } catch (RuntimeException ignored) {
        // Logged by loadedModel; every call will fail with it.
      }
    });
    return e;
  }

  @Override
  public String model() {
    return model;
  }

  @Override
  public int dimensions() {
    return dimensions;
  }

  @Override
  public Future<Embeddings> embed(List<String> texts) {
    return enqueue(texts, Vertx.currentContext());
  }

  @Override
  public Future<Embeddings> embedOnModelThread(List<String> texts) {
    return enqueue(texts, null);
  }

  /** Queues a job whose promise is completed on {@code context}, or on the drain's thread when null. */
  private Future<Embeddings> enqueue(List<String> texts, Context context) {
    List<String> copy = List.copyOf(texts);
    if (copy.isEmpty()) return Future.succeededFuture(new Embeddings(List.of(), 0));
    Job job = new Job(copy, context);
    boolean schedule;
    synchronized (lock) {
      if (closed) {
        rejected.incrementAndGet();
        return Future.failedFuture(new RejectedExecutionException("the " + model + " embedder is closed"));
      }
      if (copy.size() > limits.maxQueued() - queued) {
        rejected.incrementAndGet();
        return Future.failedFuture(new RejectedExecutionException("the " + model + " embedder is saturated: "
            + queued + " texts are waiting, at most " + limits.maxQueued() + " may"));
      }
      queue.add(job);
      queued += copy.size();
      requests.incrementAndGet();
      schedule = drains < limits.drains();
      if (schedule) drains++;
    }
    if (schedule) schedule();
    return job.promise.future();
  }

  @Override
  public Stats stats() {
    return new Stats(requests.get(), inputs.get(), batches.get(), rejected.get());
  }

  @Override
  public void close() {
    List<Job> dropped;
    synchronized (lock) {
      if (closed) return;
      closed = true;
      dropped = new ArrayList<>(queue);
      queue.clear();
      queued = 0;
    }
    RejectedExecutionException e = new RejectedExecutionException("the " + model + " embedder is closed");
    for (Job job : dropped) job.fail(e);
    if (executor instanceof ExecutorService service) service.shutdown();
  }

  private void schedule() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // The executor is gone (shut down from outside): nothing will ever run these jobs.
      List<Job> dropped;
      synchronized (lock) {
        drains--;
        dropped = new ArrayList<>(queue);
        queue.clear();
        queued = 0;
      }
      for (Job job : dropped) job.fail(e);
    }
  }

  /** Runs batches until the queue is empty. */
  private void drain() {
    boolean ranBatch = false;
    while (true) {
      List<Slice> batch;
      boolean helper;
      synchronized (lock) {
        if (ranBatch) running--;
        batch = takeBatch();
        if (batch.isEmpty()) {
          drains--;
          return;
        }
        running++;
        // texts left over (a share of a large call, or calls that came meanwhile): another drain may take them now
        helper = queued > 0 && drains < limits.drains();
        if (helper) drains++;
      }
      ranBatch = true;
      if (helper) schedule();
      try {
        run(batch);
      } catch (Throwable t) {
        // A bug, not a model failure (run contains those per text): fail this batch's calls and
        // hand the rest of the queue to a fresh drain, so the embedder keeps serving.
        for (Slice s : batch) s.job.fail(t);
        log.error("{}: a batch failed unexpectedly", model, t);
        synchronized (lock) {
          running--;
          drains--;
        }
        resume();
        if (t instanceof Error error) throw error;
        return;
      }
    }
  }

  private void resume() {
    boolean schedule;
    synchronized (lock) {
      schedule = drains < limits.drains() && !queue.isEmpty();
      if (schedule) drains++;
    }
    if (schedule) schedule();
  }

  /**
   * Takes up to {@code maxBatch} texts, and no more than an even share of those waiting among the
   * drains not running a batch (this one included), from the head of the queue. Called under
   * {@code lock}, by a drain not counted in {@code running}.
   */
  private List<Slice> takeBatch() {
    List<Slice> batch = new ArrayList<>();
    int free = limits.drains() - running; // at least 1: this drain is not running a batch
    int share = (queued + free - 1) / free;
    int room = Math.min(limits.maxBatch(), Math.max(1, share));
    while (room > 0 && !queue.isEmpty()) {
      Job job = queue.peek();
      int left = job.texts.size() - job.taken;
      if (job.finished.get()) {
        queue.poll();
        queued -= left;
        continue;
      }
      int n = Math.min(room, left);
      batch.add(new Slice(job, job.taken, job.taken + n));
      job.taken += n;
      queued -= n;
      room -= n;
      if (job.taken == job.texts.size()) queue.poll();
    }
    return batch;
  }

  private void run(List<Slice> batch) {
    EmbeddingModel m;
    try {
      m = loadedModel();
    } catch (RuntimeException e) {
      for (Slice s : batch) s.job.fail(e);
      return;
    }
    int size = 0;
    for (Slice s : batch) size += s.to - s.from;
    batches.incrementAndGet();
    inputs.addAndGet(size);
    for (Slice s : batch) {
      Job job = s.job;
      for (int i = s.from; i < s.to && !job.finished.get(); i++) {
        String text = job.texts.get(i);
        if (text.isBlank()) {
          job.fail(new EmptyTextException(i));
          break;
        }
        try {
          Response<List<Embedding>> r = m.embedAll(List.of(TextSegment.from(text)));
          job.vectors[i] = r.content().getFirst().vector();
          TokenUsage usage = r.tokenUsage();
          if (usage != null && usage.inputTokenCount() != null) job.tokens.addAndGet(usage.inputTokenCount());
        } catch (IllegalArgumentException e) {
          // The model found nothing to embed (for example only characters its tokenizer drops).
          job.fail(new EmptyTextException(i));
          break;
        } catch (RuntimeException e) {
          job.fail(e);
          break;
        }
        if (job.remaining.decrementAndGet() == 0) job.succeed();
      }
    }
  }

  private EmbeddingModel loadedModel() {
    synchronized (modelLock) {
      if (loaded != null) return loaded;
      if (loadFailure != null) throw loadFailure;
      try {
        loaded = loader.get();
        return loaded;
      } catch (RuntimeException | LinkageError e) {
        loadFailure = new IllegalStateException("the " + model + " model could not be loaded: " + e, e);
        log.error("{}: the model could not be loaded; every embedding request will fail", model, e);
        throw loadFailure;
      }
    }
  }

  /** A run of consecutive texts of one job, {@code [from, to)}, taken into a batch. */
  private record Slice(Job job, int from, int to) {}

  /** One {@link #embed} call. */
  private static final class Job {
    final List<String> texts;
    final Context context;
    final Promise<Embeddings> promise = Promise.promise();
    final AtomicBoolean finished = new AtomicBoolean();
    final float[][] vectors;
    int taken; // guarded by the embedder's lock
    final AtomicInteger remaining; // texts not yet embedded
    final AtomicInteger tokens = new AtomicInteger();

    Job(List<String> texts, Context context) {
      this.texts = texts;
      this.context = context;
      this.vectors = new float[texts.size()][];
      this.remaining = new AtomicInteger(texts.size());
    }

    void succeed() {
      if (!finished.compareAndSet(false, true)) return;
      Embeddings result = new Embeddings(Arrays.asList(vectors), tokens.get());
      deliver(() -> promise.tryComplete(result));
    }

    void fail(Throwable cause) {
      if (!finished.compareAndSet(false, true)) return;
      deliver(() -> promise.tryFail(cause));
    }

    /** Completes on the caller's context, so its callbacks run on its own event loop. */
    private void deliver(Runnable completion) {
      if (context == null) {
        completion.run();
      } else {
        context.runOnContext(v -> completion.run());
      }
    }
  }
}
