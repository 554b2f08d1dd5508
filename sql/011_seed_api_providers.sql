-- The provider catalog. Idempotent: re-running refreshes metadata, keeps is_active.
INSERT INTO api_providers
  (name, display_name, provider_type, api_format, base_url, docs_url, keys_url,
   supports_streaming, supports_vision, supports_functions, supports_audio)
VALUES
  ('openai',     'OpenAI',            'direct',     'openai',    'https://api.openai.com/v1',
   'https://platform.openai.com/docs/api-reference', 'https://platform.openai.com/api-keys', 1, 1, 1, 1),
  ('anthropic',  'Anthropic',         'direct',     'anthropic', 'https://api.anthropic.com',
   'https://docs.anthropic.com/en/api/messages', 'https://console.anthropic.com/settings/keys', 1, 1, 1, 0),
  ('google',     'Google Gemini',     'direct',     'gemini',    'https://generativelanguage.googleapis.com',
   'https://ai.google.dev/api', 'https://aistudio.google.com/app/apikey', 1, 1, 1, 1),
  ('xai',        'xAI',               'direct',     'openai',    'https://api.x.ai/v1',
   'https://docs.x.ai/docs/api-reference', 'https://console.x.ai', 1, 1, 1, 0),
  ('openrouter', 'OpenRouter',        'aggregator', 'openai',    'https://openrouter.ai/api/v1',
   'https://openrouter.ai/docs/api-reference/overview', 'https://openrouter.ai/settings/keys', 1, 1, 1, 1),
  ('aihubmix',   'AiHubMix',          'aggregator', 'openai',    'https://aihubmix.com/v1',
   'https://doc.aihubmix.com', 'https://aihubmix.com/token', 1, 1, 1, 1),
  ('custom',     'Custom (OpenAI-compatible)', 'direct', 'openai', '',
   'https://platform.openai.com/docs/api-reference/chat', NULL, 1, 0, 1, 0)
ON DUPLICATE KEY UPDATE
  display_name = VALUES(display_name), provider_type = VALUES(provider_type),
  api_format = VALUES(api_format), base_url = VALUES(base_url), docs_url = VALUES(docs_url),
  keys_url = VALUES(keys_url), supports_streaming = VALUES(supports_streaming),
  supports_vision = VALUES(supports_vision), supports_functions = VALUES(supports_functions),
  supports_audio = VALUES(supports_audio);
