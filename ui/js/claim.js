// One claim: what to publish, what each resolver saw, why it is not verified
// yet, its timeline; "Check now" redraws it in place.
import { ApiError, call, callText, queryOf } from './api.js';
import { announce, badge, clear, copyButton, errorBox, h, KIND_WORDS, table, time } from './dom.js';

const RESULT_WORDS = { found: 'Found', absent: 'Not found', wrong: 'Wrong value', error: 'Error' };

function record(r) {
  return h('section', { 'aria-labelledby': 'record-h' },
    h('h2', { id: 'record-h', text: 'Publish this record' }),
    h('dl', { class: 'record' },
      h('dt', { text: 'Name' }), h('dd', {}, h('code', { id: 'record-name', text: r.name }),
        copyButton(r.name, 'record name')),
      h('dt', { text: 'Type' }), h('dd', {}, h('code', { id: 'record-type', text: r.type })),
      h('dt', { text: 'Value' }), h('dd', {}, h('code', { id: 'record-value', text: r.value }),
        copyButton(r.value, 'record value'))),
    h('p', { class: 'muted', text: 'In a zone file:' }),
    h('div', { class: 'zone' }, h('pre', { id: 'zone-line', text: r.zone_file_line }),
      copyButton(r.zone_file_line, 'zone file line')));
}

function evidence(e) {
  if (!e) return h('p', { class: 'muted', text: 'Not checked yet.' });
  return h('div', {},
    h('p', {}, 'Last check ', time(e.at), `: ${e.outcome.replace('_', ' ')} `,
      `(${e.quorum} resolver${e.quorum === 1 ? '' : 's'} must agree).`),
    table('evidence', ['Resolver', 'Result', 'What it saw'], e.perspectives.map((p) => [
      p.resolver,
      h('span', { class: `result result-${p.result}`, text: RESULT_WORDS[p.result] || p.result }),
      [(p.seen || []).map((v) => h('code', { class: 'seen', text: v })),
        p.detail ? h('span', { class: 'muted', text: ` ${p.detail}` }) : null]])));
}

function history(items) {
  if (!items.length) return h('p', { class: 'muted', text: 'No status changes yet.' });
  return h('ol', { class: 'timeline', id: 'history' }, items.map((s) => h('li', {}, time(s.at),
    ' ', badge(s.from), ' → ', badge(s.to))));
}

function mail(d, onResend) {
  const rows = d.mail.map((m) => [m.state, time(m.created_at), time(m.sent_at), String(m.attempts),
    m.last_error || '']);
  return h('section', { 'aria-labelledby': 'mail-h' },
    h('h2', { id: 'mail-h', text: 'Verification mail' }),
    rows.length ? table('mail', ['State', 'Queued', 'Sent', 'Attempts', 'Last error'], rows)
      : h('p', { class: 'muted', text: 'No mail sent yet.' }),
    h('button', { type: 'button', id: 'resend', onclick: onResend, text: 'Resend the mail' }));
}

function facts(d) {
  const item = (label, value) => [h('dt', { text: label }), h('dd', {}, value)];
  return h('dl', { class: 'facts' },
    ...item('Kind', KIND_WORDS[d.kind] || d.kind),
    ...item('Status', badge(d.status)),
    ...item('Created', time(d.created_at)),
    ...item('Deadline', time(d.deadline)),
    ...item('Next check', time(d.next_check_at)),
    ...item('Last verified', time(d.last_verified_at)),
    ...item('Region', d.region),
    ...item('ID', h('code', { text: d.id })));
}

function detail(d, actions) {
  const diagnosis = d.diagnosis.length
    ? h('ul', { id: 'diagnosis' }, d.diagnosis.map((t) => h('li', { text: t })))
    : h('p', { id: 'diagnosis', class: 'muted',
      text: d.status === 'verified' ? 'Nothing to fix: verified.' : 'Nothing found to fix yet.' });
  return [
    h('header', { class: 'claim-head' }, h('h1', { tabindex: '-1', text: d.subject }),
      h('span', { id: 'claim-status' }, badge(d.status))),
    actions,
    h('section', { 'aria-labelledby': 'diag-h', class: 'card' },
      h('h2', { id: 'diag-h', text: d.status === 'verified' ? 'Diagnosis' : 'Why it is not verified yet' }),
      diagnosis),
    d.record ? record(d.record) : null,
    d.kind === 'ses_email' ? null : h('section', { 'aria-labelledby': 'evidence-h' },
      h('h2', { id: 'evidence-h', text: 'What each resolver saw' }), evidence(d.evidence)),
    d.kind === 'ses_email' ? mail(d, actions.resend) : null,
    h('section', { 'aria-labelledby': 'facts-h' }, h('h2', { id: 'facts-h', text: 'Details' }),
      facts(d)),
    h('section', { 'aria-labelledby': 'history-h' }, h('h2', { id: 'history-h', text: 'Timeline' }),
      history(d.history)),
  ];
}

export async function renderClaim(view, id) {
  const path = `/_vouch/claims/${encodeURIComponent(id)}`;
  const problem = h('div', { id: 'action-error' });
  const check = h('button', { type: 'button', id: 'check-now', class: 'primary', text: 'Check now' });
  const actions = h('div', { class: 'actions' },
    h('a', { href: '#/claims', text: '← All claims' }), check, problem);
  const draw = (d) => {
    clear(view).append(...detail(d, actions).filter(Boolean));
  };
  actions.resend = async () => {
    clear(problem);
    try {
      const d = await call('GET', path);
      await callText('POST', '/', { contentType: 'application/x-www-form-urlencoded; charset=utf-8',
        body: queryOf({ Action: 'VerifyEmailIdentity', EmailAddress: d.subject,
          Version: '2010-12-01' }) });
      const after = await call('GET', path);
      draw(after);
      // Within vouch's --mail-cooldown a repeat succeeds, as on AWS, but sends nothing.
      const sent = after.mail.length > d.mail.length;
      if (!sent) {
        problem.append(h('p', { role: 'status', text: 'No new mail: one was sent to this address ' +
          'a short while ago. Try again in a few minutes.' }));
      }
      announce(sent ? 'Verification mail sent again.' : 'No new mail sent yet.');
    } catch (err) {
      problem.append(errorBox(err));
    }
  };
  check.addEventListener('click', async () => {
    clear(problem);
    check.disabled = true;
    announce('Checking…');
    try {
      const d = await call('POST', `${path}/check`);
      draw(d);
      announce(`Checked: ${d.status}.`);
    } catch (err) {
      problem.append(errorBox(err));
      announce('The check failed.');
    } finally {
      check.disabled = false;
    }
  });
  clear(view).append(h('p', { class: 'muted', text: 'Loading…' }));
  try {
    draw(await call('GET', path));
  } catch (err) {
    const gone = err instanceof ApiError && err.status === 404;
    clear(view).append(h('h1', { tabindex: '-1', text: gone ? 'Claim not found' : 'Error' }),
      gone ? h('p', { id: 'not-found', text: `No claim ${id} in this account and Region.` })
        : errorBox(err),
      h('p', {}, h('a', { href: '#/claims', text: '← All claims' })));
  }
}
