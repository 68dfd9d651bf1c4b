package dev.sluice.cascade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.cascade.RouterTraining.Settings;
import dev.sluice.cascade.RouterTraining.Shortfall;
import dev.sluice.cascade.RouterTraining.Validated;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the router's hyper-parameters are chosen from their cross-validation. */
class RouterTrainingTest {
  private static Validated validated(double temperature, double penalty, double interactionPenalty,
      double... foldQualities) {
    return new Validated(new Settings(temperature, penalty, interactionPenalty), foldQualities);
  }

  @Test
  void regularisationCountsLowerTemperaturesAndHigherPenaltiesAsSmoother() {
    assertThat(new Settings(20, 1, 3).regularisation()).isZero();
    assertThat(new Settings(5, 3, 30).regularisation()).isEqualTo(5);
    assertThat(new Settings(10, 3, 10).regularisation()).isEqualTo(3);
  }

  @Test
  void theShortfallIsComparedFoldByFold() {
    Validated best = validated(10, 1, 3, 0.95, 0.96, 0.94, 0.95, 0.95);
    Validated other = validated(10, 3, 3, 0.94, 0.96, 0.93, 0.95, 0.94);
    Shortfall shortfall = other.shortfallFrom(best);
    // Differences 0.01, 0, 0.01, 0, 0.01: mean 0.006, sample variance 0.00003.
    assertThat(shortfall.mean()).isCloseTo(0.006, within(1e-12));
    assertThat(shortfall.standardError()).isCloseTo(Math.sqrt(0.00003) / Math.sqrt(5), within(1e-12));
    assertThat(shortfall.withinOneStandardError()).isFalse();
  }

  @Test
  void theMostRegularisedCandidateWithinOneStandardErrorOfTheBestIsChosen() {
    Validated best = validated(10, 1, 3, 0.950, 0.960, 0.940, 0.950, 0.950);
    // Short of the best by 0.002 on average, with a standard error of about 0.0027: as good.
    Validated smoother = validated(10, 3, 10, 0.956, 0.955, 0.940, 0.949, 0.940);
    // As regularised, as good, but a lower mean.
    Validated asSmoothButWorse = validated(5, 1, 10, 0.956, 0.954, 0.940, 0.948, 0.940);
    // Short by 0.002 on every fold: the folds agree that it is worse.
    Validated smoothestButWorse = validated(5, 3, 30, 0.948, 0.958, 0.938, 0.948, 0.948);
    Validated lessSmooth = validated(20, 3, 3, 0.951, 0.959, 0.941, 0.949, 0.949);

    Validated chosen = RouterTraining.choose(List.of(best, smoother, asSmoothButWorse, smoothestButWorse, lessSmooth));

    assertThat(smoother.shortfallFrom(best).withinOneStandardError()).isTrue();
    assertThat(asSmoothButWorse.shortfallFrom(best).withinOneStandardError()).isTrue();
    assertThat(smoothestButWorse.shortfallFrom(best).withinOneStandardError()).isFalse();
    assertThat(chosen).isSameAs(smoother);
  }

  @Test
  void withNoOtherCandidateWithinOneStandardErrorTheBestIsChosen() {
    Validated best = validated(20, 1, 3, 0.95, 0.96, 0.94, 0.95, 0.95);
    Validated smoother = validated(5, 3, 30, 0.949, 0.958, 0.939, 0.948, 0.949);

    assertThat(RouterTraining.choose(List.of(smoother, best))).isSameAs(best);
  }
}
