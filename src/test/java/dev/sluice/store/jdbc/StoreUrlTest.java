package dev.sluice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StoreUrlTest {

  @Test
  void anSqlitePathIsRelativeToTheWorkingDirectoryAndSyncsNormallyByDefault() {
    assertThat(StoreUrl.parse("sqlite:data/sluice.db")).isEqualTo(new StoreUrl.Sqlite(Path.of("data/sluice.db"), false));
    assertThat(StoreUrl.parse(StoreUrl.DEFAULT)).isEqualTo(new StoreUrl.Sqlite(Path.of("data/sluice.db"), false));
    assertThat(StoreUrl.parse("sqlite:/var/lib/sluice/s.db?sync=full"))
        .isEqualTo(new StoreUrl.Sqlite(Path.of("/var/lib/sluice/s.db"), true));
    assertThat(StoreUrl.parse("sqlite:/var/lib/sluice/s.db?sync=full").describe())
        .isEqualTo("sqlite:/var/lib/sluice/s.db?sync=full");
  }

  @Test
  void aPostgresUrlTakesItsCredentialsFromTheQueryOrTheUserInfo() {
    assertThat(StoreUrl.parse("postgresql://db.internal:6432/sluice?user=gw&password=p%40ss+word&schema=prod"))
        .isEqualTo(new StoreUrl.Postgres("db.internal", 6432, "sluice", "gw", "p@ss+word", "prod", null));
    assertThat(StoreUrl.parse("postgres://gw:s3cret@127.0.0.1/sluice?sslmode=require"))
        .isEqualTo(new StoreUrl.Postgres("127.0.0.1", 5432, "sluice", "gw", "s3cret", null, "require"));
    assertThat(StoreUrl.parse("postgresql://[::1]:5432/test?user=postgres"))
        .isEqualTo(new StoreUrl.Postgres("::1", 5432, "test", "postgres", null, null, null));
  }

  @Test
  void aPostgresUrlIsDescribedWithoutItsPassword() {
    StoreUrl url = StoreUrl.parse("postgresql://h:5432/db?user=gw&password=hunter2&schema=s");

    assertThat(url.describe()).isEqualTo("postgresql://h:5432/db?user=gw&schema=s");
    assertThat(url.toString()).doesNotContain("hunter2");
  }

  @Test
  void anythingElseIsRefusedWithWhatIsAccepted() {
    assertThatThrownBy(() -> StoreUrl.parse("mysql://h/db")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sqlite:PATH").hasMessageContaining("postgresql://");
    assertThatThrownBy(() -> StoreUrl.parse("")).hasMessageContaining("sqlite:data/sluice.db");
    assertThatThrownBy(() -> StoreUrl.parse("sqlite:")).hasMessageContaining("names no file");
    assertThatThrownBy(() -> StoreUrl.parse("sqlite:a.db?sync=sometimes")).hasMessageContaining("'normal'");
    assertThatThrownBy(() -> StoreUrl.parse("sqlite:a.db?journal=off")).hasMessageContaining("accepted: sync");
    assertThatThrownBy(() -> StoreUrl.parse("postgresql://h/db")).hasMessageContaining("no user");
    assertThatThrownBy(() -> StoreUrl.parse("postgresql://h/?user=u")).hasMessageContaining("no database");
    assertThatThrownBy(() -> StoreUrl.parse("postgresql://h/db?user=u&schema=a;drop")).hasMessageContaining("schema");
  }

  @Test
  void aRefusedUrlIsQuotedWithoutItsPassword() {
    assertThatThrownBy(() -> StoreUrl.parse("postgresql://h/db?user=u&password=hunter2&pool=3"))
        .hasMessageContaining("unknown parameter 'pool'").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> StoreUrl.parse("postgresql://u:hunter2@h/?x=1")).hasMessageNotContaining("hunter2");
  }
}
