-- Agent runs. A run is identified by (tenant, id): two tenants using the same id never share one.
-- Its calls, tokens and cost are the usage records of the run (usage_records.run); these tables
-- hold what the ledger does not: the run's place in a tree of sub-runs, whether it was stopped,
-- and the guard's verdicts.
CREATE TABLE runs (
  tenant      TEXT        NOT NULL,
  id          TEXT        NOT NULL,
  parent      TEXT,
  depth       INTEGER     NOT NULL,
  started_at  TIMESTAMPTZ NOT NULL,
  stopped_at  TIMESTAMPTZ,
  PRIMARY KEY (tenant, id)
);

-- One row per verdict of the run guard: a warning, a slow-down or a refusal.
CREATE TABLE run_verdicts (
  tenant     TEXT        NOT NULL,
  run        TEXT        NOT NULL,
  request_id TEXT        NOT NULL,
  time       TIMESTAMPTZ NOT NULL,
  verdict    TEXT        NOT NULL,
  reason     TEXT        NOT NULL,
  detail     TEXT        NOT NULL
);
CREATE INDEX run_verdicts_run ON run_verdicts (tenant, run, time);

-- A tenant's run limits, over the config's defaults: the keys it sets, as JSON text.
CREATE TABLE run_policies (
  tenant     TEXT        NOT NULL PRIMARY KEY,
  policy     TEXT        NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
