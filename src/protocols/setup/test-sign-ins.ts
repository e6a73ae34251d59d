import type { TestSignIn } from '../../domain/signin/index.ts';
import { html, type SafeHtml } from '../http/index.ts';
import { when } from './layout.ts';

function attributesTable(test: TestSignIn): SafeHtml {
  const entries = Object.entries(test.attributes);
  if (entries.length === 0) return html`<p class="note">No attributes arrived.</p>`;
  return html`<div class="scroll"><table><caption class="note">Attributes and claims that arrived</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Values</th></tr></thead><tbody>${entries.map(
    ([name, values]) =>
      html`<tr><td><code>${name}</code></td><td>${values.map((v, i) => html`${i > 0 ? html`<br>` : ''}<code>${v}</code>`)}</td></tr>`,
  )}</tbody></table></div>`;
}

function one(test: TestSignIn): SafeHtml {
  const heading = html`<h3>${when(test.at)}: ${test.outcome === 'succeeded' ? 'succeeded' : 'failed'}</h3>`;
  if (test.outcome === 'failed')
    return html`${heading}<p class="error wrap">${test.error ?? 'The answer was refused.'}</p>${
      test.subject ? html`<p>Subject: <code>${test.subject}</code></p>` : ''
    }`;
  return html`${heading}<dl><dt>Subject</dt><dd><code>${test.subject ?? ''}</code></dd><dt>Email</dt><dd><code>${
    test.email ?? '(none)'
  }</code></dd><dt>Groups</dt><dd>${
    test.groups.length === 0
      ? 'none arrived'
      : html`${test.groups.map((g, i) => html`${i > 0 ? ', ' : ''}<code>${g}</code>`)}${
          test.groupsTruncated ? ' (the IdP left some out)' : ''
        }`
  }</dd></dl>${attributesTable(test)}`;
}

/** The latest test sign-ins: what arrived from the IdP, or why the answer was refused. */
export function testSignInResults(tests: readonly TestSignIn[]): SafeHtml {
  if (tests.length === 0) return html`<p class="note">No test sign-in yet.</p>`;
  return html`${tests.map(one)}`;
}
