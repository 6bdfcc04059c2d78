"""Static write-pattern lint for pipeline code (`pipeval lint`): AST rules, one parse per file.

`engine` finds and scans files, `source` indexes one parsed file, `resolve` follows local
aliases, `sqltext` recovers built SQL, `writes` knows the BigQuery client's write calls, and
`rules/` holds one class per rule. The `lint.<rule>` checks live in `pipeval.checks.lint`.
"""
