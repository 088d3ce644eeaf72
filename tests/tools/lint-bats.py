#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
"""Find assertions in bats files that cannot fail.

bats runs a test with errexit, which ignores a failing command that is
not the last of an && list and one negated with !. So inside a test

    [ "$a" = 1 ] && [ "$b" = 2 ]     # a wrong $a passes
    ! grep -q x file                 # a match passes

check nothing unless they are the test's last command; write two
assertions, "... || { echo why; false; }", or "run ...; [ $status -ne 0 ]".
Prints FILE:LINE: TEXT for each and exits 1 if there is any.
"""
import re
import sys

CHAIN = re.compile(r'^\s*\[\[?.*\]\]?\s+&&\s+\[\[?.*\]\]?\s*(#.*)?$')
NEGATED = re.compile(r'^\s*!\s+\S')


def unquoted(line):
    """The line with the text of its quoted strings blanked out."""
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', '""', line)


def last_of_block(lines, i):
    """Is line i the last command before the closing brace of its block?"""
    for nxt in lines[i + 1:]:
        s = nxt.strip()
        if not s or s.startswith('#'):
            continue
        return s == '}'
    return True


def main(paths):
    bad = 0
    for path in paths:
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
        for i, raw in enumerate(lines):
            line = unquoted(raw)
            if line.rstrip().endswith(('\\', '&&', '||', '|')):
                continue
            if '||' in line:
                continue
            if (CHAIN.match(line) or NEGATED.match(line)) and \
                    not last_of_block(lines, i):
                print(f"{path}:{i + 1}: {raw.strip()}")
                bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
