// test/client/mail-flow.mjs - the official Better Auth client (`better-auth/client`, pinned in
// package.json) through the mail flows against an authfcgi front server: requestPasswordReset,
// the reset link, resetPassword, sendVerificationEmail, verifyEmail, changeEmail. The mails are
// read from the directory test/lib/fake-sendmail writes to (the pool's own mailer delivers
// them), as a user would read them: the link on its own line.
//
//   node mail-flow.mjs BASE_URL MAILDIR [ORIGIN]   BASE_URL = the front server; MAILDIR = where
//                                                  the sendmail stand-in stores messages;
//                                                  ORIGIN = the page origin sent as Origin
// The server needs AUTHFCGI_MAIL_FROM, AUTHFCGI_CHANGE_EMAIL=on and rate limits off. Prints one
// PASS/FAIL line per step; exit 0 when all pass.
import {
    assert, assertEq, assertError, assertOk, Browser, fail, runSteps, SESSION_COOKIE, show,
    USER_KEYS,
} from "./browser.mjs";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [baseURL, maildir] = process.argv.slice(2);
if (!baseURL || !maildir) {
    console.error("usage: node mail-flow.mjs BASE_URL MAILDIR [ORIGIN]");
    process.exit(2);
}
const origin = process.argv[4] || new URL(baseURL).origin;

// Browsers of this flow: the official client with a jar, this page's Origin and a User-Agent
// (test/client/browser.mjs).
function browser(label) {
    return new Browser({ baseURL, origin, agent: "authfcgi-mail-flow/1", label });
}

// ---- the mailbox -------------------------------------------------------------------------------

const seen = new Set();

// A message's To, Subject and link (7bit bodies; a link is far shorter than a line may be).
function parseMail(text) {
    const [head, ...rest] = text.split("\n\n");
    const header = (name) => {
        const m = head.match(new RegExp(`^${name}: *(.*)$`, "mi"));
        return m ? m[1].trim() : "";
    };
    const prefix = `${baseURL}/api/auth/`;
    const link = rest.join("\n\n").split("\n").map((l) => l.trim()).find((l) => l.startsWith(prefix));
    return { to: header("To"), subject: header("Subject"), link: link || "" };
}

// waitMail - the first new message to `to`, within 15 s (the pool's mailer polls).
async function waitMail(to) {
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
        for (const f of readdirSync(maildir).filter((n) => n.endsWith(".eml")).sort()) {
            if (seen.has(f)) continue;
            const m = parseMail(readFileSync(join(maildir, f), "utf8"));
            if (m.to === to) {
                seen.add(f);
                return m;
            }
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    fail(`no mail to ${to} within 15 s`);
}

function queryParam(link, name) {
    return new URL(link).searchParams.get(name);
}

// ------------------------------------------------------------------------------------------

const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const email = `mail.flow.${tag}@example.com`;
const newEmail = `mail.flow.new.${tag}@example.com`;
const pw1 = "mail-flow-pass-1";
const pw2 = "mail-flow-pass-2";
const alice = browser("alice");
const st = {};

const steps = [
    ["sign up", async () => {
        const res = await alice.client.signUp.email({ email, password: pw1, name: "Mail Flow" });
        assertOk(res, "signUp");
        st.userId = res.data.user.id;
    }],
    ["requestPasswordReset: the uniform answer", async () => {
        const res = await alice.client.requestPasswordReset({ email, redirectTo: "/reset" });
        assertOk(res, "requestPasswordReset");
        assertEq(show(res.data), show({ status: true,
            message: "If this email exists in our system, check your email for the reset link" }),
            "requestPasswordReset data");
        const unknown = await alice.client.requestPasswordReset({ email: `nobody.${tag}@example.com` });
        assertOk(unknown, "requestPasswordReset for an unknown address");
        assertEq(unknown.data.status, true, "unknown address: status");
    }],
    ["the reset mail's link redirects to the site with the token", async () => {
        const m = await waitMail(email);
        assertEq(m.subject, "Reset your password", "subject");
        const match = m.link.match(/\/reset-password\/([A-Za-z0-9]{24})\?callbackURL=%2Freset$/);
        assert(match, `reset link ${m.link}`);
        st.resetToken = match[1];
        const r = await fetch(m.link, { redirect: "manual" });
        assertEq(r.status, 302, "link status");
        assertEq(r.headers.get("location"), `${new URL(baseURL).origin}/reset?token=${st.resetToken}`,
            "link Location");
    }],
    ["resetPassword, then the old password fails and the new one works", async () => {
        const res = await alice.client.resetPassword({ newPassword: pw2, token: st.resetToken });
        assertOk(res, "resetPassword");
        assertEq(show(res.data), '{"status":true}', "resetPassword data");
        // AUTHFCGI_REVOKE_SESSIONS_ON_RESET (on by default): the sign-up's session is gone.
        const gone = await alice.client.getSession();
        assertOk(gone, "getSession after resetPassword");
        assertEq(gone.data, null, "getSession after resetPassword: the session survived");
        const old = await browser("other").client.signIn.email({ email, password: pw1 });
        assertError(old, 401, "INVALID_EMAIL_OR_PASSWORD", "signIn with the old password");
        const again = await alice.client.signIn.email({ email, password: pw2 });
        assertOk(again, "signIn with the new password");
        assert(alice.jar.has(SESSION_COOKIE), "no session cookie after signIn");
    }],
    ["resetPassword with the used token: 400 INVALID_TOKEN", async () => {
        const res = await alice.client.resetPassword({ newPassword: "mail-flow-pass-3",
            token: st.resetToken });
        assertError(res, 400, "INVALID_TOKEN", "resetPassword twice");
    }],
    ["sendVerificationEmail for another address: 400 EMAIL_MISMATCH", async () => {
        const res = await alice.client.sendVerificationEmail({ email: `x.${tag}@example.com` });
        assertError(res, 400, "EMAIL_MISMATCH", "sendVerificationEmail mismatch");
    }],
    ["sendVerificationEmail, verifyEmail with the mailed token; other sessions end", async () => {
        const res = await alice.client.sendVerificationEmail({ email, callbackURL: "/verified" });
        assertOk(res, "sendVerificationEmail");
        assertEq(show(res.data), '{"status":true}', "sendVerificationEmail data");
        const m = await waitMail(email);
        assertEq(m.subject, "Verify your e-mail address", "subject");
        assertEq(queryParam(m.link, "callbackURL"), "/verified", "link callbackURL");
        st.verifyToken = queryParam(m.link, "token");
        const other = browser("other-device");
        assertOk(await other.client.signIn.email({ email, password: pw2 }), "signIn elsewhere");
        const v = await alice.client.verifyEmail({ query: { token: st.verifyToken } });
        assertOk(v, "verifyEmail");
        assertEq(show(v.data), '{"status":true,"user":null}', "verifyEmail data");
        const s = await alice.client.getSession();
        assertOk(s, "getSession");
        assertEq(s.data.user.emailVerified, true, "emailVerified after verifyEmail");
        // The first verification ends the sessions made before it, but the verifier's own.
        const o = await other.client.getSession();
        assertOk(o, "getSession elsewhere");
        assertEq(o.data, null, "getSession elsewhere after verifyEmail: the session survived");
    }],
    ["verifyEmail with the used token: 401 INVALID_TOKEN; sending again: EMAIL_ALREADY_VERIFIED",
        async () => {
            const v = await alice.client.verifyEmail({ query: { token: st.verifyToken } });
            assertError(v, 401, "INVALID_TOKEN", "verifyEmail twice");
            const res = await alice.client.sendVerificationEmail({ email });
            assertError(res, 400, "EMAIL_ALREADY_VERIFIED", "sendVerificationEmail verified");
        }],
    ["changeEmail: the link goes to the new address and changes it when opened", async () => {
        const res = await alice.client.changeEmail({ newEmail, callbackURL: "/profile" });
        assertOk(res, "changeEmail");
        assertEq(show(res.data), '{"status":true}', "changeEmail data");
        const before = await alice.client.getSession();
        assertEq(before.data.user.email, email, "address before the link is opened");
        const m = await waitMail(newEmail);
        assertEq(m.subject, "Confirm your new e-mail address", "subject");
        const v = await alice.client.verifyEmail({ query: { token: queryParam(m.link, "token") } });
        assertOk(v, "verifyEmail (change)");
        assertEq(v.data.status, true, "status");
        assertEq(Object.keys(v.data.user).sort().join(","), USER_KEYS.join(","), "user keys");
        assertEq(v.data.user.email, newEmail, "user.email");
        assertEq(v.data.user.emailVerified, true, "user.emailVerified kept");
        assert(v.data.user.updatedAt instanceof Date, "user.updatedAt is a Date");
        const after = await alice.client.getSession();
        assertEq(after.data.user.email, newEmail, "getSession after the change");
        const signIn = await browser("new").client.signIn.email({ email: newEmail, password: pw2 });
        assertOk(signIn, "signIn with the new address");
    }],
    ["changeEmail to the same address: 400 without a code", async () => {
        const res = await alice.client.changeEmail({ newEmail: newEmail.toUpperCase() });
        assert(res.data === null && res.error, `expected an error, got ${show(res.data)}`);
        assertEq(res.error.status, 400, "status");
        assertEq(res.error.message, "Email is the same", "message");
        assertEq(res.error.code, undefined, "code");
    }],
];

await runSteps(`mail flow against ${baseURL} (Origin ${origin}), mail in ${maildir}, user ${email}`, steps);
