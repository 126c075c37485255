// test/client/two-factor-flow.mjs - the official client with Better Auth's twoFactorClient()
// (better-auth/client/plugins) against authfcgi with AUTHFCGI_TWO_FACTOR=on: enrol, sign out,
// sign in with a TOTP code (computed here from the URI's secret with node:crypto, RFC 6238),
// trust the device, sign in with a backup code (once only), with a code sent by mail (read from
// the directory test/lib/fake-sendmail writes to), new backup codes, the attempt limit of a
// pending sign-in, disable; and session.user.twoFactorEnabled, which front ends read to show
// the switch, through all of it.
//
//   node two-factor-flow.mjs BASE_URL MAILDIR [ORIGIN]
// The server needs AUTHFCGI_TWO_FACTOR=on, AUTHFCGI_MAIL_FROM and rate limits off. One
// PASS/FAIL line per step.
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { twoFactorClient } from "better-auth/client/plugins";
import { assert, assertEq, assertError, assertOk, Browser, runSteps, SESSION_COOKIE } from "./browser.mjs";

const [baseURL, maildir] = process.argv.slice(2);
if (!baseURL || !maildir) {
    console.error("usage: node two-factor-flow.mjs BASE_URL MAILDIR [ORIGIN]");
    process.exit(2);
}
const origin = process.argv[4] || new URL(baseURL).origin;
const TWO_FACTOR_COOKIE = "better-auth.two_factor";
const TRUST_COOKIE = "better-auth.trust_device";

let redirects = 0;
const b = new Browser({
    baseURL, origin, agent: "authfcgi-two-factor-flow/1", label: "user",
    plugins: [twoFactorClient({ onTwoFactorRedirect: () => { redirects++; } })],
});

function base32Decode(s) {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits = 0, value = 0;
    const out = [];
    for (const ch of s.replace(/=+$/, "")) {
        value = (value << 5) | alphabet.indexOf(ch);
        bits += 5;
        if (bits >= 8) {
            out.push((value >>> (bits - 8)) & 255);
            bits -= 8;
        }
    }
    return Buffer.from(out);
}

// totp - RFC 6238 with HMAC-SHA1, 30 s, 6 digits; step moves the clock by whole periods.
function totp(key, step = 0) {
    const counter = Math.floor(Date.now() / 30000) + step;
    const msg = Buffer.alloc(8);
    msg.writeBigUInt64BE(BigInt(counter));
    const mac = createHmac("sha1", key).update(msg).digest();
    const off = mac[19] & 15;
    const bin = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000;
    return String(bin).padStart(6, "0");
}

// mailedCode - the code of the first new mail to `to` (a line of six digits), within 15 s.
const seen = new Set();
async function mailedCode(to) {
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
        for (const f of readdirSync(maildir).filter((n) => n.endsWith(".eml")).sort()) {
            if (seen.has(f)) continue;
            const text = readFileSync(join(maildir, f), "utf8");
            if (!new RegExp(`^To: *${to.replace(/[.]/g, "\\.")}$`, "mi").test(text)) continue;
            seen.add(f);
            const m = text.match(/^ *(\d{6}) *$/m);
            assert(m, `a code in the mail: ${text}`);
            assert(/^Subject: Your sign-in code$/m.test(text), "subject");
            return m[1];
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail to ${to} within 15 s`);
}

const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const email = `two.factor.${tag}@example.com`;
const password = "two-factor-pass-1";
const st = {};

async function signIn() {
    const before = redirects;
    const res = await b.client.signIn.email({ email, password });
    assertOk(res, "signIn");
    return { res, redirected: redirects > before };
}

async function signOut() {
    assertOk(await b.client.signOut(), "signOut");
}

async function pendingSignIn() {
    await signOut();
    const { res, redirected } = await signIn();
    assert(redirected, "onTwoFactorRedirect was called");
    assertEq(res.data.twoFactorRedirect, true, "twoFactorRedirect");
    assertEq(JSON.stringify(res.data.twoFactorMethods), '["totp","otp"]', "twoFactorMethods");
    assert(b.jar.has(TWO_FACTOR_COOKIE), "two_factor cookie set");
    assert(!b.jar.has(SESSION_COOKIE), "no session before the second step");
    const s = await b.client.getSession();
    assertEq(s.data, null, "getSession while pending");
}

function assertSession(res, what) {
    assertOk(res, what);
    assert(typeof res.data.token === "string" && res.data.token.length === 32, `${what}: token`);
    assertEq(res.data.user.email, email, `${what}: user`);
    assert(b.jar.has(SESSION_COOKIE), `${what}: session cookie`);
    assert(!b.jar.has(TWO_FACTOR_COOKIE), `${what}: two_factor cookie gone`);
}

const steps = [
    ["sign up: twoFactorEnabled false", async () => {
        const res = await b.client.signUp.email({ email, password, name: "Two Factor" });
        assertOk(res, "signUp");
        assertEq(res.data.user.twoFactorEnabled, false, "signUp: twoFactorEnabled");
        const s = await b.client.getSession();
        assertEq(s.data?.user?.twoFactorEnabled, false, "getSession: twoFactorEnabled");
    }],
    ["enable: the wrong password is refused", async () => {
        assertError(await b.client.twoFactor.enable({ password: "not the password" }), 400,
            "INVALID_PASSWORD", "enable");
    }],
    ["enable: a TOTP URI and ten backup codes", async () => {
        const res = await b.client.twoFactor.enable({ password });
        assertOk(res, "enable");
        const uri = new URL(res.data.totpURI);
        assertEq(uri.protocol, "otpauth:", "URI scheme");
        assert(res.data.totpURI.startsWith(`otpauth://totp/Better%20Auth:${encodeURIComponent(email)}?`),
            `URI label: ${res.data.totpURI}`);
        assertEq(uri.searchParams.get("issuer"), "Better Auth", "issuer");
        assertEq(uri.searchParams.get("digits"), "6", "digits");
        assertEq(uri.searchParams.get("period"), "30", "period");
        st.key = base32Decode(uri.searchParams.get("secret"));
        assertEq(st.key.length, 32, "secret length");
        assertEq(res.data.backupCodes.length, 10, "backup codes");
        assert(res.data.backupCodes.every((c) => /^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/.test(c)), "code format");
        st.codes = res.data.backupCodes;
        st.uri = res.data.totpURI;
    }],
    ["getTotpUri gives the same URI", async () => {
        const res = await b.client.twoFactor.getTotpUri({ password });
        assertOk(res, "getTotpUri");
        assertEq(res.data.totpURI, st.uri, "totpURI");
    }],
    ["before verification, sign-in needs no second factor", async () => {
        await signOut();
        const { res, redirected } = await signIn();
        assert(!redirected && res.data.token, "plain sign-in");
    }],
    ["verifyTotp: a wrong code, then the right one completes enrolment", async () => {
        assertError(await b.client.twoFactor.verifyTotp({ code: "000000" === totp(st.key) ? "111111" : "000000" }),
            401, "INVALID_CODE", "wrong code");
        const res = await b.client.twoFactor.verifyTotp({ code: totp(st.key) });
        assertOk(res, "verifyTotp");
        // Better Auth answers the user as it read it, before the enrolment (recorded).
        assertEq(res.data.user.twoFactorEnabled, false, "verifyTotp: twoFactorEnabled");
        const s = await b.client.getSession();
        assertEq(s.data?.user?.twoFactorEnabled, true, "getSession after enrolment: twoFactorEnabled");
    }],
    ["sign-in now stops at the second step", pendingSignIn],
    ["verifyTotp (the previous period's code) with trustDevice: a session and a trusted device", async () => {
        const res = await b.client.twoFactor.verifyTotp({ code: totp(st.key, -1), trustDevice: true });
        assertSession(res, "verifyTotp");
        assert(b.jar.has(TRUST_COOKIE), "trust_device cookie");
        assertEq(b.jar.get(TRUST_COOKIE).attrs.get("max-age"), "2592000", "trust max-age");
        const s = await b.client.getSession();
        assertEq(s.data?.user?.email, email, "getSession after the second step");
        assertEq(s.data?.user?.twoFactorEnabled, true, "getSession: twoFactorEnabled");
    }],
    ["the trusted device signs in without a code (and gets a new trust cookie)", async () => {
        const old = b.jar.get(TRUST_COOKIE).value;
        await signOut();
        const { res, redirected } = await signIn();
        assert(!redirected && res.data.token, "direct sign-in");
        assert(b.jar.has(TRUST_COOKIE) && b.jar.get(TRUST_COOKIE).value !== old, "trust renewed");
        b.jar.set(TRUST_COOKIE, { value: old, attrs: new Map() });
        await signOut();
        const again = await signIn();
        assert(again.redirected, "a used trust cookie no longer vouches");
        assert(!b.jar.has(TRUST_COOKIE), "stale trust cookie expired");
    }],
    ["verifyBackupCode signs in, once per code", async () => {
        assertError(await b.client.twoFactor.verifyBackupCode({ code: "aaaaa-bbbbb" }), 401,
            "INVALID_BACKUP_CODE", "unknown code");
        assertSession(await b.client.twoFactor.verifyBackupCode({ code: st.codes[0] }), "backup code");
        await pendingSignIn();
        assertError(await b.client.twoFactor.verifyBackupCode({ code: st.codes[0] }), 401,
            "INVALID_BACKUP_CODE", "used code");
        assertSession(await b.client.twoFactor.verifyBackupCode({ code: st.codes[1] }), "second code");
    }],
    ["sendOtp mails a code; a wrong one is refused, the mailed one signs in", async () => {
        await pendingSignIn();
        assertError(await b.client.twoFactor.verifyOtp({ code: "123456" }), 400, "OTP_HAS_EXPIRED",
            "before any code was sent");
        const sent = await b.client.twoFactor.sendOtp();
        assertOk(sent, "sendOtp");
        assertEq(sent.data.status, true, "sendOtp status");
        const code = await mailedCode(email);
        assertError(await b.client.twoFactor.verifyOtp({ code: code === "000000" ? "111111" : "000000" }),
            401, "INVALID_CODE", "wrong code");
        assertSession(await b.client.twoFactor.verifyOtp({ code }), "verifyOtp");
        await pendingSignIn();
        assertError(await b.client.twoFactor.verifyOtp({ code }), 400, "OTP_HAS_EXPIRED", "a used code");
        assertSession(await b.client.twoFactor.verifyTotp({ code: totp(st.key) }), "back to TOTP");
    }],
    ["generateBackupCodes replaces the codes", async () => {
        const res = await b.client.twoFactor.generateBackupCodes({ password });
        assertOk(res, "generateBackupCodes");
        assertEq(res.data.status, true, "status");
        assertEq(res.data.backupCodes.length, 10, "codes");
        await pendingSignIn();
        assertError(await b.client.twoFactor.verifyBackupCode({ code: st.codes[2] }), 401,
            "INVALID_BACKUP_CODE", "old code");
        assertSession(await b.client.twoFactor.verifyBackupCode({ code: res.data.backupCodes[0] }), "new code");
    }],
    ["five wrong codes end a pending sign-in", async () => {
        await pendingSignIn();
        const wrong = totp(st.key, 5);
        for (let i = 0; i < 5; i++)
            assertError(await b.client.twoFactor.verifyTotp({ code: wrong }), 401, "INVALID_CODE", `wrong #${i + 1}`);
        assertError(await b.client.twoFactor.verifyTotp({ code: totp(st.key) }), 400,
            "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE", "sixth");
        assert(!b.jar.has(TWO_FACTOR_COOKIE), "challenge cookie expired");
        assertError(await b.client.twoFactor.verifyTotp({ code: totp(st.key) }), 401,
            "INVALID_TWO_FACTOR_COOKIE", "without the challenge");
        await signIn();
        assertSession(await b.client.twoFactor.verifyTotp({ code: totp(st.key) }), "a new challenge");
    }],
    ["disable: then sign-in needs no code", async () => {
        assertError(await b.client.twoFactor.disable({ password: "not the password" }), 400,
            "INVALID_PASSWORD", "disable with a wrong password");
        const res = await b.client.twoFactor.disable({ password });
        assertOk(res, "disable");
        assertEq(res.data.status, true, "status");
        const s = await b.client.getSession();
        assertEq(s.data?.user?.twoFactorEnabled, false, "getSession after disable: twoFactorEnabled");
        await signOut();
        const { res: r2, redirected } = await signIn();
        assert(!redirected && r2.data.token, "plain sign-in again");
        assertEq(r2.data.user.twoFactorEnabled, false, "signIn after disable: twoFactorEnabled");
    }],
    ["no problems with cookies", async () => assertEq(b.problems.join("; "), "", "cookie problems")],
];

await runSteps(`two-factor flow against ${baseURL}`, steps);
