package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sim.calibrate.Faithfulness;
import dev.sluice.sim.profile.CalibrationPoint;
import dev.sluice.sim.profile.ProfileLoader;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guards the faithfulness table of docs/emulator.md: at every calibration point of every shipped
 * profile, the emulated figure (virtual time, fixed seed) is within the point's tolerance of the
 * published one (15% for fitted points), or below the bound for bound checks.
 */
class SimFaithfulnessTest {

  static List<String> profiles() {
    return ProfileLoader.SHIPPED;
  }

  @ParameterizedTest
  @MethodSource("profiles")
  void emulatedFiguresMatchThePublishedOnes(String name) {
    List<Faithfulness.Row> rows = Faithfulness.check(ProfileLoader.load(name));
    assertThat(rows).isNotEmpty();
    for (Faithfulness.Row r : rows) {
      CalibrationPoint p = r.point();
      if (p.check() == CalibrationPoint.Check.WITHIN) assertThat(p.tolerance()).isLessThanOrEqualTo(0.15);
      assertThat(r.passes())
          .as("%s %s %s: published %s, emulated %.3f (%+.1f%%)", name, p.row(), p.note(), p.published(), r.emulated(), r.deviation() * 100)
          .isTrue();
    }
  }
}
