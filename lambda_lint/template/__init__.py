"""Layer 2: SAM/CloudFormation templates. Entry point: :func:`lint_template`.

Not implemented yet (issue 4). The contract the engine relies on:

    lint_template(source: bytes, path: str, *, enabled: frozenset[str], reporter: Reporter,
                  options: Mapping[str, Any], rules: list[TemplateRule]) -> TemplateModel

raises ParseFailure when the file cannot be loaded (the engine makes it LL001). The model
exposes ``resource_lines`` {logical_id: line} and ``resource_ignores`` {logical_id:
frozenset(codes)} for suppressions.
"""
