// Recent events (status changes) of the account, newest page first.
import { call, queryOf } from './api.js';
import { clear, errorBox, h, KIND_WORDS, table, time, wireBadge } from './dom.js';

export async function renderEvents(view, params) {
  const token = params.get('next_token') || '';
  const body = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  clear(view).append(h('h1', { tabindex: '-1', text: 'Events' }), body);
  let page;
  try {
    page = await call('GET', '/_vouch/events', { query: queryOf({ limit: 100, next_token: token }) });
  } catch (err) {
    clear(body).append(errorBox(err));
    return;
  }
  clear(body);
  if (!page.events.length) {
    body.append(h('p', { text: 'No events yet.' }));
  } else {
    body.append(table('events', ['When', 'Event', 'Claim', 'Kind', 'Change'],
      page.events.map((e) => [time(e.time), h('code', { text: e.type }),
        h('a', { href: `#/claims/${encodeURIComponent(e.claim_id)}`,
          text: e.resource?.identity || e.resource?.domainName || e.claim_id }),
        KIND_WORDS[e.claim_kind] || e.claim_kind,
        [wireBadge(e.old_status), ' → ', wireBadge(e.new_status)]])));
  }
  if (page.next_token) {
    body.append(h('nav', { class: 'pager', 'aria-label': 'Pages' },
      h('a', { href: `#/events?${queryOf({ next_token: page.next_token })}`, text: 'More' })));
  }
}
