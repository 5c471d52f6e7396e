#!/usr/bin/env python3
"""check_links.py: every relative link of the documentation resolves in a plain clone.

Usage: check_links.py ROOT

Reads ROOT/README.md, ROOT/CONTRIBUTING.md and ROOT/docs/*.md and checks every link in
them outside code (inline `[text](target)` and images `![alt](target)`, reference
definitions `[label]: target`, and HTML `src=`/`href=` attributes):

  - a target with a scheme (`https:`, `mailto:`, ...) is skipped: it is not ours to check;
  - any other target is a path relative to the file that holds it, and must name a file
    or a directory inside ROOT; one that leaves the repository (`../shared/...`) or starts
    at `/` fails, even if it exists on this machine;
  - a `#anchor` into a Markdown file (or `#anchor` alone, into the same file) must be the
    GitHub slug of one of its headings.

It also checks that README.md is at most 250 lines: the front door stays short, and the
manual lives in docs/. Exit status 0 when everything passed, 1 otherwise, with one line
per failure naming the file, the line and the link.
"""
import os
import re
import sys

README_MAX_LINES = 250

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HTML_ATTR = re.compile(r"\b(?:src|href)\s*=\s*\"([^\"]*)\"")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def prose_lines(text):
    """(line number, line) for every line outside fenced code, inline code blanked."""
    fence = None
    for n, line in enumerate(text.split("\n"), 1):
        m = FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif m.group(1) == fence:
                fence = None
            continue
        if fence is not None:
            continue
        yield n, re.sub(r"(`+)(.+?)\1", lambda c: " " * len(c.group(0)), line)


def slug(heading):
    """The anchor GitHub gives a heading: its text as rendered, lower case, with
    punctuation dropped and spaces turned into hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: their text
    text = re.sub(r"<[^>]+>", "", text)                          # inline HTML
    text = text.replace("`", "")
    text = text.strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in "-_ ")
    return text.replace(" ", "-")


def anchors(path, cache={}):
    """The set of heading slugs of a Markdown file (duplicates numbered as GitHub does)."""
    if path not in cache:
        seen, out = {}, set()
        with open(path, encoding="utf-8") as f:
            text = f.read()
        fence = None
        for line in text.split("\n"):
            m = FENCE.match(line)
            if m:
                if fence is None:
                    fence = m.group(1)
                elif m.group(1) == fence:
                    fence = None
                continue
            if fence is not None:
                continue
            h = HEADING.match(line)
            if not h:
                continue
            s = slug(h.group(2))
            k = seen.get(s, 0)
            seen[s] = k + 1
            out.add(s if k == 0 else "%s-%d" % (s, k))
        cache[path] = out
    return cache[path]


def links(text):
    """(line number, target) for every link outside code."""
    for n, line in prose_lines(text):
        for m in INLINE.finditer(line):
            yield n, m.group(1)
        m = REFDEF.match(line)
        if m:
            yield n, m.group(1)
        for m in HTML_ATTR.finditer(line):
            yield n, m.group(1)


def check_link(root, doc, target):
    """None when `target`, written in `doc`, resolves; otherwise why not."""
    if SCHEME.match(target):
        return None
    path, _, anchor = target.partition("#")
    if path.startswith("/"):
        return "a path from / does not resolve in a clone; write it relative to the file"
    if path:
        dest = os.path.realpath(os.path.join(os.path.dirname(doc), path))
        if os.path.commonpath([dest, root]) != root:
            return "leaves the repository"
        if not os.path.exists(dest):
            return "no such file in the repository"
    else:
        dest = doc
    if anchor:
        if not dest.endswith(".md") or os.path.isdir(dest):
            return None
        if anchor not in anchors(dest):
            return "no heading with the anchor #%s in %s" % (anchor, os.path.relpath(dest, root))
    return None


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split("\n")[2], file=sys.stderr)
        return 2
    root = os.path.realpath(sys.argv[1])
    docs = [os.path.join(root, "README.md"), os.path.join(root, "CONTRIBUTING.md")]
    docs_dir = os.path.join(root, "docs")
    if os.path.isdir(docs_dir):
        docs += sorted(os.path.join(docs_dir, f) for f in os.listdir(docs_dir) if f.endswith(".md"))
    failures, count = [], 0
    for doc in docs:
        rel = os.path.relpath(doc, root)
        if not os.path.isfile(doc):
            failures.append("%s: missing" % rel)
            continue
        with open(doc, encoding="utf-8") as f:
            text = f.read()
        for n, target in links(text):
            count += 1
            why = check_link(root, doc, target)
            if why:
                failures.append("%s:%d: (%s): %s" % (rel, n, target, why))
    with open(docs[0], encoding="utf-8") as f:
        lines = f.read().count("\n")
    if lines > README_MAX_LINES:
        failures.append("README.md: %d lines, more than %d: move the detail into docs/"
                        % (lines, README_MAX_LINES))
    for line in failures:
        print("FAIL " + line)
    print("%d files, %d links, README.md %d lines: %s"
          % (len(docs), count, lines, "%d failures" % len(failures) if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
