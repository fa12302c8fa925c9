#!/usr/bin/python3
"""webtest.py - the Cockpit page's browser test (run by t_web.sh).

Drives Debian's chromium through chromedriver with Debian's selenium
(/usr/bin/python3) against the cockpit-ws, users, Dovecot, Postfix,
popconn-fetcher and popconn-milter that t_web.sh started; the WEB_*
environment names them.  Every check prints "ok - ..." or "not ok - ...";
t_web.sh counts them.  Asserts on the DOM and on the real outcome
(popconnctl's answers, the files Postfix delivered).  A thread samples
"ps" the whole time: no test password may appear on a command line.
Exit 0 when it ran to its end (whatever the checks said), 2 when the
browser could not be driven at all.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

E = os.environ
URL, ETC, CTL = E["WEB_URL"], E["WEB_ETC"], E["WEB_CTL"]
SHOTS = E["WEB_SHOTS"]
PORT = E["WEB_POP3S_PORT"]
PW_CAROL, PW_DAVE, PW_ERIN = E["WEB_PW_CAROL"], E["WEB_PW_DAVE"], E["WEB_PW_ERIN"]
PASSWORDS = [PW_CAROL, PW_DAVE, PW_ERIN, E["WEB_ADMIN_PW"], E["WEB_PLAIN_PW"]]
HOSTILE = "<img src=x onerror=\"window.__pwned=1\">"
HOSTILE2 = "<script>window.__pwned=2</script>"
HOSTILE_ADDR = "<img/src=x/onerror=window.__pwned=5>@example.test"  # no white space: accepted
HOSTILE_RPATH = "<img/src=x/onerror=window.__pwned=3>@isp.test"
failed = 0


def check(desc, cond, detail=""):
    global failed
    if cond:
        print("ok - " + desc)
    else:
        failed += 1
        print("not ok - " + desc + (": " + str(detail)[:600] if detail else ""))
    sys.stdout.flush()
    return cond


def ctl(*args, stdin=None):
    p = subprocess.run([CTL, "-c", ETC] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def wait(fn, secs=20, step=0.2):
    end = time.monotonic() + secs
    while True:
        try:
            v = fn()
        except WebDriverException:
            v = None
        if v:
            return v
        if time.monotonic() > end:
            return v
        time.sleep(step)


# ---- ps sampler: a password on any command line is a failure.
ps_hits = []
ps_stop = threading.Event()


def ps_sampler():
    while not ps_stop.is_set():
        try:
            out = subprocess.run(["ps", "-eo", "args"], capture_output=True,
                                 text=True, timeout=5).stdout
        except Exception:
            out = ""
        for line in out.splitlines():
            if any(p in line for p in PASSWORDS) and "ps -eo" not in line:
                ps_hits.append(line)
        ps_stop.wait(0.1)


def browser():
    o = webdriver.ChromeOptions()
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync",
              "--window-size=1400,1000"):
        o.add_argument(a)
    prof = tempfile.mkdtemp(prefix="webtest-chromium-", dir=E.get("WEB_TMP", "/tmp"))
    o.add_argument("--user-data-dir=" + prof)
    o.binary_location = "/usr/bin/chromium"
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(30)
    return d


def login(d, user, pw):
    """Log in, with Cockpit remembering "administrative access" for the
    user (localStorage superuser:USER = any), as after a user chose it
    once; the page then opens in its iframe."""
    d.get(URL + "/")
    wait(lambda: d.find_element(By.ID, "login-user-input"))
    d.execute_script("localStorage.setItem('superuser:' + arguments[0], 'any')", user)
    d.find_element(By.ID, "login-user-input").send_keys(user)
    d.find_element(By.ID, "login-password-input").send_keys(pw)
    d.find_element(By.ID, "login-button").click()
    wait(lambda: d.find_elements(By.CSS_SELECTOR, "iframe"), 30)
    open_page(d)


def open_page(d):
    d.switch_to.default_content()
    d.get(URL + "/popconn")
    fr = wait(lambda: [f for f in d.find_elements(By.CSS_SELECTOR, "iframe")
                       if f.get_attribute("name") == "cockpit1:localhost/popconn"], 30)
    if not fr:
        raise RuntimeError("no popconn iframe")
    d.switch_to.frame(fr[0])
    wait(lambda: d.execute_script("return document.body.dataset.ready") == "yes", 30)


def el(d, id_):
    return d.find_element(By.ID, id_)


def text(d, id_):
    return el(d, id_).text


def fill(d, id_, value):
    e = el(d, id_)
    e.clear()
    e.send_keys(value)


def shot(d, name):
    d.switch_to.default_content()
    d.save_screenshot(os.path.join(SHOTS, name + ".png"))
    fr = [f for f in d.find_elements(By.CSS_SELECTOR, "iframe")
          if f.get_attribute("name") == "cockpit1:localhost/popconn"]
    d.switch_to.frame(fr[0])


def tab(d, name):
    idle(d)
    el(d, "tab-" + name).click()
    wait(lambda: el(d, name).is_displayed())
    idle(d)


def idle(d, secs=30):
    """Wait until the page has no popconnctl run under way."""
    def quiet():
        for _ in range(3):
            if d.execute_script("return document.body.dataset.busy || '0'") != "0":
                return False
            time.sleep(0.05)
        return True
    time.sleep(0.1)
    wait(quiet, secs, 0.1)


def click_row(d, table, name, cls):
    idle(d)
    row(d, table, name).find_element(By.CLASS_NAME, cls).click()


def row(d, table, name):
    rs = d.find_elements(By.CSS_SELECTOR, "#%s tbody tr" % table)
    for r in rs:
        if r.get_attribute("data-name") == name:
            return r
    return None


def status_of(name):
    _, out, _ = ctl("status", "--json")
    for line in out.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("mailbox") == name:
            return o
    return {}


def maildir_count(root, user):
    n = 0
    for sub in ("new", "cur"):
        p = os.path.join(root, user, sub)
        if os.path.isdir(p):
            n += len(os.listdir(p))
    return n


def pop_put(user, n, subject, sender="Sender <sender@isp.test>", rpath="sender@isp.test"):
    """A message into USER's Dovecot Maildir (as h_seed does)."""
    md = os.path.join(E["WEB_POP_ROOT"], user, "Maildir")
    body = ("Return-Path: <%s>\n" % rpath +
            "From: %s\nTo: %s@example.test\nSubject: %s\n"
            "Message-ID: <webtest-%d.%d@isp.test>\nDate: Mon, 7 Dec 2026 20:00:00 +0000\n\n"
            "Body %d.\n" % (sender, user, subject, n, os.getpid(), n))
    tmp = os.path.join(md, "tmp", "w%d" % n)
    with open(tmp, "w") as f:
        f.write(body)
    os.chown(tmp, 65534, 65534)
    os.rename(tmp, os.path.join(md, "new", "w%d" % n))


def no_markup(d, id_):
    """The element holds text only: no child elements, nothing ran."""
    kids = d.execute_script("return document.getElementById(arguments[0]).children.length", id_)
    imgs = d.execute_script("return document.querySelectorAll('img, script:not([src])').length")
    pwned = d.execute_script("return window.__pwned === undefined ? 0 : window.__pwned")
    return kids == 0 and imgs == 0 and pwned == 0, (kids, imgs, pwned)


def step_wizard(d):
    # the wizard on the empty configuration.
    check("wizard: shown on an empty configuration", el(d, "wizard").is_displayed())
    check("wizard: the page runs with administrative access",
          d.execute_script("return document.body.dataset.admin") == "yes")
    fill(d, "wz-server", "localhost")
    fill(d, "wz-port", PORT)
    fill(d, "wz-account", "carol")
    fill(d, "wz-password", PW_CAROL)
    fill(d, "wz-deliver", "carol@example.test")
    fill(d, "wz-name", "carol")
    el(d, "wz-go").click()
    wait(lambda: el(d, "wz-result").get_attribute("data-rc") is not None, 60)
    out = text(d, "wz-result")
    check("wizard: setup succeeded (exit 0)", el(d, "wz-result").get_attribute("data-rc") == "0", out)
    check("wizard: shows what the server offers", "SCRAM" in out or "offer" in out, out)
    rc, lst, _ = ctl("mailbox", "list", "--json")
    check("wizard: carol is in mailboxes.cf", any(m["name"] == "carol" for m in json.loads(lst or "[]")), lst)
    el(d, "wz-postfix").click()
    wait(lambda: el(d, "wz-postfix-out").get_attribute("data-rc") is not None, 60)
    out = text(d, "wz-postfix-out")
    check("wizard: postfix-setup --apply from the page (exit 0)",
          el(d, "wz-postfix-out").get_attribute("data-rc") == "0", out)
    pc = subprocess.run(["/usr/sbin/postconf", "-c", E["WEB_POSTFIX_CONF"], "-h",
                         "non_smtpd_milters"], capture_output=True, text=True).stdout
    check("wizard: Postfix's non_smtpd_milters names the milter", "milter.sock" in pc, pc)
    shot(d, "wizard")
    el(d, "wz-done").click()
    check("wizard: then the mailboxes tab lists carol",
          wait(lambda: row(d, "mb-table", "carol")) is not None)


def step_add(d):
    # add a mailbox in the page.
    el(d, "mb-add").click()
    fill(d, "mb-name", "dave")
    fill(d, "mb-url", "pop3s://dave@localhost:%s" % PORT)
    fill(d, "mb-deliver", "dave@example.test")
    fill(d, "mb-password", PW_DAVE)
    el(d, "mb-save").click()
    check("add: dave in the list", wait(lambda: row(d, "mb-table", "dave")) is not None,
          text(d, "mb-out"))
    rc, out, _ = ctl("mailbox", "show", "dave")
    check("add: popconnctl shows dave with a password set", rc == 0 and "password" in out, out)
    check("add: the password field is cleared", el(d, "mb-password").get_attribute("value") == "")


def step_edit(d):
    # edit: carol's login mechanism, in the page.
    click_row(d, "mb-table", "carol", "mb-edit")
    Select(el(d, "mb-auth")).select_by_value("scram-sha-256")
    check("edit: the form shows no password field", not el(d, "mb-password").is_displayed())
    el(d, "mb-save").click()
    wait(lambda: "carol changed" in text(d, "mb-out"), 20)
    rc, out, _ = ctl("mailbox", "show", "carol")
    check("edit: popconnctl shows auth = scram-sha-256 from mailboxes.cf",
          any(l.split()[:3] == ["auth", "=", "scram-sha-256"] for l in out.splitlines()), out)


def step_test_login(d):
    # Test login.
    click_row(d, "mb-table", "dave", "mb-test")
    wait(lambda: "dave: ok" in text(d, "mb-out"), 30)
    out = text(d, "mb-out")
    check("test login: dave: ok with the mechanism and TLS shown",
          "dave: ok" in out and "offered:" in out and "TLS" in out, out)
    check("test login: classified as working", "Test login: works" in out, out)
    # Then only what the server offers is a choice of login mechanism.
    click_row(d, "mb-table", "dave", "mb-edit")
    opts = {o.get_attribute("value"): o.is_enabled()
            for o in el(d, "mb-auth").find_elements(By.TAG_NAME, "option")}
    check("test login: then Edit offers SCRAM-SHA-256 but not NTLM (Dovecot has no NTLM)",
          opts.get("scram-sha-256") is True and opts.get("ntlm") is False, opts)
    el(d, "mb-cancel").click()


def step_passwd(d):
    # change password (same one, so fetching still works).
    click_row(d, "mb-table", "dave", "mb-passwd")
    fill(d, "pw-password", PW_DAVE)
    el(d, "pw-save").click()
    wait(lambda: el(d, "pw-form").is_displayed() is False, 20)
    check("passwd: done, form closed", not el(d, "pw-form").is_displayed(), text(d, "mb-out"))
    with open(os.path.join(ETC, "passwords")) as f:
        check("passwd: the passwords file has dave's", "dave " + PW_DAVE in f.read())


def step_hostile_address(d):
    # hostile content: popconnctl refuses such an address and quotes
    # it in its message; the page must show that message as text.
    el(d, "mb-add").click()
    fill(d, "mb-name", "hostile")
    fill(d, "mb-url", "pop3s://x@localhost:%s" % PORT)
    fill(d, "mb-deliver", HOSTILE)
    fill(d, "mb-password", "hostile-pw")
    el(d, "mb-save").click()
    wait(lambda: "onerror" in text(d, "mb-out"), 20)
    check("hostile address: popconnctl's message quoting it is shown as text",
          HOSTILE in text(d, "mb-out"), text(d, "mb-out"))
    ok, why = no_markup(d, "mb-out")
    check("hostile address: no element made, nothing ran", ok, why)
    check("hostile address: nothing added", row(d, "mb-table", "hostile") is None)
    check("hostile address: the error marks the Deliver to field",
          el(d, "mb-deliver").get_attribute("aria-invalid") == "true" and
          el(d, "mb-url").get_attribute("aria-invalid") is None)
    el(d, "mb-cancel").click()

    # Markup without white space is a valid address: stored, then listed
    # (and in every mailbox menu) as text.  Its server port is closed.
    idle(d)
    el(d, "mb-add").click()
    fill(d, "mb-name", "evil")
    fill(d, "mb-url", "pop3s://evil@127.0.0.1:1")
    fill(d, "mb-deliver", HOSTILE_ADDR)
    fill(d, "mb-password", "evil-pw")
    el(d, "mb-save").click()
    r = wait(lambda: row(d, "mb-table", "evil"), 20)
    rc, out, _ = ctl("mailbox", "list", "--json")
    check("hostile address: stored as given (popconnctl mailbox list)",
          any(m.get("deliver_to") == HOSTILE_ADDR for m in json.loads(out or "[]")), out)
    check("hostile address: the Delivers to cell holds the literal text",
          r is not None and HOSTILE_ADDR in r.text, r.text if r else text(d, "mb-out"))
    ok, why = no_markup(d, "mb-table")
    pwned = d.execute_script("return window.__pwned === undefined ? 0 : window.__pwned")
    check("hostile address: no img in the table, nothing ran",
          pwned == 0 and d.execute_script(
              "return document.querySelectorAll('#mb-table img').length") == 0, why)
    click_row(d, "mb-table", "evil", "mb-remove")
    d.switch_to.alert.accept()
    open_page_frame(d)
    wait(lambda: row(d, "mb-table", "evil") is None, 20)
    check("hostile address: removed again in the page", row(d, "mb-table", "evil") is None)
    shot(d, "mailboxes")


def step_retrieve_now(d):
    # Retrieve Now with progress, and the mail in Postfix's mailbox.
    wait(lambda: status_of("dave").get("result", "never") != "never" and
         status_of("dave").get("state") != "polling", 30, 0.5)
    before = maildir_count(E["WEB_MAIL_ROOT"], "dave")
    pop_put("dave", 1, HOSTILE + " subject", rpath=HOSTILE_RPATH)
    pop_put("dave", 2, "plain subject", sender=HOSTILE2 + " <evil@isp.test>")
    tab(d, "scheduling")
    Select(el(d, "fetch-mailbox")).select_by_value("dave")
    el(d, "fetch-go").click()
    cell = lambda: row(d, "fetch-table", "dave")
    wait(lambda: cell() and "2 of 2 delivered" in cell().text, 60)
    c = cell()
    check("retrieve now: progress reaches '2 of 2 delivered'",
          c is not None and "ok: 2 of 2 delivered" in c.text, c.text if c else text(d, "fetch-out"))
    check("retrieve now: says every message was delivered",
          wait(lambda: "every message delivered" in text(d, "fetch-out"), 20), text(d, "fetch-out"))
    wait(lambda: text(d, "fetch-msgs").count("status=delivered") >= 2, 20)
    out = text(d, "fetch-msgs")
    check("retrieve now: the outcome of each message (2 log lines, status=delivered)",
          out.count("acct=dave") == 2 and out.count("status=delivered") == 2, out)
    n = wait(lambda: maildir_count(E["WEB_MAIL_ROOT"], "dave") >= before + 2 and
             maildir_count(E["WEB_MAIL_ROOT"], "dave"), 30, 0.5)
    check("retrieve now: both messages are in dave's Postfix mailbox",
          n and n >= before + 2, "%s before, %s now" % (before, n))
    # Messages today: the fetcher's count since local midnight.
    tab(d, "mailboxes")
    el(d, "refresh").click()
    idle(d)

    def today():
        r = row(d, "mb-table", "dave")
        return r is not None and r.find_element(By.CLASS_NAME, "mb-today").text
    t = wait(lambda: today() not in (False, "-", "0") and today(), 20)
    check("mailboxes: 'Today' counts the messages delivered today (2)",
          t == "2", t)
    tab(d, "scheduling")


def step_schedule(d):
    # the schedule.
    Select(el(d, "sched-interval")).select_by_value("30m")
    el(d, "sched-save").click()
    wait(lambda: "30m" in text(d, "sched-show"), 20)
    rc, out, _ = ctl("schedule", "show")
    line = [l for l in out.splitlines() if l.startswith("(popconn.cf)")]
    check("schedule: popconnctl schedule show has 30m", line and "30m" in line[0], out)
    check("schedule: the page shows it", "30m" in text(d, "sched-show"))
    Select(el(d, "sched-mailbox")).select_by_value("dave")
    d.find_element(By.CSS_SELECTOR, "input[name=sched-kind][value=times]").click()
    fill(d, "sched-times", "06:00,18:15")
    el(d, "sched-save").click()
    wait(lambda: "18:15" in text(d, "sched-show"), 20)
    rc, out, _ = ctl("schedule", "show")
    check("schedule: dave at 06:00,18:15 per popconnctl",
          any(l.startswith("dave") and "18:15" in l for l in out.splitlines()), out)
    shot(d, "scheduling")


def step_routing(d):
    # routing: a rule, then "why would it route here".
    tab(d, "routing")
    fill(d, "route-pattern", "sales@lists.example")
    fill(d, "route-rcpt", "dave")
    el(d, "route-add").click()
    wait(lambda: "sales@lists.example" in text(d, "route-table"), 20)
    rc, out, _ = ctl("route", "list")
    check("routing: popconnctl route list has the rule",
          "sales@lists.example" in out and "dave" in out, out)
    check("routing: the page lists it", "sales@lists.example" in text(d, "route-table"))
    # A rule whose pattern is markup: listed as text.
    fill(d, "route-pattern", HOSTILE2 + "@lists.example")
    fill(d, "route-rcpt", "carol")
    el(d, "route-add").click()
    wait(lambda: "__pwned" in text(d, "route-table"), 20)
    cells = [c.text for c in d.find_elements(By.CSS_SELECTOR, "#route-table .rt-pattern")]
    check("routing: a hostile pattern is listed as its literal text",
          HOSTILE2 + "@lists.example" in cells, cells)
    ok, why = no_markup(d, "rt-out")
    check("routing: no element made from it, nothing ran", ok and
          d.execute_script("return document.querySelectorAll('#route-table script, #route-table img').length") == 0, why)
    # Remove it again, in the page.
    idle(d)
    for r in d.find_elements(By.CSS_SELECTOR, "#route-table tbody tr"):
        if "__pwned" in r.text:
            r.find_element(By.CLASS_NAME, "rt-remove").click()
            break
    wait(lambda: "__pwned" not in text(d, "route-table"), 20)
    check("routing: the hostile rule removed in the page is gone from route list",
          "__pwned" not in ctl("route", "list")[1] and "__pwned" not in text(d, "route-table"))
    fill(d, "rt-message", "From: %s <a@isp.test>\nTo: Sales <sales@lists.example>\n"
         "Subject: %s\n\nhello\n" % (HOSTILE2, HOSTILE))
    el(d, "rt-go").click()
    wait(lambda: "dave" in text(d, "rt-out"), 20)
    out = text(d, "rt-out")
    check("why would it route here: dave, because of the rule", "dave" in out and
          ("routing" in out or "sales@lists.example" in out), out)
    ok, why = no_markup(d, "rt-out")
    check("why would it route here: hostile headers stay text", ok, why)
    shot(d, "routing")


def step_troubleshooting(d):
    # troubleshooting.
    tab(d, "troubleshooting")
    wait(lambda: "running" in text(d, "svc-fetcher"), 20)
    check("troubleshooting: the fetcher is running", "running" in text(d, "svc-fetcher"),
          text(d, "svc-fetcher"))
    check("troubleshooting: the milter is running", "running" in text(d, "svc-milter"),
          text(d, "svc-milter"))
    Select(el(d, "loglevel")).select_by_value("maximum")
    el(d, "loglevel-save").click()
    wait(lambda: ctl("log-level")[1].strip() == "maximum", 20)
    check("troubleshooting: log level set to maximum (popconnctl log-level)",
          ctl("log-level")[1].strip() == "maximum")
    el(d, "check-go").click()
    wait(lambda: "check:" in text(d, "check-out"), 30)
    check("troubleshooting: popconnctl check ran in the page",
          "check:" in text(d, "check-out"), text(d, "check-out"))
    # A problem: the passwords file readable by all, shown with its file.
    pwf = os.path.join(ETC, "passwords")
    os.chmod(pwf, 0o644)
    try:
        el(d, "check-go").click()
        wait(lambda: "passwords" in text(d, "check-out"), 30)
        out = text(d, "check-out")
    finally:
        os.chmod(pwf, 0o600)
    check("troubleshooting: check names the 0644 passwords file",
          pwf in out and ("0644" in out or "mode" in out), out)
    Select(el(d, "log-mailbox")).select_by_value("dave")
    el(d, "log-go").click()
    wait(lambda: "status=delivered" in text(d, "log-out"), 20)
    out = text(d, "log-out")
    check("troubleshooting: dave's log lines (popconnctl log) show the deliveries",
          "acct=dave" in out and "status=delivered" in out, out)
    if "onerror" in out:
        ok, why = no_markup(d, "log-out")
        check("troubleshooting: a hostile sender in a log line stays text",
              ok and "<img/src=x/onerror" in out, why)
    else:
        print("# the fetcher did not log the hostile Return-Path as given")
    shot(d, "troubleshooting")


def step_refresh(d):
    # a change by popconnctl shows after a refresh.
    rc, _, err = ctl("mailbox", "add", "erin", "--type", "user", "--url",
                     "pop3s://erin@localhost:%s" % PORT, "--deliver-to",
                     "carol@example.test", "--password-file", "-", stdin=PW_ERIN + "\n")
    tab(d, "mailboxes")
    el(d, "refresh").click()
    idle(d)
    check("refresh: a mailbox added by popconnctl shows",
          wait(lambda: row(d, "mb-table", "erin")) is not None, err)


def step_remove(d):
    # remove (confirm dialog accepted).
    click_row(d, "mb-table", "erin", "mb-remove")
    d.switch_to.alert.accept()
    open_page_frame(d)
    wait(lambda: row(d, "mb-table", "erin") is None, 20)
    rc, lst, _ = ctl("mailbox", "list", "--json")
    check("remove: erin gone from popconnctl's list",
          not any(m["name"] == "erin" for m in json.loads(lst or "[]")), lst)


def step_console(d):
    # the browser's console: no CSP refusal, no error from the page.
    logs = [e.get("message", "") for e in d.get_log("browser")]
    bad = [m for m in logs if "Content Security Policy" in m or "Refused to" in m or
           ("popconn/" in m and "SEVERE" in m) or "popconn.js" in m]
    check("console: no CSP refusal and no error from popconn.js", not bad, bad[:3])


def step_page_source(d):
    # no password in the page's source.
    src = d.page_source
    check("no password in the page source", not any(p in src for p in PASSWORDS[:3]))


# The administrator's steps, in order (each depends on the ones before).
ADMIN_STEPS = [step_wizard, step_add, step_edit, step_test_login, step_passwd, step_hostile_address, step_retrieve_now, step_schedule, step_routing, step_troubleshooting, step_refresh, step_remove, step_console, step_page_source]


def admin_flow(d):
    for step in ADMIN_STEPS:
        step(d)


def open_page_frame(d):
    try:
        d.find_element(By.ID, "mailboxes")
    except WebDriverException:
        fr = [f for f in d.find_elements(By.CSS_SELECTOR, "iframe")
              if f.get_attribute("name") == "cockpit1:localhost/popconn"]
        d.switch_to.frame(fr[0])


def plain_flow(d):
    check("non-admin: the page knows it has no administrative access",
          d.execute_script("return document.body.dataset.admin") == "no")
    if el(d, "wizard").is_displayed():
        el(d, "wz-skip").click()
    check("non-admin: told why it is read-only", "administrative access" in text(d, "access"),
          text(d, "access"))
    check("non-admin: still sees the mailboxes",
          wait(lambda: row(d, "mb-table", "dave")) is not None)
    buttons = d.find_elements(By.CSS_SELECTOR, ".pc-change")
    check("non-admin: every change button is disabled",
          buttons and all(not b.is_enabled() for b in buttons), len(buttons))
    # Even calling popconnctl from the page's own script is refused.
    r = d.execute_async_script("""
        const done = arguments[arguments.length - 1];
        cockpit.spawn([arguments[0], "-c", arguments[1], "log-level", "none"],
                      {superuser: "require", err: "message"})
            .then(() => done("ran")).catch(ex => done("refused: " + (ex.problem || ex.message)));
    """, CTL, ETC)
    check("non-admin: a change through cockpit.spawn is refused", r.startswith("refused"), r)
    check("non-admin: nothing changed (log level still maximum)",
          ctl("log-level")[1].strip() == "maximum")
    shot(d, "readonly")


def main():
    os.makedirs(SHOTS, exist_ok=True)
    for f in os.listdir(SHOTS):
        os.remove(os.path.join(SHOTS, f))
    t = threading.Thread(target=ps_sampler, daemon=True)
    t.start()
    d = None
    try:
        d = browser()
        d.set_script_timeout(30)
        login(d, E["WEB_ADMIN"], E["WEB_ADMIN_PW"])
        admin_flow(d)
        d.quit()
        d = browser()
        d.set_script_timeout(30)
        login(d, E["WEB_PLAIN"], E["WEB_PLAIN_PW"])
        plain_flow(d)
    except Exception as ex:  # a broken step: report it, keep the tally
        import traceback
        traceback.print_exc()
        check("browser steps ran to the end", False, repr(ex))
        if d is not None:
            try:
                d.switch_to.default_content()
                d.save_screenshot(os.path.join(SHOTS, "failure.png"))
            except Exception:
                pass
    finally:
        ps_stop.set()
        t.join(5)
        if d is not None:
            try:
                d.quit()
            except Exception:
                pass
    check("no password on any command line (ps sampled every 0.1 s)", not ps_hits, ps_hits[:3])
    return 0


if __name__ == "__main__":
    sys.exit(main())
