# Cases of `parse-error`, made by the engine (not a rule), run by tests/test_lint_cases.py.
# Each case starts at a `# case: <name>` line and is linted on its own, as a file of its own.
# A line ending in `# hit` is where the one WARN finding must point; a case without marks
# parses and gives none. Unreadable files (FIFOs, /dev/zero, NUL bytes, 100,000-deep
# expressions) are built by tests/test_lint_engine.py, as they cannot be written here.

# case: a half-edited signature
def log(client, row:  # hit
    client.query("SELECT 1")

# case: Python 2 print statement
print "done"  # hit

# case: a merge conflict marker
def flush(rows):
<<<<<<< HEAD  # hit
    write(rows)

# case: an unterminated string
client.query("SELECT * FROM t)  # hit

# case: an indentation error in a method
class Writer:
    def write(self):
        pass
      def flush(self):  # hit
        pass

# case: valid code with writes in it
def flush(client, rows, table_id):
    client.load_table_from_json(rows, table_id).result()

# case: a match statement parses
match command:
    case "flush":
        flush()

# case: a walrus in a comprehension parses
rows = [y for x in data if (y := x.get("row"))]

# case: an empty file
