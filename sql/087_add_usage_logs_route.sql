-- Which targets a request tried and why each was left (issue 12): e.g.
-- "openai/gpt-4o: 503 provider_error; openrouter/openai/gpt-4o: ok". NULL for
-- requests refused before any target was tried.
ALTER TABLE aggregator_usage_logs ADD COLUMN route VARCHAR(1024) NULL;
