"""Layer 4, the run: discovery, planning, the session, one worker pool for the per-file and
the join phases, the results cache and the rule registry. Entry point:
:func:`lambda_lint.run.engine.run`. Nothing is imported here, so ``lambda-lint --version``
stays cheap."""
