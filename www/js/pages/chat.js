// Chat page: the model picker, the conversation, and the composer. Answers
// stream from POST api/llm/stream (NDJSON) into text nodes, re-rendered as safe
// Markdown each frame; Stop aborts the fetch; errors show their category and
// what to do; each answer ends with its tokens and cost.

import { get, ndjson, page, ApiError } from '../api.js';
import { h, $, clear, icon, ICONS } from '../dom.js';
import { shell } from '../shell.js';
import { errorBox, toast } from '../ui.js';
import { renderMarkdown } from '../markdown.js';
import { createPicker, flattenModels } from '../picker.js';
import { num, usd, ms } from '../format.js';

const messagesEl = $('#messages');
const prompt = $('#prompt');
const sendBtn = $('#send');
const stopBtn = $('#stop');
let history = [];
let controller = null;
let modelCount = 0;

const picker = createPicker($('#picker'), { onChange: () => { if (!messagesEl.querySelector('.msg')) welcome(); } });

shell({ active: 'chat' }).catch(() => {});
get('api/models', { type: 'chat' }).then((data) => {
  const models = flattenModels(data);
  modelCount = models.length;
  picker.setModels(models);
  if (!messagesEl.querySelector('.msg')) welcome();
}).catch((err) => {
  if (err instanceof ApiError && err.status === 401) return;
  picker.setModels([]);
  clear(messagesEl).appendChild(errorBox(err));
});

function welcome() {
  clear(messagesEl);
  if (!modelCount) {
    messagesEl.appendChild(h('div', { class: 'welcome' },
      h('img', { src: page('favicon.svg'), alt: '', width: '48', height: '48' }),
      h('h1', null, 'Connect a provider to start chatting'),
      h('p', { class: 'muted' }, 'Add an API key for OpenRouter, OpenAI, Anthropic or any OpenAI-compatible server. Switchboard keeps it encrypted and finds its models for you.'),
      h('a', { class: 'btn btn-primary', href: page('providers.html') }, icon(ICONS.plus), 'Add a provider')));
    return;
  }
  const m = picker.value;
  const suggest = ['Explain how HTTP caching works', 'Write a haiku about routers', 'Give me a SQL query for monthly totals'];
  messagesEl.appendChild(h('div', { class: 'welcome' },
    h('img', { src: page('favicon.svg'), alt: '', width: '48', height: '48' }),
    h('h1', null, 'What can I help with?'),
    h('p', { class: 'muted' }, m ? 'You are talking to ' + m.name + (m.aggregator ? ' via ' + m.group : '') + '. Switch models any time with the picker above.' : 'Pick a model above.'),
    h('div', { class: 'suggest' }, suggest.map((s) => h('button', { type: 'button', onClick: () => { prompt.value = s; prompt.focus(); } }, s)))));
}

function bubble(role, who) {
  const text = h('div', { class: 'msg-text' });
  const meta = h('div', { class: 'msg-meta' });
  const el = h('article', { class: ['msg', 'msg-' + role] },
    h('div', { class: 'msg-avatar', 'aria-hidden': 'true' }, role === 'user' ? 'You' : 'AI'),
    h('div', { class: 'msg-main' }, h('div', { class: 'msg-who' }, who), text, meta));
  messagesEl.appendChild(el);
  return { el, text, meta };
}

function scrollDown() {
  const nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 160;
  if (nearBottom) window.scrollTo({ top: document.body.scrollHeight });
}

function setStreaming(on) {
  sendBtn.hidden = on;
  stopBtn.hidden = !on;
  prompt.setAttribute('aria-busy', on ? 'true' : 'false');
  if (on) stopBtn.focus(); else prompt.focus();
}

async function send(content) {
  const model = picker.value;
  if (!model) { picker.open(''); return; }
  if (messagesEl.querySelector('.welcome, .alert-error:only-child')) clear(messagesEl);
  history.push({ role: 'user', content });
  const u = bubble('user', 'You');
  u.text.textContent = content;
  const who = h('span', null, model.name, ' ', model.aggregator ? h('span', { class: 'tag tag-accent' }, 'via ' + model.group) : null);
  const a = bubble('assistant', who);
  a.text.classList.add('cursor');
  a.el.setAttribute('aria-busy', 'true');
  window.scrollTo({ top: document.body.scrollHeight });

  controller = new AbortController();
  setStreaming(true);
  let answer = '';
  let pending = false;
  const started = performance.now();
  let done = null;
  let failure = null;
  let stopped = false;
  const paint = () => {
    pending = false;
    clear(a.text).appendChild(renderMarkdown(answer));
    scrollDown();
  };
  try {
    for await (const ev of ndjson('api/llm/stream', { model: model.id, messages: history.slice() }, controller.signal)) {
      if (ev.type === 'chunk' && typeof ev.content === 'string') {
        answer += ev.content;
        if (!pending) { pending = true; requestAnimationFrame(paint); }
      } else if (ev.type === 'done') {
        done = ev;
      } else if (ev.type === 'error') {
        failure = ev.error && typeof ev.error === 'object' ? ev.error : { type: 'upstream', message: 'The stream failed.' };
        if (!failure.requestId && ev.request_id) failure.requestId = ev.request_id;
      }
    }
  } catch (err) {
    if (err && err.name === 'AbortError') stopped = true;
    else if (err instanceof ApiError && err.status === 401) return;
    else failure = err;
  }
  if (controller && controller.signal.aborted) stopped = true;
  controller = null;
  paint();
  a.text.classList.remove('cursor');
  a.el.removeAttribute('aria-busy');
  if (answer) history.push({ role: 'assistant', content: answer });
  else history.pop();
  const elapsed = performance.now() - started;
  if (failure) {
    if (String(failure.code || '').startsWith('provider_') && !failure.provider) {
      if (failure instanceof ApiError) failure.provider = model.group; else failure = { ...failure, provider: model.group };
    }
    if (!answer) a.text.textContent = '';
    a.text.appendChild(errorBox(failure));
    const retry = h('button', { type: 'button', class: 'btn btn-sm' }, icon(ICONS.sync), 'Retry');
    retry.addEventListener('click', () => { retry.remove(); if (!answer) { a.el.remove(); u.el.remove(); send(content); } else send(content); });
    a.meta.appendChild(retry);
  }
  if (stopped) a.meta.appendChild(h('span', { class: 'tag' }, icon(ICONS.stop), 'Stopped'));
  if (done) {
    const us = done.usage || {};
    a.meta.append(
      h('span', { title: (us.prompt_tokens ?? 0) + ' prompt + ' + (us.completion_tokens ?? 0) + ' completion tokens' }, num(us.total_tokens ?? 0) + ' tokens'),
      h('span', null, num(us.prompt_tokens ?? 0) + ' in · ' + num(us.completion_tokens ?? 0) + ' out'),
      h('span', { class: 'cost' }, done.cost_usd === null || done.cost_usd === undefined ? 'cost unknown' : usd(done.cost_usd)),
      h('span', null, ms(elapsed)));
    if (done.finish_reason === 'length') a.meta.appendChild(h('span', { class: 'tag' }, 'cut off at max tokens'));
  }
  if (!answer && !failure && !stopped && !done) a.text.appendChild(errorBox({ type: 'upstream', message: 'The provider sent an empty answer.' }));
  setStreaming(false);
  scrollDown();
}

$('#composer').addEventListener('submit', (e) => {
  e.preventDefault();
  if (controller) return;
  const text = prompt.value.trim();
  if (!text) return;
  if (!picker.value) { toast('Pick a model first.', 'error'); picker.open(''); return; }
  prompt.value = '';
  send(text);
});

prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('#composer').requestSubmit(); }
});

stopBtn.addEventListener('click', () => { if (controller) controller.abort(); });
document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && controller && !document.querySelector('dialog[open]')) controller.abort(); });

$('#new-chat').addEventListener('click', () => {
  if (controller) controller.abort();
  history = [];
  welcome();
  prompt.focus();
});

prompt.focus();
