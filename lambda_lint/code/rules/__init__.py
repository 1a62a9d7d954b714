"""The handler-code rules (LL1xx), one module a rule. Order here is registration order."""

RULE_CLASSES: list = []
