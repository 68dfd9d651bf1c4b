package dev.sluice.accesslog;

import static dev.sluice.accesslog.ContentRedactor.EMAIL;
import static dev.sluice.accesslog.ContentRedactor.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ContentRedactorTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      an OpenAI key                 | my key is sk-proj-AbCdEf0123456789xyzXYZ please     | my key is [REDACTED_SECRET] please
      a legacy OpenAI key           | sk-0123456789abcdefghijABCDEFGHIJ0123456789abcd     | [REDACTED_SECRET]
      an Anthropic key              | use sk-ant-api03-abcDEF123_456-ghiJKL789 now        | use [REDACTED_SECRET] now
      a Sluice key                  | sk-sluice-9f8e7d6c5b4a39281706                      | [REDACTED_SECRET]
      a Stripe publishable key      | pk-live-1234567890abcdefghij                        | [REDACTED_SECRET]
      a GitHub token                | ghp_abcdefghijklmnopqrstuvwxyz0123456789            | [REDACTED_SECRET]
      a Slack token                 | xoxb-1234567890-abcdefghij                          | [REDACTED_SECRET]
      a Google API key              | AIzaSyA-1234567890abcdefghijklmnopqrstu             | [REDACTED_SECRET]
      an AWS access key id          | aws id AKIAIOSFODNN7EXAMPLE here                    | aws id [REDACTED_SECRET] here
      an AWS session key id         | ASIAY34FZKBOKMUTVV7A                                | [REDACTED_SECRET]
      a Bearer token                | curl -H 'x: Bearer abc.def-ghi_jkl~mno'              | curl -H 'x: Bearer [REDACTED_SECRET]'
      an Authorization header       | Authorization: Basic dXNlcjpwYXNz                   | Authorization: [REDACTED_SECRET]
      a JSON Web Token              | eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4 | [REDACTED_SECRET]
      password=                     | login?user=bob&password=hunter2&x=1                 | login?user=bob&password=[REDACTED_SECRET]&x=1
      a JSON password               | {"password": "correct horse battery"}               | {"password": "[REDACTED_SECRET]"}
      a YAML api_key                | api_key: abc123                                     | api_key: [REDACTED_SECRET]
      a suffixed secret name        | DB_PASSWORD='s3cr3t!'                               | DB_PASSWORD='[REDACTED_SECRET]'
      client_secret                 | client_secret = zzz                                 | client_secret = [REDACTED_SECRET]
      an access token               | access_token:xyz.123                                | access_token:[REDACTED_SECRET]
      a password in prose           | my password is hunter2, thanks                      | my password is [REDACTED_SECRET], thanks
      a URL with credentials        | postgres://admin:pa55@db.internal:5432/app          | postgres://[REDACTED_SECRET]@db.internal:5432/app
      a long hex token              | token of 0123456789abcdef0123456789abcdef here      | token of [REDACTED_SECRET] here
      a SHA-256                     | e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 | [REDACTED_SECRET]
      a base64 secret               | wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY            | [REDACTED_SECRET]
      an e-mail address             | write to jane.doe+news@example.co.uk today          | write to [REDACTED_EMAIL] today
      two e-mail addresses          | a@b.io, C.D@Mail.Example.ORG                        | [REDACTED_EMAIL], [REDACTED_EMAIL]
      """)
  void hidesSecretsAndAddresses(String kind, String text, String redacted) {
    assertThat(ContentRedactor.redact(text)).as(kind).isEqualTo(redacted);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      plain prose                    | The capital of France is Paris.
      tokens are not secrets         | The answer used 1024 tokens; max_tokens: 256 and prompt_tokens=12.
      a token in prose               | A token is a piece of a word.
      a long ordinary word           | Pneumonoultramicroscopicsilicovolcanoconiosis is a long word
      a lower-case identifier        | the_quick_brown_fox_jumps_over_the_lazy_dog_again
      a short hex number             | colour #ff00ff and id 0xdeadbeef
      a URL without credentials      | see https://example.com/docs/page?q=1
      an at sign without a domain    | ping @channel at 5pm
      a secretary                    | the secretary: Bob
      """)
  void leavesOrdinaryTextAlone(String kind, String text) {
    assertThat(ContentRedactor.redact(text)).as(kind).isEqualTo(text);
  }

  @Test
  void hidesAPrivateKeyBlockWhole() {
    String pem = "here:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----\nbye";
    assertThat(ContentRedactor.redact(pem)).isEqualTo("here:\n" + SECRET + "\nbye");
  }

  @Test
  void hidesEverySecretInALongerText() {
    String text = "Hi, I'm jane@corp.com. Our key sk-live-abcdefghijklmnop1234 and AKIAIOSFODNN7EXAMPLE leaked; "
        + "password: hunter2.";
    assertThat(ContentRedactor.redact(text)).isEqualTo("Hi, I'm " + EMAIL + ". Our key " + SECRET + " and " + SECRET
        + " leaked; password: " + SECRET);
  }

  @Test
  void redactsEveryStringOfAJsonTreeButNotItsKeysOrNumbers() throws Exception {
    JsonNode messages = Json.MAPPER.readTree("""
        [{"role": "system", "content": "secret=abc"},
         {"role": "user", "content": [{"type": "text", "text": "mail bob@example.com"}], "n": 2}]""");
    JsonNode redacted = ContentRedactor.redact(messages);
    assertThat(redacted.toString()).isEqualTo("[{\"role\":\"system\",\"content\":\"secret=" + SECRET + "\"},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"mail " + EMAIL + "\"}],\"n\":2}]");
    assertThat(messages.toString()).as("the original is untouched").contains("bob@example.com");
  }

  @Test
  void redactingTwiceChangesNothingMore() {
    String once = ContentRedactor.redact("sk-abcdefghijklmnop1234 jane@x.org password=a");
    assertThat(ContentRedactor.redact(once)).isEqualTo(once);
  }
}
