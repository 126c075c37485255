// test/client/admin-signin.mjs - a user made with `authfcgi user create` (or given a password
// with `authfcgi user set-password`) signs in through the official Better Auth client, as a
// browser front end would, and the session it gets is that user's; a refused password is
// refused as the API refuses any wrong one.
//
//   node admin-signin.mjs BASE_URL EMAIL NAME PASSWORD [REFUSED_PASSWORD]
// Prints one PASS/FAIL line per step; exit 0 when all pass. test/e2e/client_admin.sh runs it.
import {
    assert, assertEq, assertError, assertOk, Browser, runSteps, SESSION_COOKIE, show,
} from "./browser.mjs";

const [baseURL, email, name, password, refused] = process.argv.slice(2);
if (!password) {
    console.error("usage: node admin-signin.mjs BASE_URL EMAIL NAME PASSWORD [REFUSED_PASSWORD]");
    process.exit(2);
}
const browser = new Browser({ baseURL, origin: new URL(baseURL).origin,
    agent: "authfcgi-admin-signin/1", label: "admin-made user" });
const st = {};

const steps = [
    ["sign in with the password the command set", async () => {
        const res = await browser.client.signIn.email({ email, password });
        assertOk(res, "signIn");
        assertEq(res.data.user.email, email, "signIn user.email");
        assertEq(res.data.user.name, name, "signIn user.name");
        assert(browser.jar.has(SESSION_COOKIE), "no session cookie after signIn");
        st.user = res.data.user;
    }],
    ["get session: the same user", async () => {
        const res = await browser.client.getSession();
        assertOk(res, "getSession");
        assert(res.data && res.data.user, `getSession: no user in ${show(res.data)}`);
        assertEq(res.data.user.id, st.user.id, "getSession user.id");
        assertEq(res.data.session.userId, st.user.id, "getSession session.userId");
    }],
    ["sign out", async () => {
        assertOk(await browser.client.signOut(), "signOut");
    }],
];
if (refused) {
    steps.push(["a refused password: 401 INVALID_EMAIL_OR_PASSWORD", async () => {
        const res = await browser.client.signIn.email({ email, password: refused });
        assertError(res, 401, "INVALID_EMAIL_OR_PASSWORD", "signIn refused password");
    }]);
}
await runSteps(`admin-made user ${email} against ${baseURL}`, steps);
