"""The main-flow measure the book's page tests rely on (nnfail.book.pagecheck), on small pages built by hand:
collapsed blocks and the appendix are left out, tables are counted by rows, bookkeeping in visible cells is
found."""
import nbformat

from nnfail.book import pagecheck


def page(body: str) -> str:
    return (f'<html><body><nav>menu words here</nav><article class="bd-article"><section id="t"><h1>Title</h1>'
            f'{body}</section></article></body></html>')


def section(title, inner):
    return f'<section><h2>{title}<a class="headerlink">#</a></h2>{inner}</section>'


def table(rows, cols=3):
    head = "".join(f"<th>h{i}</th>" for i in range(cols))
    body = "".join("<tr>" + "".join(f"<td>{r}-{c}</td>" for c in range(cols)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def test_words_count_prose_only_and_leave_out_dropdowns_code_math_and_the_appendix():
    html = page(section("The question", "<p>one two three</p><pre>x = 1 + 2</pre>"
                        '<span class="math">\\alpha + \\beta</span>')
                + section("The answer", "<p>four five</p><details class='sd-dropdown'><p>hidden words "
                          "many many</p></details><div class='cell tag_hide-input'><div class='hide above-input'>"
                          "<p>collapsed</p></div></div>")
                + section("Appendix: details", "<p>six seven eight nine</p>" + table(range(30)))
                + section("Later", "<p>ten</p>"))
    m = pagecheck.main_flow(html)
    # the title, two headings and their paragraphs; the appendix and all after it are left out
    assert m.words == 1 + (2 + 3) + (2 + 2)
    assert m.sections == ["The question", "The answer"]
    assert m.appendix == ["Appendix: details", "Later"]
    assert m.tables == [] and m.problems() == []


def test_long_prose_long_tables_and_tables_that_say_nothing_are_problems():
    words = " ".join(["word"] * (pagecheck.MAX_WORDS + 1))
    html = page(section("The question", f"<p>{words}</p>" + table(range(pagecheck.MAX_TABLE_ROWS + 1))
                        + "<table><tbody><tr><td>a</td><td>0%</td></tr><tr><td>b</td><td>0%</td></tr>"
                          "</tbody></table>" + table(range(pagecheck.MAX_TABLE_ROWS))))
    m = pagecheck.main_flow(html)
    assert [t.rows for t in m.tables] == [pagecheck.MAX_TABLE_ROWS + 1, 2, pagecheck.MAX_TABLE_ROWS]
    assert [t.flat for t in m.tables] == [False, True, False]
    probs = m.problems()
    assert len(probs) == 3 and "words" in probs[0] and "row table" in probs[1] and "same" in probs[2]


def test_visible_code_cells_are_short_and_free_of_bookkeeping():
    nb = nbformat.v4.new_notebook()
    long = "\n".join(f"x{i} = {i}" for i in range(pagecheck.MAX_CODE_LINES + 1))
    nb.cells = [
        nbformat.v4.new_code_cell(long, metadata={"tags": ["parameters"]}),  # the parameters cell: exempt
        nbformat.v4.new_code_cell(long, metadata={"tags": ["hide-input"]}),  # collapsed but expandable
        nbformat.v4.new_code_cell("r = run()\nglue('x', r)", metadata={"tags": []}),
        nbformat.v4.new_code_cell("glue('x', 1)\n" + long, metadata={"tags": ["remove-input"]}),  # hidden
        nbformat.v4.new_code_cell("t = tables.markdown(rows, COLS)"),
        nbformat.v4.new_code_cell("fig = plot(r)\nfig"),
    ]
    probs = pagecheck.code_problems(nb)
    assert [p.split(":")[0] for p in probs] == ["cell 1", "cell 2 shows bookkeeping (glue()", "cell 4 shows bookkeeping (tables.markdown()"]
