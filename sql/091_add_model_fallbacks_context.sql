-- Context-window fallbacks (issue 12): when a model answers that the prompt
-- is longer than its context window, these config/model names (typically a
-- model with a larger window) are tried next, in order. NULL: none.
ALTER TABLE model_fallbacks ADD COLUMN context_fallbacks TEXT NULL;
