/**
 * Remote web UI login (like qbittorrent-nox): used when the host binds beyond loopback.
 * - The password is kept only as an scrypt hash with a random salt (`hashPassword`).
 * - A login makes a session: a random id in an HttpOnly, SameSite=Strict cookie (Secure over
 *   HTTPS), forgotten after SESSION_IDLE_MS without use; at most MAX_SESSIONS (oldest dropped).
 * - Lock-out: MAX_FAILURES wrong logins in a row from one address group (addressGroup: an IPv6
 *   /64 counts as one, as one host holds a whole /64) lock that group out for LOCKOUT_MS, even
 *   with the right password. Counts are kept for at most MAX_TRACKED_ADDRESSES groups (the
 *   least recently failed forgotten first: that gives a stranger back at most MAX_FAILURES - 1
 *   guesses, for a password check of its own per group it pushes out). Lock-outs are kept
 *   apart and never forgotten for newcomers: they shared one table of 4,096 with the counts,
 *   so one failed login from each of 4,096 other /64s (a /52, 93 s of checks) ended a
 *   lock-out. At most MAX_LOCKOUTS are held; should that many be live at once, no group
 *   without one may try until the soonest ends (see MAX_LOCKOUTS).
 * - At most MAX_CONCURRENT_CHECKS password hashes run at once (the rest wait their turn).
 * Clock injected so tests use a manual one.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { addressGroup } from '../engine/session/connection-limits.js';
import { dropOldest } from '../engine/util/recent-map.js';

export interface PasswordRecord {
  algorithm: 'scrypt';
  /** scrypt cost parameters. */
  N: number;
  r: number;
  p: number;
  /** hex */
  salt: string;
  /** hex, KEY_LENGTH bytes */
  hash: string;
}

const KEY_LENGTH = 32;
const DEFAULT_COST = { N: 16384, r: 8, p: 1 };
/** Passwords longer than this are refused before hashing (scrypt's cost grows with them). */
export const MAX_PASSWORD_LENGTH = 1024;
export const MAX_USERNAME_LENGTH = 256;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, cost: { N: number; r: number; p: number } = DEFAULT_COST): Promise<PasswordRecord> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, cost);
  return { algorithm: 'scrypt', ...cost, salt: salt.toString('hex'), hash: key.toString('hex') };
}

export async function verifyPassword(password: string, record: PasswordRecord): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await scrypt(password, Buffer.from(record.salt, 'hex'), { N: record.N, r: record.r, p: record.p });
  const want = Buffer.from(record.hash, 'hex');
  return want.length === key.length && timingSafeEqual(key, want);
}

/** A stored record read from disk: checked field by field (the file may be edited by hand). */
export function isPasswordRecord(value: unknown): value is PasswordRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const int = (x: unknown, max: number) => Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= max;
  return v.algorithm === 'scrypt' && int(v.N, 1 << 20) && int(v.r, 64) && int(v.p, 16)
    && typeof v.salt === 'string' && /^[0-9a-f]{16,128}$/.test(v.salt)
    && typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash);
}

export const MAX_FAILURES = 5;
/** Password checks (scrypt) at once: half of libuv's thread pool, the rest left to the disk. */
export const MAX_CONCURRENT_CHECKS = 2;
export const LOCKOUT_MS = 15 * 60_000;
export const SESSION_IDLE_MS = 60 * 60_000;
export const MAX_SESSIONS = 256;
export const MAX_TRACKED_ADDRESSES = 4096;
/**
 * Lock-outs held at once. Each takes MAX_FAILURES password checks, and MAX_CONCURRENT_CHECKS
 * at a time at the default cost (45 ms a check here) get through about 44 a second: some 8,000
 * lock-outs in LOCKOUT_MS, far from this. A full table refuses groups it does not hold rather
 * than forget a lock-out (that would let an attacker clear its own).
 */
export const MAX_LOCKOUTS = 65_536;
export const SESSION_COOKIE = 'tessera_sid';

export type LoginResult = { ok: true; sessionId: string } | { ok: false; reason: 'wrong' | 'locked'; retryAfterMs?: number };

export interface AuthLimits {
  /** Address groups whose failures (short of a lock-out) are counted at most. */
  maxTracked: number;
  /** Lock-outs held at most. */
  maxLockouts: number;
}

export const AUTH_LIMITS: AuthLimits = { maxTracked: MAX_TRACKED_ADDRESSES, maxLockouts: MAX_LOCKOUTS };

export interface Credentials {
  username: string;
  password: PasswordRecord;
}

/** Logins, lock-outs and sessions of one host. */
export class Auth {
  /** Per address group not locked out: failed logins in a row; Map order = least recently failed first. */
  private readonly failures = new Map<string, number>();
  /** Per address group locked out: until when; Map order = order locked, so the soonest to end first. */
  private readonly lockouts = new Map<string, number>();
  /** Session id → last use; Map order = oldest first (refreshed on use). */
  private readonly sessions = new Map<string, number>();

  /** Password checks running, and those waiting for a place (in order). */
  private checking = 0;
  private readonly waitingChecks: Array<() => void> = [];

  constructor(
    private readonly credentials: Credentials,
    private readonly now: () => number = Date.now,
    private readonly verify: (password: string, record: PasswordRecord) => Promise<boolean> = verifyPassword,
    private readonly limits: AuthLimits = AUTH_LIMITS,
  ) {}

  /**
   * Runs `check` when fewer than MAX_CONCURRENT_CHECKS run. scrypt runs on libuv's thread pool
   * (4 threads), which also carries every file read and write of the engine: 128 wrong logins at
   * once from 100 addresses (5 each before their lock-out) held the pool for 2.5 s, the disk
   * waiting. The wait is bounded by the connections that may be open (connection-gate.ts).
   */
  private async limited<T>(check: () => Promise<T>): Promise<T> {
    if (this.checking >= MAX_CONCURRENT_CHECKS) await new Promise<void>((resolve) => this.waitingChecks.push(resolve));
    else this.checking++;
    try {
      return await check();
    } finally {
      // The place passes to the next waiting check, or is freed.
      const next = this.waitingChecks.shift();
      if (next) next();
      else this.checking--;
    }
  }

  /** Checks a login from `address`; a locked address is refused without looking at the password. */
  async login(address: string, username: string, password: string): Promise<LoginResult> {
    const group = addressGroup(address);
    const locked = this.lockedFor(group);
    if (locked > 0) return { ok: false, reason: 'locked', retryAfterMs: locked };
    // Counted as a failure before the hash, undone when it matches: attempts sent all at once
    // would otherwise each be checked before the first failure was recorded (MAX_FAILURES
    // guesses at most, however many arrive together).
    this.fail(group);
    const userOk = username.length <= MAX_USERNAME_LENGTH && tokensEqualText(username, this.credentials.username);
    // The hash runs for a wrong user name too, so the time taken does not tell which was wrong.
    const passOk = await this.limited(() => this.verify(password, this.credentials.password));
    if (!userOk || !passOk) {
      const after = this.lockedFor(group);
      return after > 0 ? { ok: false, reason: 'locked', retryAfterMs: after } : { ok: false, reason: 'wrong' };
    }
    // The right password: its own count (and a lock-out that count made) is undone.
    this.failures.delete(group);
    this.lockouts.delete(group);
    const sessionId = randomBytes(32).toString('hex');
    this.sessions.set(sessionId, this.now());
    dropOldest(this.sessions, MAX_SESSIONS);
    return { ok: true, sessionId };
  }

  /** Whether `sessionId` is a live session; using it keeps it alive. */
  touch(sessionId: string | null): boolean {
    if (sessionId === null || !/^[0-9a-f]{64}$/.test(sessionId)) return false;
    const last = this.sessions.get(sessionId);
    if (last === undefined) return false;
    this.sessions.delete(sessionId);
    if (this.now() - last > SESSION_IDLE_MS) return false;
    this.sessions.set(sessionId, this.now());
    return true;
  }

  /** Ends the session; false when there was none by that id. */
  logout(sessionId: string | null): boolean {
    return sessionId !== null && this.sessions.delete(sessionId);
  }

  /** Milliseconds until `address` (or its group) may try again; 0 = not locked. */
  lockedFor(address: string): number {
    const group = addressGroup(address);
    const now = this.now();
    this.endLockouts(now);
    const until = this.lockouts.get(group);
    if (until !== undefined) {
      if (until > now) return until - now;
      this.lockouts.delete(group);
      return 0;
    }
    if (this.lockouts.size < this.limits.maxLockouts) return 0;
    // Full of live lock-outs: a newcomer waits for the soonest to end (MAX_LOCKOUTS).
    const soonest = this.lockouts.values().next().value ?? now;
    return Math.max(1, soonest - now);
  }

  private fail(group: string): void {
    const count = (this.failures.get(group) ?? 0) + 1;
    this.failures.delete(group);
    if (count >= MAX_FAILURES) {
      // Beyond maxLockouts only by the checks already running when it filled (a full table
      // lets no one else try: lockedFor).
      this.lockouts.set(group, this.now() + LOCKOUT_MS);
      return;
    }
    this.failures.set(group, count);
    dropOldest(this.failures, this.limits.maxTracked);
  }

  /** Forgets the lock-outs that are over, from the soonest to end. */
  private endLockouts(now: number): void {
    for (const [group, until] of this.lockouts) {
      if (until > now) break;
      this.lockouts.delete(group);
    }
  }
}

function tokensEqualText(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Set-Cookie that makes the browser forget its session cookie (logout). */
export function expiredSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The session cookie's value from a Cookie header, or null. */
export function sessionFromCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return v.join('=');
  }
  return null;
}

export function sessionCookie(sessionId: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Whether a bind address keeps the web UI on this machine (the token flow suffices). */
export function isLoopbackBind(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The login page: plain HTML with a form (no script), so it works under the host's CSP. */
export function loginPage(message: string | null, plainHttpWarning: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera — log in</title>
<style>
body{font:14px system-ui,sans-serif;background:#121419;color:#dde2ea;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
main{background:#181b21;border:1px solid #39414d;border-radius:8px;padding:24px 28px;width:300px}
h1{font-size:18px;margin:0 0 16px}label{display:block;margin:10px 0 4px;color:#9aa3b2}
input{width:100%;box-sizing:border-box;font:inherit;padding:6px 8px;background:#1e222a;color:#dde2ea;border:1px solid #39414d;border-radius:4px}
button{margin-top:16px;width:100%;font:inherit;padding:7px;background:#2f6fe4;color:#fff;border:0;border-radius:4px;cursor:pointer}
p.error{color:#ff7a86}p.warn{color:#e8b34a}
</style></head>
<body><main>
<h1>Tessera</h1>
${plainHttpWarning ? '<p class="warn" data-testid="login-http-warning">This connection is not encrypted (plain HTTP): the password can be read on the network.</p>' : ''}
${message ? `<p class="error" role="alert" data-testid="login-error">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/login">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required data-testid="login-username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required data-testid="login-password">
<button type="submit" data-testid="login-submit">Log in</button>
</form>
</main></body></html>
`;
}
