/**
 * The auth method of a dbt BigQuery target becomes the right google-auth-library
 * client. Keys are generated here; nothing touches the network: a service
 * account client proves it holds the key by signing a self-signed JWT that is
 * verified with the public half.
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { BigQuery } from '@google-cloud/bigquery';
import { GoogleAuth, Impersonated, JWT, OAuth2Client } from 'google-auth-library';
import { afterEach, describe, expect, it } from 'vitest';
import { bigqueryAuth, bigqueryClientOptions } from '../../src/data/dbt/auth.js';
import { DBT_BIGQUERY_SCOPES, readDbtTarget } from '../../src/data/dbt/profile.js';
import { tempDir } from '../helpers/warehouse.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const EMAIL = 'dbt-runner@dw-prod-gwiiag.iam.gserviceaccount.com';
const KEY_BODY = privateKey.split('\n')[1]!; // a line of the key's base64, to look for in messages
const keyJson = (extra: Record<string, unknown> = {}) => ({
  type: 'service_account',
  project_id: 'dw-prod-gwiiag',
  private_key_id: 'abc123',
  private_key: privateKey,
  client_email: EMAIL,
  client_id: '1234567890',
  token_uri: 'https://oauth2.googleapis.com/token',
  ...extra,
});

/** A dbt project whose profiles.yml has one prod target with these lines. */
function target(lines: string, env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir();
  const projectDir = join(dir, 'dbt');
  mkdirSync(projectDir);
  writeFileSync(join(projectDir, 'dbt_project.yml'), 'name: analytics\nprofile: warehouse\n');
  writeFileSync(
    join(projectDir, 'profiles.yml'),
    `warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      project: dw-prod-gwiiag\n      dataset: stage\n      location: EU\n${lines}`,
  );
  return { dir, projectDir, read: () => readDbtTarget({ projectDir }, { HOME: dir, ...env }) };
}

/** Signs a self-signed JWT with the client's key (no token exchange) and checks it with the public key. */
async function signsWithTheKey(client: JWT): Promise<boolean> {
  client.useJWTAccessWithScope = true;
  const headers = await client.getRequestHeaders('https://bigquery.googleapis.com/');
  const token = (headers as Headers).get('authorization')!.replace(/^Bearer /, '');
  const [head, body, signature] = token.split('.') as [string, string, string];
  expect(JSON.parse(Buffer.from(body, 'base64url').toString()).iss).toBe(EMAIL);
  return verify('RSA-SHA256', Buffer.from(`${head}.${body}`), publicKey, Buffer.from(signature, 'base64url'));
}

const savedAdc = process.env.GOOGLE_APPLICATION_CREDENTIALS;
afterEach(() => {
  if (savedAdc === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  else process.env.GOOGLE_APPLICATION_CREDENTIALS = savedAdc;
});

describe('the auth of a dbt BigQuery target', () => {
  it("oauth: Application Default Credentials with dbt-bigquery's scopes; jobs in execution_project", async () => {
    const t = target('      method: oauth\n      execution_project: dw-jobs-gwiiag\n').read();
    expect(t).toMatchObject({ project: 'dw-prod-gwiiag', executionProject: 'dw-jobs-gwiiag', scopes: DBT_BIGQUERY_SCOPES });
    const auth = await bigqueryAuth(t);
    expect(auth.authClient).toBeInstanceOf(GoogleAuth);
    expect((auth.authClient as GoogleAuth & { scopes: unknown }).scopes).toEqual(DBT_BIGQUERY_SCOPES);
    expect(auth).toMatchObject({ projectId: 'dw-jobs-gwiiag', dataProject: 'dw-prod-gwiiag', location: 'EU', description: 'Application Default Credentials' });
    const bq = new BigQuery(bigqueryClientOptions(auth));
    expect(bq.projectId).toBe('dw-jobs-gwiiag');
    expect(bq.location).toBe('EU');
  });

  it('execution_project defaults to the project, as in dbt-bigquery', async () => {
    const auth = await bigqueryAuth(target('      method: oauth\n').read());
    expect(auth.projectId).toBe('dw-prod-gwiiag');
  });

  it('service-account: a JWT client holding the keyfile (relative to project_dir, where dbt runs)', async () => {
    const t = target('      method: service-account\n      keyfile: keys/dbt.json\n');
    mkdirSync(join(t.projectDir, 'keys'));
    writeFileSync(join(t.projectDir, 'keys', 'dbt.json'), JSON.stringify(keyJson()));
    const auth = await bigqueryAuth(t.read());
    expect(auth.authClient).toBeInstanceOf(JWT);
    const jwt = auth.authClient as JWT;
    expect(jwt).toMatchObject({ email: EMAIL, keyId: 'abc123', scopes: DBT_BIGQUERY_SCOPES });
    expect(auth.description).toBe(`service account ${EMAIL} (keyfile ${join(t.projectDir, 'keys', 'dbt.json')})`);
    expect(await signsWithTheKey(jwt)).toBe(true);
  });

  it('service-account-json: the key from keyfile_json, rendered from env vars, with literal \\n made newlines', async () => {
    const flat = privateKey.replace(/\n/g, '\\n'); // as a key pasted into one env var usually is
    const t = target(
      `      method: service-account-json
      keyfile_json:
        type: service_account
        project_id: dw-prod-gwiiag
        private_key_id: "{{ env_var('BQ_PRIVATE_KEY_ID') }}"
        private_key: "{{ env_var('BQ_PRIVATE_KEY') }}"
        client_email: "{{ env_var('BQ_CLIENT_EMAIL') }}"
        token_uri: https://oauth2.googleapis.com/token
`,
      { BQ_PRIVATE_KEY_ID: 'abc123', BQ_PRIVATE_KEY: flat, BQ_CLIENT_EMAIL: EMAIL },
    ).read();
    // The key is in the target, but not where anything prints it.
    expect(JSON.stringify(t)).not.toContain(KEY_BODY);
    expect(inspect(t, { depth: 10 })).not.toContain(KEY_BODY);
    const auth = await bigqueryAuth(t);
    expect(auth.authClient).toBeInstanceOf(JWT);
    expect(await signsWithTheKey(auth.authClient as JWT)).toBe(true);
  });

  it('service-account-json: the key as base64 of its JSON', async () => {
    const b64 = Buffer.from(JSON.stringify(keyJson())).toString('base64');
    const auth = await bigqueryAuth(
      target('      method: service-account-json\n      keyfile_json: "{{ env_var(\'BQ_KEY_B64\') }}"\n', { BQ_KEY_B64: b64 }).read(),
    );
    expect(await signsWithTheKey(auth.authClient as JWT)).toBe(true);
  });

  it('impersonate_service_account: an Impersonated client whose source is the keyfile', async () => {
    const t = target(
      '      method: service-account\n      keyfile: /KEYFILE\n      impersonate_service_account: evfix-writer@dw-prod-gwiiag.iam.gserviceaccount.com\n',
    );
    const keyfile = join(t.dir, 'key.json');
    writeFileSync(keyfile, JSON.stringify(keyJson()));
    writeFileSync(join(t.projectDir, 'profiles.yml'), readFileSync(join(t.projectDir, 'profiles.yml'), 'utf8').replace('/KEYFILE', keyfile));
    const auth = await bigqueryAuth(t.read());
    expect(auth.authClient).toBeInstanceOf(Impersonated);
    const imp = auth.authClient as Impersonated & { sourceClient: unknown; targetScopes: unknown };
    expect(imp.getTargetPrincipal()).toBe('evfix-writer@dw-prod-gwiiag.iam.gserviceaccount.com');
    expect(imp.targetScopes).toEqual(DBT_BIGQUERY_SCOPES);
    expect(imp.sourceClient).toBeInstanceOf(JWT);
    expect(await signsWithTheKey(imp.sourceClient as JWT)).toBe(true);
    expect(auth.description).toBe(`evfix-writer@dw-prod-gwiiag.iam.gserviceaccount.com, impersonated by service account ${EMAIL} (keyfile ${keyfile})`);
  });

  it('impersonate_service_account with oauth: the source is Application Default Credentials', async () => {
    const t = target('      method: oauth\n      impersonate_service_account: evfix-writer@dw-prod-gwiiag.iam.gserviceaccount.com\n');
    const adc = join(t.dir, 'adc.json');
    writeFileSync(adc, JSON.stringify(keyJson()));
    process.env.GOOGLE_APPLICATION_CREDENTIALS = adc;
    const auth = await bigqueryAuth(t.read());
    expect(auth.authClient).toBeInstanceOf(Impersonated);
    const source = (auth.authClient as unknown as { sourceClient: JWT }).sourceClient;
    expect(source).toBeInstanceOf(JWT);
    expect(source.email).toBe(EMAIL);
    expect(auth.description).toBe('evfix-writer@dw-prod-gwiiag.iam.gserviceaccount.com, impersonated by Application Default Credentials');
  });

  it('oauth-secrets: an OAuth2 client with the refresh token', async () => {
    const t = target(
      '      method: oauth-secrets\n      refresh_token: "{{ env_var(\'BQ_REFRESH\') }}"\n      client_id: cid\n      client_secret: "{{ env_var(\'BQ_SECRET\') }}"\n      token_uri: https://oauth2.googleapis.com/token\n',
      {
        BQ_REFRESH: 'refresh-sekret',
        BQ_SECRET: 'client-sekret',
      },
    ).read();
    expect(JSON.stringify(t)).not.toContain('sekret');
    const auth = await bigqueryAuth(t);
    expect(auth.authClient).toBeInstanceOf(OAuth2Client);
    expect((auth.authClient as OAuth2Client).credentials.refresh_token).toBe('refresh-sekret');
  });

  it('says what is wrong with a key without ever showing it', async () => {
    const t = target('      method: service-account\n      keyfile: key.json\n');
    const keyfile = join(t.projectDir, 'key.json');
    const messageOf = async () => {
      try {
        await bigqueryAuth(t.read());
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(await messageOf()).toBe(`${join(t.projectDir, 'profiles.yml')}: warehouse.outputs.prod.keyfile: cannot read ${keyfile}: ENOENT`);
    // Not JSON: Node's own error would quote the text, and so the key.
    writeFileSync(keyfile, JSON.stringify(keyJson()).replace('{', '{,'));
    let message = await messageOf();
    expect(message).toBe(`${join(t.projectDir, 'profiles.yml')}: warehouse.outputs.prod.keyfile: ${keyfile} is not a JSON key file (its text is not shown)`);
    // A private key that does not parse.
    writeFileSync(keyfile, JSON.stringify(keyJson({ private_key: privateKey.replace(KEY_BODY, KEY_BODY.slice(0, 30)) })));
    message = await messageOf();
    expect(message).toContain(`private_key of ${EMAIL} is not a PEM private key (its text is not shown)`);
    expect(message).not.toContain(KEY_BODY.slice(0, 30));
    writeFileSync(keyfile, JSON.stringify({ type: 'authorized_user', client_id: 'x', client_secret: 'y', refresh_token: 'z' }));
    expect(await messageOf()).toContain('is a authorized_user credential, not a service account key; use method: oauth');
    writeFileSync(keyfile, JSON.stringify(keyJson({ client_email: undefined })));
    expect(await messageOf()).toContain('has no client_email');
  });
});
