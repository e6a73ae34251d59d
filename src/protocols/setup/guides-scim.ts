import type { DirectoryProvider } from '../../domain/sources/index.ts';
import { html } from '../http/index.ts';
import type { Guide } from './providers.ts';

/** A SCIM guide: the steps, the base URL to paste, and what the IdP calls the token field. */
export interface ScimGuide extends Guide {
  readonly tokenLabel: string;
}

function entra(baseUrl: string): ScimGuide {
  return {
    steps: html`<ol>
<li>In the Microsoft Entra admin center, go to <strong>Identity › Applications › Enterprise applications</strong> and open your application (the one you sign in with, or a new <strong>Non-gallery</strong> one).</li>
<li>Open <strong>Provisioning</strong>, start a new configuration, and set <strong>Provisioning Mode</strong> to <strong>Automatic</strong>.</li>
<li>Under <strong>Admin Credentials</strong>, paste the <strong>Tenant URL</strong> and the <strong>Secret Token</strong> below. Do not leave the token empty.</li>
<li>Select <strong>Test Connection</strong>, then <strong>Save</strong>.</li>
<li>Under <strong>Users and groups</strong>, assign the users and groups to provision; keep <strong>Scope</strong> at <strong>Sync only assigned users and groups</strong>.</li>
<li>Use <strong>Provision on demand</strong> with one user to try it, then <strong>Start provisioning</strong>.</li>
</ol>`,
    values: [{ id: 'v-scim', label: 'Tenant URL', muster: 'SCIM base URL', value: baseUrl }],
    tokenLabel: 'Secret Token',
  };
}

function okta(baseUrl: string): ScimGuide {
  return {
    steps: html`<ol>
<li>In the Okta Admin Console, go to <strong>Applications › Applications</strong> and open your app integration.</li>
<li>On the <strong>General</strong> tab, under <strong>App Settings</strong>, select <strong>Edit</strong>, set <strong>Provisioning</strong> to <strong>SCIM</strong>, and save.</li>
<li>On <strong>Provisioning › Integration</strong>, select <strong>Edit</strong>: paste the <strong>SCIM connector base URL</strong> below; set <strong>Unique identifier field for users</strong> to <code>userName</code>; select <strong>Push New Users</strong>, <strong>Push Profile Updates</strong> and <strong>Push Groups</strong>; set <strong>Authentication Mode</strong> to <strong>HTTP Header</strong> and paste the token as the bearer token.</li>
<li>Select <strong>Test Connector Configuration</strong>, then <strong>Save</strong>.</li>
<li>On <strong>Provisioning › To App</strong>, select <strong>Edit</strong> and enable <strong>Create Users</strong>, <strong>Update User Attributes</strong> and <strong>Deactivate Users</strong>. Save.</li>
<li>On <strong>Assignments</strong>, assign the people and groups to provision; push groups from <strong>Push Groups</strong>.</li>
</ol>`,
    values: [{ id: 'v-scim', label: 'SCIM connector base URL', muster: 'SCIM base URL', value: baseUrl }],
    tokenLabel: 'Authorization (HTTP Header bearer token)',
  };
}

function jumpcloud(baseUrl: string): ScimGuide {
  return {
    steps: html`<ol>
<li>In the JumpCloud Admin Portal, go to <strong>SSO Applications</strong> and open your custom SAML application (JumpCloud provisions only through an SSO application).</li>
<li>Open the <strong>Identity Management</strong> tab: <strong>SCIM Version</strong> SCIM 2.0, paste the <strong>Base URL</strong> and the <strong>Token Key</strong> below, and give a <strong>Test User Email</strong> reserved for JumpCloud's test.</li>
<li>Tick <strong>Enable management of User Groups and Group Membership in this application</strong>.</li>
<li>Select <strong>Test Connection</strong>, then <strong>Activate</strong>, then <strong>Save</strong>.</li>
<li>On the <strong>User Groups</strong> tab, select the groups to provision, and save.</li>
</ol>`,
    values: [{ id: 'v-scim', label: 'Base URL', muster: 'SCIM base URL', value: baseUrl }],
    tokenLabel: 'Token Key',
  };
}

function keycloak(baseUrl: string): ScimGuide {
  return {
    steps: html`<ol>
<li>Install the <strong>keycloak-scim</strong> extension: put its JAR in <code>/opt/keycloak/providers/</code> and restart Keycloak.</li>
<li>In the realm, go to <strong>Realm settings › Events › Event listeners</strong>, add <code>scim</code>, and save.</li>
<li>Go to <strong>User federation › Add provider › scim</strong>: paste the <strong>SCIM 2.0 endpoint</strong> below, set <strong>Endpoint content type</strong> to <code>application/scim+json</code>, <strong>Auth mode</strong> to <code>BEARER</code>, and paste the token as the bearer token (<code>auth-pass</code>). Keep user and group propagation on, and save.</li>
<li>To send the users and groups that exist already, enable <strong>sync refresh</strong> and run <strong>Action › Sync all users</strong> once.</li>
</ol>`,
    values: [{ id: 'v-scim', label: 'SCIM 2.0 endpoint', muster: 'SCIM base URL', value: baseUrl }],
    tokenLabel: 'Bearer token (auth-pass)',
  };
}

function generic(baseUrl: string): ScimGuide {
  return {
    steps: html`<ol>
<li>In your identity provider's SCIM 2.0 provisioning settings, paste the base URL below.</li>
<li>Authenticate with the token as a bearer token (<code>Authorization: Bearer …</code>); send <code>application/scim+json</code>.</li>
<li>Assign the users and groups to provision, and start provisioning.</li>
</ol>`,
    values: [{ id: 'v-scim', label: 'SCIM base URL', muster: 'SCIM base URL', value: baseUrl }],
    tokenLabel: 'Bearer token',
  };
}

const guides: Readonly<Record<DirectoryProvider, (baseUrl: string) => ScimGuide>> = {
  entra,
  okta,
  jumpcloud,
  keycloak,
  generic,
};

export function scimGuide(provider: DirectoryProvider, baseUrl: string): ScimGuide {
  return guides[provider](baseUrl);
}
