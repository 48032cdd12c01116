// The console's router: #/claims, #/claims/ID, #/events, #/webhooks. Signed
// out, every route shows the sign-in form first.
import { account, signedIn, signOut } from './api.js';
import { renderClaim } from './claim.js';
import { renderClaims } from './claims.js';
import { announce, clear, h } from './dom.js';
import { renderEvents } from './events.js';
import { renderSignIn } from './signin.js';
import { renderWebhooks } from './webhooks.js';

const view = document.getElementById('view');
const who = document.getElementById('who');
const nav = document.getElementById('nav');

function header() {
  clear(who);
  nav.hidden = !signedIn();
  if (!signedIn()) return;
  const a = account();
  who.append(h('span', { class: 'muted', text: `${a.accessKeyId} · ${a.region}` }),
    h('button', { type: 'button', id: 'sign-out', text: 'Sign out', onclick: () => {
      signOut();
      announce('Signed out.');
      location.hash = '#/claims';
      route();
    } }));
}

async function route() {
  const [path, query = ''] = (location.hash.slice(1) || '/claims').split('?');
  const params = new URLSearchParams(query);
  delete view.dataset.shown;
  header();
  for (const link of nav.querySelectorAll('a')) {
    const here = path === link.getAttribute('href').slice(1) ||
      (link.getAttribute('href') === '#/claims' && path.startsWith('/claims/'));
    if (here) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (!signedIn()) {
    renderSignIn(view, route);
    return;
  }
  const claim = path.match(/^\/claims\/([^/]+)$/);
  if (claim) await renderClaim(view, decodeURIComponent(claim[1]));
  else if (path === '/events') await renderEvents(view, params);
  else if (path === '/webhooks') await renderWebhooks(view);
  else await renderClaims(view, params);
  view.dataset.shown = location.hash;  // drawn: what tests wait for
  view.querySelector('h1')?.focus();
}

window.addEventListener('hashchange', route);
route();
