/**
 * The credentials a dbt BigQuery target names, as a google-auth-library
 * client that @google-cloud/bigquery accepts as its `authClient`, so evfix
 * reads and writes as the same identity that `dbt run` uses.
 *
 * Followed from dbt-bigquery (dbt/adapters/bigquery/credentials.py
 * `_create_google_credentials` / `_create_impersonated_credentials`, and
 * clients.py `_create_bigquery_client`):
 * - oauth: Application Default Credentials with the target's scopes.
 * - service-account: the key file `keyfile`.
 * - service-account-json: the key given inline as `keyfile_json` (a mapping,
 *   or base64 of the JSON); a `\n` written literally in its private_key is a
 *   newline, as dbt-bigquery's __post_init__ makes it.
 * - oauth-secrets: token / refresh_token / client_id / client_secret / token_uri.
 * - impersonate_service_account: the credentials above are only the source;
 *   BigQuery is called as the impersonated account, with the target's scopes.
 * - The client's project is execution_project (where jobs run and are
 *   billed), which dbt defaults to the target's project; the data project is
 *   kept apart.
 *
 * No secret appears in any message: a key file that is not valid JSON is
 * said to be so without quoting it (Node's JSON errors quote the text), and a
 * private key that does not parse is named, never shown.
 *
 * This module loads google-auth-library; config.ts must not import it, so
 * start-up on the embedded warehouse does not pay for it (see openWarehouse.ts).
 */
import { readTextOr } from '../files.js';
import { createPrivateKey } from 'node:crypto';
import { GoogleAuth, Impersonated, JWT, OAuth2Client, type AuthClient } from 'google-auth-library';
import { EvfixError } from '../errors.js';
import type { DbtTarget } from './profile.js';

export type BigqueryAuth = {
  /** Hand to `new BigQuery({ authClient })`. */
  authClient: GoogleAuth | AuthClient;
  /** execution_project: the project jobs run in. Undefined: the credentials' own default. */
  projectId?: string;
  /** The project that holds the data (tables without a project are qualified with it). */
  dataProject?: string;
  location?: string;
  /** Who evfix will act as, for doctor; never a secret. */
  description: string;
};

const authError = (target: DbtTarget, field: string, message: string) =>
  new EvfixError('config', `${target.file}: ${target.profile}.outputs.${target.target}.${field}: ${message}`, 'rerun.dbt');

type ServiceAccountKey = { email: string; key: string; keyId?: string };

/** The fields a service account key must have, checked without ever echoing them. */
function serviceAccountKey(info: unknown, target: DbtTarget, field: string, fixNewlines: boolean): ServiceAccountKey {
  if (!info || typeof info !== 'object' || Array.isArray(info)) throw authError(target, field, 'is not a service account key (a JSON object)');
  const o = info as Record<string, unknown>;
  if (o.type !== undefined && o.type !== 'service_account') {
    throw authError(
      target,
      field,
      `is a ${typeof o.type === 'string' ? o.type.replace(/[^\w-]/g, '') : 'non-service-account'} credential, not a service account key; use method: oauth for Application Default Credentials`,
    );
  }
  if (typeof o.client_email !== 'string' || !o.client_email) throw authError(target, field, 'has no client_email');
  if (typeof o.private_key !== 'string' || !o.private_key) throw authError(target, field, 'has no private_key');
  const key = fixNewlines ? o.private_key.replace(/\\n/g, '\n') : o.private_key;
  try {
    createPrivateKey(key);
  } catch {
    throw authError(target, field, `private_key of ${o.client_email} is not a PEM private key (its text is not shown)`);
  }
  return { email: o.client_email, key, ...(typeof o.private_key_id === 'string' ? { keyId: o.private_key_id } : {}) };
}

function keyFromFile(target: DbtTarget): ServiceAccountKey {
  const file = target.keyfile!;
  const text = readTextOr(file, (_, code) => authError(target, 'keyfile', `cannot read ${file}: ${code ?? 'unreadable'}`));
  let info: unknown;
  try {
    info = JSON.parse(text);
  } catch {
    throw authError(target, 'keyfile', `${file} is not a JSON key file (its text is not shown)`);
  }
  return serviceAccountKey(info, target, `keyfile (${file})`, false);
}

function keyFromJson(target: DbtTarget): ServiceAccountKey {
  let info = target.secrets?.keyfileJson;
  if (typeof info === 'string') {
    // dbt-bigquery accepts the key base64-encoded; a JSON text is taken as it is.
    const text = /^[A-Za-z0-9+/=\s]+$/.test(info) ? Buffer.from(info, 'base64').toString('utf8') : info;
    try {
      info = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw authError(target, 'keyfile_json', 'is neither the key as a mapping nor its JSON in base64 (its text is not shown)');
    }
  }
  return serviceAccountKey(info, target, 'keyfile_json', true);
}

/**
 * A service account key's client. It signs its own JWT for each API (AIP-4111 self-signed JWT, with the target's
 * scopes), as Google's generated Node clients do for service accounts (google-gax sets useJWTAccessWithScope):
 * the key proves who evfix is to BigQuery itself, with no token exchange at oauth2.googleapis.com, which a bastion
 * host reaching BigQuery through a Private Service Connect endpoint (engine.api_endpoint) may not reach.
 */
function keyClient(key: ServiceAccountKey, target: DbtTarget): JWT {
  const client = new JWT({ ...key, scopes: target.scopes });
  client.useJWTAccessWithScope = true;
  return client;
}

/** The source credentials of the target's method (before any impersonation). */
async function sourceCredentials(target: DbtTarget, forImpersonation: boolean): Promise<{ client: GoogleAuth | AuthClient; description: string }> {
  switch (target.method) {
    case 'oauth': {
      const adc = new GoogleAuth({ scopes: target.scopes });
      if (!forImpersonation) return { client: adc, description: 'Application Default Credentials' };
      // Impersonated needs an AuthClient as its source: resolve ADC now (a file, gcloud's, or the metadata server).
      try {
        return { client: (await adc.getClient()) as AuthClient, description: 'Application Default Credentials' };
      } catch (error) {
        throw authError(target, 'method', `oauth: no Application Default Credentials to impersonate from: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    case 'service-account': {
      const key = keyFromFile(target);
      return { client: keyClient(key, target), description: `service account ${key.email} (keyfile ${target.keyfile})` };
    }
    case 'service-account-json': {
      const key = keyFromJson(target);
      return { client: keyClient(key, target), description: `service account ${key.email} (keyfile_json)` };
    }
    case 'oauth-secrets': {
      const s = target.secrets ?? {};
      const client = new OAuth2Client({
        ...(s.clientId ? { clientId: s.clientId } : {}),
        ...(s.clientSecret ? { clientSecret: s.clientSecret } : {}),
        ...(s.tokenUri ? { endpoints: { oauth2TokenUrl: s.tokenUri } } : {}),
      });
      client.setCredentials({ ...(s.token ? { access_token: s.token } : {}), ...(s.refreshToken ? { refresh_token: s.refreshToken } : {}) });
      return { client, description: 'OAuth tokens from the profile (oauth-secrets)' };
    }
  }
}

/** The auth client, execution project and location for the target's BigQuery connection. */
export async function bigqueryAuth(target: DbtTarget): Promise<BigqueryAuth> {
  const impersonate = target.impersonateServiceAccount;
  const source = await sourceCredentials(target, Boolean(impersonate));
  const authClient = impersonate
    ? new Impersonated({ sourceClient: source.client as AuthClient, targetPrincipal: impersonate, targetScopes: target.scopes, delegates: [], lifetime: 3600 })
    : source.client;
  return {
    authClient,
    ...(target.executionProject ? { projectId: target.executionProject } : {}),
    ...(target.project ? { dataProject: target.project } : {}),
    ...(target.location ? { location: target.location } : {}),
    description: impersonate ? `${impersonate}, impersonated by ${source.description}` : source.description,
  };
}

/** The options `new BigQuery(...)` takes for this auth: jobs in the execution project. */
export const bigqueryClientOptions = (auth: BigqueryAuth) => ({
  ...(auth.projectId ? { projectId: auth.projectId } : {}),
  ...(auth.location ? { location: auth.location } : {}),
  authClient: auth.authClient,
});
