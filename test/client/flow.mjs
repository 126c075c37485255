// test/client/flow.mjs - the official Better Auth client (`better-auth/client`, pinned in
// package.json) driven through a whole account's life against an authfcgi front server, as a
// browser front end would: sign up, get session, sign out, sign in, list sessions, change
// password (plain and with revokeOtherSessions), update user, delete user, and the error
// answers client code depends on (error.code / error.status).
//
//   node flow.mjs BASE_URL [ORIGIN]     BASE_URL = the front server (http://127.0.0.1:PORT);
//                                       ORIGIN = the page origin sent as Origin (default:
//                                       BASE_URL's origin; must be a trusted origin)
// The server needs AUTHFCGI_DELETE_USER=on and rate limits off (the flow signs in more often
// than Better Auth's 3 per 10 s). Prints one PASS/FAIL line per step; exit 0 when all pass.
//
// Node's fetch keeps no cookies and sends no Origin, so each browser below emulates one
// (test/client/browser.mjs; PROTOCOL.md §13).
//
// With FLOW_COOKIE_CACHE=1 the server runs with AUTHFCGI_COOKIE_CACHE=true (Better Auth's
// session.cookieCache): sign-up sets better-auth.session_data, and a device whose session was
// ended or changed from another one keeps seeing its cached session until the cookie expires,
// as with Better Auth; its getSession({ query: { disableCookieCache: true } }) sees the truth.
import {
    assert, assertEq, assertError, assertOk, Browser, runSteps, SESSION_COOKIE, show, USER_KEYS,
} from "./browser.mjs";

const DONT_REMEMBER_COOKIE = "better-auth.dont_remember";
const DATA_COOKIE = "better-auth.session_data";
const CACHE = process.env.FLOW_COOKIE_CACHE === "1";
const FRESH = { query: { disableCookieCache: true } };
const SESSION_KEYS = ["createdAt", "expiresAt", "id", "ipAddress", "token", "updatedAt",
    "userAgent", "userId"];
const ID_RE = /^[A-Za-z0-9]{32}$/;
const DAY_MS = 86400 * 1000;
const CLOCK_SLACK_MS = 5 * 60 * 1000;

const baseURL = process.argv[2];
if (!baseURL) {
    console.error("usage: node flow.mjs BASE_URL [ORIGIN]");
    process.exit(2);
}
const origin = process.argv[3] || new URL(baseURL).origin;

function assertKeys(obj, keys, what) {
    assert(obj !== null && typeof obj === "object" && !Array.isArray(obj),
        `${what}: not an object: ${show(obj)}`);
    assertEq(Object.keys(obj).sort().join(","), keys.join(","), `${what} keys`);
}

// The client's reviver turns ISO timestamps into Dates; a string here means the server's
// timestamp shape is off (PROTOCOL.md §13).
function assertDateNear(v, expectedMs, what) {
    assert(v instanceof Date, `${what}: not parsed into a Date: ${show(v)}`);
    assert(!Number.isNaN(v.getTime()), `${what}: invalid Date`);
    assert(Math.abs(v.getTime() - expectedMs) <= CLOCK_SLACK_MS,
        `${what}: ${v.toISOString()} is not near ${new Date(expectedMs).toISOString()}`);
}

function assertUser(u, what, { email, name }) {
    assertKeys(u, USER_KEYS, what);
    assert(ID_RE.test(u.id), `${what}.id: not 32 alphanumerics: ${show(u.id)}`);
    assertEq(u.email, email, `${what}.email`);
    assertEq(u.name, name, `${what}.name`);
    assertEq(u.emailVerified, false, `${what}.emailVerified`);
    assertDateNear(u.createdAt, Date.now(), `${what}.createdAt`);
    assertDateNear(u.updatedAt, Date.now(), `${what}.updatedAt`);
}

function assertSession(s, what, { userId, userAgent }) {
    assertKeys(s, SESSION_KEYS, what);
    assert(ID_RE.test(s.id), `${what}.id: not 32 alphanumerics: ${show(s.id)}`);
    assert(ID_RE.test(s.token), `${what}.token: not 32 alphanumerics: ${show(s.token)}`);
    assertEq(s.userId, userId, `${what}.userId`);
    assertEq(s.userAgent, userAgent, `${what}.userAgent`);
    assertEq(typeof s.ipAddress, "string", `${what}.ipAddress type`);
    assertDateNear(s.createdAt, Date.now(), `${what}.createdAt`);
    assertDateNear(s.updatedAt, Date.now(), `${what}.updatedAt`);
}

// Browsers of this flow: the official client with a jar, this page's Origin and a User-Agent
// naming the device (test/client/browser.mjs).
function browser(label) {
    return new Browser({ baseURL, origin, agent: "authfcgi-client-flow/1", label });
}

function assertSessionCookie(b, token, what, { persistent = true } = {}) {
    const c = b.jar.get(SESSION_COOKIE);
    assert(c, `${what}: no ${SESSION_COOKIE} cookie in the jar`);
    assertEq(b.cookieToken(), token, `${what}: token in the session cookie`);
    assertEq(c.attrs.get("path"), "/", `${what}: cookie Path`);
    assert(c.attrs.has("httponly"), `${what}: cookie not HttpOnly`);
    assertEq((c.attrs.get("samesite") || "").toLowerCase(), "lax", `${what}: cookie SameSite`);
    if (persistent) assertEq(c.attrs.get("max-age"), "604800", `${what}: cookie Max-Age`);
    else assert(!c.attrs.has("max-age"), `${what}: rememberMe:false cookie has a Max-Age`);
}

// expectNoSession - b has no session. elsewhere: it was ended from another device, so with
// the cookie cache b still sees it (from its session_data cookie) until it asks past the cache.
async function expectNoSession(b, what, { elsewhere = false } = {}) {
    if (CACHE && elsewhere) {
        const cached = await b.client.getSession();
        assertOk(cached, `${what} (cached)`);
        assert(cached.data, `${what}: the cookie cache no longer answers: ${show(cached.data)}`);
    }
    const res = await b.client.getSession(CACHE && elsewhere ? FRESH : undefined);
    assertOk(res, what);
    assertEq(res.data, null, `${what}: getSession data`);
}

// expectSession - b has this session; fresh: read past the cookie cache (the user was changed
// from another device).
async function expectSession(b, token, userId, what, { fresh = false } = {}) {
    const res = await b.client.getSession(fresh && CACHE ? FRESH : undefined);
    assertOk(res, what);
    assert(res.data, `${what}: getSession data is ${show(res.data)}`);
    assertKeys(res.data, ["session", "user"], what);
    assertSession(res.data.session, `${what} session`, { userId, userAgent: b.userAgent });
    assertEq(res.data.session.token, token, `${what}: session.token`);
    return res.data;
}

// ------------------------------------------------------------------------------------------

const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const emailTyped = `Client.Flow.${tag}@Example.COM`;
const email = emailTyped.toLowerCase();
const password1 = "client-pass-1";
const password2 = "client-pass-2 ünïcødé";
const password3 = "client-pass-3";
const name1 = "Client Flow";

const alice = browser("alice");
const phone = browser("phone"); // the same user on a second device
const st = {}; // what one step learns for the next

const steps = [
    ["get session without a cookie: data null", async () => {
        await expectNoSession(alice, "anonymous");
    }],
    ["sign up (mixed-case e-mail stored lower-case, cookie set)", async () => {
        const res = await alice.client.signUp.email({ email: emailTyped, password: password1,
            name: name1 });
        assertOk(res, "signUp");
        assertKeys(res.data, ["token", "user"], "signUp data");
        assert(ID_RE.test(res.data.token), `signUp token ${show(res.data.token)}`);
        assertUser(res.data.user, "signUp user", { email, name: name1 });
        assertEq(res.data.user.image, null, "signUp user.image");
        assertSessionCookie(alice, res.data.token, "after signUp");
        if (CACHE) assertEq(alice.jar.get(DATA_COOKIE)?.attrs.get("max-age"), "300",
            "session_data cookie Max-Age after signUp");
        else assert(!alice.jar.has(DATA_COOKIE), "a session_data cookie with the cache off");
        st.user = res.data.user;
        st.token = res.data.token;
    }],
    ["get session: same token and user as sign-up, 7-day expiry", async () => {
        const d = await expectSession(alice, st.token, st.user.id, "getSession");
        assertUser(d.user, "getSession user", { email, name: name1 });
        assertEq(d.user.id, st.user.id, "getSession user.id");
        assertEq(d.user.createdAt.getTime(), st.user.createdAt.getTime(), "user.createdAt");
        assertDateNear(d.session.expiresAt, Date.now() + 7 * DAY_MS, "session.expiresAt");
    }],
    ["duplicate sign-up (other case): 422 USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", async () => {
        const res = await phone.client.signUp.email({ email: email.toUpperCase(),
            password: password1, name: "Someone Else" });
        assertError(res, 422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", "duplicate signUp");
        assertEq(phone.jar.size, 0, "cookies after a failed sign-up");
    }],
    ["cookie-bearing POST without Origin: 403 MISSING_OR_NULL_ORIGIN, session kept", async () => {
        const res = await alice.withoutOrigin(() => alice.client.signOut());
        assertError(res, 403, "MISSING_OR_NULL_ORIGIN", "signOut without Origin");
        await expectSession(alice, st.token, st.user.id, "after the refused sign-out");
    }],
    ["sign out: success, cookie deleted, session gone", async () => {
        const stale = alice.jar.get(SESSION_COOKIE);
        const res = await alice.client.signOut();
        assertOk(res, "signOut");
        assertEq(show(res.data), '{"success":true}', "signOut data");
        assert(!alice.jar.has(SESSION_COOKIE), "session cookie still in the jar after signOut");
        await expectNoSession(alice, "after signOut");
        // The old cookie itself must be dead on the server, not just forgotten by the jar.
        alice.jar.set(SESSION_COOKIE, stale);
        await expectNoSession(alice, "old cookie after signOut");
        assert(!alice.jar.has(SESSION_COOKIE), "stale session cookie not deleted by getSession");
    }],
    ["sign in with a wrong password: 401 INVALID_EMAIL_OR_PASSWORD", async () => {
        const res = await alice.client.signIn.email({ email, password: "not-the-password" });
        assertError(res, 401, "INVALID_EMAIL_OR_PASSWORD", "signIn wrong password");
        assert(!alice.jar.has(SESSION_COOKIE), "a failed sign-in set a session cookie");
    }],
    ["sign in with an unknown e-mail: 401 INVALID_EMAIL_OR_PASSWORD", async () => {
        const res = await alice.client.signIn.email({ email: `nobody.${tag}@example.com`,
            password: password1 });
        assertError(res, 401, "INVALID_EMAIL_OR_PASSWORD", "signIn unknown e-mail");
    }],
    ["sign in (upper-case e-mail): redirect false, token, user; get session agrees", async () => {
        const res = await alice.client.signIn.email({ email: email.toUpperCase(),
            password: password1 });
        assertOk(res, "signIn");
        assertKeys(res.data, ["redirect", "token", "user"], "signIn data");
        assertEq(res.data.redirect, false, "signIn redirect");
        assert(ID_RE.test(res.data.token), `signIn token ${show(res.data.token)}`);
        assert(res.data.token !== st.token, "signIn reused the signed-out token");
        assertUser(res.data.user, "signIn user", { email, name: name1 });
        assertEq(res.data.user.id, st.user.id, "signIn user.id");
        assertSessionCookie(alice, res.data.token, "after signIn");
        st.token = res.data.token;
        await expectSession(alice, st.token, st.user.id, "after signIn");
    }],
    ["second device signs in with rememberMe:false (browser-session cookie)", async () => {
        const res = await phone.client.signIn.email({ email, password: password1,
            rememberMe: false });
        assertOk(res, "phone signIn");
        assertSessionCookie(phone, res.data.token, "phone after signIn", { persistent: false });
        assert(phone.jar.has(DONT_REMEMBER_COOKIE), "no dont_remember cookie with rememberMe:false");
        st.phoneToken = res.data.token;
        const d = await expectSession(phone, st.phoneToken, st.user.id, "phone getSession");
        assertDateNear(d.session.expiresAt, Date.now() + DAY_MS, "rememberMe:false expiresAt");
    }],
    ["list sessions: both devices, this device's entry carries its token", async () => {
        const res = await alice.client.listSessions();
        assertOk(res, "listSessions");
        assert(Array.isArray(res.data), `listSessions data not an array: ${show(res.data)}`);
        assertEq(res.data.length, 2, "listSessions length");
        for (const [i, s] of res.data.entries()) {
            assertKeys(s, SESSION_KEYS, `listSessions[${i}]`);
            assertEq(s.userId, st.user.id, `listSessions[${i}].userId`);
            assert(ID_RE.test(s.token), `listSessions[${i}].token ${show(s.token)}`);
            assertDateNear(s.createdAt, Date.now(), `listSessions[${i}].createdAt`);
            assert(s.expiresAt instanceof Date, `listSessions[${i}].expiresAt not a Date`);
        }
        const mine = res.data.filter((s) => s.token === st.token);
        assertEq(mine.length, 1, "entries carrying this device's token");
        assertEq(mine[0].userAgent, alice.userAgent, "this device's userAgent");
        const other = res.data.find((s) => s !== mine[0]);
        assertEq(other.userAgent, phone.userAgent, "the other device's userAgent");
    }],
    ["change password with a wrong current password: 400 INVALID_PASSWORD", async () => {
        const res = await alice.client.changePassword({ currentPassword: "wrong-current-pw",
            newPassword: password2 });
        assertError(res, 400, "INVALID_PASSWORD", "changePassword wrong current");
    }],
    ["change password: token null, no new cookie, both devices stay signed in", async () => {
        const res = await alice.client.changePassword({ currentPassword: password1,
            newPassword: password2 });
        assertOk(res, "changePassword");
        assertKeys(res.data, ["token", "user"], "changePassword data");
        assertEq(res.data.token, null, "changePassword token");
        assertUser(res.data.user, "changePassword user", { email, name: name1 });
        assertSessionCookie(alice, st.token, "after changePassword");
        await expectSession(alice, st.token, st.user.id, "alice after changePassword");
        await expectSession(phone, st.phoneToken, st.user.id, "phone after changePassword");
    }],
    ["change password with revokeOtherSessions: new token and cookie, other device out", async () => {
        const res = await alice.client.changePassword({ currentPassword: password2,
            newPassword: password3, revokeOtherSessions: true });
        assertOk(res, "changePassword revokeOtherSessions");
        assertKeys(res.data, ["token", "user"], "changePassword data");
        assert(ID_RE.test(res.data.token), `new token ${show(res.data.token)}`);
        assert(res.data.token !== st.token, "revokeOtherSessions kept the old token");
        assertEq(res.data.user.id, st.user.id, "changePassword user.id");
        assertSessionCookie(alice, res.data.token, "after changePassword revokeOtherSessions");
        st.token = res.data.token;
        await expectSession(alice, st.token, st.user.id, "alice after revokeOtherSessions");
        await expectNoSession(phone, "phone after revokeOtherSessions", { elsewhere: true });
        const list = await alice.client.listSessions();
        assertOk(list, "listSessions after revokeOtherSessions");
        assertEq(list.data.length, 1, "sessions left");
        assertEq(list.data[0].token, st.token, "the remaining session's token");
    }],
    ["old passwords refused, the new one accepted", async () => {
        for (const pw of [password1, password2]) {
            const res = await phone.client.signIn.email({ email, password: pw });
            assertError(res, 401, "INVALID_EMAIL_OR_PASSWORD", "signIn with an old password");
        }
        const res = await phone.client.signIn.email({ email, password: password3 });
        assertOk(res, "signIn with the new password");
        st.phoneToken = res.data.token;
        assertSessionCookie(phone, st.phoneToken, "phone after signIn");
    }],
    ["update user: status true, new name and image visible in get session", async () => {
        const image = `https://example.com/avatars/${tag}.png`;
        const res = await alice.client.updateUser({ name: "Client Flow Renamed", image });
        assertOk(res, "updateUser");
        assertEq(show(res.data), '{"status":true}', "updateUser data");
        assertSessionCookie(alice, st.token, "after updateUser");
        const d = await expectSession(alice, st.token, st.user.id, "after updateUser");
        assertEq(d.user.name, "Client Flow Renamed", "user.name after updateUser");
        assertEq(d.user.image, image, "user.image after updateUser");
        assert(d.user.updatedAt.getTime() >= st.user.updatedAt.getTime(), "updatedAt went back");
        const p = await expectSession(phone, st.phoneToken, st.user.id, "phone after updateUser",
            { fresh: true });
        assertEq(p.user.name, "Client Flow Renamed", "user.name seen by the other device");
    }],
    ["update user with an e-mail: 400 EMAIL_CAN_NOT_BE_UPDATED", async () => {
        const res = await alice.client.updateUser({ email: `other.${tag}@example.com` });
        assertError(res, 400, "EMAIL_CAN_NOT_BE_UPDATED", "updateUser email");
    }],
    ["delete user with a wrong password: 400 INVALID_PASSWORD, nothing deleted", async () => {
        const res = await alice.client.deleteUser({ password: "not-the-password" });
        assertError(res, 400, "INVALID_PASSWORD", "deleteUser wrong password");
        await expectSession(alice, st.token, st.user.id, "after the refused deleteUser");
    }],
    ["delete user: success, cookies deleted, sessions and credentials gone", async () => {
        const res = await alice.client.deleteUser({ password: password3 });
        assertOk(res, "deleteUser");
        assertEq(show(res.data), '{"success":true,"message":"User deleted"}', "deleteUser data");
        assert(!alice.jar.has(SESSION_COOKIE), "session cookie still in the jar after deleteUser");
        await expectNoSession(alice, "after deleteUser");
        await expectNoSession(phone, "other device after deleteUser", { elsewhere: true });
        const again = await alice.client.signIn.email({ email, password: password3 });
        assertError(again, 401, "INVALID_EMAIL_OR_PASSWORD", "signIn after deleteUser");
        const upd = await alice.client.updateUser({ name: "ghost" });
        assertError(upd, 401, "UNAUTHORIZED", "updateUser without a session");
    }],
    ["delete user without a password on a fresh session (no arguments)", async () => {
        const b = browser("fresh");
        const e = `fresh.${tag}@example.com`;
        const up = await b.client.signUp.email({ email: e, password: password1, name: "" });
        assertOk(up, "signUp with an empty name");
        assertUser(up.data.user, "signUp user", { email: e, name: "" });
        const res = await b.client.deleteUser();
        assertOk(res, "deleteUser without password");
        assertEq(res.data.success, true, "deleteUser success");
        await expectNoSession(b, "after deleteUser without password");
        const again = await b.client.signUp.email({ email: e, password: password1, name: "x" });
        assertOk(again, "the deleted e-mail signs up again");
        assertSessionCookie(b, again.data.token, "after the second sign-up");
        alice.problems.push(...b.problems);
        st.extra = b;
    }],
    ["no response set the same cookie twice", async () => {
        const all = [...alice.problems, ...phone.problems, ...(st.extra?.problems || [])];
        assert(all.length === 0, all.join("; "));
    }],
];

await runSteps(`client flow against ${baseURL} (Origin ${origin}), user ${email}`, steps);
