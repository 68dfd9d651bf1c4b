package dev.sluice.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --embedding-cache FILE}, shared by the commands that embed labelled prompts. */
final class EmbeddingCacheOption {
  @Option(names = "--embedding-cache", paramLabel = "FILE",
      description = "keep prompt embeddings in FILE, so a second run does not embed again")
  Path file;
}
