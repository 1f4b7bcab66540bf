"""Small fixes to the site's scripts, so every page loads with a clean browser console, and the ``{q}`` role.

* ``_static/nnfail.css``: figures on a light panel in the dark theme, tables that wrap to the text column.
* ``favicon.ico`` is copied to the site root (browsers ask for it even with the SVG icon linked).
* ``{q}`figure``` marks a figure quoted from the source a chapter retells (the posts' own numbers); it
  renders as the text itself, and the prose test (tests/test_prose.py) accepts such numbers where it
  rejects typed ones.

* sphinx-thebe's configuration script gets registered twice in this Jupyter Book 1 stack, and the page
  then declares the same ``const`` twice (an uncaught SyntaxError). Identical script registrations are
  kept once.
* On a first visit (empty localStorage) pydata-sphinx-theme logs "Got invalid theme mode" because its
  head bootstrap sets an empty mode (pydata-sphinx-theme issue 1635); an empty mode becomes "auto".
"""

NORMALIZE_MODE = (
    "if (!localStorage.getItem('mode')) { localStorage.setItem('mode', 'auto'); }"
    " if (!document.documentElement.dataset.mode) { document.documentElement.dataset.mode = 'auto'; }"
)


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    """Keep each identical script once in the list the page template renders."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        ident = (getattr(js, "filename", str(js)) or "",  # a body script's filename is None or ''; same thing
                 tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
        if ident not in seen:
            seen.add(ident)
            unique.append(js)
    context["script_files"] = unique


def _quote_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """A figure quoted from the source: the text as written, marked for readers and the prose test."""
    from docutils import nodes

    return [nodes.inline(rawtext, text, classes=["nnfail-quote"])], []


def _favicon_at_root(app, exception):
    """Browsers ask for /favicon.ico even when the page links an SVG icon: serve one (from _static) there."""
    import shutil
    from pathlib import Path

    ico = Path(app.srcdir) / "_static" / "favicon.ico"
    if exception is None and app.builder.format == "html" and ico.exists():
        shutil.copy2(ico, Path(app.outdir) / "favicon.ico")


def setup(app):
    app.add_role("q", _quote_role)
    app.add_css_file("nnfail.css")  # _static/nnfail.css: figures on a light panel in dark mode, tables that fit
    app.connect("build-finished", _favicon_at_root)
    app.add_js_file(None, body=NORMALIZE_MODE, priority=1)
    app.connect("html-page-context", _dedupe_scripts, priority=900)  # after every extension added its scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
