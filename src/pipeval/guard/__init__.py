"""`pipeval guard`: the edit-time check behind the Claude Code PostToolUse hook.

`payload` reads the hook's JSON, `edits` finds the lines an edit wrote, `session` remembers
which warnings a session has already seen, `targets` decides what an edited file is to the
profile (pipeline code, a schema writer, a DDL file) and `check` lints it and runs the schema
checks it belongs to, without a warehouse. Everything here is stdlib until `check` runs, so a
hook on a file that is not pipeline code costs the interpreter's start-up and little more.
"""
