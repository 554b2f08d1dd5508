// Two real coding agents pointed at the gateway (issue 13): Claude Code in
// print mode over /v1/messages and Codex CLI in exec mode over /v1/responses,
// each completing one turn against the mock upstream, with the usage row to
// show it. Installed from npm into tests/agents/node_modules (git-ignored) by
// tests/run.sh; no internet is needed (telemetry and updates are off).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, mock, sql } from '../integration/lib.mjs';
import { chatUser, addModel } from '../integration/chatlib.mjs';

const HELLO = 'Hello from mock — ✓ 😀';
const BIN = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', '.bin');
let s;

// Run a command to its end (at most two minutes); its exit code and output.
function run(cmd, args, env) {
  return new Promise((resolve) => {
    const p = spawn(join(BIN, cmd), args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 120000);
    p.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

// The user's usage rows of one endpoint.
const rows = (endpoint) => sql(`SELECT status, requested_model, provider FROM aggregator_usage_logs
  WHERE user_id=${s.id} AND endpoint='${endpoint}' ORDER BY id`);

before(async () => {
  s = await chatUser();
  addModel(s.id, 'openai', 'gpt-4o-mini');
});

test('Claude Code answers one turn through /v1/messages', async () => {
  const home = mkdtempSync(join(tmpdir(), 'sb-claude-'));
  await mock.clear();
  try {
    const r = await run('claude', ['-p', 'Say hello', '--model', 'anthropic/claude-3-5-sonnet-20241022'], {
      HOME: home, ANTHROPIC_BASE_URL: BASE, ANTHROPIC_API_KEY: s.key,
      DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1',
    });
    assert.equal(r.code, 0, `claude exited ${r.code}: ${r.err.slice(-2000)} ${r.out.slice(-2000)}`);
    assert.ok(r.out.includes(HELLO), r.out);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const got = rows('messages');
  assert.ok(got.some(([status, model, provider]) => status === 'success' &&
    model === 'anthropic/claude-3-5-sonnet-20241022' && provider === 'anthropic'), JSON.stringify(got));
  // What it sent reached the Anthropic upstream: its tools and system prompt.
  const up = (await mock.requests({ family: 'anthropic' })).filter((q) => q.path.endsWith('/v1/messages'));
  assert.ok(up.length >= 1);
  assert.ok(up.some((q) => Array.isArray(q.body.tools) && q.body.tools.length > 0 && q.body.system), 'tools and system forwarded');
});

test('Codex CLI answers one turn through /v1/responses', async () => {
  const home = mkdtempSync(join(tmpdir(), 'sb-codex-'));
  writeFileSync(join(home, 'config.toml'), [
    'model = "openai/gpt-4o-mini"',
    'model_provider = "sb"',
    '[model_providers.sb]',
    'name = "Switchboard"',
    `base_url = "${BASE}/v1"`,
    'env_key = "SB_KEY"',
    'wire_api = "responses"',
    '',
  ].join('\n'));
  try {
    const r = await run('codex', ['exec', '--skip-git-repo-check', 'Say hello'], {
      HOME: home, CODEX_HOME: home, SB_KEY: s.key,
    });
    assert.equal(r.code, 0, `codex exited ${r.code}: ${r.err.slice(-2000)} ${r.out.slice(-2000)}`);
    assert.ok(r.out.includes(HELLO) || r.err.includes(HELLO), r.out + r.err);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const got = rows('responses');
  assert.ok(got.some(([status, model, provider]) => status === 'success' &&
    model === 'openai/gpt-4o-mini' && provider === 'openai'), JSON.stringify(got));
});
