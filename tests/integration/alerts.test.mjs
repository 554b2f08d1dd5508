// Alerts (issue 15): a budget crossing its alert threshold makes one
// notification (the bell) and one delivery per webhook, in the webhook's
// format; a failed delivery is retried after its backoff and delivered once;
// running the job again makes nothing twice; the webhook URL is stored
// sealed; a key the provider refused makes its own notification.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BASE, gatewayKey, newUser, sql, inOneMonth } from './lib.mjs';
import { chatUser, addModel, auth, configId } from './chatlib.mjs';

const got = { json: [], slack: [] };
let failJson = 1;	// the JSON webhook answers 500 this many times first
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const which = req.url === '/json' ? 'json' : 'slack';
    const fail = which === 'json' && failJson > 0;
    if (fail) failJson--;
    got[which].push({ body: JSON.parse(body), status: fail ? 500 : 200, type: req.headers['content-type'] });
    res.writeHead(fail ? 500 : 200).end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hook = (path) => `http://127.0.0.1:${receiver.address().port}${path}`;
after(() => receiver.close());

// The job runs in another process while this one answers as the webhooks.
const alertsRun = async () => (await promisify(execFile)(process.env.CLI, ['alerts'])).stdout;

test('a budget crossing its alert line: one notification, one delivery per webhook, retried after a failure', () => inOneMonth(async () => {
  const u = await chatUser();
  // $1000 per 1M tokens: one short answer (~7 tokens) costs ~7000 µ$.
  addModel(u.id, 'openai', 'gpt-alert', { input: 1000000000, output: 1000000000 });
  const key = await gatewayKey(u, { name: 'alerting' });
  const keyId = (await u.get('/api/keys')).json.keys.find((k) => key.startsWith(k.prefix)).id;
  const b = await u.put(`/api/budget?key=${keyId}`, { monthly_limit_usd: 0.1, alert_threshold_pct: 5 });
  assert.equal(b.status, 200, b.text);

  assert.equal((await u.post('/api/alert-channels', { url: hook('/x'), format: 'teams' })).status, 400);
  assert.equal((await u.post('/api/alert-channels', { url: 'ftp://example.com/x' })).status, 400);
  let ch = await u.post('/api/alert-channels', { url: hook('/json') });
  assert.equal(ch.status, 201, ch.text);
  ch = await u.post('/api/alert-channels', { url: hook('/slack'), format: 'slack' });
  assert.equal(ch.status, 201, ch.text);
  assert.equal(ch.json.channels.length, 2);
  assert.ok(ch.json.channels.every((c) => !c.url_hint.includes('/slack') && !c.url_hint.includes('/json')), 'the path is not shown');
  assert.equal(sql(`SELECT COUNT(*) FROM alert_channels WHERE user_id = ${u.id} AND url_enc LIKE '%127.0.0.1%'`)[0][0], '0', 'sealed');

  const r = await fetch(`${BASE}/v1/chat/completions`, { method: 'POST', headers: auth(key),
    body: JSON.stringify({ model: 'openai/gpt-alert', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }) });
  assert.equal(r.status, 200, await r.text());

  await alertsRun();
  assert.equal(got.slack.length, 1, 'slack: delivered once');
  assert.match(got.slack[0].body.text, /API key "alerting" reached its budget alert threshold\n\$0\.01 of \$0\.10 spent in \d{4}-\d{2}\./);
  assert.equal(got.slack[0].type, 'application/json');
  assert.equal(got.json.length, 1, 'json: tried once');
  assert.equal(got.json[0].status, 500);
  const [[attempts, delivered, lastStatus]] = sql(`SELECT d.attempts, d.delivered_at IS NOT NULL, d.last_status
    FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id WHERE c.user_id = ${u.id} AND c.format = 'json'`);
  assert.deepEqual([attempts, delivered, lastStatus], ['1', '0', '500'], 'the failure is recorded');

  await alertsRun();	// the retry is not due yet; nothing new to make
  assert.equal(got.json.length, 1);
  assert.equal(got.slack.length, 1);
  // Its backoff over (as if a minute had passed): retried and delivered.
  sql(`UPDATE alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id SET d.next_at = NOW(6)
    WHERE c.user_id = ${u.id} AND d.delivered_at IS NULL`);
  await alertsRun();
  assert.equal(got.json.length, 2);
  assert.equal(got.json[1].status, 200);
  assert.equal(got.json[1].body.event, 'budget_alert');
  assert.match(got.json[1].body.title, /reached its budget alert threshold/);
  await alertsRun();
  assert.equal(got.json.length, 2, 'delivered once, never again');
  assert.equal(got.slack.length, 1);

  // The bell: one unread notification, then read.
  const n = await u.get('/api/notifications');
  assert.equal(n.status, 200);
  assert.equal(n.json.notifications.filter((x) => x.kind === 'budget_alert').length, 1);
  assert.ok(n.json.unread >= 1);
  assert.equal((await u.post('/api/notifications/read', {})).status, 204);
  assert.equal((await u.get('/api/notifications')).json.unread, 0);
  const list = (await u.get('/api/alert-channels')).json.channels;
  assert.deepEqual(list.map((c) => c.delivered), [1, 1]);

  // A stored key the provider refused: its own notification, once.
  sql(`UPDATE user_api_providers SET status = 'key_refused' WHERE id = ${configId(u.id, 'anthropic')}`);
  await alertsRun();
  await alertsRun();
  const refused = (await u.get('/api/notifications')).json.notifications.filter((x) => x.kind === 'key_refused');
  assert.equal(refused.length, 1);
  assert.match(refused[0].title, /anthropic refused its API key/);
  assert.equal(got.slack.length, 2, 'and its one delivery');

  // Someone else cannot delete these channels.
  const other = await newUser('alerts');
  assert.equal((await other.del(`/api/alert-channels/${list[0].id}`)).status, 404);
  assert.equal((await u.del(`/api/alert-channels/${list[0].id}`)).status, 204);
}));

// E-mail alerts go through the host's sendmail ([alerts] sendmail; here a
// script that keeps what it is given), once per notification.
test('an e-mail alert is handed to sendmail once, with safe headers', async () => {
  const { writeFileSync, readFileSync, existsSync, chmodSync } = await import('node:fs');
  const dir = process.env.VAR;
  const mailLog = `${dir}/log/sendmail.log`;
  writeFileSync(`${dir}/fake-sendmail`, `#!/bin/sh\n[ "$1 $2" = "-t -i" ] || exit 3\ncat >> ${mailLog}\necho '=====' >> ${mailLog}\n`);
  chmodSync(`${dir}/fake-sendmail`, 0o755);
  const ini = `${dir}/switchboard.mail.ini`;
  writeFileSync(ini, readFileSync(process.env.SWITCHBOARD_CONFIG, 'utf8') +
    `\n[alerts]\nsendmail = ${dir}/fake-sendmail\nmail_from = gateway@test.example\n`);
  const run = async () => (await promisify(execFile)(process.env.CLI, ['alerts'],
    { env: { ...process.env, SWITCHBOARD_CONFIG: ini } })).stdout;

  const u = await chatUser();
  assert.equal((await u.post('/api/alert-channels', { url: 'a b@example.com', format: 'email' })).status, 400);
  assert.equal((await u.post('/api/alert-channels', { url: 'ops@example.com\nBcc: x@evil.example', format: 'email' })).status, 400);
  const ch = await u.post('/api/alert-channels', { url: 'ops@example.com', format: 'email' });
  assert.equal(ch.status, 201, ch.text);
  assert.equal(ch.json.channels[0].url_hint, 'o…@example.com');
  sql(`UPDATE user_api_providers SET status = 'key_refused', name = 'google' WHERE id = ${configId(u.id, 'google')}`);
  await run();
  await run();
  const mail = existsSync(mailLog) ? readFileSync(mailLog, 'utf8').split('=====\n').filter((m) => m.includes('To: ops@example.com')) : [];
  assert.equal(mail.length, 1, 'one message');
  assert.match(mail[0], /^To: ops@example\.com\nFrom: gateway@test\.example\nSubject: \[Switchboard\] google refused its API key\n/);
  assert.match(mail[0], /Replace the key under Providers\./);
  assert.deepEqual((await u.get('/api/alert-channels')).json.channels.map((c) => c.delivered), [1]);
});

// ... or through an SMTP server with the host's mail credentials ([alerts]
// smtp_url, smtp_user, smtp_password; here a small server in this test that
// speaks enough SMTP and keeps what it is given). A refused message is
// retried by the next run.
test('an e-mail alert goes through SMTP with credentials, once; a refusal is retried', async () => {
  const net = await import('node:net');
  const { writeFileSync, readFileSync } = await import('node:fs');
  const mails = [];
  let refuse = 1;	// the first DATA is refused with 451
  const server = net.createServer((sock) => {
    let buf = '', inData = false, inAuth = false, m = {};
    const say = (l) => sock.write(l + '\r\n');
    say('220 mock ESMTP');
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          m.data = buf.slice(0, end);
          buf = buf.slice(end + 5);
          inData = false;
          if (refuse > 0) { refuse--; say('451 try again later'); } else { mails.push(m); say('250 queued'); }
          m = { auth: m.auth };
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (inAuth) { inAuth = false; m.auth = Buffer.from(line, 'base64').toString().split('\0').slice(1); say('235 ok'); }
        else if (/^AUTH PLAIN$/i.test(line)) { inAuth = true; say('334 '); }
        else if (/^EHLO/i.test(line)) { sock.write('250-mock\r\n250-AUTH PLAIN\r\n250 OK\r\n'); }
        else if (/^AUTH PLAIN /i.test(line)) { m.auth = Buffer.from(line.slice(11), 'base64').toString().split('\0').slice(1); say('235 ok'); }
        else if (/^MAIL FROM:/i.test(line)) { m.from = line.slice(10); say('250 ok'); }
        else if (/^RCPT TO:/i.test(line)) { m.to = line.slice(8); say('250 ok'); }
        else if (/^DATA/i.test(line)) { inData = true; say('354 go on'); }
        else if (/^QUIT/i.test(line)) { say('221 bye'); sock.end(); }
        else say('250 ok');
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const dir = process.env.VAR;
    const ini = `${dir}/switchboard.smtp.ini`;
    writeFileSync(ini, readFileSync(process.env.SWITCHBOARD_CONFIG, 'utf8') +
      `\n[alerts]\nsendmail = /nonexistent\nmail_from = gateway@test.example\nsmtp_url = smtp://127.0.0.1:${server.address().port}\n` +
      'smtp_user = mailer@test.example\nsmtp_password = smtp-SECRET-pass\n');
    const run = async () => (await promisify(execFile)(process.env.CLI, ['alerts'],
      { env: { ...process.env, SWITCHBOARD_CONFIG: ini } })).stdout;

    const u = await chatUser();
    const ch = await u.post('/api/alert-channels', { url: 'smtp-ops@example.com', format: 'email' });
    assert.equal(ch.status, 201, ch.text);
    sql(`UPDATE user_api_providers SET status = 'key_refused', name = 'google' WHERE id = ${configId(u.id, 'google')}`);
    await run();
    assert.equal(mails.length, 0, 'the first attempt was refused');
    const [c1] = (await u.get('/api/alert-channels')).json.channels;
    assert.equal(c1.delivered, 0);
    assert.match(c1.last_error ?? '', /SMTP/);
    assert.ok(!JSON.stringify(c1).includes('SECRET'), 'no credential in the error');
    sql(`UPDATE alert_deliveries SET next_at = NOW(6) WHERE channel_id = ${c1.id}`);	// its backoff is over
    await run();
    await run();
    const mine = mails.filter((m) => m.to.includes('smtp-ops@example.com'));
    assert.equal(mine.length, 1, 'delivered once');
    assert.deepEqual(mine[0].auth, ['mailer@test.example', 'smtp-SECRET-pass']);
    assert.match(mine[0].from, /gateway@test\.example/);
    assert.match(mine[0].data, /^To: smtp-ops@example\.com\r\nFrom: gateway@test\.example\r\nSubject: \[Switchboard\] google refused its API key\r\nDate: /);
    assert.match(mine[0].data, /Replace the key under Providers\./);
    assert.deepEqual((await u.get('/api/alert-channels')).json.channels.map((c) => c.delivered), [1]);
  } finally {
    server.close();
  }
});
