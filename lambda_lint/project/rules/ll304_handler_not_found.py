"""LL304 handler-not-found."""

from __future__ import annotations

from typing import Any


class HandlerNotFound:
    """The template's `Handler` names no module or function under its code folder.

    ## What it catches
    A Python function whose `Handler` (`mod.func`, `pkg/mod.func`, `pkg.mod.func`; SAM
    Globals apply) does not resolve under its local `CodeUri` (SAM) or `Code` folder
    (CloudFormation): the module file is missing, the function is not defined in it, or the
    value is not `module.function` at all. The code must be known for that: nothing is said
    when it is not local (an S3 URI, a `.zip` or other built archive, a folder that does not
    exist or holds no Python yet), for inline code, or when the function runs no Python
    handler module (another or a custom runtime such as `provided.al2023`, a container image
    `PackageType: Image`, the Lambda Web Adapter's `AWS_LAMBDA_EXEC_WRAPPER`, an executable
    `Handler: run.sh`), or for a `Handler` whose value is not known statically (a parameter
    without a default, a Terraform `for_each` key).

    ## Why it matters
    Every invocation fails with `Runtime.ImportModuleError` or `Runtime.HandlerNotFound`. A
    deploy succeeds, and then every event is retried and dead-lettered (or lost), billing
    each cold start until someone reads the logs.

    ## Example
    ```yaml
    CodeUri: src/
    Handler: app.lambda_handler   # src/app.py defines `handler`
    ```

    ## Fix
    Point `Handler` at the module path (relative to `CodeUri`, dots or slashes for packages)
    and the function name as defined in the code.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html
    - https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-handler
    """

    code = "LL304"

    @staticmethod
    def _not_a_python_entry(fn: Any, handler: Any) -> bool:
        """The runtime does not import ``Handler`` as module.function: a wrapper script runs
        first (Lambda Web Adapter's ``AWS_LAMBDA_EXEC_WRAPPER``, whose ``Handler`` is the
        start-up script, e.g. ``run.sh``), or the value names a script, not a module."""
        try:
            env = fn.environment()
        except Exception:  # noqa: BLE001 - an odd Environment is just unknown
            env = {}
        if "AWS_LAMBDA_EXEC_WRAPPER" in env:
            return True
        if not isinstance(handler, str):
            return True  # a Handler that does not resolve (a parameter, a for_each key) is unknown, not wrong
        return isinstance(handler, str) and handler.strip().endswith((".sh", ".bash", ".js", ".mjs", ".rb"))
    name = "handler-not-found"
    severity = "error"
    summary = "the Handler does not resolve to a module and function under CodeUri/Code"

    def check(self, project: Any, out: Any) -> None:
        import os

        from lambda_lint.project.rules._common import key_pos, literal

        ctx = project.ctx
        for lid, fn in project.model.functions.items():
            st = ctx.status.get(lid)
            if st is None or not st.explicit or st.state not in ("missing-module", "missing-function", "bad-handler"):
                continue
            handler = literal(project.model, fn.handler)
            if self._not_a_python_entry(fn, handler):
                continue
            folder = os.path.relpath(st.code_dir, ctx.folder) if st.code_dir else "."
            folder = folder.replace(os.sep, "/")
            if st.state == "missing-module":
                what = f"no module {st.detail}.py (or {st.detail}/__init__.py) under {folder}/"
            elif st.state == "missing-function":
                modpath = handler.rsplit(".", 1)[0].replace(".", "/") if isinstance(handler, str) else "?"
                what = f"{folder}/{modpath}.py defines no function {st.detail}"
            else:
                what = st.detail
            msg = (f"{lid}: Handler {handler} does not resolve: {what}; every invocation fails with "
                   f"Runtime.ImportModuleError and its events are retried and lost; fix the Handler or the code")
            line, col = key_pos(fn.props, "Handler", (fn.line, fn.column))
            out.template(self.code, line, col, msg, function=lid, anchor=f"LL304:{lid}/Handler")
