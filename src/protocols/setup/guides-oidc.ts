import type { DirectoryProvider } from '../../domain/sources/index.ts';
import { html } from '../http/index.ts';
import type { Guide } from './providers.ts';

/** Muster's side of an OpenID Connect connection. */
export interface OidcValues {
  readonly redirectUri: string;
  readonly loginUrl: string;
}

function entra(v: OidcValues): Guide {
  return {
    steps: html`<ol>
<li>In the Microsoft Entra admin center, go to <strong>Entra ID › App registrations</strong> (earlier: <strong>Identity › Applications › App registrations</strong>) and select <strong>New registration</strong>.</li>
<li>Give it a name; under <strong>Supported account types</strong> choose <strong>Accounts in this organizational directory only</strong>. Under <strong>Redirect URI</strong>, choose <strong>Web</strong> and paste the redirect URI below. Select <strong>Register</strong>.</li>
<li>Under <strong>Certificates &amp; secrets › Client secrets</strong>, select <strong>New client secret</strong>, then <strong>Add</strong>, and copy its <strong>Value</strong> at once (not its <strong>Secret ID</strong>).</li>
<li>Under <strong>Token configuration</strong>, select <strong>Add groups claim</strong> to send groups.</li>
</ol>`,
    values: [{ id: 'v-redirect', label: 'Redirect URI (Web)', muster: 'redirect URI', value: v.redirectUri }],
    fromIdp: html`<p>The issuer is <code>https://login.microsoftonline.com/&lt;Directory (tenant) ID&gt;/v2.0</code>, with the <strong>Directory (tenant) ID</strong> of the <strong>Overview</strong> page; the client id is the <strong>Application (client) ID</strong> there; the client secret is the secret's <strong>Value</strong>.</p>`,
    after: html`<p>In <strong>Enterprise applications</strong>, open the application and assign people under <strong>Users and groups</strong> if you set <strong>Assignment required</strong>.</p>`,
  };
}

function okta(v: OidcValues): Guide {
  return {
    steps: html`<ol>
<li>In the Okta Admin Console, go to <strong>Applications › Applications</strong> and select <strong>Create App Integration</strong>. Choose <strong>OIDC - OpenID Connect</strong> and <strong>Web Application</strong>, and select <strong>Next</strong>.</li>
<li>Give it a name, keep <strong>Authorization Code</strong>, paste the redirect URI below into <strong>Sign-in redirect URIs</strong>, remove any <strong>Sign-out redirect URIs</strong>, and save.</li>
<li>On the <strong>Sign On</strong> tab, under <strong>OpenID Connect ID Token</strong>, set a <strong>Groups claim filter</strong> named <code>groups</code>, such as <strong>Matches regex</strong> <code>.*</code>.</li>
</ol>`,
    values: [
      { id: 'v-redirect', label: 'Sign-in redirect URIs', muster: 'redirect URI', value: v.redirectUri },
      {
        id: 'v-login',
        label: 'Initiate login URI (optional)',
        muster: 'sign-in URL',
        value: v.loginUrl,
      },
    ],
    fromIdp: html`<p>The issuer is your Okta org's URL, such as <code>https://your-company.okta.com</code> (no trailing slash). The client id and secret are under <strong>Client Credentials</strong> on the <strong>General</strong> tab.</p>`,
    after: html`<p>On the <strong>Assignments</strong> tab, assign the people and groups who may sign in.</p>`,
  };
}

function jumpcloud(v: OidcValues): Guide {
  return {
    steps: html`<ol>
<li>In the JumpCloud Admin Portal, go to <strong>SSO Applications</strong>, select <strong>+ Add New Application</strong>, choose <strong>Custom Application</strong>, then <strong>Manage Single Sign-On (SSO)</strong> with <strong>Configure SSO with OIDC</strong>. Give it a <strong>Display Label</strong> and select <strong>Configure Application</strong>.</li>
<li>On the <strong>SSO</strong> tab, paste the values below, and set <strong>Client Authentication Type</strong> to <strong>Client Secret Basic</strong>.</li>
<li>Under <strong>Attribute Mapping</strong>, select the standard scopes <strong>Email</strong> and <strong>Profile</strong>, and add a group attribute named <code>groups</code>.</li>
<li>Select <strong>activate</strong>, and copy the <strong>Client ID</strong> and <strong>Client Secret</strong> now: the secret is not shown again.</li>
</ol>`,
    values: [
      { id: 'v-redirect', label: 'Redirect URIs', muster: 'redirect URI', value: v.redirectUri },
      { id: 'v-login', label: 'Login URL', muster: 'sign-in URL', value: v.loginUrl },
    ],
    fromIdp: html`<p>The issuer is <code>https://oauth.id.jumpcloud.com/</code>, with its trailing slash.</p>`,
    after: html`<p>On the application's <strong>User Groups</strong> tab, select the groups whose members may sign in.</p>`,
  };
}

function keycloak(v: OidcValues): Guide {
  return {
    steps: html`<ol>
<li>In the realm, go to <strong>Clients</strong> and select <strong>Create client</strong>. Keep <strong>Client type</strong> at <strong>OpenID Connect</strong>, enter a <strong>Client ID</strong> such as <code>muster</code>, and select <strong>Next</strong>.</li>
<li>Turn <strong>Client authentication</strong> on and keep <strong>Standard flow</strong> on. Select <strong>Next</strong>, paste the redirect URI below into <strong>Valid redirect URIs</strong>, and save.</li>
<li>On the client's <strong>Client scopes</strong> tab, open its <code>-dedicated</code> scope and add a <strong>Group Membership</strong> mapper: <strong>Token Claim Name</strong> <code>groups</code>, <strong>Add to ID token</strong> and <strong>Add to userinfo</strong> on.</li>
</ol>`,
    values: [
      { id: 'v-redirect', label: 'Valid redirect URIs', muster: 'redirect URI', value: v.redirectUri },
    ],
    fromIdp: html`<p>The issuer is <code>https://&lt;keycloak host&gt;/realms/&lt;realm&gt;</code>, as the realm's <strong>OpenID Endpoint Configuration</strong> (<strong>Realm settings › General › Endpoints</strong>) names it. The secret is on the client's <strong>Credentials</strong> tab.</p>`,
  };
}

function generic(v: OidcValues): Guide {
  return {
    steps: html`<ol>
<li>In your identity provider, add a confidential OpenID Connect client (web application) using the authorization code flow.</li>
<li>Register the redirect URI below, exactly as written.</li>
<li>Let it receive the scopes <code>openid profile email</code>, and groups as a <code>groups</code> claim.</li>
</ol>`,
    values: [{ id: 'v-redirect', label: 'Redirect URI', muster: 'redirect URI', value: v.redirectUri }],
    fromIdp: html`<p>The issuer is the URL of your provider's discovery document without <code>/.well-known/openid-configuration</code>, exactly as its ID tokens name it.</p>`,
  };
}

const guides: Readonly<Record<DirectoryProvider, (v: OidcValues) => Guide>> = {
  entra,
  okta,
  jumpcloud,
  keycloak,
  generic,
};

export function oidcGuide(provider: DirectoryProvider, values: OidcValues): Guide {
  return guides[provider](values);
}
