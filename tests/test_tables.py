"""Chapter tables: every header and cell stays in its column, whatever characters it holds."""
from nnfail import tables


def test_pipes_in_headers_and_cells_are_escaped():
    md = tables.markdown([dict(a="x | y", b=1)], [("largest |input|", lambda r: r["a"]), ("b", lambda r: r["b"])])
    head, rule, row = md.data.splitlines()
    assert head == "| largest \\|input\\| | b |" and rule == "|---|---|"
    assert row == "| x \\| y | 1 |"
    # each line has as many unescaped separators as the table has columns + 1
    assert {line.replace("\\|", "").count("|") for line in (head, rule, row)} == {3}


def test_number_formats():
    assert tables.pct(0.256) == "26%" and tables.pct(float("nan")) == "n/a"
    assert tables.num(12345.6) == "1.23e+04" and tables.num(0.12345) == "0.123"
    assert tables.pvalue(1e-9) == "<1e-6" and tables.pvalue(float("nan")) == "(baseline)"
    assert tables.interval(0.1, 0.25) == "[10%, 25%]"


def test_brackets_followed_by_parentheses_do_not_become_links():
    """Chapter 1's indicator is labelled 1 - 1[40,60](x): Markdown would read [40,60](x) as a link to 'x'."""
    from markdown_it import MarkdownIt

    md = tables.markdown([dict(a="1 - 1[40,60](x)", b="[22%, 61%]")], [("a", lambda r: r["a"]), ("b", lambda r: r["b"])]).data
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<a " not in html and "1[40,60](x)" in html and "[22%, 61%]" in html



def test_a_markdown_table_converts_to_html_with_cells_escaped_and_bold_kept():
    from nnfail import tables

    md = tables.markdown([dict(a="x < y | z", b="**no**"), dict(a="[1]", b="")],
                         [("a & b", lambda r: r["a"]), ("b", lambda r: r["b"])])
    out = tables.as_html(md).data
    assert out.startswith('<table class="table">') and "<th>a &amp; b</th>" in out
    assert "<td>x &lt; y | z</td>" in out and "<td><strong>no</strong></td>" in out
    assert "<td>[1]</td><td></td>" in out and out.count("<tr>") == 3
