// Model lists served by the mock upstream, one builder per family, in each API's own shape.
// Builders accept an override array (set through PUT /_mock/models/{family}) that replaces
// the default items; the envelope stays the family's real one.

const CREATED = 1715367049;

/* ------------------------------------------------------------ OpenAI-like */

const OPENAI_IDS = {
  openai: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4-turbo', 'gpt-3.5-turbo', 'o3-mini', 'o1',
    'text-embedding-3-small', 'text-embedding-3-large', 'dall-e-3', 'whisper-1', 'tts-1'],
  xai: ['grok-2-1212', 'grok-2-vision-1212', 'grok-3', 'grok-3-mini', 'grok-beta'],
};

export function openaiList(family, override) {
  if (override) return { object: 'list', data: override };
  const ids = OPENAI_IDS[family] || ['llama3', 'llama3:70b', 'mistral', 'qwen2.5', 'nomic-embed-text'];
  const owner = family === 'openai' ? 'system' : family === 'xai' ? 'xai' : family;
  return { object: 'list', data: ids.map((id, i) => ({ id, object: 'model', created: CREATED + i * 86400, owned_by: owner })) };
}

/* -------------------------------------------------------------- OpenRouter */

function orModel(id, name, o) {
  const ctx = o.context ?? 128000;
  const inMods = o.inputs ?? ['text'];
  return {
    id, canonical_slug: id, hugging_face_id: '', name, created: o.created ?? CREATED,
    description: o.description ?? `${name} served by the mock OpenRouter.`,
    context_length: ctx,
    architecture: { modality: `${inMods.join('+')}->text`, input_modalities: inMods, output_modalities: ['text'],
      tokenizer: o.tokenizer ?? 'Other', instruct_type: null },
    pricing: { prompt: o.prompt, completion: o.completion, request: '0', image: '0', web_search: '0',
      internal_reasoning: '0', ...(o.cacheRead ? { input_cache_read: o.cacheRead } : {}),
      ...(o.cacheWrite ? { input_cache_write: o.cacheWrite } : {}) },
    top_provider: { context_length: ctx, max_completion_tokens: o.maxOut ?? 16384, is_moderated: o.moderated ?? false },
    per_request_limits: null,
    supported_parameters: o.params ?? ['max_tokens', 'temperature', 'top_p', 'stop', 'tools', 'tool_choice', 'response_format'],
  };
}

const OR_FIXED = [
  orModel('anthropic/claude-3.5-sonnet', 'Anthropic: Claude 3.5 Sonnet', { prompt: '0.000003', completion: '0.000015',
    cacheRead: '0.0000003', cacheWrite: '0.00000375', context: 200000, maxOut: 8192, inputs: ['text', 'image'],
    tokenizer: 'Claude', moderated: true }),
  orModel('openai/gpt-4o', 'OpenAI: GPT-4o', { prompt: '0.0000025', completion: '0.00001', cacheRead: '0.00000125',
    context: 128000, maxOut: 16384, inputs: ['text', 'image', 'file'], tokenizer: 'GPT', moderated: true }),
  orModel('openai/gpt-4o-mini', 'OpenAI: GPT-4o-mini', { prompt: '0.00000015', completion: '0.0000006',
    cacheRead: '0.000000075', context: 128000, maxOut: 16384, inputs: ['text', 'image'], tokenizer: 'GPT', moderated: true }),
  orModel('meta-llama/llama-3.1-8b-instruct:free', 'Meta: Llama 3.1 8B Instruct (free)', { prompt: '0', completion: '0',
    context: 131072, maxOut: 4096, tokenizer: 'Llama3', params: ['max_tokens', 'temperature', 'top_p'] }),
  orModel('openrouter/auto', 'Auto Router', { prompt: '-1', completion: '-1', context: 2000000, maxOut: null,
    description: 'Your prompt will be processed by a meta-model and routed to one of dozens of models.' }),
  orModel('google/gemini-flash-1.5-8b', 'Google: Gemini 1.5 Flash 8B', { prompt: '0.0000000375', completion: '0.00000015',
    cacheRead: '0.00000001', context: 1000000, maxOut: 8192, inputs: ['text', 'image'], tokenizer: 'Gemini' }),
  orModel('deepseek/deepseek-chat', 'DeepSeek: DeepSeek V3', { prompt: '0.00000038', completion: '0.00000089',
    context: 163840, maxOut: 163840, tokenizer: 'DeepSeek' }),
];

let orDefault = null;
function openrouterDefault() {
  if (orDefault) return orDefault;
  const vendors = ['mistralai', 'qwen', 'cohere', 'nousresearch', 'microsoft', 'amazon', 'x-ai', 'perplexity', 'ai21', 'thudm'];
  const gen = [];
  for (let i = 1; i <= 300; i++) {
    const v = vendors[i % vendors.length];
    const prompt = ((i % 40) + 1) * 25; // in 1e-9 USD per token
    const completion = prompt * 4;
    const fmt = (n) => (n / 1e9).toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
    gen.push(orModel(`${v}/mock-model-${String(i).padStart(3, '0')}`, `${v}: Mock Model ${i}`, {
      prompt: fmt(prompt), completion: fmt(completion), context: [8192, 32768, 65536, 131072][i % 4],
      maxOut: [4096, 8192, 16384][i % 3], inputs: i % 5 === 0 ? ['text', 'image'] : ['text'],
      params: i % 3 === 0 ? ['max_tokens', 'temperature'] : ['max_tokens', 'temperature', 'tools', 'tool_choice'],
      created: CREATED - i * 3600,
    }));
  }
  orDefault = OR_FIXED.concat(gen);
  return orDefault;
}

/* What OpenRouter charges for a request to a listed model (USD, its usage.cost):
 * uncached prompt tokens, cached ones at the cache price, completion tokens. */
export function openrouterCost(model, prompt, cached, completion) {
  const m = openrouterDefault().find((x) => x.id === model);
  const p = m ? Number(m.pricing.prompt) : 0, c = m ? Number(m.pricing.completion) : 0;
  if (p < 0 || c < 0) return 0;
  const cr = m && m.pricing.input_cache_read ? Number(m.pricing.input_cache_read) : p;
  return Number(((prompt - cached) * p + cached * cr + completion * c).toFixed(9));
}

export function openrouterList(override) {
  return { data: override ?? openrouterDefault() };
}

/* ---------------------------------------------------------------- AiHubMix */

// Prices in the rich list are USD per 1K tokens (documented by AiHubMix), numbers.
const AHM_DEFAULT = [
  { model_id: 'gpt-4o-mini', desc: 'GPT-4o mini: fast, affordable small model.', pricing: { input: 0.00015, output: 0.0006, cache_read: 0.000075 },
    types: 'llm', features: 'tools,function_calling,structured_outputs', input_modalities: 'text,image', max_output: 16384, context_length: 128000 },
  { model_id: 'gpt-4o', desc: 'GPT-4o flagship multimodal model.', pricing: { input: 0.0025, output: 0.01, cache_read: 0.00125 },
    types: 'llm', features: 'tools,function_calling,structured_outputs', input_modalities: 'text,image', max_output: 16384, context_length: 128000 },
  { model_id: 'claude-3-5-sonnet-20241022', desc: 'Claude 3.5 Sonnet.', pricing: { input: 0.003, output: 0.015, cache_read: 0.0003, cache_write: 0.00375 },
    types: 'llm', features: 'thinking,tools,function_calling', input_modalities: 'text,image,pdf', max_output: 8192, context_length: 200000 },
  { model_id: 'gemini-2.0-flash', desc: 'Gemini 2.0 Flash.', pricing: { input: 0.0001, output: 0.0004 },
    types: 'llm', features: 'tools,function_calling,web,long_context', input_modalities: 'text,image,audio,video', max_output: 8192, context_length: 1048576 },
  { model_id: 'deepseek-r1', desc: 'DeepSeek R1 reasoning model.', pricing: { input: 0.00055, output: 0.00219 },
    types: 'llm', features: 'thinking', input_modalities: 'text', max_output: 32768, context_length: 65536 },
  { model_id: 'glm-4-flash-free', desc: 'Free GLM model.', pricing: { input: 0, output: 0 },
    types: 'llm', features: 'tools', input_modalities: 'text', max_output: 4096, context_length: 128000 },
  { model_id: 'text-embedding-3-small', desc: 'OpenAI embedding model.', pricing: { input: 0.00002, output: 0 },
    types: 'embedding', features: '', input_modalities: 'text', max_output: 0, context_length: 8191 },
  { model_id: 'dall-e-3', desc: 'Image generation.', pricing: { input: 0.04, output: 0 },
    types: 'image_generation', features: '', input_modalities: 'text', max_output: 0, context_length: 4000 },
];

function ahmRichItems(override) {
  if (!override) return AHM_DEFAULT;
  return override.map((m) => (m && m.model_id !== undefined ? m : {
    model_id: m && m.id, desc: '', pricing: { input: 0, output: 0 }, types: 'llm', features: '',
    input_modalities: 'text', max_output: 0, context_length: 0,
  }));
}

export function aihubmixRichList(override) {
  return { data: ahmRichItems(override), message: '', success: true };
}

export function aihubmixOpenaiList(override) {
  if (override && override.length && override[0] && override[0].model_id === undefined) return { object: 'list', data: override };
  return { object: 'list', data: ahmRichItems(override).map((m, i) => ({ id: m.model_id, object: 'model', created: CREATED + i, owned_by: 'aihubmix' })) };
}

/* --------------------------------------------------------------- Anthropic */

let anthDefault = null;
export function anthropicModels() {
  if (anthDefault) return anthDefault;
  const real = [
    ['claude-opus-4-1-20250805', 'Claude Opus 4.1', '2025-08-05'],
    ['claude-opus-4-20250514', 'Claude Opus 4', '2025-05-22'],
    ['claude-sonnet-4-20250514', 'Claude Sonnet 4', '2025-05-22'],
    ['claude-3-7-sonnet-20250219', 'Claude Sonnet 3.7', '2025-02-24'],
    ['claude-3-5-sonnet-20241022', 'Claude Sonnet 3.5 (New)', '2024-10-22'],
    ['claude-3-5-haiku-20241022', 'Claude Haiku 3.5', '2024-10-22'],
    ['claude-3-5-sonnet-20240620', 'Claude Sonnet 3.5 (Old)', '2024-06-20'],
    ['claude-3-haiku-20240307', 'Claude Haiku 3', '2024-03-07'],
    ['claude-3-opus-20240229', 'Claude Opus 3', '2024-02-29'],
  ];
  const out = real.map(([id, display_name, d]) => ({ type: 'model', id, display_name, created_at: `${d}T00:00:00Z` }));
  for (let i = 1; out.length < 25; i++) {
    const day = String(28 - i).padStart(2, '0');
    out.push({ type: 'model', id: `claude-mock-${String(i).padStart(2, '0')}-202401${day}`, display_name: `Claude Mock ${i}`, created_at: `2024-01-${day}T00:00:00Z` });
  }
  anthDefault = out;
  return out;
}

/* ------------------------------------------------------------------ Gemini */

let gemDefault = null;
export function geminiModels() {
  if (gemDefault) return gemDefault;
  const gen = ['generateContent', 'countTokens'];
  const mk = (id, displayName, inLim, outLim, methods = gen, extra = {}) => ({
    name: `models/${id}`, version: '001', displayName, description: `${displayName} (mock).`,
    inputTokenLimit: inLim, outputTokenLimit: outLim, supportedGenerationMethods: methods,
    ...(methods.includes('generateContent') ? { temperature: 1, topP: 0.95, topK: 64, maxTemperature: 2 } : {}),
    ...extra,
  });
  const out = [
    mk('gemini-1.5-pro', 'Gemini 1.5 Pro', 2000000, 8192, ['generateContent', 'countTokens', 'createCachedContent']),
    mk('gemini-1.5-flash', 'Gemini 1.5 Flash', 1000000, 8192, ['generateContent', 'countTokens', 'createCachedContent']),
    mk('gemini-1.5-flash-8b', 'Gemini 1.5 Flash-8B', 1000000, 8192),
    mk('gemini-2.0-flash', 'Gemini 2.0 Flash', 1048576, 8192),
    mk('gemini-2.0-flash-lite', 'Gemini 2.0 Flash-Lite', 1048576, 8192),
    mk('gemini-2.5-pro', 'Gemini 2.5 Pro', 1048576, 65536, gen, { thinking: true }),
    mk('gemini-2.5-flash', 'Gemini 2.5 Flash', 1048576, 65536, gen, { thinking: true }),
    mk('text-embedding-004', 'Text Embedding 004', 2048, 1, ['embedContent']),
    mk('gemini-embedding-001', 'Gemini Embedding 001', 2048, 1, ['embedContent', 'countTokens', 'countTextTokens']),
    mk('aqa', 'Model that performs Attributed Question Answering.', 7168, 1024, ['generateAnswer']),
  ];
  for (let i = 1; out.length < 30; i++) {
    out.push(mk(`gemini-mock-${String(i).padStart(2, '0')}`, `Gemini Mock ${i}`, 32768 * i, 8192));
  }
  gemDefault = out;
  return out;
}

/* ---------------------------------------------------------------- oversize */

let oversize = null;
export function oversizeBuffer() {
  if (oversize) return oversize;
  const pad = 'x'.repeat(220);
  const parts = ['{"object":"list","data":['];
  const n = 100000; // ~30 MB
  for (let i = 0; i < n; i++) {
    parts.push((i ? ',' : '') + `{"id":"oversize-${i}-${pad}","object":"model","created":${CREATED},"owned_by":"oversize"}`);
  }
  parts.push(']}');
  oversize = Buffer.from(parts.join(''));
  return oversize;
}
