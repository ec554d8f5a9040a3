/**
 * Virtual MFA devices: RFC 6238 TOTP as AWS uses it (SHA-1, 6 digits, 30-second steps), with
 * replay protection by time step and the two-consecutive-codes check of EnableMFADevice.
 */
import { fail, ok, type Result } from '@palisade/failures';
import { HOTP, Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

const ISSUER = 'Palisade';
const ALGORITHM = 'SHA1';
const DIGITS = 6;
const PERIOD_SECONDS = 30;
const SEED_BYTES = 20;
const CODE = /^\d{6}$/;

/** A new TOTP seed: 20 random bytes in base32 (AWS's Base32StringSeed). */
export function generateTotpSeed(): string {
  return new Secret({ size: SEED_BYTES }).base32;
}

/** The TOTP time step (RFC 6238 counter) that contains `now`. */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / PERIOD_SECONDS);
}

/** The `otpauth://totp/…` URI an authenticator app enrols from (issuer Palisade, label alias:user). */
export function totpUri(input: { seed: string; accountAlias: string; userName: string }): string {
  return new TOTP({
    issuer: ISSUER,
    label: `${input.accountAlias}:${input.userName}`,
    issuerInLabel: false,
    secret: Secret.fromBase32(input.seed),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  }).toString();
}

/** The enrolment URI as a PNG QR code, base64-encoded (AWS's QRCodePNG). */
export async function totpQrCodePng(uri: string): Promise<string> {
  const png = await QRCode.toBuffer(uri, { type: 'png', errorCorrectionLevel: 'M' });
  return png.toString('base64');
}

/** The code an authenticator shows at `now` (for tests and operator tooling). */
export function generateTotpCode(seed: string, now: Date): string {
  return codeAtStep(Secret.fromBase32(seed), totpStep(now));
}

function codeAtStep(secret: Secret, step: number): string {
  return HOTP.generate({ secret, algorithm: ALGORITHM, digits: DIGITS, counter: step });
}

function matchesStep(secret: Secret, code: string, step: number): boolean {
  // otpauth compares in constant time; window 0 checks exactly this step.
  return (
    HOTP.validate({ token: code, secret, algorithm: ALGORITHM, digits: DIGITS, counter: step, window: 0 }) ===
    0
  );
}

function readSeed(seed: string): Secret | undefined {
  try {
    return Secret.fromBase32(seed);
  } catch {
    return undefined;
  }
}

const invalidCode = () => fail('credentials.invalid-mfa', 'The MFA code is not valid.');

/**
 * Checks a code at `now` allowing one step of drift either way, and returns the step it matched.
 * Steps at or before `lastUsedStep` are refused, so the caller stores the returned step to make
 * each code single-use.
 */
export function verifyTotp(input: {
  seed: string;
  code: string;
  now: Date;
  lastUsedStep?: number;
}): Result<{ step: number }> {
  const secret = readSeed(input.seed);
  if (!secret || !CODE.test(input.code)) return invalidCode();
  const current = totpStep(input.now);
  const floor = input.lastUsedStep ?? Number.NEGATIVE_INFINITY;
  // Newest first: if a code matches two steps, record the later one so neither can be replayed.
  for (const step of [current + 1, current, current - 1]) {
    if (step > floor && matchesStep(secret, input.code, step)) return ok({ step });
  }
  return invalidCode();
}

/**
 * EnableMFADevice's check: `code1` and then `code2` at consecutive steps near `now`, proving the
 * device holds the seed and its clock is in step. Returns the step of `code2` (the last used).
 */
export function verifyTwoConsecutiveCodes(input: {
  seed: string;
  code1: string;
  code2: string;
  now: Date;
}): Result<{ step: number }> {
  const secret = readSeed(input.seed);
  if (!secret || !CODE.test(input.code1) || !CODE.test(input.code2)) return invalidCode();
  const current = totpStep(input.now);
  // code2 is usually the current step; allow one step of drift either way for it.
  for (const second of [current + 1, current, current - 1]) {
    if (matchesStep(secret, input.code2, second) && matchesStep(secret, input.code1, second - 1)) {
      return ok({ step: second });
    }
  }
  return invalidCode();
}
