-- Only calls that belong to an agent run are found by run: the run index holds those rows alone,
-- so recording a call outside any run does not pay for an index entry it never needs. A lookup
-- by run (run = ?) implies run IS NOT NULL, so it still uses the index.
DROP INDEX usage_records_run;
CREATE INDEX usage_records_run ON usage_records (tenant, run, time) WHERE run IS NOT NULL;
