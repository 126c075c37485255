// test/client/admin-plugin-flow.mjs - Better Auth's official adminClient() (better-auth/client/plugins,
// pinned in package.json) against authfcgi with AUTHFCGI_ADMIN=true behind a front server: an
// admin lists users, bans one (whose sessions end and who then cannot sign in), unbans,
// impersonates and stops, sets a role, checks permissions, and removes a user.
//
//   node admin-plugin-flow.mjs BASE_URL ADMIN_EMAIL ADMIN_PASSWORD
// The admin must exist with role "admin" (test/e2e/client_admin_plugin.sh makes it). Rate limits off.
// Prints one PASS/FAIL line per step; exit 0 when all pass.
import { adminClient } from "better-auth/client/plugins";
import { assert, assertEq, assertError, assertOk, Browser, runSteps, show } from "./browser.mjs";

const [baseURL, adminEmail, adminPassword] = process.argv.slice(2);
if (!adminPassword) {
    console.error("usage: node admin-plugin-flow.mjs BASE_URL ADMIN_EMAIL ADMIN_PASSWORD");
    process.exit(2);
}
const origin = new URL(baseURL).origin;
const stamp = Date.now();
const userEmail = `admin-flow-user-${stamp}@example.com`;
const userPassword = "user-password-123";

function browser(label) {
    return new Browser({ baseURL, origin, agent: "authfcgi-admin-flow/1", label,
        plugins: [adminClient()], lastCookieWins: true });
}

const admin = browser("admin");
const user = browser("user");
let adminId, userId;

await runSteps("admin plugin flow (adminClient)", [
    ["the admin signs in; get-session shows role admin", async () => {
        assertOk(await admin.client.signIn.email({ email: adminEmail, password: adminPassword }),
            "sign-in");
        const s = await admin.client.getSession();
        assertOk(s, "get-session");
        assertEq(s.data.user.role, "admin", "user.role");
        assertEq(s.data.user.banned, false, "user.banned");
        assertEq(s.data.session.impersonatedBy, null, "session.impersonatedBy");
        adminId = s.data.user.id;
    }],
    ["a user signs up with the default role", async () => {
        const r = await user.client.signUp.email({ email: userEmail, password: userPassword,
            name: "Flow User" });
        assertOk(r, "sign-up");
        userId = r.data.user.id;
        // sign-up's own answer shows the plugin's fields, the role written with the user
        assertEq(r.data.user.role, "user", "sign-up user.role");
        assertEq(r.data.user.banned, false, "sign-up user.banned");
        assertEq(r.data.user.banReason, null, "sign-up user.banReason");
        assertEq(r.data.user.banExpires, null, "sign-up user.banExpires");
        const s = await user.client.getSession();
        assertEq(s.data.user.role, "user", "user.role");
        assertEq(s.data.session.impersonatedBy, null, "session.impersonatedBy");
    }],
    ["a user may not list users", async () => {
        assertError(await user.client.admin.listUsers({ query: {} }), 403,
            "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS", "listUsers as a user");
        const p = await user.client.admin.hasPermission({ permissions: { user: ["list"] } });
        assertOk(p, "hasPermission");
        assertEq(p.data.success, false, "hasPermission user:list");
    }],
    ["the admin lists, searches and pages users", async () => {
        const all = await admin.client.admin.listUsers({ query: { sortBy: "email" } });
        assertOk(all, "listUsers");
        assert(all.data.total >= 2, `total ${all.data.total}`);
        assert(all.data.users.some((u) => u.id === userId), "the new user is listed");
        const found = await admin.client.admin.listUsers({ query: { searchValue: `user-${stamp}`,
            searchField: "email", searchOperator: "contains", limit: 5 } });
        assertOk(found, "listUsers search");
        assertEq(found.data.total, 1, "search total");
        assertEq(found.data.users[0].email, userEmail, "search hit");
        assertEq(found.data.limit, 5, "limit echoed");
        const p = await admin.client.admin.hasPermission({ permissions: { user: ["ban"] } });
        assertEq(p.data.success, true, "hasPermission admin user:ban");
    }],
    ["create a user without a password, set one, update the name", async () => {
        const email = `admin-flow-created-${stamp}@example.com`;
        const c = await admin.client.admin.createUser({ email, name: "Created" });
        assertOk(c, "createUser");
        assertEq(c.data.user.role, "user", "created user's role");
        const id = c.data.user.id;
        assertOk(await admin.client.admin.setUserPassword({ userId: id,
            newPassword: "created-password-1" }), "setUserPassword");
        const other = browser("created");
        assertOk(await other.client.signIn.email({ email, password: "created-password-1" }),
            "sign-in with the password an admin set");
        const u = await admin.client.admin.updateUser({ userId: id, data: { name: "Renamed" } });
        assertOk(u, "updateUser");
        assertEq(u.data.name, "Renamed", "updated name");
        const g = await admin.client.admin.getUser({ query: { id } });
        assertEq(g.data.name, "Renamed", "getUser name");
        assertOk(await admin.client.admin.revokeUserSessions({ userId: id }), "revokeUserSessions");
        assertEq((await other.client.getSession()).data, null, "session after revokeUserSessions");
        assertOk(await admin.client.admin.removeUser({ userId: id }), "removeUser");
    }],
    ["a ban ends the user's sessions and refuses sign-in", async () => {
        const r = await admin.client.admin.banUser({ userId, banReason: "flow test" });
        assertOk(r, "banUser");
        assertEq(r.data.user.banned, true, "banned");
        assertEq(r.data.user.banReason, "flow test", "banReason");
        const s = await user.client.getSession();
        assertEq(s.data, null, "the banned user's session");
        assertError(await user.client.signIn.email({ email: userEmail, password: userPassword }),
            403, "BANNED_USER", "sign-in while banned");
    }],
    ["unban: the user signs in again", async () => {
        const r = await admin.client.admin.unbanUser({ userId });
        assertOk(r, "unbanUser");
        assertEq(r.data.user.banned, false, "banned");
        assertOk(await user.client.signIn.email({ email: userEmail, password: userPassword }),
            "sign-in after unban");
        const l = await admin.client.admin.listUserSessions({ userId });
        assertOk(l, "listUserSessions");
        assertEq(l.data.sessions.length, 1, "the user's sessions");
    }],
    ["impersonate the user, then stop", async () => {
        const r = await admin.client.admin.impersonateUser({ userId });
        assertOk(r, "impersonateUser");
        assertEq(r.data.session.impersonatedBy, adminId, "impersonatedBy");
        assert(admin.jar.has("better-auth.admin_session"), "admin_session cookie kept");
        let s = await admin.client.getSession();
        assertEq(s.data.user.id, userId, "get-session while impersonating: user");
        assertEq(s.data.user.role, "user", "get-session while impersonating: user.role");
        assertEq(s.data.session.impersonatedBy, adminId, "get-session: impersonatedBy");
        const stop = await admin.client.admin.stopImpersonating();
        assertOk(stop, "stopImpersonating");
        assert(!admin.jar.has("better-auth.admin_session"), "admin_session cookie expired");
        s = await admin.client.getSession();
        assertEq(s.data.user.id, adminId, "get-session after stop: the admin again");
    }],
    ["set a role; the user may then list users", async () => {
        const r = await admin.client.admin.setRole({ userId, role: ["user", "admin"] });
        assertOk(r, "setRole");
        assertEq(r.data.user.role, "user,admin", "role");
        assertOk(await user.client.admin.listUsers({ query: { limit: 1 } }), "listUsers as admin");
        assertOk(await admin.client.admin.setRole({ userId, role: "user" }), "setRole back");
    }],
    ["remove the user: gone, and cannot sign in", async () => {
        assertError(await admin.client.admin.removeUser({ userId: adminId }), 400,
            "YOU_CANNOT_REMOVE_YOURSELF", "removeUser self");
        const r = await admin.client.admin.removeUser({ userId });
        assertOk(r, "removeUser");
        assertEq(r.data.success, true, "success");
        assertError(await admin.client.admin.getUser({ query: { id: userId } }), 404,
            "USER_NOT_FOUND", "getUser after removal");
        assertError(await user.client.signIn.email({ email: userEmail, password: userPassword }),
            401, "INVALID_EMAIL_OR_PASSWORD", "sign-in after removal");
        const problems = [...admin.problems, ...user.problems];
        assert(problems.length === 0, `cookie problems: ${show(problems)}`);
    }],
]);
