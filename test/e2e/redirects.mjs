// test/e2e/redirects.mjs - the hostile redirect values of test/fixtures/hostile-redirects.txt
// against GET /verify-email and GET /reset-password/:token of a running front server, each on
// its error path and on its success path, judged by node's own WHATWG URL resolver (the
// browser's rule, independent of authfcgi's url.c): every answer is a refusal (4xx and no
// Location, from authfcgi or from the web server) or a Location whose `new URL(location, page).origin` is trusted, for the page that
// got it and for a page of the other trusted origin.
//
//   node redirects.mjs FRONT_URL TRUSTED_ORIGIN MAILDIR FIXTURE
// The server needs AUTHFCGI_MAIL_FROM (its mailer delivering into MAILDIR through
// test/lib/fake-sendmail), AUTHFCGI_SEND_VERIFICATION_ON_SIGN_UP=on and rate limits off.
// Prints one "ok ROUTE: ..." or "not ok ROUTE: ..." line per route and a "# " line per failure;
// exit 0 when all pass.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [front, trustedOrigin, maildir, fixture] = process.argv.slice(2);
if (!front || !trustedOrigin || !maildir || !fixture) {
    console.error("usage: node redirects.mjs FRONT_URL TRUSTED_ORIGIN MAILDIR FIXTURE");
    process.exit(2);
}
const api = `${front}/api/auth`;
const trusted = new Set([new URL(front).origin, new URL(trustedOrigin).origin]);
const PASSWORD = "password123";

// ---- the fixture (its format is described at its top) -----------------------------------------

function unescape(line) {
    const hosts = { "{host}": new URL(front).host, "{trusted}": new URL(trustedOrigin).host };
    const bytes = [];
    for (let i = 0; i < line.length; i++) {
        const placeholder = Object.keys(hosts).find((p) => line.startsWith(p, i));
        if (placeholder) {
            bytes.push(...Buffer.from(hosts[placeholder], "latin1"));
            i += placeholder.length - 1;
            continue;
        }
        if (line[i] !== "\\") {
            bytes.push(line.charCodeAt(i));
            continue;
        }
        const c = line[++i];
        const simple = { "\\": 0x5c, t: 9, r: 13, n: 10, 0: 0 };
        if (c in simple) {
            bytes.push(simple[c]);
        } else if (c === "x" && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 1, i + 3))) {
            bytes.push(parseInt(line.slice(i + 1, i + 3), 16));
            i += 2;
        } else {
            throw new Error(`bad escape in: ${line}`);
        }
    }
    return Buffer.from(bytes);
}

// The file is read as bytes (latin1 maps each byte to one char), so raw bytes stay raw.
const payloads = readFileSync(fixture, "latin1")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((line) => ({ line, bytes: unescape(line) }));

// Every byte but the unreserved ones as %XX: the value reaches the server byte for byte.
function encoded(bytes) {
    let out = "";
    for (const b of bytes) {
        const c = String.fromCharCode(b);
        out += /[A-Za-z0-9._~-]/.test(c) ? c : "%" + b.toString(16).toUpperCase().padStart(2, "0");
    }
    return out;
}

// ---- judging ----------------------------------------------------------------------------------

const results = new Map(); // route -> {refused, redirected, failures: []}

function record(route, kind, failure) {
    if (!results.has(route))
        results.set(route, { refused: 0, refusedByFront: 0, redirected: 0, failures: [] });
    const r = results.get(route);
    if (failure) r.failures.push(failure);
    else r[kind]++;
}

// judge - a refusal, or a Location that every trusted page resolves to a trusted origin.
// Returns "refused", "redirected" or "failed".
function judge(route, p, url, res) {
    const location = res.headers.get("location");
    const type = res.headers.get("content-type") || "";
    const fail = (why) => {
        record(route, null, `${route}, value "${p.line}": ${why}`);
        return "failed";
    };
    if (res.status >= 400 && res.status < 500) {
        if (location !== null) return fail(`${res.status} with Location ${location}`);
        // lighttpd itself answers 400 (HTML) to control characters and ill-formed UTF-8 in the URL.
        const by = type.startsWith("application/json") ? "refused" : "refusedByFront";
        record(route, by);
        return "refused";
    }
    if (res.status !== 302 || location === null) return fail(`status ${res.status}, Location ${location}`);
    for (const page of [url, `${trustedOrigin}/app/a/b/c?x=1`]) {
        let origin;
        try {
            origin = new URL(location, page).origin;
        } catch (e) {
            return fail(`Location "${location}" does not parse from ${page}`);
        }
        if (!trusted.has(origin)) return fail(`Location "${location}" goes to ${origin} from ${page}`);
    }
    record(route, "redirected");
    return "redirected";
}

async function get(url) {
    return fetch(url, { redirect: "manual" });
}

async function postJSON(path, body) {
    return fetch(`${api}${path}`, {
        method: "POST",
        // node's fetch sends Sec-Fetch-Mode: cors, so sign-up wants the page's Origin.
        headers: { "content-type": "application/json", origin: trustedOrigin },
        body: JSON.stringify(body),
        redirect: "manual",
    });
}

// ---- the mailbox ------------------------------------------------------------------------------

const seen = new Set();

// waitLinks - the link of the next mail to each address in `to`, within 30 s (the pool's mailer
// polls every 100 ms).
async function waitLinks(to, prefix) {
    const links = new Map();
    const deadline = Date.now() + 30000;
    while (links.size < to.length && Date.now() < deadline) {
        for (const f of readdirSync(maildir).filter((n) => n.endsWith(".eml")).sort()) {
            if (seen.has(f)) continue;
            const text = readFileSync(join(maildir, f), "utf8");
            const rcpt = (text.match(/^To: *(.*)$/im) || [])[1]?.trim();
            const link = text.split("\n").map((l) => l.trim()).find((l) => l.startsWith(prefix));
            if (rcpt && link && to.includes(rcpt) && !links.has(rcpt)) {
                seen.add(f);
                links.set(rcpt, link);
            }
        }
        if (links.size < to.length) await new Promise((r) => setTimeout(r, 100));
    }
    if (links.size < to.length) throw new Error(`${to.length - links.size} mails to ${prefix} never came`);
    return links;
}

// ---- the runs ---------------------------------------------------------------------------------

// A live reset token: sign up a user, ask for a reset, read the link.
const owner = "redirects.owner@example.com";
let res = await postJSON("/sign-up/email", { name: "Owner", email: owner, password: PASSWORD });
if (res.status !== 200) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
res = await postJSON("/request-password-reset", { email: owner, redirectTo: "/reset" });
if (res.status !== 200) throw new Error(`request-password-reset: ${res.status} ${await res.text()}`);
const resetLink = (await waitLinks([owner], `${api}/reset-password/`)).get(owner);
const token = new URL(resetLink).pathname.split("/").pop();

const accepted = [];
for (const p of payloads) {
    const cb = encoded(p.bytes);
    let url = `${api}/verify-email?token=not-a-jwt&callbackURL=${cb}`;
    if (judge("GET /verify-email, bad token", p, url, await get(url)) === "redirected") accepted.push(p);
    url = `${api}/reset-password/${token}?callbackURL=${cb}`;
    judge("GET /reset-password/:token, live token", p, url, await get(url));
    url = `${api}/reset-password/unknown${token}?callbackURL=${cb}`;
    judge("GET /reset-password/:token, unknown token", p, url, await get(url));
}

// The success path of verify-email for every value it accepted: one fresh user (and link) each,
// the link's callbackURL replaced by the value. A second opening is the error path again.
const users = accepted.map((_, i) => `redirects.${i}@example.com`);
for (const email of users) {
    res = await postJSON("/sign-up/email", { name: "R", email, password: PASSWORD });
    if (res.status !== 200) throw new Error(`sign-up ${email}: ${res.status} ${await res.text()}`);
}
const links = await waitLinks(users, `${api}/verify-email?`);
for (const [i, p] of accepted.entries()) {
    const link = links.get(users[i]);
    const url = `${link.slice(0, link.indexOf("&callbackURL="))}&callbackURL=${encoded(p.bytes)}`;
    judge("GET /verify-email, live token", p, url, await get(url));
    judge("GET /verify-email, used token", p, url, await get(url));
}

let failed = 0;
for (const [route, r] of results) {
    const summary =
        `${route}: ${r.refused} refused by authfcgi, ${r.refusedByFront} by the web server, ` +
        `${r.redirected} redirected on-site`;
    if (r.failures.length > 0) {
        failed++;
        console.log(`not ok ${summary}, ${r.failures.length} off-site or malformed`);
        for (const f of r.failures) console.log(`# ${f}`);
    } else {
        console.log(`ok ${summary}`);
    }
}
console.log(`# ${payloads.length} values`);
process.exit(failed === 0 ? 0 : 1);
