"""The demo's one HTML page: plain semantic markup and a little CSS, no JavaScript."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from aiofs import FileInfo

_CSS = """
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #dde1e8;
        --accent: #2f5bd3; --bad: #b42318; --good: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--ink); background: #f6f7f9; }
header, main { max-width: 50rem; margin: 0 auto; padding: 1.25rem 1.5rem; }
header { padding-bottom: 0; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
header p { margin: 0; color: var(--muted); }
code { font-size: .9em; background: #eceff4; padding: .1em .35em; border-radius: 4px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px;
          padding: 1.1rem 1.25rem; margin-bottom: 1.25rem; }
form.upload { display: grid; gap: .75rem; }
label { display: grid; gap: .25rem; font-weight: 600; font-size: .95rem; }
label.check { display: flex; gap: .5rem; align-items: center; font-weight: 400; }
input[type=file] { font: inherit; font-weight: 400; font-size: .9rem; }
input[type=text] { font: inherit; font-weight: 400; padding: .45rem .6rem; border: 1px solid var(--line);
                   border-radius: 6px; }
button { font: inherit; cursor: pointer; border-radius: 6px; padding: .45rem 1rem;
         border: 1px solid var(--accent); background: var(--accent); color: #fff; }
button.delete { background: #fff; color: var(--bad); border-color: #e4b4ae;
                padding: .2rem .7rem; font-size: .9rem; }
.notice, .error { border-radius: 8px; padding: .6rem .9rem; margin-bottom: 1.25rem; }
.notice { background: #e9f6ec; color: var(--good); border: 1px solid #b7dfc1; }
.error { background: #fdeceb; color: var(--bad); border: 1px solid #f1b8b2; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .5rem .4rem; border-bottom: 1px solid var(--line); }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
td.size, th.size { text-align: right; white-space: nowrap; }
td.actions { text-align: right; width: 1%; }
td.actions form { margin: 0; }
a { color: var(--accent); word-break: break-all; }
.empty { color: var(--muted); margin: 0; }
"""


def human_size(size: int) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError  # pragma: no cover


def _row(info: FileInfo) -> str:
    name = escape(info.path)
    href = "/files/" + quote(info.path)
    when = info.modified.strftime("%Y-%m-%d %H:%M UTC")
    return f"""
      <tr>
        <td><a href="{escape(href)}" download>{name}</a></td>
        <td class="size" data-bytes="{info.size}">{human_size(info.size)}</td>
        <td><time datetime="{info.modified.isoformat()}">{when}</time></td>
        <td class="actions">
          <form method="post" action="/delete">
            <input type="hidden" name="name" value="{name}">
            <button class="delete" type="submit" aria-label="Delete {name}">Delete</button>
          </form>
        </td>
      </tr>"""


def render(
    files: list[FileInfo], *, where: str, notice: str | None = None, error: str | None = None
) -> str:
    """The whole page: messages, the upload form, and the file table."""
    messages = ""
    if notice:
        messages += f'<p class="notice" role="status">{escape(notice)}</p>'
    if error:
        messages += f'<p class="error" role="alert">{escape(error)}</p>'
    if files:
        listing = f"""<table id="files">
      <thead><tr><th>Name</th><th class="size">Size</th><th>Modified</th><th></th></tr></thead>
      <tbody>{"".join(_row(info) for info in files)}
      </tbody>
    </table>"""
    else:
        listing = '<p class="empty">No files yet: upload one above.</p>'
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>aiofs demo</title>
  <style>{_CSS}</style>
</head>
<body>
  <header>
    <h1>aiofs demo</h1>
    <p>Files stored in <code>{escape(where)}</code></p>
  </header>
  <main>
    {messages}
    <section aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a file</h2>
      <form id="upload" class="upload" method="post" action="/upload"
            enctype="multipart/form-data">
        <label>File <input type="file" name="file" required></label>
        <label>Save as <input type="text" name="name" placeholder="optional, e.g. reports/q1.csv"></label>
        <label class="check"><input type="checkbox" name="replace" value="true">
          Replace a file of the same name</label>
        <div><button type="submit">Upload</button></div>
      </form>
    </section>
    <section aria-labelledby="files-title">
      <h2 id="files-title">Files ({len(files)})</h2>
      {listing}
    </section>
  </main>
</body>
</html>
"""
