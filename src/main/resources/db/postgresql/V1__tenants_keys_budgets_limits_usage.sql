-- Sluice's store on PostgreSQL. Times are timestamptz; amounts are BIGINT nano-dollars; lists
-- and maps are JSON text.

CREATE TABLE tenants (
  id         TEXT        NOT NULL PRIMARY KEY,
  name       TEXT        NOT NULL UNIQUE,
  plan       TEXT,
  created_at TIMESTAMPTZ NOT NULL
);

-- The built-in tenant that calls made with the admin key belong to.
INSERT INTO tenants (id, name, plan, created_at)
VALUES ('ten_default', 'default', NULL, date_trunc('second', now()));

-- Only the SHA-256 of a key's secret is stored, never the secret.
CREATE TABLE api_keys (
  id         TEXT        NOT NULL PRIMARY KEY,
  tenant     TEXT        NOT NULL REFERENCES tenants (name),
  name       TEXT        NOT NULL,
  hash       TEXT        NOT NULL UNIQUE,
  hint       TEXT        NOT NULL,
  models     TEXT        NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ,
  revoked_at TIMESTAMPTZ
);
CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at);

CREATE TABLE budgets (
  id           TEXT        NOT NULL PRIMARY KEY,
  scope        TEXT        NOT NULL,
  tenant       TEXT        NOT NULL REFERENCES tenants (name),
  target       TEXT,
  amount_nanos BIGINT      NOT NULL,
  period       TEXT        NOT NULL,
  action       TEXT        NOT NULL,
  alert_at     TEXT        NOT NULL,
  webhook      TEXT,
  created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX budgets_tenant ON budgets (tenant);

-- One row per alert sent: the primary key makes "send once" hold across replicas.
CREATE TABLE budget_alerts (
  budget_id     TEXT        NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
  period_start  TIMESTAMPTZ NOT NULL,
  threshold_ppm BIGINT      NOT NULL,
  alerted_at    TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (budget_id, period_start, threshold_ppm)
);

CREATE TABLE rate_limits (
  id     TEXT   NOT NULL PRIMARY KEY,
  scope  TEXT   NOT NULL,
  tenant TEXT   NOT NULL REFERENCES tenants (name),
  target TEXT,
  model  TEXT,
  rpm    BIGINT NOT NULL,
  tpm    BIGINT NOT NULL
);
CREATE INDEX rate_limits_tenant ON rate_limits (tenant);

-- The usage ledger: one row per client request. No foreign key to tenants: a record is history
-- and is kept whatever happens to the tenant (and tenants declared in the config have no row).
CREATE TABLE usage_records (
  id                  BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time                TIMESTAMPTZ NOT NULL,
  request_id          TEXT        NOT NULL UNIQUE,
  tenant              TEXT        NOT NULL,
  key_id              TEXT,
  feature             TEXT,
  end_user            TEXT,
  run                 TEXT,
  tags                TEXT        NOT NULL,
  operation           TEXT,
  model_asked         TEXT,
  model_served        TEXT,
  deployment          TEXT,
  provider            TEXT,
  pool                TEXT,
  input_tokens        BIGINT      NOT NULL,
  cached_input_tokens BIGINT      NOT NULL,
  cache_write_tokens  BIGINT      NOT NULL,
  output_tokens       BIGINT      NOT NULL,
  reasoning_tokens    BIGINT      NOT NULL,
  cost_nanos          BIGINT      NOT NULL,
  charge_nanos        BIGINT      NOT NULL,
  priced              BOOLEAN     NOT NULL,
  cache_status        TEXT,
  avoided_nanos       BIGINT      NOT NULL,
  mechanism           TEXT,
  latency_micros      BIGINT      NOT NULL,
  ttft_micros         BIGINT      NOT NULL,
  status              INTEGER     NOT NULL,
  error_code          TEXT,
  error_class         TEXT,
  attempts            TEXT
);
CREATE INDEX usage_records_time ON usage_records (time);
CREATE INDEX usage_records_tenant_time ON usage_records (tenant, time);
CREATE INDEX usage_records_run ON usage_records (tenant, run, time);
