package dev.sluice.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.spi.transport.Transport;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * Vert.x's NIO transport whose I/O event loops poll without blocking for a short while after their
 * last event before they block in the selector.
 *
 * <p>Why: on a virtual machine whose idle vCPUs halt (a KVM guest without guest halt polling), a
 * thread blocked in the selector is woken by an exit to the hypervisor, which costs tens of
 * microseconds each time. A gateway's event loop sleeps twice per call (waiting for the upstream,
 * then for the next request), so at low concurrency those wake-ups, not Sluice's work, dominate
 * the latency it adds. Polling for a few tens of microseconds first catches the upstream's answer
 * and the next request awake, the same trade the kernel's own guest halt polling makes (200 µs by
 * default). The cost is CPU: at most {@code spin} per time the loop goes idle; a busy loop never
 * spins, and an idle one blocks after one spin.
 *
 * <p>A spin only pays when the next event tends to come within it. In front of real models the
 * upstream answers in tens of milliseconds or more, every spin waiting for it runs out, and the CPU
 * it burns is wasted. So each loop keeps the odds that a spin catches its event ({@link SpinOdds})
 * and stops spinning while they are poor, trying one spin in {@value SpinOdds#PROBE_EVERY} to
 * notice when they improve.
 *
 * <p>Spinning never delays other work: tasks handed to the loop from other threads and timers that
 * fall due end the spin at once. Only the I/O event loops spin; the acceptor loop blocks as usual.
 */
public final class SpinningNioTransport implements io.vertx.core.transport.Transport {
  private static final Transport NIO = io.vertx.core.transport.Transport.NIO.implementation();

  private final long spinNanos;

  public SpinningNioTransport(Duration spin) {
    if (spin.isNegative() || spin.isZero()) throw new IllegalArgumentException("spin must be positive: " + spin);
    this.spinNanos = spin.toNanos();
  }

  @Override
  public String name() {
    return "nio-spinning";
  }

  @Override
  public boolean available() {
    return true;
  }

  @Override
  public Throwable unavailabilityCause() {
    return null;
  }

  @Override
  public Transport implementation() {
    return new Implementation(spinNanos);
  }

  /** NIO in every respect but the I/O event loops' handler. */
  private record Implementation(long spinNanos) implements Transport {
    @Override
    public IoHandlerFactory ioHandlerFactory() {
      IoHandlerFactory nio = NIO.ioHandlerFactory();
      return executor -> new SpinningIoHandler(nio.newHandler(executor), spinNanos);
    }

    @Override
    public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory factory, int ioRatio) {
      IoHandlerFactory handlers = type == ACCEPTOR_EVENT_LOOP_GROUP ? NIO.ioHandlerFactory() : ioHandlerFactory();
      return new MultiThreadIoEventLoopGroup(threads, factory, handlers);
    }

    @Override
    public boolean supportsDomainSockets() {
      return NIO.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return NIO.supportFileRegion();
    }

    @Override
    public SocketAddress convert(io.vertx.core.net.SocketAddress address) {
      return NIO.convert(address);
    }

    @Override
    public io.vertx.core.net.SocketAddress convert(SocketAddress address) {
      return NIO.convert(address);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return NIO.datagramChannel();
    }

    @Override
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return NIO.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return NIO.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return NIO.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      NIO.configure(channel, options);
    }

    @Override
    public void configure(ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      NIO.configure(options, connectTimeout, domainSocket, bootstrap);
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      NIO.configure(options, domainSocket, bootstrap);
    }
  }

  /**
   * Runs the NIO handler without blocking until it handles an event, the loop has other work, or
   * {@code spinNanos} pass; only then lets it block.
   */
  static final class SpinningIoHandler implements IoHandler {
    private final IoHandler nio;
    private final long spinNanos;
    private final NonBlocking nonBlocking = new NonBlocking();
    private final SpinOdds odds = new SpinOdds();

    SpinningIoHandler(IoHandler nio, long spinNanos) {
      this.nio = nio;
      this.spinNanos = spinNanos;
    }

    @Override
    public int run(IoHandlerContext context) {
      if (!context.canBlock() || !odds.spinNow()) return nio.run(context);
      nonBlocking.loop = context;
      long deadline = System.nanoTime() + spinNanos;
      do {
        int handled = nio.run(nonBlocking);
        // canBlock() turns false as soon as a task is queued or a timer is due.
        if (handled > 0 || !context.canBlock()) {
          odds.record(true);
          return handled;
        }
        Thread.onSpinWait();
      } while (System.nanoTime() - deadline < 0);
      odds.record(false);
      return nio.run(context);
    }

    @Override
    public void initialize() {
      nio.initialize();
    }

    @Override
    public void prepareToDestroy() {
      nio.prepareToDestroy();
    }

    @Override
    public void destroy() {
      nio.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
      return nio.register(handle);
    }

    @Override
    public void wakeup() {
      nio.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
      return nio.isCompatible(handleType);
    }
  }

  /**
   * Whether spinning pays on one event loop: the recent share of spins that caught their event
   * (an I/O event, a task or a timer before the spin ran out), as an exponential moving average
   * over about the last {@value #MEMORY} spins. While at least half of them catch, every idle period
   * starts with a spin; below that, only one in {@value #PROBE_EVERY} does, enough to see the odds
   * improve when the traffic changes (a run of catching probes brings spinning back). A decision
   * without I/O, confined to its loop's thread.
   */
  static final class SpinOdds {
    static final int MEMORY = 16;
    static final int PROBE_EVERY = 32;
    private static final int ONE = 1 << 16;

    private int caught = ONE; // fixed point, ONE = every spin caught; a new loop starts hopeful
    private int skipped;

    /** Whether the idle period that begins now should start with a spin. */
    boolean spinNow() {
      if (caught >= ONE / 2) return true;
      if (++skipped < PROBE_EVERY) return false;
      skipped = 0;
      return true;
    }

    /** Records how a spin ended: {@code true} if it caught an event before running out. */
    void record(boolean caughtIt) {
      caught += ((caughtIt ? ONE : 0) - caught) / MEMORY;
    }
  }

  /** The loop's context, except that the handler may not block: it selects without waiting. */
  private static final class NonBlocking implements IoHandlerContext {
    private IoHandlerContext loop;

    @Override
    public boolean canBlock() {
      return false;
    }

    @Override
    public long delayNanos(long currentTimeNanos) {
      return loop.delayNanos(currentTimeNanos);
    }

    @Override
    public long deadlineNanos() {
      return loop.deadlineNanos();
    }

    @Override
    public void reportActiveIoTime(long activeNanos) {
      loop.reportActiveIoTime(activeNanos);
    }

    @Override
    public boolean shouldReportActiveIoTime() {
      return loop.shouldReportActiveIoTime();
    }
  }
}
