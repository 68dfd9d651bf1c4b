-- Sluice's store on SQLite. Times are INTEGER microseconds since the epoch (UTC); amounts are
-- INTEGER nano-dollars; lists and maps are JSON text.

CREATE TABLE tenants (
  id         TEXT    NOT NULL PRIMARY KEY,
  name       TEXT    NOT NULL UNIQUE,
  plan       TEXT,
  created_at INTEGER NOT NULL
);

-- The built-in tenant that calls made with the admin key belong to.
INSERT INTO tenants (id, name, plan, created_at)
VALUES ('ten_default', 'default', NULL, CAST(strftime('%s', 'now') AS INTEGER) * 1000000);

-- Only the SHA-256 of a key's secret is stored, never the secret.
CREATE TABLE api_keys (
  id         TEXT    NOT NULL PRIMARY KEY,
  tenant     TEXT    NOT NULL REFERENCES tenants (name),
  name       TEXT    NOT NULL,
  hash       TEXT    NOT NULL UNIQUE,
  hint       TEXT    NOT NULL,
  models     TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at);

CREATE TABLE budgets (
  id           TEXT    NOT NULL PRIMARY KEY,
  scope        TEXT    NOT NULL,
  tenant       TEXT    NOT NULL REFERENCES tenants (name),
  target       TEXT,
  amount_nanos INTEGER NOT NULL,
  period       TEXT    NOT NULL,
  action       TEXT    NOT NULL,
  alert_at     TEXT    NOT NULL,
  webhook      TEXT,
  created_at   INTEGER NOT NULL
);
CREATE INDEX budgets_tenant ON budgets (tenant);

-- One row per alert sent: the primary key makes "send once" hold across replicas.
CREATE TABLE budget_alerts (
  budget_id     TEXT    NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
  period_start  INTEGER NOT NULL,
  threshold_ppm INTEGER NOT NULL,
  alerted_at    INTEGER NOT NULL,
  PRIMARY KEY (budget_id, period_start, threshold_ppm)
);

CREATE TABLE rate_limits (
  id     TEXT    NOT NULL PRIMARY KEY,
  scope  TEXT    NOT NULL,
  tenant TEXT    NOT NULL REFERENCES tenants (name),
  target TEXT,
  model  TEXT,
  rpm    INTEGER NOT NULL,
  tpm    INTEGER NOT NULL
);
CREATE INDEX rate_limits_tenant ON rate_limits (tenant);

-- The usage ledger: one row per client request. No foreign key to tenants: a record is history
-- and is kept whatever happens to the tenant (and tenants declared in the config have no row).
CREATE TABLE usage_records (
  id                  INTEGER NOT NULL PRIMARY KEY,
  time                INTEGER NOT NULL,
  request_id          TEXT    NOT NULL UNIQUE,
  tenant              TEXT    NOT NULL,
  key_id              TEXT,
  feature             TEXT,
  end_user            TEXT,
  run                 TEXT,
  tags                TEXT    NOT NULL,
  operation           TEXT,
  model_asked         TEXT,
  model_served        TEXT,
  deployment          TEXT,
  provider            TEXT,
  pool                TEXT,
  input_tokens        INTEGER NOT NULL,
  cached_input_tokens INTEGER NOT NULL,
  cache_write_tokens  INTEGER NOT NULL,
  output_tokens       INTEGER NOT NULL,
  reasoning_tokens    INTEGER NOT NULL,
  cost_nanos          INTEGER NOT NULL,
  charge_nanos        INTEGER NOT NULL,
  priced              INTEGER NOT NULL,
  cache_status        TEXT,
  avoided_nanos       INTEGER NOT NULL,
  mechanism           TEXT,
  latency_micros      INTEGER NOT NULL,
  ttft_micros         INTEGER NOT NULL,
  status              INTEGER NOT NULL,
  error_code          TEXT,
  error_class         TEXT,
  attempts            TEXT
);
CREATE INDEX usage_records_time ON usage_records (time);
CREATE INDEX usage_records_tenant_time ON usage_records (tenant, time);
CREATE INDEX usage_records_run ON usage_records (tenant, run, time);
