// catalog.mjs — the catalog data paths of issue 14, against the bench stack
// of bench/usage.sh: a sync of a 400-model OpenRouter-shaped list (first
// sync, a re-sync with nothing changed, a re-sync with every price changed)
// and GET /api/models and GET /v1/models for a user with 1,000 models.
// Sequential requests, one client; prints a Markdown table.
import { newUser, gatewayKey, mock, MOCK } from '../tests/integration/lib.mjs';
import { time, stats } from './timing.mjs';

const N = Number(process.env.REPEAT ?? 20);

// OpenRouter's list shape (tests/mock-upstream/lists.mjs), prices per token as text.
const orModel = (i, cents) => ({
  id: `vendor${i % 20}/bench-model-${String(i).padStart(3, '0')}`, canonical_slug: `vendor${i % 20}/bench-model-${i}`,
  name: `Vendor ${i % 20}: Bench Model ${i}`, created: 1730000000 - i * 60, description: 'A model for the catalog bench.',
  context_length: [8192, 32768, 131072][i % 3],
  architecture: { modality: 'text->text', input_modalities: ['text'], output_modalities: ['text'], tokenizer: 'Other', instruct_type: null },
  pricing: { prompt: (cents * (1 + i % 7) / 1e8).toFixed(9), completion: (cents * 4 * (1 + i % 7) / 1e8).toFixed(9), request: '0', image: '0', web_search: '0', internal_reasoning: '0' },
  top_provider: { context_length: 131072, max_completion_tokens: 8192, is_moderated: false },
  per_request_limits: null, supported_parameters: ['max_tokens', 'temperature', 'tools', 'tool_choice'],
});
const openaiModel = (i) => ({ id: `bench-local-${String(i).padStart(3, '0')}`, object: 'model', created: 1715367049, owned_by: 'bench' });

const rows = [];
const row = (label, ms, answer) => {
  const st = stats(ms);
  rows.push(`| ${label} | ${st.median.toFixed(1)} | ${st.p95.toFixed(1)} | ${st.max.toFixed(1)} | ${answer} |`);
};

const u = await newUser('catbench');
await u.post('/api/provider-configs/openrouter', { api_key: 'sk-or-bench-0001', base_url: `${MOCK}/openrouter/api/v1`, validate: false });
const sync = (name) => time(async () => {
  const r = await u.post(`/api/provider-configs/${name}/sync`, {});
  if (r.status !== 200) throw new Error(`sync ${name}: ${r.status} ${r.text.slice(0, 200)}`);
  return r;
});

await mock.setModels('openrouter', Array.from({ length: 400 }, (_, i) => orModel(i, 10)));
const [tFirst, first] = await sync('openrouter');
const counts = (j) => `${j.added} added, ${j.updated} updated, ${j.total} in all`;
row('sync, 400-model OpenRouter list, first', [tFirst], counts(first.json));
const same = [];
let last;
for (let i = 0; i < 5; i++) [same[i], last] = await sync('openrouter');
row('sync, the same list again (nothing changed)', same, `5 runs; ${counts(last.json)}`);
const changed = [];
for (let i = 0; i < 5; i++) {
  await mock.setModels('openrouter', Array.from({ length: 400 }, (_, j) => orModel(j, 11 + i)));
  [changed[i], last] = await sync('openrouter');
}
row('sync, every price changed', changed, `5 runs; ${counts(last.json)}`);

await mock.setModels('custom', Array.from({ length: 600 }, (_, i) => openaiModel(i)));
await u.post('/api/provider-configs/custom', { name: 'local', api_key: 'sk-local-bench-0001', base_url: `${MOCK}/custom/v1`, validate: false });
await sync('local');
await mock.restoreModels('custom');
await mock.restoreModels('openrouter');

const key = await gatewayKey(u);
async function measure(label, fn, answer) {
  for (let i = 0; i < 2; i++) await fn();
  const ms = [];
  let last;
  for (let i = 0; i < N; i++) {
    const [t, r] = await time(fn);
    if (r.status !== 200) throw new Error(`${label}: ${r.status}`);
    ms.push(t);
    last = r;
  }
  row(label, ms, answer(last));
}
const count = (j) => (j.providers ?? []).reduce((n, g) => n + g.models.length, 0);
await measure('GET /api/models, 1,000 models (session)', () => u.get('/api/models'), (r) => `${count(r.json)} models, ${(r.text.length / 1024).toFixed(0)} KB`);
await measure('GET /v1/models, 1,000 models (gateway key)', () => fetch(`${process.env.BASE_URL}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
  .then(async (r) => ({ status: r.status, json: await r.json() })), (r) => `${r.json.data.length} models`);

console.log('## Catalog data paths');
console.log();
console.log(`One sequential client, optimised build; ${N} timed requests per line after 2 warm-ups (syncs: as stated).`);
console.log('A sync includes fetching the list from the local mock upstream.');
console.log();
console.log('| request | median ms | p95 ms | max ms | answer |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
