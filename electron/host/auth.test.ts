import { describe, expect, it } from 'vitest';
import { Auth, hashPassword, isLoopbackBind, isPasswordRecord, LOCKOUT_MS, MAX_CONCURRENT_CHECKS, MAX_FAILURES, MAX_TRACKED_ADDRESSES, SESSION_IDLE_MS, sessionCookie, sessionFromCookie, verifyPassword } from './auth.js';

// Low scrypt cost: these tests check the logic, not the hash's strength.
const COST = { N: 1024, r: 8, p: 1 };

async function makeAuth() {
  let now = 1_000_000;
  const auth = new Auth({ username: 'admin', password: await hashPassword('correct horse', COST) }, () => now);
  return { auth, advance: (ms: number) => { now += ms; } };
}

describe('web UI login', () => {
  it('keeps only a salted scrypt hash and verifies the password against it', async () => {
    const a = await hashPassword('secret pass', COST);
    const b = await hashPassword('secret pass', COST);
    expect(isPasswordRecord(a)).toBe(true);
    expect(JSON.stringify(a)).not.toContain('secret');
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(await verifyPassword('secret pass', a)).toBe(true);
    expect(await verifyPassword('secret pasS', a)).toBe(false);
    expect(isPasswordRecord({ ...a, hash: 'zz' })).toBe(false);
  });

  it('a right login makes a session that lasts while used and ends after an idle hour', async () => {
    const { auth, advance } = await makeAuth();
    const r = await auth.login('10.0.0.2', 'admin', 'correct horse');
    if (!r.ok) throw new Error('login refused');
    expect(auth.touch(r.sessionId)).toBe(true);
    advance(SESSION_IDLE_MS - 1);
    expect(auth.touch(r.sessionId)).toBe(true);
    advance(SESSION_IDLE_MS + 1);
    expect(auth.touch(r.sessionId)).toBe(false);
    expect(auth.touch('0'.repeat(64))).toBe(false);
    expect(auth.touch(null)).toBe(false);
  });

  it(`runs at most ${MAX_CONCURRENT_CHECKS} password checks at once; the others wait their turn and are all answered`, async () => {
    const record = await hashPassword('correct horse', COST);
    let running = 0;
    let most = 0;
    const held: Array<() => void> = [];
    const verify = (password: string): Promise<boolean> => {
      running++;
      most = Math.max(most, running);
      return new Promise((resolve) =>
        held.push(() => {
          running--;
          resolve(password === 'correct horse');
        }),
      );
    };
    const auth = new Auth({ username: 'admin', password: record }, () => 1_000_000, verify);
    const logins = Array.from({ length: 10 }, (_, i) => auth.login(`10.0.0.${i}`, 'admin', i === 9 ? 'correct horse' : 'wrong'));
    let answered = 0;
    while (answered < 10) {
      await expect.poll(() => held.length).toBeGreaterThan(0);
      expect(running).toBeLessThanOrEqual(MAX_CONCURRENT_CHECKS);
      held.shift()?.();
      answered++;
    }
    const results = await Promise.all(logins);
    expect(most).toBe(MAX_CONCURRENT_CHECKS);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.slice(0, 9).every((r) => !r.ok && r.reason === 'wrong')).toBe(true);
  });

  it('a logout says whether it ended a session (a made-up id ends none)', async () => {
    const { auth } = await makeAuth();
    const r = await auth.login('10.0.0.2', 'admin', 'correct horse');
    if (!r.ok) throw new Error('login refused');
    expect(auth.logout('ab'.repeat(32))).toBe(false);
    expect(auth.logout(null)).toBe(false);
    expect(auth.logout(r.sessionId)).toBe(true);
    expect(auth.logout(r.sessionId)).toBe(false);
    expect(auth.touch(r.sessionId)).toBe(false);
  });

  it(`locks an address out after ${MAX_FAILURES} wrong logins, even for the right password, until the lock-out ends`, async () => {
    const { auth, advance } = await makeAuth();
    for (let i = 1; i < MAX_FAILURES; i++) expect(await auth.login('10.0.0.3', 'admin', 'wrong')).toEqual({ ok: false, reason: 'wrong' });
    expect(await auth.login('10.0.0.3', 'root', 'correct horse')).toMatchObject({ ok: false, reason: 'locked' });
    expect(await auth.login('10.0.0.3', 'admin', 'correct horse')).toMatchObject({ ok: false, reason: 'locked', retryAfterMs: LOCKOUT_MS });
    // Another address is not affected.
    expect((await auth.login('10.0.0.4', 'admin', 'correct horse')).ok).toBe(true);
    advance(LOCKOUT_MS);
    expect((await auth.login('10.0.0.3', 'admin', 'correct horse')).ok).toBe(true);
  });

  it('a right login resets the count of failures', async () => {
    const { auth } = await makeAuth();
    for (let i = 1; i < MAX_FAILURES; i++) await auth.login('10.0.0.5', 'admin', 'wrong');
    expect((await auth.login('10.0.0.5', 'admin', 'correct horse')).ok).toBe(true);
    expect(await auth.login('10.0.0.5', 'admin', 'wrong')).toEqual({ ok: false, reason: 'wrong' });
  });

  it(`checks at most ${MAX_FAILURES} passwords from an address however many arrive at once`, async () => {
    // All sent together, the right one at position `at`: only the first MAX_FAILURES are checked.
    const attempt = async (at: number) => {
      const { auth } = await makeAuth();
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => auth.login('10.0.0.6', 'admin', i === at ? 'correct horse' : `guess ${i}`)));
      return results[at]!;
    };
    expect((await attempt(MAX_FAILURES - 1)).ok).toBe(true);
    expect(await attempt(MAX_FAILURES)).toMatchObject({ ok: false, reason: 'locked', retryAfterMs: LOCKOUT_MS });
    expect(await attempt(39)).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('counts the addresses of one IPv6 /64 as one: each new address there gets no fresh count', async () => {
    const { auth } = await makeAuth();
    for (let i = 1; i <= MAX_FAILURES; i++) await auth.login(`2001:db8:1:2::${i}`, 'admin', 'wrong');
    expect(await auth.login('2001:db8:1:2:ffff::99', 'admin', 'correct horse')).toMatchObject({ ok: false, reason: 'locked' });
    expect(auth.lockedFor('2001:db8:1:2::abcd')).toBe(LOCKOUT_MS);
    expect((await auth.login('2001:db8:1:3::1', 'admin', 'correct horse')).ok).toBe(true);
  });

  it('keeps a lock-out however many other address groups fail after it (they cannot push it out)', async () => {
    let now = 1_000_000;
    const auth = new Auth({ username: 'admin', password: await hashPassword('correct horse', COST) }, () => now, (p) => Promise.resolve(p === 'correct horse'));
    for (let i = 0; i < MAX_FAILURES; i++) await auth.login('2001:db8:1:2::1', 'admin', 'wrong');
    // One failure from each of more /64s than the table counts (a /52 of them).
    for (let i = 0; i <= MAX_TRACKED_ADDRESSES; i++) await auth.login(`2001:db8:1:${(0x1000 + i).toString(16)}::1`, 'admin', 'wrong');
    now += 1000;
    expect(auth.lockedFor('2001:db8:1:2::1')).toBe(LOCKOUT_MS - 1000);
    expect(await auth.login('2001:db8:1:2::1', 'admin', 'correct horse')).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('with its lock-out table full, refuses a group it does not hold until the soonest lock-out ends, and forgets none', async () => {
    let now = 1_000_000;
    const auth = new Auth({ username: 'admin', password: await hashPassword('correct horse', COST) }, () => now, (p) => Promise.resolve(p === 'correct horse'), {
      maxTracked: 16,
      maxLockouts: 3,
    });
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      for (let i = 0; i < MAX_FAILURES; i++) await auth.login(ip, 'admin', 'wrong');
      now += 1000;
    }
    expect(await auth.login('10.0.0.9', 'admin', 'correct horse')).toMatchObject({ ok: false, reason: 'locked', retryAfterMs: LOCKOUT_MS - 3000 });
    expect(auth.lockedFor('10.0.0.1')).toBe(LOCKOUT_MS - 3000);
    now += LOCKOUT_MS - 3000;
    // The first lock-out ended: room for one again.
    expect(auth.lockedFor('10.0.0.1')).toBe(0);
    expect(auth.lockedFor('10.0.0.2')).toBe(1000);
    expect((await auth.login('10.0.0.9', 'admin', 'correct horse')).ok).toBe(true);
  });

  it('session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS; read back from a Cookie header', () => {
    expect(sessionCookie('ab', true)).toBe('tessera_sid=ab; Path=/; HttpOnly; SameSite=Strict; Secure');
    expect(sessionCookie('ab', false)).not.toContain('Secure');
    expect(sessionFromCookie('x=1; tessera_sid=abc; y=2')).toBe('abc');
    expect(sessionFromCookie(undefined)).toBeNull();
  });

  it('loopback binds keep the token flow; others need a login', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopbackBind(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'nas.local']) expect(isLoopbackBind(h)).toBe(false);
  });
});
