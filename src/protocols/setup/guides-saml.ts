import type { DirectoryProvider } from '../../domain/sources/index.ts';
import { html } from '../http/index.ts';
import type { Guide, PastedValue } from './providers.ts';

/** Muster's side of a SAML connection: known before the connection exists (its id is reserved). */
export interface SamlValues {
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly spMetadataUrl: string;
  readonly sloUrl: string;
  /** Starts a sign-in at Muster through this connection: for the IdP's app tile. */
  readonly loginUrl: string;
}

const value = (id: string, label: string, muster: string, v: string, note?: string): PastedValue => ({
  id,
  label,
  muster,
  value: v,
  ...(note ? { note } : {}),
});

const metadataNote = 'Answers once single sign-on is active.';

function entra(v: SamlValues): Guide {
  return {
    steps: html`<ol>
<li>Sign in to the Microsoft Entra admin center as at least an Application Administrator.</li>
<li>Go to <strong>Identity › Applications › Enterprise applications</strong>. Use the application you provision with, if you have one; otherwise select <strong>+ New application › + Create your own application</strong>, give it a name, choose <strong>Integrate any other application you don't find in the gallery (Non-gallery)</strong>, and create it.</li>
<li>In the application, open <strong>Single sign-on</strong> and select <strong>SAML</strong>.</li>
<li>In <strong>Basic SAML Configuration</strong>, select <strong>Edit</strong> and paste the values below. Save.</li>
<li>In <strong>Attributes &amp; Claims</strong>, select <strong>Edit</strong>: set <strong>Unique User Identifier (Name ID)</strong> to <code>user.userprincipalname</code> or <code>user.mail</code> with <strong>Choose name identifier format</strong> <strong>Email address</strong>. To send groups, select <strong>Add a group claim</strong> and choose <strong>Groups assigned to the application</strong>.</li>
<li>In <strong>SAML Signing Certificate</strong>, keep <strong>Signing Option</strong> at <strong>Sign SAML assertion</strong> and <strong>Signing Algorithm</strong> at <strong>SHA-256</strong>.</li>
</ol>`,
    values: [
      value('v-entity', 'Identifier (Entity ID)', 'SP entity id', v.spEntityId),
      value('v-acs', 'Reply URL (Assertion Consumer Service URL)', 'ACS URL', v.acsUrl),
      value('v-signon', 'Sign on URL (optional)', 'sign-in URL', v.loginUrl),
      value('v-logout', 'Logout URL (optional)', 'Single Logout URL', v.sloUrl),
      value(
        'v-metadata',
        'SP metadata (for Upload metadata file)',
        'SP metadata URL',
        v.spMetadataUrl,
        metadataNote,
      ),
    ],
    fromIdp: html`<p>In <strong>SAML Signing Certificate</strong>, copy the <strong>App Federation Metadata Url</strong> and give it below, or download <strong>Federation Metadata XML</strong> and upload the file.</p>`,
    after: html`<p>Under <strong>Users and groups</strong>, assign the people and groups who may sign in: Entra refuses anyone else.</p>`,
  };
}

function okta(v: SamlValues): Guide {
  return {
    steps: html`<ol>
<li>In the Okta Admin Console, go to <strong>Applications › Applications</strong>. Use the SAML 2.0 app integration you provision with, if you have one; otherwise select <strong>Create App Integration</strong>, choose <strong>SAML 2.0</strong>, and select <strong>Next</strong>.</li>
<li>Under <strong>General Settings</strong>, give it a name and select <strong>Next</strong>. Under <strong>Configure SAML</strong> (for an existing integration: <strong>General › SAML Settings › Edit</strong>), paste the values below and keep <strong>Use this for Recipient URL and Destination URL</strong> selected.</li>
<li>Set <strong>Name ID format</strong> to <strong>EmailAddress</strong> and <strong>Application username</strong> to <strong>Email</strong>. Under <strong>Show Advanced Settings</strong>, keep <strong>Assertion Signature</strong> <strong>Signed</strong> and <strong>Signature Algorithm</strong> <strong>RSA-SHA256</strong>.</li>
<li><strong>Attribute Statements</strong>: <code>email</code> = <code>user.email</code>, <code>firstName</code> = <code>user.firstName</code>, <code>lastName</code> = <code>user.lastName</code>. <strong>Group Attribute Statements</strong>: <strong>Name</strong> <code>groups</code>, with a <strong>Filter</strong> such as <strong>Matches regex</strong> <code>.*</code>.</li>
<li>Select <strong>Next</strong>, then <strong>Finish</strong> (<strong>I'm an Okta customer adding an internal app</strong>).</li>
</ol>`,
    values: [
      value('v-acs', 'Single sign-on URL', 'ACS URL', v.acsUrl),
      value('v-entity', 'Audience URI (SP Entity ID)', 'SP entity id', v.spEntityId),
      value('v-metadata', 'SP metadata', 'SP metadata URL', v.spMetadataUrl, metadataNote),
    ],
    fromIdp: html`<p>On the integration's <strong>Sign On</strong> tab, copy the <strong>Metadata URL</strong> and give it below (or save the metadata as a file and upload it).</p>`,
    after: html`<p>On the <strong>Assignments</strong> tab, assign the people and groups who may sign in.</p>`,
  };
}

function jumpcloud(v: SamlValues): Guide {
  return {
    steps: html`<ol>
<li>In the JumpCloud Admin Portal, go to <strong>SSO Applications</strong>. Use the application you provision with, if you have one; otherwise select <strong>+ Add New Application</strong>, choose <strong>Custom SAML App</strong> (in newer portals, <strong>Custom Application</strong>, then <strong>Manage Single Sign-On (SSO)</strong> with <strong>Configure SSO with SAML</strong>), give it a <strong>Display Label</strong>, and select <strong>Configure Application</strong>.</li>
<li>On the <strong>SSO</strong> tab, set <strong>IdP Entity ID</strong> to a name no other application of yours uses, such as <code>https://your-company.example/jumpcloud/muster</code>, and paste the values below.</li>
<li>Set <strong>SAMLSubject NameID</strong> to <code>email</code>, <strong>SAMLSubject NameID Format</strong> to <code>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</code>, <strong>Signature Algorithm</strong> to <strong>RSA-SHA256</strong>, and <strong>Sign</strong> to <strong>Assertion</strong> (or <strong>Assertion &amp; Response</strong>).</li>
<li>Under user attribute mapping, add <code>email</code> ← <code>email</code>, <code>firstName</code> ← <code>firstname</code>, <code>lastName</code> ← <code>lastname</code>. Under <strong>Group Attributes</strong>, select <strong>include group attribute</strong> and name it <code>memberOf</code>.</li>
<li><strong>Activate</strong> the application and save.</li>
</ol>`,
    values: [
      value('v-entity', 'SP Entity ID', 'SP entity id', v.spEntityId),
      value('v-acs', 'ACS URLs', 'ACS URL', v.acsUrl),
      value(
        'v-metadata',
        'SP metadata (for Upload Metadata)',
        'SP metadata URL',
        v.spMetadataUrl,
        metadataNote,
      ),
    ],
    fromIdp: html`<p>On the <strong>SSO</strong> tab, select <strong>Copy Metadata URL</strong> and give it below, or <strong>Export Metadata</strong> and upload the file.</p>`,
    after: html`<p>On the application's <strong>User Groups</strong> tab, select the groups whose members may sign in, and save.</p>`,
  };
}

function keycloak(v: SamlValues): Guide {
  return {
    steps: html`<ol>
<li>Keycloak publishes one metadata document for the whole realm: give Muster the realm's descriptor first (step 2 below), <code>https://&lt;keycloak host&gt;/realms/&lt;realm&gt;/protocol/saml/descriptor</code>, at the host name people's browsers use.</li>
<li>Once the connection is active, in the realm go to <strong>Clients</strong>, select <strong>Import client</strong>, select <strong>Browse</strong> and load Muster's SP metadata (saved from the URL below), check what it shows, and save.</li>
<li>Or create the client by hand (<strong>Clients › Create client</strong>, <strong>Client type</strong> <strong>SAML</strong>) with the values below, <strong>Name ID format</strong> <code>email</code>, <strong>Sign assertions</strong> on and <strong>Signature algorithm</strong> <code>RSA_SHA256</code>.</li>
<li>On the client's <strong>Client scopes</strong> tab, open its <code>-dedicated</code> scope and add the predefined mappers <strong>X500 email</strong>, <strong>X500 givenName</strong> and <strong>X500 surname</strong>, and a <strong>Group list</strong> mapper with <strong>Group attribute name</strong> <code>groups</code> and <strong>Full group path</strong> on.</li>
</ol>`,
    values: [
      value('v-entity', 'Client ID', 'SP entity id', v.spEntityId),
      value(
        'v-acs',
        'Valid redirect URIs and Assertion Consumer Service POST Binding URL',
        'ACS URL',
        v.acsUrl,
      ),
      value('v-logout', 'Logout Service POST Binding URL', 'Single Logout URL', v.sloUrl),
      value(
        'v-metadata',
        'SP metadata (for Import client)',
        'SP metadata URL',
        v.spMetadataUrl,
        metadataNote,
      ),
    ],
    fromIdp: html`<p>Give the realm's descriptor URL below. If Keycloak answers on a private network only, save the descriptor and upload the file.</p>`,
    after: html`<p>Import Muster's SP metadata into the realm now (step 2 above): it answers at the SP metadata URL.</p>`,
  };
}

function generic(v: SamlValues): Guide {
  return {
    steps: html`<ol>
<li>In your identity provider, add a SAML 2.0 application (service provider) with the values below.</li>
<li>Send the person's email as the NameID (format <code>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</code>) or as an attribute <code>email</code>; first and last names as <code>firstName</code> and <code>lastName</code>; groups as <code>groups</code>.</li>
<li>Sign the assertion with RSA-SHA256; answers go to the ACS URL by HTTP-POST.</li>
</ol>`,
    values: [
      value('v-entity', 'Audience or SP entity id', 'SP entity id', v.spEntityId),
      value('v-acs', 'Assertion Consumer Service (ACS) URL', 'ACS URL', v.acsUrl),
      value('v-logout', 'Single Logout URL (optional)', 'Single Logout URL', v.sloUrl),
      value('v-metadata', 'SP metadata', 'SP metadata URL', v.spMetadataUrl, metadataNote),
    ],
    fromIdp: html`<p>Give your identity provider's SAML metadata below: its URL, or the file.</p>`,
    after: html`<p>Assign the people who may sign in, if your identity provider asks for it.</p>`,
  };
}

const guides: Readonly<Record<DirectoryProvider, (v: SamlValues) => Guide>> = {
  entra,
  okta,
  jumpcloud,
  keycloak,
  generic,
};

export function samlGuide(provider: DirectoryProvider, values: SamlValues): Guide {
  return guides[provider](values);
}
