// test/client/pages-browser.mjs - the built-in pages in a real browser (issue 11, item 4):
// Debian's chromium, headless, driven by puppeteer-core (pinned in package.json; it downloads
// no browser). Once with JavaScript on and once with it off, in a fresh profile each time:
// open the sign-in page with a return target, go to sign-up, create an account, land on the
// return target signed in, sign out (back on the sign-in page), fail a sign-in (the error is
// announced and focused, the e-mail kept), sign in, land on the return target again, sign out.
// Every page is also checked at 320 CSS pixels wide (no horizontal scrolling).
//
//   node pages-browser.mjs SITE SHOTS [private]
// SITE is the front's URL (the base URL), SHOTS the directory for the screenshots (one PNG per
// step, named mode-step.png). With "private", the return target is the protected /private/
// area (s11/fronts): opening it unsigned lands on the sign-in page, and /private/whoami shows
// the e-mail. Prints one "ok ..." or "not ok ..." line per step.
import { mkdirSync } from "node:fs";
import puppeteer from "puppeteer-core";

const [site, shots, area] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const PASSWORD = "browser-horse-42";
const TARGET = area === "private" ? "/private/" : "/api/auth/get-session";
let failures = 0;

mkdirSync(shots, { recursive: true });

function say(ok, what) {
    if (!ok) failures++;
    console.log(`${ok ? "ok" : "not ok"} ${what}`);
}

// step - one named step: its checks throw to fail it; a screenshot is kept either way.
async function step(page, mode, name, fn) {
    try {
        await fn();
        say(true, `${mode}: ${name}`);
    } catch (e) {
        say(false, `${mode}: ${name}: ${e.message}`);
    } finally {
        const file = `${shots}/${mode}-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`;
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    }
}

function expect(cond, msg) {
    if (!cond) throw new Error(msg);
}

// submit - press the form's button and wait for the page it leads to.
async function submit(page) {
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("button[type=submit]")]);
}

async function fill(page, fields) {
    for (const [sel, value] of Object.entries(fields)) {
        await page.$eval(sel, (el) => { el.value = ""; });
        await page.type(sel, value);
    }
}

function path(page) {
    const u = new URL(page.url());
    return u.pathname + u.search;
}

// narrow - the page fits 320 CSS pixels: nothing scrolls sideways (screenshot label-320.png).
async function narrow(page, label) {
    await page.setViewport({ width: 320, height: 640 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: `${shots}/${label}-320.png`, fullPage: true });
    await page.setViewport({ width: 800, height: 900 });
    expect(width <= 320, `at 320px the page is ${width}px wide`);
}

// signedInAs - the return target shows the e-mail (get-session's JSON, or whoami's).
async function signedInAs(page, email, js, mode, name) {
    if (area === "private") {
        // The demo page fills in the e-mail from whoami with script; without it, it links there.
        if (js) {
            let who = "";
            for (let waited = 0; waited < 5000 && who !== email; waited += 50) {
                who = await page.$eval("#who", (el) => el.textContent).catch(() => "");
                if (who !== email) await new Promise((r) => setTimeout(r, 50));
            }
            expect(who === email, `/private/ shows "${who}", not ${email}`);
        }
        await page.screenshot({ path: `${shots}/${mode}-${name}-private.png`, fullPage: true });
        await page.goto(`${site}/private/whoami`, { waitUntil: "load" });
    }
    const text = await page.evaluate(() => document.body.innerText);
    expect(text.includes(email), `the page does not show ${email}: ${text.slice(0, 200)}`);
}

async function openSignIn(page) {
    if (area === "private") {
        await page.goto(`${site}/private/`, { waitUntil: "load" });
        expect(path(page).startsWith("/auth/sign-in") || (await page.$("form input[name=password]")) !== null,
            `opening /private/ unsigned shows ${path(page)}`);
        return;
    }
    await page.goto(`${site}/auth/sign-in?callbackURL=${encodeURIComponent(TARGET)}`, { waitUntil: "load" });
}

async function signOut(page, mode) {
    await step(page, mode, "sign out", async () => {
        await page.goto(`${site}/auth/sign-out`, { waitUntil: "load" });
        await submit(page);
        expect(path(page).startsWith("/auth/sign-in"), `after sign-out the browser is on ${path(page)}`);
        const cookies = await page.cookies();
        expect(!cookies.some((c) => c.name === "better-auth.session_token"), "the session cookie is still there");
    });
}

async function flow(browser, js) {
    const mode = js ? "js-on" : "js-off";
    const email = `browser.${mode}.${process.pid}@example.com`;
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setJavaScriptEnabled(js);
    await page.setViewport({ width: 800, height: 900 });

    await step(page, mode, "sign-in page", async () => {
        await openSignIn(page);
        expect(await page.$("label[for=email]"), "no label for the e-mail input");
        expect(await page.$("input#email[autocomplete=username]"), "no autocomplete=username");
        expect(await page.$("input#password[autocomplete=current-password]"), "no autocomplete=current-password");
        await narrow(page, `${mode}-sign-in-page`);
    });
    await step(page, mode, "sign-up page", async () => {
        await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("a[href^='/auth/sign-up']")]);
        expect(path(page).startsWith("/auth/sign-up"), `the link led to ${path(page)}`);
        await narrow(page, `${mode}-sign-up-page`);
    });
    await step(page, mode, "sign up", async () => {
        await fill(page, { "#name": "Browser Tester", "#email": email, "#password": PASSWORD });
        await submit(page);
        expect(path(page) === TARGET, `after sign-up the browser is on ${path(page)}`);
        await signedInAs(page, email, js, mode, "sign-up");
    });
    await signOut(page, mode);
    await step(page, mode, "wrong password", async () => {
        await openSignIn(page);
        await fill(page, { "#email": email, "#password": "not-the-password" });
        await submit(page);
        // autofocus takes effect at a rendering update after the load: wait for it (polled
        // from here, since page script may be off), at most 5 s.
        let focused = "";
        for (let waited = 0; waited < 5000 && focused !== "form-error"; waited += 50) {
            focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
            if (focused !== "form-error") await new Promise((r) => setTimeout(r, 50));
        }
        expect(focused === "form-error", `focus is on "${focused}", not the error`);
        const kept = await page.$eval("#email", (el) => el.value);
        expect(kept === email, `the e-mail field holds "${kept}"`);
        const pw = await page.$eval("#password", (el) => el.value);
        expect(pw === "", "the password field is filled again");
        const described = await page.$eval("#password", (el) => el.getAttribute("aria-describedby"));
        expect(described === "form-error", "the password input does not point at the error");
        await narrow(page, `${mode}-wrong-password`);
    });
    await step(page, mode, "sign in", async () => {
        await fill(page, { "#password": PASSWORD });
        await submit(page);
        expect(path(page) === TARGET, `after sign-in the browser is on ${path(page)}`);
        await signedInAs(page, email, js, mode, "sign-in");
    });
    await signOut(page, mode);
    if (area === "private") {
        await step(page, mode, "signed out: sent to sign in again", async () => {
            await openSignIn(page);
        });
    }
    await context.close();
}

const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
try {
    await flow(browser, true);
    await flow(browser, false);
} finally {
    await browser.close();
}
process.exit(failures === 0 ? 0 : 1);
