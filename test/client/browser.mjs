// test/client/browser.mjs - what the official-client flows (flow.mjs, mail-flow.mjs) share: a
// Browser that gives the official client (`better-auth/client`, pinned in package.json) the
// cookie jar, Origin and User-Agent that Node's fetch does not have (PROTOCOL.md §13), the
// assertions the steps are written with, and the runner that prints one PASS/FAIL line per
// step.
import { createAuthClient } from "better-auth/client";

export const SESSION_COOKIE = "better-auth.session_token";
export const USER_KEYS = ["createdAt", "email", "emailVerified", "id", "image", "name",
    "updatedAt"];

// A failed assertion: reported as its message alone (anything else with its stack).
export class FlowError extends Error {}

export function fail(msg) {
    throw new FlowError(msg);
}

export function assert(cond, msg) {
    if (!cond) fail(msg);
}

export function show(v) {
    return JSON.stringify(v, (k, x) => (x instanceof Date ? `Date(${x.toISOString()})` : x));
}

export function assertEq(actual, expected, what) {
    if (actual !== expected) fail(`${what}: got ${show(actual)}, want ${show(expected)}`);
}

// The answer of a call that must fail: data null, error with the recorded status and code.
export function assertError(res, status, code, what) {
    assert(res.data === null, `${what}: expected an error, got data ${show(res.data)}`);
    assert(res.error, `${what}: no error object`);
    assertEq(res.error.status, status, `${what}: error.status`);
    assertEq(res.error.code, code, `${what}: error.code`);
    assertEq(typeof res.error.message, "string", `${what}: error.message type`);
    assertEq(typeof res.error.statusText, "string", `${what}: error.statusText type`);
}

export function assertOk(res, what) {
    if (res.error) fail(`${what}: error ${res.error.status} ${show(res.error)}`);
}

// A browser: its own cookie jar, its Origin and User-Agent, and an official client that uses
// them through fetchOptions hooks.
export class Browser {
    // baseURL: the front server; origin: the page origin sent as Origin; agent: the
    // User-Agent's product token (the label is added to it); plugins: client plugins
    // (adminClient(), twoFactorClient()...); lastCookieWins: file a name's last Set-Cookie of a
    // response, as a real browser does (the admin plugin's impersonation deletes, then sets the
    // session cookie).
    constructor({ baseURL, origin, agent, label, plugins = [], lastCookieWins = false }) {
        this.lastCookieWins = lastCookieWins;
        this.label = label;
        this.origin = origin;
        this.jar = new Map(); // name -> { value, attrs: Map(lower-case attribute -> value) }
        this.userAgent = `${agent} (${label})`;
        this.sendOrigin = true;
        this.problems = [];
        this.client = createAuthClient({
            baseURL,
            plugins,
            fetchOptions: {
                onRequest: (ctx) => this.onRequest(ctx),
                onResponse: (ctx) => this.onResponse(ctx),
            },
        });
    }

    onRequest(ctx) {
        const headers = ctx.headers instanceof Headers ? ctx.headers : new Headers(ctx.headers);
        if (this.jar.size > 0) {
            headers.set("cookie", [...this.jar].map(([n, c]) => `${n}=${c.value}`).join("; "));
        } else {
            headers.delete("cookie");
        }
        if (this.sendOrigin) headers.set("origin", this.origin);
        else headers.delete("origin");
        headers.set("user-agent", this.userAgent);
        ctx.headers = headers;
        return ctx;
    }

    // The first Set-Cookie of a name in a response is the one filed (a second one would be a
    // server bug and is recorded as a problem); Max-Age<=0 deletes.
    onResponse(ctx) {
        const seen = new Set();
        for (const line of ctx.response.headers.getSetCookie()) {
            const [pair, ...attrParts] = line.split(";");
            const eq = pair.indexOf("=");
            if (eq <= 0) {
                this.problems.push(`unparsable Set-Cookie: ${line}`);
                continue;
            }
            const name = pair.slice(0, eq).trim();
            const value = pair.slice(eq + 1).trim();
            if (seen.has(name) && !this.lastCookieWins) {
                this.problems.push(`${ctx.response.url}: Set-Cookie ${name} twice in one response`);
                continue;
            }
            seen.add(name);
            const attrs = new Map();
            for (const a of attrParts) {
                const i = a.indexOf("=");
                const k = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
                if (k) attrs.set(k, i < 0 ? "" : a.slice(i + 1).trim());
            }
            if (attrs.has("max-age") && Number(attrs.get("max-age")) <= 0) this.jar.delete(name);
            else this.jar.set(name, { value, attrs });
        }
        this.lastStatus = ctx.response.status;
        return ctx.response;
    }

    // The raw token a session cookie carries: percent-decoded, up to the last '.'.
    cookieToken() {
        const c = this.jar.get(SESSION_COOKIE);
        if (!c) return null;
        const v = decodeURIComponent(c.value);
        return v.slice(0, v.lastIndexOf("."));
    }

    async withoutOrigin(fn) {
        this.sendOrigin = false;
        try {
            return await fn();
        } finally {
            this.sendOrigin = true;
        }
    }
}

// runSteps - run [name, async fn] steps in order, one PASS/FAIL line each, and exit: 0 when all
// passed. Later steps build on earlier ones' state, so the first failure ends the run (theirs
// would only repeat it); exiting also stops the client's session timers.
export async function runSteps(title, steps) {
    console.log(title);
    let failed = 0;
    for (const [name, fn] of steps) {
        try {
            await fn();
            console.log(`PASS  ${name}`);
        } catch (e) {
            failed++;
            console.log(`FAIL  ${name}: ${e instanceof FlowError ? e.message : e.stack}`);
            break;
        }
    }
    console.log(failed ? "FAILED" : `all ${steps.length} steps PASSED`);
    process.exit(failed ? 1 : 0);
}
