/**
 * The web host's remote access settings from its command line and web-ui.json: the login that
 * binding beyond loopback requires, and the HTTPS certificate.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { HostArgs } from './args.js';
import { Auth, hashPassword, isLoopbackBind, MAX_PASSWORD_LENGTH } from './auth.js';
import { StartupError, step } from './startup-error.js';
import { loadWebUiConfig, saveWebUiConfig } from './web-ui-config.js';

/**
 * Remote access (issue 15 item 9): saves a login or certificate given on the command line,
 * then requires a login when binding beyond loopback and loads the certificate for HTTPS.
 */
export async function remoteAccess(stateDir: string, args: HostArgs): Promise<{ auth?: Auth; username?: string; tls?: { cert: Buffer; key: Buffer } }> {
  let config = await step('cannot read the web UI settings', () => loadWebUiConfig(stateDir));
  if (args.username !== null) {
    const password = process.env.TESSERA_WEB_PASSWORD ?? '';
    if (password.length < 8 || password.length > MAX_PASSWORD_LENGTH) throw new StartupError(`--username needs a password of 8 to ${MAX_PASSWORD_LENGTH} characters in $TESSERA_WEB_PASSWORD`);
    config = { ...config, credentials: { username: args.username, password: await hashPassword(password) } };
  }
  if ((args.cert === null) !== (args.key === null)) throw new StartupError('--cert and --key go together');
  if (args.cert !== null && args.key !== null) config = { ...config, tls: { certFile: resolve(args.cert), keyFile: resolve(args.key) } };
  const tlsFiles = config.tls;
  const tls = tlsFiles
    ? await step(`cannot read the HTTPS certificate or key (${tlsFiles.certFile}, ${tlsFiles.keyFile})`, async () => ({ cert: await readFile(tlsFiles.certFile), key: await readFile(tlsFiles.keyFile) }))
    : undefined;
  // Checked here so a file that is no PEM certificate/key (or a key that does not match) is reported as such, not as a port failure.
  if (tls && tlsFiles) await step(`cannot use the HTTPS certificate and key (${tlsFiles.certFile}, ${tlsFiles.keyFile})`, async () => createSecureContext(tls));
  // Saved only once usable: a mistyped --cert path was saved first and then failed every later
  // start, with or without --cert, until web-ui.json was edited by hand.
  if (args.username !== null || args.cert !== null) {
    const next = config;
    await step(`cannot save the web UI settings in ${stateDir}`, () => saveWebUiConfig(stateDir, next));
  }
  if (isLoopbackBind(args.host)) return tls ? { tls } : {};
  if (!config.credentials) {
    throw new StartupError(`binding ${args.host} (beyond this machine) needs a login: give --username NAME with the password in $TESSERA_WEB_PASSWORD`);
  }
  return { auth: new Auth(config.credentials), username: config.credentials.username, ...(tls ? { tls } : {}) };
}
