"""The built site in a real browser (Debian's headless Chromium driven by selenium, no browser download):
every page loads without errors from its own resources, every image and the embedded animation load,
internal links resolve, search finds a chapter by a word from it, every table a chapter prints is an
HTML table and every formula is typeset, with every host but this one unreachable (no CDN can help).
Screenshots land in _build/test-artifacts/screenshots/."""
import functools
import http.server
import json
import re
import shutil
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from conftest import ROOT
from nnfail.book import runner

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "_build" / "test-artifacts" / "screenshots"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def site(quick_build):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str((quick_build / "html").resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), (
        "Chromium and chromedriver are missing: `make test` installs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,2000", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
                 # the network is off for the pages: only the local test server resolves
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


PAGES = (["index.html", "references.html", "doctor.html", "going_further.html"]
         + [str(ch.source.with_suffix(".html")) for ch in runner.discover(ROOT)])


def _settle(driver):
    for _ in range(100):
        if driver.execute_script("return document.readyState") == "complete":
            return
        time.sleep(0.1)


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_cleanly_with_images_and_links(browser, site, page):
    url = urljoin(site, page)
    browser.get_log("browser")  # drop messages from earlier pages
    browser.get(url)
    _settle(browser)
    time.sleep(1.0)  # let the animation player set its first frame
    host = urlparse(site).netloc
    logs = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    own = [e["message"] for e in logs if host in e["message"] or "http" not in e["message"]]
    assert not own, f"{page}: console errors from the site itself: {own}"
    broken = browser.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.src || i.id)")
    assert broken == [], f"{page}: images that did not load: {broken}"
    if "chapters/" in page:
        assert browser.execute_script("return document.images.length") >= 2
    links = {urldefrag(h)[0] for h in browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")}
    for link in sorted(l for l in links if urlparse(l).netloc == host):
        try:
            with urllib.request.urlopen(link, timeout=10) as resp:
                assert resp.status == 200, link
        except urllib.error.HTTPError as err:
            pytest.fail(f"{page}: internal link {link} answers {err.code}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / (Path(page).stem + ".png")))
    text = browser.execute_script("return document.querySelector('main') ? document.querySelector('main').innerText : ''")
    assert "Traceback (most recent call last)" not in text, f"{page}: a raw traceback is on the page"


RAW_TABLE_RULE = re.compile(r"\|\s*:?-{3,}:?\s*\|")  # a Markdown table's rule, as text on a page
TABLE_RULE_LINE = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+\s*$", re.M)  # one per Markdown table


def tables_emitted(executed_notebook: Path) -> int:
    """How many tables a chapter's cells printed: Markdown tables and HTML tables in its outputs."""
    nb = json.loads(executed_notebook.read_text())
    count = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            md, page = "".join(data.get("text/markdown", "")), "".join(data.get("text/html", ""))
            count += len(TABLE_RULE_LINE.findall(md)) + page.count("<table")
    return count


@pytest.mark.parametrize("chapter", runner.discover(ROOT), ids=lambda c: c.slug)
def test_tables_are_tables_and_math_is_typeset_with_no_network(browser, site, quick_build, chapter):
    emitted = tables_emitted(quick_build / "book" / chapter.source)
    browser.get(urljoin(site, str(chapter.source.with_suffix(".html"))))
    _settle(browser)
    deadline = time.time() + 20  # MathJax typesets after the page has loaded
    while time.time() < deadline and browser.execute_script(
            "return document.querySelectorAll('.math').length > document.querySelectorAll('mjx-container').length"):
        time.sleep(0.2)
    text = browser.execute_script("return document.querySelector('main').innerText")
    assert not RAW_TABLE_RULE.search(text), f"{chapter.slug}: a Markdown table shows as raw pipes"
    tables = browser.execute_script("return document.querySelectorAll('main table').length")
    assert emitted and tables >= emitted, f"{chapter.slug}: {emitted} tables printed, {tables} rendered"
    formulas = browser.execute_script("return document.querySelectorAll('main .math').length")
    typeset = browser.execute_script("return document.querySelectorAll('main mjx-container').length")
    assert typeset >= formulas, f"{chapter.slug}: {formulas - typeset} formulas left as raw TeX"
    for raw in ("\\(", "\\)", "$$", "\\begin{"):
        assert raw not in text, f"{chapter.slug}: raw TeX {raw!r} on the page"


@pytest.mark.parametrize("chapter", runner.discover(ROOT), ids=lambda c: c.slug)
def test_every_chapter_shows_its_claims_table_and_no_raw_roles(browser, site, chapter):
    """The claims engine's table is on every chapter page, rendered (headers and a verdict in each row), and
    no MyST role ({glue:text}, {q}) is left as raw text."""
    browser.get(urljoin(site, str(chapter.source.with_suffix(".html"))))
    _settle(browser)
    rows = browser.execute_script("""
        const t = Array.from(document.querySelectorAll('main table')).find(t =>
            Array.from(t.querySelectorAll('th')).map(h => h.innerText.trim()).join('|').includes('our evidence|verdict'));
        return t ? Array.from(t.querySelectorAll('tbody tr')).map(r => r.lastElementChild.innerText) : null;""")
    assert rows, f"{chapter.slug}: no claims table on the page"
    # a verdict on evidence, "depends on <setting>", or a computed check's holds / does not hold
    outcomes = ("reproduces", "partly reproduces", "does not reproduce", "undecided", "holds", "does not hold")
    # an open claim decided the same way everywhere adds "at every point tried (n)"
    head = [r.split(" (")[0].split(":")[0].removesuffix(" at every point tried") for r in rows]
    assert all(h in outcomes or r.startswith("depends on ") for h, r in zip(head, rows)), rows
    text = browser.execute_script("return document.querySelector('main').innerText")
    for raw in ("{glue", "{q}", "{doc}"):
        assert raw not in text, f"{chapter.slug}: raw role {raw!r} on the page"


def test_the_site_serves_its_own_mathjax(quick_build):
    html = (quick_build / "html" / "chapters" / "01_scaling_disaster.html").read_text()
    src = re.search(r'<script[^>]+src="([^"]*mathjax[^"]*)"', html).group(1)
    assert not src.startswith(("http:", "https:", "//")), src
    assert (quick_build / "html" / "chapters" / src).resolve().is_file()


def test_animation_player_is_embedded_and_shows_a_frame(browser, site):
    browser.get(urljoin(site, "chapters/04_two_relu_coverage.html"))
    _settle(browser)
    time.sleep(1.0)
    frames = browser.execute_script(
        "const i = document.querySelector('img[id^=_anim_img]'); return i ? [i.naturalWidth, i.alt] : null")
    assert frames and frames[0] > 0 and frames[1].startswith("Animation of training")


def test_search_finds_a_chapter_by_a_word_from_it(browser, site):
    browser.get(urljoin(site, "search.html?q=kinks"))
    deadline = time.time() + 30
    hits = []
    while time.time() < deadline and not hits:
        time.sleep(0.5)
        hits = browser.execute_script(
            "return Array.from(document.querySelectorAll('#search-results a, ul.search a')).map(a => a.href)")
    assert any("04_two_relu_coverage" in h for h in hits), hits


def test_nnfail_serve_prints_its_address_and_serves_the_site(quick_build):
    import re
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "nnfail", "serve", "--port", "0", "--root", str(ROOT),
                             "--build-dir", str(quick_build)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(url + "chapters/01_scaling_disaster.html", timeout=10) as resp:
            assert resp.status == 200 and b"scaling disaster" in resp.read().lower()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _section(browser, site, page: str, ids, script: str):
    """Run ``script`` (JavaScript, with ``sec`` the section) on ``page``'s section whose label or heading id
    is one of ``ids``; None when there is no such section."""
    browser.get(urljoin(site, page))
    _settle(browser)
    find = " || ".join(f"document.getElementById('{i}')" for i in ids)
    return browser.execute_script(f"""
        const s = {find};
        if (!s) return null;
        const sec = s.closest('section') || s.parentElement;
        {script}""")


def test_going_further_shows_the_sweep_or_says_why_not(browser, site):
    """The "Going further" page, pasted from the executed checklist notebook: in a full build, the sweep's command, a table of its points and its
    figure (drawn, with alt text); in a quick build, the note that quick builds run no sweeps. Both give the
    full-size cluster command in a code block."""
    got = _section(browser, site, "going_further.html", ("going-further-sweep",
                                                          "a-chapter-as-a-function-of-its-parameters"), """
        const img = Array.from(sec.querySelectorAll('img')).find(i => i.src.startsWith('data:image/png'));
        return {text: sec.innerText, pre: Array.from(sec.querySelectorAll('pre')).map(p => p.innerText),
                img: img ? [img.naturalWidth, img.alt] : null, rows: sec.querySelectorAll('table tbody tr').length};""")
    assert got, "no sweep section on the Going further page"
    assert any(p.startswith("nnfail sweep 1 -p input_scale") and "--scheduler" in p for p in got["pre"]), got["pre"]
    if got["img"] is None:
        assert "quick builds run no sweeps" in got["text"]
    else:
        assert got["img"][0] > 0 and "input_scale" in got["img"][1]
        assert got["rows"] >= 2 and any(p.startswith("nnfail sweep 1 -p input_scale") and "--quick" in p
                                        for p in got["pre"])


def test_the_doctor_page_reports_the_independent_pair_set(browser, site):
    """The doctor on models the book did not write: a table with one row per pair and healthy model run, and
    detection and false alarms with their intervals, as numbers on the rendered page."""
    from nnfail_bench import independent

    got = _section(browser, site, "doctor.html", ("doctor-independent", "on-models-this-book-did-not-write"), """
        const table = Array.from(sec.querySelectorAll('table')).find(t => t.textContent.includes('hurts training'));
        return {text: sec.innerText, rows: table ? table.querySelectorAll('tbody tr').length : 0};""")
    assert got, "no independent pair set section on the doctor page"
    pairs_, healthy_ = independent.quick_set()  # the test build is quick; a full build shows every pair
    assert got["rows"] in (len(pairs_) + len(healthy_), len(independent.PAIRS) + len(independent.HEALTHY))
    m = re.search(r"names the injected cause with a high finding on\s+(\d+)\s+of\s+(\d+)\s+broken models\s+\((\d+)%,"
                  r"\s+95% interval\s+(\d+)% to (\d+)%\)", got["text"])
    assert m and int(m.group(2)) in (len(pairs_), len(independent.PAIRS)), got["text"][-1500:]
    assert int(m.group(4)) <= int(m.group(3)) <= int(m.group(5))
    assert re.search(r"raises a high finding on\s+\d+\s+of\s+\d+\s+fixed or healthy models", got["text"])


def test_the_doctor_page_gives_the_held_out_real_program_figure_and_the_false_alarm_split(browser, site):
    """The real programs: the held-out first run's figure and the latest run's, as committed (pasted from the
    executed checklist notebook), the totals table beside the published tools, and the false alarms on
    twins that train measurably better, with the twins that keep another fault reported apart."""
    from nnfail_bench.realprograms import scoring

    got = _section(browser, site, "doctor.html", ("doctor-real-programs", "on-real-programs-people-asked-about"), """
        const table = Array.from(sec.querySelectorAll('table')).find(t => t.textContent.includes('deepfd'));
        return {text: sec.innerText, rows: table ? table.querySelectorAll('tbody tr').length : 0};""")
    assert got, "no real-program section on the doctor page"
    first, latest = scoring.load_run("first_run")["totals"], scoring.load_run("revised_run")["totals"]
    assert got["rows"] == len(scoring.RUNS) + len(scoring.TOOLS)
    text = " ".join(got["text"].split())
    assert (f"named a ground-truth fault type at high severity on {first['doctor']['count']} of {first['n']} "
            "programs") in text
    assert f"{latest['doctor']['count']} of {latest['n']} ({latest['doctor']['rate']:.0%}" in text
    fb = latest["false_alarm_better"]
    assert (f"On the other {fb['n']}, the doctor raised a high finding on {fb['count']} " in text
            and f"{len(latest['left_in_place'])} keep another fault" in text), text[-1500:]


def test_start_here_links_onward_to_the_doctor_and_going_further_pages(browser, site):
    browser.get(urljoin(site, "chapters/00_checklist.html"))
    _settle(browser)
    hrefs = browser.execute_script("return Array.from(document.querySelectorAll('article a')).map(a => a.href)")
    assert any(h.split("#")[0].endswith("/doctor.html") for h in hrefs)
    assert any(h.split("#")[0].endswith("/going_further.html") for h in hrefs)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_fits_the_screen_and_its_figures_read_in_both_themes(browser, site, width, mode):
    """At a laptop's and a phone's width, in the light and the dark theme: no element reaches past the
    viewport (the page never scrolls sideways; a wide table scrolls inside its own box), every figure is
    drawn with its alt text, and in the dark theme figures sit on a light panel. Screenshots are kept."""
    browser.set_window_size(width, 1400)
    try:
        for page in PAGES:
            browser.get(urljoin(site, page))
            browser.execute_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
            browser.get(urljoin(site, page))
            _settle(browser)
            got = browser.execute_script("""
                const vw = document.documentElement.clientWidth;
                const wide = Array.from(document.querySelectorAll('article *')).filter(e => {
                    const r = e.getBoundingClientRect();
                    return r.width > 0 && r.right > vw + 1 && !e.closest('table, pre, .highlight, mjx-container');
                }).map(e => e.tagName + '.' + e.className).slice(0, 5);
                const figs = Array.from(document.querySelectorAll('article img'));
                return {theme: document.documentElement.dataset.theme, scroll: document.documentElement.scrollWidth,
                        vw: vw, wide: wide,
                        figs: figs.map(i => [i.naturalWidth, i.alt || '', getComputedStyle(i).backgroundColor])};""")
            assert got["theme"] == mode, (page, got["theme"])
            assert got["scroll"] <= got["vw"] and not got["wide"], (page, width, got["wide"])
            for natural, alt, background in got["figs"]:
                assert natural > 0 and alt, (page, alt)
                if mode == "dark":
                    assert background == "rgb(255, 255, 255)", (page, background)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(ARTIFACTS / f"{Path(page).stem}-{width}-{mode}.png"))
    finally:
        browser.set_window_size(1280, 2000)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("chapter", runner.discover(ROOT), ids=lambda c: c.slug)
def test_the_answer_is_on_the_first_screen_after_the_question(browser, site, chapter, width):
    """At a laptop's and a phone's width, "The answer" starts less than one screen below the end of "The
    question" (nothing long stands between them), and its section holds prose with at least one glued
    number; the Downloads links answer from the site itself."""
    browser.set_window_size(width, 900)
    try:
        browser.get(urljoin(site, str(chapter.source.with_suffix(".html"))))
        _settle(browser)
        got = browser.execute_script("""
            const q = document.querySelector('section#the-question'), a = document.querySelector('section#the-answer');
            if (!q || !a) return null;
            const h = a.querySelector('h2');
            return {gap: h.getBoundingClientRect().top - q.getBoundingClientRect().bottom,
                    screen: window.innerHeight, text: a.innerText,
                    downloads: Array.from(document.querySelectorAll('section#downloads a.download')).map(x => x.href)};""")
    finally:
        browser.set_window_size(1280, 2000)
    assert got, f"{chapter.slug}: no 'The question' / 'The answer' sections"
    assert got["gap"] < got["screen"], (chapter.slug, width, got["gap"])
    assert len(got["text"].split()) >= 30 and re.search(r"\d", got["text"]), got["text"][:200]
    assert len(got["downloads"]) >= 2, got["downloads"]
    for link in got["downloads"]:
        with urllib.request.urlopen(link, timeout=10) as resp:
            assert resp.status == 200 and len(resp.read()) > 0, link
