// Webhook endpoints: their delivery health, add one (its secret is shown
// once, here), remove one.
import { ApiError, call } from './api.js';
import { announce, clear, copyButton, errorBox, h, table, time } from './dom.js';

const PATH = '/_vouch/webhooks';

function health(w) {
  const hl = w.health || {};
  return h('span', {}, `${hl.delivered ?? 0} delivered, ${hl.failed ?? 0} failed, `,
    `${hl.pending ?? 0} pending`, hl.last_error ? h('span', { class: 'muted',
      text: ` (last error: ${hl.last_error})` }) : null);
}

export async function renderWebhooks(view) {
  const url = h('input', { id: 'webhook-url', name: 'url', type: 'url', required: true,
    placeholder: 'https://hooks.example.com/vouch', spellcheck: 'false' });
  const types = h('input', { id: 'webhook-types', name: 'event_types', spellcheck: 'false',
    placeholder: 'all events' });
  const problem = h('div', {});
  const secret = h('div', { id: 'webhook-secret' });
  const form = h('form', { class: 'filters' },
    h('label', { for: 'webhook-url', text: 'Endpoint URL' }), url,
    h('label', { for: 'webhook-types', text: 'Event types (comma-separated, optional)' }), types,
    h('button', { type: 'submit', text: 'Add endpoint' }));
  const list = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  clear(view).append(h('h1', { tabindex: '-1', text: 'Webhooks' }), form, problem, secret, list);

  async function load() {
    let body;
    try {
      body = await call('GET', PATH);
    } catch (err) {
      const missing = err instanceof ApiError && err.status === 404;
      clear(list).append(missing ? h('p', { id: 'webhooks-unavailable',
        text: 'This vouch has no webhooks.' }) : errorBox(err));
      return;
    }
    clear(list);
    if (!body.webhooks.length) {
      list.append(h('p', { id: 'no-webhooks', text: 'No endpoints yet.' }));
      return;
    }
    const remove = (w) => h('button', { type: 'button', 'aria-label': `Remove ${w.url}`,
      text: 'Remove', onclick: async () => {
        clear(problem);
        try {
          await call('DELETE', `${PATH}/${encodeURIComponent(w.id)}`);
          announce(`Removed ${w.url}.`);
          await load();
        } catch (err) {
          problem.append(errorBox(err));
        }
      } });
    list.append(table('webhooks', ['Endpoint', 'Events', 'Health', 'Last attempt', 'Remove'],
      body.webhooks.map((w) => [
        h('td', { class: 'name' }, h('code', { text: w.url }),
          w.disabled ? h('span', { class: 'badge badge-failed', text: 'Disabled' }) : null),
        (w.event_types || []).join(', ') || 'all', health(w), time(w.health?.last_attempt_at),
        remove(w)])));
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(problem);
    clear(secret);
    const request = { url: url.value.trim() };
    const wanted = types.value.split(',').map((t) => t.trim()).filter(Boolean);
    if (wanted.length) request.event_types = wanted;
    try {
      const { webhook } = await call('POST', PATH, { body: JSON.stringify(request),
        contentType: 'application/json' });
      secret.append(h('div', { class: 'card', role: 'status' },
        h('p', {}, h('strong', { text: 'Signing secret (shown only now): ' }),
          h('code', { id: 'secret-value', text: webhook.secret }), copyButton(webhook.secret, 'secret')),
        h('p', { class: 'muted', text: 'Deliveries carry Vouch-Signature: an HMAC-SHA256 of ' +
          'the timestamp and body with this secret. Store it now; it is never shown again.' })));
      form.reset();
      await load();
    } catch (err) {
      problem.append(errorBox(err));
    }
  });
  await load();
}
