// The claims list: filters and search in the URL (#/claims?status=..), read
// a page at a time from the server.
import { call, queryOf } from './api.js';
import { badge, clear, errorBox, h, KIND_WORDS, table, time } from './dom.js';

const STATUSES = ['pending', 'verified', 'unconfirmed', 'failed'];
export const PAGE = 50;

function select(id, label, options, value) {
  return [h('label', { for: id, text: label }),
    h('select', { id, name: id },
      h('option', { value: '', text: 'All' }),
      options.map(([v, text]) => h('option', { value: v, text, selected: v === value })))];
}

function row(c) {
  return [badge(c.status), KIND_WORDS[c.kind] || c.kind,
    h('td', { class: 'name' }, h('a', { href: `#/claims/${encodeURIComponent(c.id)}`,
      text: c.subject })),
    time(c.last_checked_at), time(c.next_check_at)];
}

export async function renderClaims(view, params) {
  const status = params.get('status') || '';
  const kind = params.get('kind') || '';
  const q = params.get('q') || '';
  const after = params.get('after') || '';
  const search = h('input', { id: 'q', name: 'q', type: 'search', value: q, maxlength: '255',
    spellcheck: 'false', autocapitalize: 'off', placeholder: 'example.com' });
  const form = h('form', { class: 'filters', role: 'search' },
    ...select('status', 'Status', STATUSES.map((s) => [s, s[0].toUpperCase() + s.slice(1)]),
      status),
    ...select('kind', 'Kind', Object.entries(KIND_WORDS), kind),
    h('label', { for: 'q', text: 'Name starts with' }), search,
    h('button', { type: 'submit', text: 'Apply' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    location.hash = `#/claims?${queryOf({ status: f.get('status'), kind: f.get('kind'),
      q: f.get('q').trim() })}`;
  });
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted', text: 'Loading…' }));
  clear(view).append(h('h1', { tabindex: '-1', text: 'Claims' }), form, body);
  let page;
  try {
    page = await call('GET', '/_vouch/claims',
      { query: queryOf({ status, kind, q, after, limit: PAGE }) });
  } catch (err) {
    clear(body).append(errorBox(err));
    body.removeAttribute('aria-busy');
    return;
  }
  clear(body).removeAttribute('aria-busy');
  if (page.claims.length === 0) {
    body.append(h('p', { id: 'no-claims', text: 'No claims match.' }));
  } else {
    body.append(table('claims', ['Status', 'Kind', 'Name', 'Last check', 'Next check'],
      page.claims.map(row), 'Claims of this account and Region'));
  }
  const nav = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (after) nav.append(h('a', { href: `#/claims?${queryOf({ status, kind, q })}`, text: 'First page' }));
  if (page.next_after !== undefined) {
    nav.append(h('a', { href: `#/claims?${queryOf({ status, kind, q, after: page.next_after })}`,
      rel: 'next', text: 'Next page' }));
  }
  body.append(nav);
}
