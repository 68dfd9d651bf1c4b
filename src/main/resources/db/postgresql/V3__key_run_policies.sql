-- An API key's run limits, over its tenant's: the keys it sets, as JSON text. A key's policy can
-- only tighten its tenant's; the run guard takes the stricter of the two for each limit.
CREATE TABLE key_run_policies (
  key_id     TEXT        NOT NULL PRIMARY KEY,
  policy     TEXT        NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
