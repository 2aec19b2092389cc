import { describe, expect, it } from 'vitest';
import { goToLogin } from './login-navigation.js';
import { LOGIN_PATH } from './protocol.js';

describe('goToLogin', () => {
  it('navigates a page to the login page once, however many times a session end is reported', () => {
    const assigned: string[] = [];
    const page = { assign: (url: string) => assigned.push(url) };
    goToLogin(page); // the Log out button, once the host confirmed
    goToLogin(page); // the WebSocket closing with SESSION_ENDED_CLOSE_CODE
    expect(assigned).toEqual([LOGIN_PATH]);
    const other = { assign: (url: string) => assigned.push(url) };
    goToLogin(other);
    expect(assigned).toEqual([LOGIN_PATH, LOGIN_PATH]);
  });
});
