/**
 * Seeding-limit fields as the dialogs hold them: a choice (global / none / this value) plus
 * the typed value, and the contract's numbers (-2 = global, -1 = none). Pure, tested alone.
 */
import { MAX_RATIO_LIMIT, MAX_SEEDING_MINUTES, USE_GLOBAL, UNLIMITED } from '../../../shared/contract/index.js';

export type LimitChoice = 'global' | 'none' | 'value';

export interface LimitField {
  choice: LimitChoice;
  text: string;
}

export function limitField(n: number, allowGlobal: boolean): LimitField {
  if (n === USE_GLOBAL && allowGlobal) return { choice: 'global', text: '' };
  if (n < 0) return { choice: 'none', text: '' };
  return { choice: 'value', text: String(n) };
}

/** The number for a field, or a problem in words. Ratios may have decimals; minutes are whole. */
export function parseLimitField(f: LimitField, kind: 'ratio' | 'minutes'): { ok: true; value: number } | { ok: false; problem: string } {
  if (f.choice === 'global') return { ok: true, value: USE_GLOBAL };
  if (f.choice === 'none') return { ok: true, value: UNLIMITED };
  const text = f.text.trim();
  const max = kind === 'ratio' ? MAX_RATIO_LIMIT : MAX_SEEDING_MINUTES;
  const pattern = kind === 'ratio' ? /^\d+(\.\d+)?$/ : /^\d+$/;
  const value = Number(text);
  if (!pattern.test(text) || value > max) {
    return { ok: false, problem: kind === 'ratio' ? `The ratio must be a number from 0 to ${MAX_RATIO_LIMIT}.` : `The seeding time must be whole minutes from 0 to ${MAX_SEEDING_MINUTES}.` };
  }
  return { ok: true, value };
}
