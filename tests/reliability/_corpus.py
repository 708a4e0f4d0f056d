"""A corpus of hostile paths: every invalid form of CONTRACT §1 and valid look-alikes."""

from __future__ import annotations


def invalid_paths() -> list[str]:
    """Paths every backend must refuse with ``ValueError`` before any I/O."""
    paths = ["", "/", "//", "/a", "a/", "/a/", "a//b", "a///b", "./a", "a/.", "a/./b"]
    paths += [".", "..", "../a", "a/..", "a/../b", "../../etc/passwd", "../..", "a/b/../../.."]
    paths += ["/etc/passwd", "//server/share", "a/b/", "a/./", "./", "../"]
    paths += ["\\", "a\\b", "..\\a", "C:\\Windows", "\\\\server\\share", "a/b\\..\\c"]
    paths += ["a\\", "\\a", "%2e%2e\\x"]
    for code in [*range(0x20), 0x7F]:
        char = chr(code)
        paths += [char, f"a{char}b", f"dir/{char}", f"{char}/x"]
    paths += ["a\x00.txt", "a\x00/../../etc/passwd", "a\r\nSET x y", "a\nb", "x\x1b[31m"]
    paths += ["\ud800", "a\udfffb", "dir/\udc80"]
    paths += ["a" * 1025, "é" * 513, "/".join(["abc"] * 257), ("a" * 255 + "/") * 4 + "a" * 9]
    paths += ["b" * 256, "d/" + "c" * 256, "é" * 128, "x/" + "é" * 128, "😀" * 64]
    return list(dict.fromkeys(paths))


def valid_paths() -> list[str]:
    """Valid names that look hostile: stored and listed literally everywhere.

    No name is the prefix (``a`` of ``a/b``) of another, so the set also fits a disk.
    """
    paths = ["..%2f", "%2e%2e", "%2e%2e%2f", "%2F", "a%2fb", "%00", "%", "%%", "%zz"]
    paths += ["...", "....", ". .", ".a", "a.", "a..", "..a", "x/...", "x/....", "x/.hidden"]
    paths += [
        "\uff0e\uff0e",
        "\uff0e",
        "x/\uff0e\uff0e/y",
        "\u2024\u2024",
        "\u2025",
        "\u2026",
        "\uff0e\uff0f",
    ]
    paths += ["C:x", "C:", "c:/x", "C:y/z", "CON", "PRN", "AUX", "NUL", "COM1", "LPT1"]
    paths += ["con.txt", "nul.tar.gz", "CONIN$", "CONOUT$", "com¹", "LPT9.log"]
    paths += [" ", "  ", " lead", "trail ", "mid dle", "tab\u00a0nbsp", "\u3000ideo"]
    paths += ["*", "**", "?", "[", "]", "[]", "[!]", "[a-z]", "{a,b}", "{", "}", "{}"]
    paths += ["a*b", "a?b", "a[1]b", "b[[]1]", "!neg", "^caret", "$HOME", "$(id)", "`id`"]
    paths += ["k:v", "k::v", ":", "::", "a:b:c", "x:{y}", "{tag}:z", "{}{}", "}{"]
    paths += ["#frag", "q?x=1", "&amp", "'quote'", '"dq"', "<lt>", "|pipe", ";semi"]
    paths += ["~", "~root", "-rf", "--", "@at", "+plus", "=eq", ",comma"]
    paths += ["é", "e\u0301", "É", "Ω", "ß", "SS", "ﬃ", "İ", "\u0131", "日本語", "עברית"]
    paths += ["\u202eevil", "zero\u200bwidth", "\ufeffbom", "\u2028ls", "\u2029ps"]
    paths += ["\u0085nel", "\u0080c1", "\u009fc1", "\ufffd", "\U0001f600", "\U0010ffff"]
    paths += ["A", "a", "Aa", "aA", "AA"]
    paths += ["n/" + "y" * 255, "m/" + "é" * 127, "p/" + "😀" * 63]
    paths += ["deep/" * 100 + "leaf", "/".join("s" * 3 for _ in range(200))]
    paths += [("q" * 254 + "/") * 4 + "q" * 4]  # exactly 1024 bytes
    paths += ["white space/dir name/file name.txt", "dots.../x", "x/y.", "x/y.."]
    paths += ["aiofs", ".aiofs/locks/x", ".aiofs\u00a0", "__aiofs__", "..aiofs"]
    paths += [f"many/{i:03d}" for i in range(40)]
    return list(dict.fromkeys(paths))
