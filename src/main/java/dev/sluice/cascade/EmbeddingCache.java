package dev.sluice.cascade;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Vectors already computed for texts, kept in a file so that evaluating or training again does not
 * embed thousands of prompts again. Keyed by the SHA-256 of the text; the file is for one embedding
 * model (its name is part of the file name the commands choose). Records are appended as they are
 * computed, so an interrupted run keeps what it did; a partly written last record is cut off.
 *
 * <p>Not thread-safe: one command uses it from one thread.
 */
final class EmbeddingCache implements AutoCloseable {
  private final Map<String, float[]> vectors = new HashMap<>();
  private final int dimensions;
  private final DataOutputStream out;

  private EmbeddingCache(int dimensions, DataOutputStream out) {
    this.dimensions = dimensions;
    this.out = out;
  }

  /** Opens (or creates) the cache file, reading what it holds. */
  static EmbeddingCache open(Path file, int dimensions) {
    try {
      if (file.getParent() != null) Files.createDirectories(file.getParent());
      EmbeddingCache cache = new EmbeddingCache(dimensions, null);
      if (Files.exists(file)) {
        // A run stopped mid-write leaves part of a record; cut it off so that appends stay aligned.
        long record = 32L + (long) dimensions * Float.BYTES;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
          ch.truncate(ch.size() / record * record);
        }
        cache.load(file);
      }
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
          Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)));
      EmbeddingCache opened = new EmbeddingCache(dimensions, out);
      opened.vectors.putAll(cache.vectors);
      return opened;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the embedding cache " + file + ": " + e.getMessage(), e);
    }
  }

  /** A cache that keeps nothing. */
  static EmbeddingCache none(int dimensions) {
    return new EmbeddingCache(dimensions, null);
  }

  int size() {
    return vectors.size();
  }

  Optional<float[]> get(String text) {
    return Optional.ofNullable(vectors.get(key(text)));
  }

  void put(String text, float[] vector) {
    if (vector.length != dimensions) throw new IllegalArgumentException("expected " + dimensions + " dimensions");
    String key = key(text);
    if (vectors.put(key, vector) != null || out == null) return;
    try {
      out.write(HexFormat.of().parseHex(key));
      for (float f : vector) out.writeFloat(f);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the embedding cache: " + e.getMessage(), e);
    }
  }

  private void load(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      byte[] hash = new byte[32];
      while (true) {
        float[] v = new float[dimensions];
        try {
          in.readFully(hash);
          for (int i = 0; i < dimensions; i++) v[i] = in.readFloat();
        } catch (EOFException e) {
          return;
        }
        vectors.put(HexFormat.of().formatHex(hash), v);
      }
    }
  }

  private static String key(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  @Override
  public void close() {
    if (out == null) return;
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the embedding cache: " + e.getMessage(), e);
    }
  }
}
