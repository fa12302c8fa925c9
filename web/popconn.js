/*
 * popconn.js - the POP3 Connector page for Cockpit (issue 23).
 *
 * Every read and every change runs popconnctl through cockpit.spawn, so
 * the page and the shell can never disagree.  Changes ask for Cockpit's
 * administrative access (superuser: "require"); without it the page is
 * read-only and says why.  Passwords go to popconnctl on standard input
 * (--password-file -), never on a command line, and are cleared from the
 * form once sent.  Everything that comes from outside (mailbox names,
 * addresses, subjects, log lines, popconnctl's messages) is inserted with
 * textContent, never as HTML.
 *
 * The popconnctl binary, the configuration directory and (optionally)
 * the log file come from the manifest's "config" (override with
 * /etc/cockpit/popconn.override.json or
 * ~/.config/cockpit/popconn.override.json).
 */
"use strict";

(function () {
    const manifest = (cockpit.manifests && cockpit.manifests.popconn) || {};
    const conf = manifest.config || {};
    const CTL = conf.popconnctl || "/usr/sbin/popconnctl";
    const DIR = conf.config_dir || "/etc/popconn";
    const LOG_FILE = conf.log_file || "";     /* "": the journal, else mail.log */
    const INTERVALS = ["15m", "30m", "45m", "1h", "1h15m", "1h30m", "2h", "3h", "4h", "6h", "12h", "24h"];

    let admin = false;
    let mailboxes = [];
    let status = {};
    let editing = null;

    const $ = id => document.getElementById(id);

    /* el - a new element with text (never HTML) and attributes */
    function el(tag, text, attrs) {
        const e = document.createElement(tag);
        if (text !== undefined && text !== null)
            e.textContent = String(text);
        for (const k in attrs || {})
            e.setAttribute(k, attrs[k]);
        return e;
    }

    function show_error(msg) {
        const e = $("error");
        e.textContent = msg || "";
        e.hidden = !msg;
    }

    /* busy - how many popconnctl runs are under way (body data-busy) */
    let pending = 0;
    function busy(d) {
        pending += d;
        document.body.dataset.busy = String(pending);
    }

    /* ctl - run popconnctl ARGS; resolves {out, err, rc} whatever the exit */
    function ctl(args, opts) {
        opts = opts || {};
        busy(1);
        let argv = [CTL, "-c", DIR].concat(args);
        /* With input (a password, a message): a shell reads all of it
           first and hands it to popconnctl through a pipe (printf is
           built in: the password is on no command line).  Written
           straight to popconnctl, a write after it refused its arguments
           and exited fails with EPIPE, and Cockpit then closes the
           channel as "terminated" and drops popconnctl's message. */
        if (opts.input !== undefined)
            argv = ["/bin/sh", "-c", 'in=$(cat) && printf "%s\\n" "$in" | "$@"', "popconn-input"].concat(argv);
        const sp = cockpit.spawn(argv, {
            superuser: opts.change ? "require" : "try",
            err: "message",
        });
        if (opts.input !== undefined)
            sp.input(opts.input);
        if (opts.stream)
            sp.stream(opts.stream);
        return new Promise(resolve => {
            sp.always(() => busy(-1));
            sp.then((out, err) => resolve({ out: out || "", err: err || "", rc: 0 }))
                    .catch((ex, out) => resolve({
                        out: out || "",
                        err: (ex.message || ex.problem || String(ex)) +
                            (ex["exit-signal"] ? " (killed by signal " + ex["exit-signal"] + ")" : ""),
                        rc: ex["exit-status"] !== undefined ? ex["exit-status"] : -1,
                        problem: ex.problem,
                    }));
        });
    }

    function result_text(r) {
        let t = (r.out || "") + (r.err ? (r.out ? "\n" : "") + r.err : "");
        if (r.problem === "access-denied")
            t = "Not permitted: this needs administrative access (" + t + ")";
        return t.trim() || (r.rc === 0 ? "done" : "failed (exit " + r.rc + ")");
    }

    function when(t) {
        if (!t)
            return "never";
        return new Date(t * 1000).toLocaleString();
    }

    /* ---------------------------------------------------------- tabs */

    function select_tab(name) {
        for (const b of document.querySelectorAll("[data-tab]")) {
            b.classList.toggle("active", b.dataset.tab === name);
            $(b.dataset.tab).hidden = b.dataset.tab !== name;
        }
        $("wizard").hidden = true;
        if (name === "mailboxes")
            load_mailboxes();
        else if (name === "scheduling")
            load_schedule();
        else if (name === "troubleshooting")
            load_troubleshooting();
        else if (name === "routing")
            load_routes();
    }

    function current_tab() {
        const b = document.querySelector("[data-tab].active");
        return b ? b.dataset.tab : "mailboxes";
    }

    /* ------------------------------------------------------ mailboxes */

    /* load_mailboxes - (busy while it runs) */
    async function load_mailboxes() {
        busy(1);
        try {
            return await load_mailboxes_();
        } finally {
            busy(-1);
        }
    }

    async function load_mailboxes_() {
        const r = await ctl(["mailbox", "list", "--json"]);
        if (r.rc !== 0) {
            show_error("Cannot read the mailboxes: " + result_text(r));
            mailboxes = [];
        } else {
            try {
                mailboxes = JSON.parse(r.out);
            } catch (ex) {
                mailboxes = [];
                show_error("popconnctl mailbox list --json: " + ex);
            }
        }
        const s = await ctl(["status", "--json"]);
        status = { boxes: {} };
        for (const line of s.out.split("\n")) {
            if (!line.trim())
                continue;
            try {
                const o = JSON.parse(line);
                if (o.service !== undefined)
                    status.service = o;
                else if (o.milter !== undefined)
                    status.milter = o;
                else if (o.mailbox !== undefined)
                    status.boxes[o.mailbox] = o;
            } catch (ex) { /* not a JSON line: ignore */ }
        }
        render_mailboxes();
        fill_mailbox_selects();
        return mailboxes;
    }

    function account_of(url) {
        return String(url || "").replace(/^pop3s?:\/\//, "");
    }

    function render_mailboxes() {
        const tb = $("mb-table").querySelector("tbody");
        tb.replaceChildren();
        for (const m of mailboxes) {
            const st = status.boxes[m.name] || {};
            const tr = el("tr", null, { "data-name": m.name });
            tr.append(el("td", m.name, { class: "mb-name" }), el("td", m.type),
                      el("td", account_of(m.url)), el("td", m.deliver_to || (m.routed ? "(routed)" : "")),
                      el("td", when(st.last_poll)),
                      el("td", (st.result || "-") + (st.last_error ? ": " + st.last_error : ""), { class: "mb-result" }),
                      el("td", st.delivered !== undefined ? String(st.delivered) : "-"),
                      el("td", st.today !== undefined ? String(st.today) : "-", { class: "mb-today" }));
            const act = el("td", null, { class: "pc-rowacts" });
            const test = el("button", "Test login", { class: "mb-test pc-change" });
            test.addEventListener("click", () => test_login(m.name));
            act.append(test);
            for (const [label, cls, fn] of [["Edit", "mb-edit", () => open_form(m)],
                ["Password", "mb-passwd", () => open_pw(m.name)],
                ["Remove", "mb-remove", () => remove_mailbox(m.name)]]) {
                const b = el("button", label, { class: cls + " pc-change" });
                b.addEventListener("click", fn);
                act.append(b);
            }
            tr.append(act);
            tb.append(tr);
        }
        $("mb-empty").hidden = mailboxes.length > 0;
        apply_access();
    }

    function fill_mailbox_selects() {
        for (const id of ["sched-mailbox", "fetch-mailbox", "log-mailbox"]) {
            const s = $(id);
            const keep = s.value;
            while (s.options.length > 1)
                s.remove(1);
            for (const m of mailboxes)
                s.append(el("option", m.name, { value: m.name }));
            s.value = keep;
        }
    }

    function open_form(m) {
        editing = m ? m.name : null;
        $("mb-form-title").textContent = m ? "Edit mailbox " + m.name : "Add mailbox";
        $("mb-name").value = m ? m.name : "";
        $("mb-name").disabled = !!m;
        $("mb-type").value = m ? m.type : "user";
        $("mb-url").value = m ? m.url : "";
        $("mb-deliver").value = m ? (m.deliver_to || "") : "";
        mark_offered(m ? m.name : null);
        $("mb-auth").value = m && m.options && m.options.auth ? m.options.auth : "";
        $("mb-password").value = "";
        $("mb-pw-label").hidden = !!m;
        $("mb-password").required = !m;
        $("mb-form").hidden = false;
        $("pw-form").hidden = true;
    }

    /* The form field of each "field" popconnctl --json names in an error. */
    const FIELD_INPUT = {
        name: "mb-name", type: "mb-type", url: "mb-url", deliver_to: "mb-deliver",
        auth: "mb-auth", password: "mb-password",
    };

    /* json_answer - popconnctl --json's {ok, result, error, field, notes} as text */
    function json_answer(r) {
        let a;
        try {
            a = JSON.parse(r.out);
        } catch (ex) {
            return { ok: r.rc === 0, text: result_text(r) };
        }
        const lines = [];
        if (a.ok && a.result && a.result.mailbox)
            lines.push("mailbox " + a.result.mailbox + " " + (a.result.done || "done"));
        for (const e of a.errors || (a.error ? [a.error] : []))
            lines.push(e);
        for (const n of a.notes || [])
            lines.push(n);
        return { ok: !!a.ok, field: a.field, text: lines.join("\n") || (a.ok ? "done" : "failed") };
    }

    async function save_mailbox(ev) {
        ev.preventDefault();
        const name = $("mb-name").value.trim();
        const args = editing ? ["--json", "mailbox", "edit", editing] : ["--json", "mailbox", "add", name];
        args.push("--type", $("mb-type").value, "--url", $("mb-url").value.trim());
        if ($("mb-deliver").value.trim())
            args.push("--deliver-to", $("mb-deliver").value.trim());
        if ($("mb-auth").value)
            args.push("--auth", $("mb-auth").value);
        else if (editing)
            args.push("--unset", "auth");
        let input;
        if (!editing) {
            args.push("--password-file", "-");
            input = $("mb-password").value + "\n";
        }
        $("mb-password").value = "";
        for (const id of Object.values(FIELD_INPUT))
            $(id).removeAttribute("aria-invalid");
        const r = await ctl(args, { change: true, input });
        const a = r.problem ? { ok: false, text: result_text(r) } : json_answer(r);
        $("mb-out").textContent = a.text;
        if (a.ok)
            $("mb-form").hidden = true;
        else if (a.field && FIELD_INPUT[a.field])
            $(FIELD_INPUT[a.field]).setAttribute("aria-invalid", "true");
        await load_mailboxes();
    }

    function open_pw(name) {
        $("pw-name").textContent = name;
        $("pw-form").dataset.name = name;
        $("pw-password").value = "";
        $("pw-form").hidden = false;
        $("mb-form").hidden = true;
    }

    async function save_pw(ev) {
        ev.preventDefault();
        const name = $("pw-form").dataset.name;
        const input = $("pw-password").value + "\n";
        $("pw-password").value = "";
        const r = await ctl(["passwd", name, "--password-file", "-"], { change: true, input });
        $("mb-out").textContent = result_text(r);
        if (r.rc === 0)
            $("pw-form").hidden = true;
    }

    async function remove_mailbox(name) {
        if (!window.confirm("Remove mailbox " + name + "?  Mail is never deleted; its state is kept."))
            return;
        const r = await ctl(["mailbox", "remove", name, "--keep-state"], { change: true });
        $("mb-out").textContent = result_text(r);
        await refresh();
    }

    /* What "mailbox test" exit statuses mean (popconnctl(8)). */
    const TEST_CLASS = {
        0: "works",
        65: "the server does not offer that login mechanism",
        67: "wrong password",
        68: "unknown host",
        69: "cannot connect, or the account is refused",
        70: "internal error",
        74: "the server broke the protocol or stopped answering",
        75: "mailbox in use, try later",
        76: "TLS failed",
        77: "the TLS certificate does not verify",
        78: "the mailbox's configuration does not load",
    };

    /* What each mailbox's server offered at its last Test login. */
    const offered = {};

    /* parse_offered - the mechanisms of mailbox test's "offered:" line */
    function parse_offered(out) {
        const m = /^\s*offered:\s*(.*)$/m.exec(out);
        if (!m)
            return null;
        const set = new Set();
        const sasl = /SASL ([^;]*)/.exec(m[1]);
        for (const w of sasl ? sasl[1].trim().split(/\s+/) : [])
            set.add(w.toLowerCase());
        if (/APOP yes/.test(m[1]))
            set.add("apop");
        if (/USER yes/.test(m[1]))
            set.add("user");
        return set;
    }

    /* mark_offered - in the edit form, only what the server offered is a choice */
    function mark_offered(name) {
        const set = offered[name];
        for (const o of $("mb-auth").options) {
            if (!o.value)
                continue;
            o.disabled = !!set && !set.has(o.value);
            o.textContent = o.value + (o.disabled ? " (not offered by the server)" : "");
        }
    }

    async function test_login(name) {
        $("mb-out").textContent = "Testing " + name + "...";
        const r = await ctl(["mailbox", "test", name], { change: true });
        const set = parse_offered(r.out);
        if (set)
            offered[name] = set;
        const cls = TEST_CLASS[r.rc];
        $("mb-out").textContent = (cls ? "Test login: " + cls + "\n" : "") + result_text(r);
        $("mb-out").dataset.rc = String(r.rc);
    }

    /* ----------------------------------------------------- scheduling */

    /* load_schedule - (busy while it runs) */
    async function load_schedule() {
        busy(1);
        try {
            return await load_schedule_();
        } finally {
            busy(-1);
        }
    }

    async function load_schedule_() {
        const r = await ctl(["schedule", "show"]);
        $("sched-show").textContent = result_text(r);
    }

    async function save_schedule(ev) {
        ev.preventDefault();
        const kind = document.querySelector("input[name=sched-kind]:checked").value;
        const args = ["schedule", "set"];
        if (kind === "times")
            args.push("--at", $("sched-times").value.trim());
        else
            args.push($("sched-interval").value);
        if ($("sched-mailbox").value)
            args.push("--mailbox", $("sched-mailbox").value);
        const r = await ctl(args, { change: true });
        $("fetch-out").textContent = result_text(r);
        await load_schedule();
    }

    function fetch_row(name) {
        const tb = $("fetch-table").querySelector("tbody");
        for (const tr of tb.children)
            if (tr.dataset.name === name)
                return tr.children[1];
        const tr = el("tr", null, { "data-name": name });
        tr.append(el("td", name), el("td", "", { class: "fetch-progress" }));
        tb.append(tr);
        return tr.children[1];
    }

    /* per_message - each fetched message's outcome, from the log lines
       the fetcher wrote for it (popconnctl log: uidl, size, from, to, status) */
    async function per_message(ended) {
        const out = [];
        for (const [name, n] of Object.entries(ended)) {
            if (n <= 0)
                continue;
            const args = ["log", "-n", String(4 * n + 10)];
            if (LOG_FILE)
                args.push("--file", LOG_FILE);
            args.push(name);
            const r = await ctl(args);
            const lines = r.out.split("\n").filter(l => l.indexOf("uidl=") >= 0);
            out.push(...lines.slice(-n));
        }
        $("fetch-msgs").textContent = out.join("\n");
    }

    function fetch_event(o, ended) {
        const cell = fetch_row(o.mailbox);
        if (o.event === "start") {
            cell.textContent = "connecting";
        } else if (o.event === "progress") {
            cell.textContent = o.done + " of " + o.messages + " messages, " + o.bytes +
                " bytes, delivered " + o.delivered + ", failed " + o.failed;
        } else if (o.event === "end") {
            let t = o.result + ": " + o.delivered + " of " + o.messages + " delivered";
            t += ", " + o.deleted + " deleted, " + o.kept + " kept, " + o.failed + " failed";
            if (o.error)
                t += " (" + o.error + ")";
            cell.textContent = t;
            cell.dataset.result = o.result;
            if (ended)
                ended[o.mailbox] = o.messages;
        }
    }

    async function retrieve_now() {
        $("fetch-table").querySelector("tbody").replaceChildren();
        $("fetch-out").textContent = "Retrieving...";
        $("fetch-msgs").textContent = "";
        const ended = {};
        $("fetch-go").disabled = true;
        let buf = "";
        const args = ["--json", "fetch"];
        if ($("fetch-mailbox").value)
            args.push($("fetch-mailbox").value);
        const r = await ctl(args, {
            change: true,
            stream: data => {
                buf += data;
                let i;
                while ((i = buf.indexOf("\n")) >= 0) {
                    const line = buf.slice(0, i);
                    buf = buf.slice(i + 1);
                    try {
                        fetch_event(JSON.parse(line), ended);
                    } catch (ex) { /* not an event */ }
                }
            },
        });
        $("fetch-go").disabled = !admin;
        $("fetch-out").textContent = r.rc === 0 ? "Done: every message delivered."
            : r.rc === 75 ? "Deferred: will be retried. " + r.err : result_text(r);
        await per_message(ended);
        load_mailboxes();
    }

    /* ------------------------------------------------ troubleshooting */

    /* load_troubleshooting - (busy while it runs) */
    async function load_troubleshooting() {
        busy(1);
        try {
            return await load_troubleshooting_();
        } finally {
            busy(-1);
        }
    }

    async function load_troubleshooting_() {
        await load_mailboxes();
        const tb = $("svc-table").querySelector("tbody");
        tb.replaceChildren();
        const svc = status.service || { service: "unknown" };
        const f = el("tr", null, { id: "svc-fetcher" });
        f.append(el("th", "popconn-fetcher"),
                 el("td", svc.service + (svc.reason ? " (" + svc.reason + ")" : "") +
                    (svc.pid ? ", pid " + svc.pid : "")));
        const m = el("tr", null, { id: "svc-milter" });
        const mi = status.milter || { milter: "unknown" };
        m.append(el("th", "popconn-milter"),
                 el("td", mi.milter + (mi.reason ? " (" + mi.reason + ")" : "") + (mi.pid ? ", pid " + mi.pid : "")));
        tb.append(f, m);
        for (const unit of ["popconn-fetcher.service", "popconn-milter.service"]) {
            const r = await new Promise(resolve => {
                cockpit.spawn(["systemctl", "is-active", unit], { err: "ignore" })
                        .then(out => resolve(out.trim()))
                        .catch((ex, out) => resolve((out || "").trim() || "no systemd"));
            });
            const tr = el("tr");
            tr.append(el("th", unit), el("td", r));
            tb.append(tr);
        }
        const ll = await ctl(["log-level"]);
        if (ll.rc === 0)
            $("loglevel").value = ll.out.trim();
        const ud = await ctl(["undeliverable"]);
        if (ud.rc === 0)
            $("undeliv").value = ud.out.trim();
    }

    /* run_check - popconnctl check: a summary, then one line per problem
       (each names its file and line) */
    async function run_check() {
        const r = await ctl(["--json", "check"]);
        let text;
        try {
            const a = JSON.parse(r.out);
            const res = a.result || {};
            const lines = ["check: " + (res.errors || 0) + " errors, " + (res.warnings || 0) + " warnings"];
            for (const p of res.problems || [])
                lines.push(p.severity + ": " + p.text);
            for (const e of a.errors || [])
                lines.push("error: " + e);
            text = lines.join("\n");
        } catch (ex) {
            text = result_text(r);
        }
        $("check-out").textContent = text;
        $("check-out").dataset.rc = String(r.rc);
    }

    async function show_log() {
        const args = ["log", "-n", "40"];
        if (LOG_FILE)
            args.push("--file", LOG_FILE);
        if ($("log-mailbox").value)
            args.push($("log-mailbox").value);
        const r = await ctl(args);
        $("log-out").textContent = result_text(r);
    }

    /* -------------------------------------------------------- routing */

    /* load_routes - (busy while it runs) */
    async function load_routes() {
        busy(1);
        try {
            return await load_routes_();
        } finally {
            busy(-1);
        }
    }

    async function load_routes_() {
        const r = await ctl(["--json", "route", "list"]);
        const tb = $("route-table").querySelector("tbody");
        tb.replaceChildren();
        let rules = null;
        try {
            const a = JSON.parse(r.out);
            rules = a.ok ? a.result : null;
        } catch (ex) { /* not JSON: below */ }
        if (!Array.isArray(rules)) {
            show_error("Cannot read the routing rules: " + result_text(r));
            return;
        }
        for (const rule of rules) {
            const tr = el("tr");
            const pcre = String(rule.table).indexOf("pcre:") === 0;
            tr.append(el("td", rule.table + ":" + rule.line), el("td", rule.pattern, { class: "rt-pattern" }),
                      el("td", rule.recipient === null || rule.recipient === undefined ? "(none)" : rule.recipient));
            const td = el("td");
            const b = el("button", "Remove", { class: "pc-change rt-remove" });
            b.addEventListener("click", async () => {
                const args = ["route", "remove", rule.pattern];
                if (pcre)
                    args.push("--pcre");
                const rr = await ctl(args, { change: true });
                $("rt-out").textContent = result_text(rr);
                load_routes();
            });
            td.append(b);
            tr.append(td);
            tb.append(tr);
        }
        apply_access();
    }

    async function add_route(ev) {
        ev.preventDefault();
        const args = ["route", "add", $("route-pattern").value.trim(), $("route-rcpt").value.trim()];
        if ($("route-pcre").checked)
            args.push("--pcre");
        const r = await ctl(args, { change: true });
        $("rt-out").textContent = result_text(r);
        if (r.rc === 0)
            $("route-pattern").value = $("route-rcpt").value = "";
        load_routes();
    }

    async function route_test() {
        let msg = $("rt-message").value;
        const file = $("rt-file").files[0];
        if (file && !msg)
            msg = await file.text();
        const r = await ctl(["route", "test", "-"], { input: msg.replace(/\r?\n/g, "\n") });
        $("rt-out").textContent = result_text(r);
    }

    /* --------------------------------------------------------- wizard */

    async function wizard_go(ev) {
        ev.preventDefault();
        const args = ["setup", "--yes", "--no-postfix-setup", "--server", $("wz-server").value.trim(),
            "--account", $("wz-account").value.trim(), "--type", $("wz-type").value,
            "--password-file", "-"];
        if ($("wz-port").value.trim())
            args.push("--pop3s-port", $("wz-port").value.trim());
        if ($("wz-deliver").value.trim())
            args.push("--deliver-to", $("wz-deliver").value.trim());
        if ($("wz-name").value.trim())
            args.push("--name", $("wz-name").value.trim());
        const input = $("wz-password").value + "\n";
        $("wz-password").value = "";
        $("wz-result").textContent = "Probing the server...";
        const r = await ctl(args, { change: true, input });
        $("wz-result").textContent = result_text(r);
        $("wz-result").dataset.rc = String(r.rc);
        $("wz-next").hidden = r.rc !== 0;
    }

    async function wizard_postfix() {
        const r = await ctl(["postfix-setup", "--apply"], { change: true });
        $("wz-postfix-out").textContent = result_text(r);
        $("wz-postfix-out").dataset.rc = String(r.rc);
    }

    /* wizard_start - enable and start the systemd units (where systemd runs) */
    async function wizard_start() {
        const out = $("wz-postfix-out");
        try {
            await cockpit.spawn(["systemctl", "enable", "--now", "popconn-fetcher.service",
                "popconn-milter.service"], { superuser: "require", err: "message" });
            out.textContent = "popconn-fetcher and popconn-milter are enabled and started.";
        } catch (ex) {
            out.textContent = "Could not start the services: " + (ex.message || ex.problem || ex);
        }
    }

    /* ---------------------------------------------------- the whole page */

    function apply_access() {
        for (const b of document.querySelectorAll(".pc-change"))
            b.disabled = !admin;
        for (const f of ["wz-go", "wz-postfix", "wz-start"])
            $(f).disabled = !admin;
        const a = $("access");
        a.hidden = admin;
        a.textContent = admin ? "" : "Read-only: changing popconn needs administrative access. " +
            "Turn it on with the \u201cLimited access\u201d button at the top of Cockpit (your account must be allowed to use sudo).";
    }

    /* refresh - (busy while it runs) */
    async function refresh() {
        busy(1);
        try {
            return await refresh_();
        } finally {
            busy(-1);
        }
    }

    async function refresh_() {
        show_error("");
        await load_mailboxes();
        if (mailboxes.length === 0 && !sessionStorage.getItem("popconn-skip-wizard")) {
            for (const id of ["mailboxes", "scheduling", "troubleshooting", "routing"])
                $(id).hidden = true;
            $("wizard").hidden = false;
            return;
        }
        select_tab(current_tab());
    }

    async function init() {
        for (const v of INTERVALS)
            $("sched-interval").append(el("option", v, { value: v }));
        admin = await new Promise(resolve => {
            cockpit.spawn(["true"], { superuser: "require", err: "ignore" })
                    .then(() => resolve(true))
                    .catch(() => resolve(false));
        });
        document.body.dataset.admin = admin ? "yes" : "no";
        apply_access();
        for (const b of document.querySelectorAll("[data-tab]"))
            b.addEventListener("click", () => select_tab(b.dataset.tab));
        $("refresh").addEventListener("click", refresh);
        $("mb-add").addEventListener("click", () => open_form(null));
        $("mb-form").addEventListener("submit", save_mailbox);
        $("mb-cancel").addEventListener("click", () => { $("mb-form").hidden = true; $("mb-password").value = "" });
        $("pw-form").addEventListener("submit", save_pw);
        $("pw-cancel").addEventListener("click", () => { $("pw-form").hidden = true; $("pw-password").value = "" });
        $("sched-form").addEventListener("submit", save_schedule);
        $("fetch-go").addEventListener("click", retrieve_now);
        $("loglevel-form").addEventListener("submit", async ev => {
            ev.preventDefault();
            const r = await ctl(["log-level", $("loglevel").value], { change: true });
            $("check-out").textContent = result_text(r);
        });
        $("undeliv-form").addEventListener("submit", async ev => {
            ev.preventDefault();
            const r = await ctl(["undeliverable", $("undeliv").value.trim()], { change: true });
            $("check-out").textContent = result_text(r);
        });
        $("check-go").addEventListener("click", run_check);
        $("log-go").addEventListener("click", show_log);
        $("route-form").addEventListener("submit", add_route);
        $("rt-go").addEventListener("click", route_test);
        $("wizard-form").addEventListener("submit", wizard_go);
        $("wz-postfix").addEventListener("click", wizard_postfix);
        $("wz-start").addEventListener("click", wizard_start);
        $("wz-done").addEventListener("click", () => { $("wizard").hidden = true; select_tab("mailboxes") });
        $("wz-skip").addEventListener("click", () => {
            sessionStorage.setItem("popconn-skip-wizard", "1");
            $("wizard").hidden = true;
            select_tab("mailboxes");
        });
        await refresh();
        document.body.dataset.ready = "yes";
    }

    document.addEventListener("DOMContentLoaded", init);
}());
