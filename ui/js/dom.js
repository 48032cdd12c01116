// Building the page from data without ever parsing it as HTML: every text
// goes in through textContent or an attribute (a claim's name is tenant data).
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * A table with a header row; `rows`: arrays of cells (text or nodes), each
 * labelled with its column for the narrow layout (a card per row).
 */
export function table(id, columns, rows, caption = '') {
  return h('div', { class: 'table-wrap' }, h('table', { id, class: 'cards' },
    caption ? h('caption', { class: 'visually-hidden', text: caption }) : null,
    h('thead', {}, h('tr', {}, columns.map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => {
      const td = c instanceof HTMLTableCellElement ? c : h('td', {}, c);
      td.dataset.label = columns[i];
      return td;
    }))))));
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** A time in the viewer's zone, its UTC form on hover. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  const d = new Date(iso);
  return h('time', { datetime: iso, title: `${d.toISOString().replace('.000', '')} (UTC)`,
    text: d.toLocaleString() });
}

const STATUS_WORDS = { pending: 'Pending', verified: 'Verified', unconfirmed: 'Unconfirmed',
  failed: 'Failed' };

/** The status as a coloured badge that also says it in words. */
export function badge(status) {
  return h('span', { class: `badge badge-${status}`, 'data-status': status,
    text: STATUS_WORDS[status] || status });
}

// An API's own name for a status (SES v1, SES v2, Lattice), as a badge.
const WIRE = { Pending: 'pending', PENDING: 'pending', Success: 'verified', SUCCESS: 'verified',
  VERIFIED: 'verified', TemporaryFailure: 'unconfirmed', TEMPORARY_FAILURE: 'unconfirmed',
  Failed: 'failed', FAILED: 'failed', VERIFICATION_TIMED_OUT: 'failed' };
export function wireBadge(name) {
  const b = badge(WIRE[name] || 'unknown');
  b.textContent = name;
  return b;
}

export const KIND_WORDS = {
  ses_domain: 'SES domain', ses_email: 'SES email address', lattice_domain: 'Lattice domain',
  ses_dkim: 'DKIM (CNAME)', ses_dkim_txt: 'DKIM (own key)', ses_mail_from_mx: 'MAIL FROM (MX)',
  ses_mail_from_spf: 'MAIL FROM (SPF)',
};

/** Says `message` to screen readers (and shows it) in the page's live region. */
export function announce(message) {
  const live = document.getElementById('status');
  live.textContent = '';
  live.textContent = message;
}

/** A button that copies `value`, saying so. */
export function copyButton(value, what) {
  return h('button', { type: 'button', class: 'copy', 'aria-label': `Copy ${what}`,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(value);
        announce(`Copied ${what}.`);
      } catch {
        announce(`Could not copy: select the ${what} and copy it by hand.`);
      }
    } }, 'Copy');
}

export function errorBox(err) {
  return h('div', { class: 'error', role: 'alert' },
    h('strong', { text: err.code ? `${err.code}: ` : 'Error: ' }), err.message);
}
