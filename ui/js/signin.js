// Sign-in: the access key pair and Region, checked with one signed call.
import { call, signIn, signOut } from './api.js';
import { clear, errorBox, h } from './dom.js';

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2',
  'eu-central-1', 'eu-north-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1',
  'ap-south-1', 'ca-central-1', 'sa-east-1'];

export function renderSignIn(view, onDone) {
  const key = h('input', { id: 'access-key-id', name: 'access-key-id', required: true,
    autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off' });
  const secret = h('input', { id: 'secret-access-key', name: 'secret-access-key', type: 'password',
    required: true, autocomplete: 'off' });
  const region = h('input', { id: 'region', name: 'region', required: true, value: 'us-east-1',
    list: 'regions', spellcheck: 'false', autocapitalize: 'off' });
  const problem = h('div', { id: 'signin-error' });
  const button = h('button', { type: 'submit', class: 'primary', text: 'Sign in' });
  const form = h('form', { class: 'card signin', 'aria-describedby': 'signin-note' },
    h('h1', { tabindex: '-1', text: 'Sign in to vouch' }),
    h('p', { id: 'signin-note', class: 'muted',
      text: 'Your access key is used only to sign requests in this tab and is kept only in its ' +
        'memory: nothing is stored, and reloading the page signs you out.' }),
    h('label', { for: 'access-key-id', text: 'Access key ID' }), key,
    h('label', { for: 'secret-access-key', text: 'Secret access key' }), secret,
    h('label', { for: 'region', text: 'Region' }), region,
    h('datalist', { id: 'regions' }, REGIONS.map((r) => h('option', { value: r }))),
    problem, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(problem);
    button.disabled = true;
    signIn({ accessKeyId: key.value.trim(), secretAccessKey: secret.value,
      region: region.value.trim() });
    try {
      await call('GET', '/_vouch/claims', { query: 'limit=1' });
      secret.value = '';
      onDone();
    } catch (err) {
      signOut();
      problem.append(errorBox(err));
      secret.focus();
    } finally {
      button.disabled = false;
    }
  });
  clear(view).append(form);
  key.focus();
}
