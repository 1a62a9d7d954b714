"""The code + template rules (LL3xx), one module a rule."""

RULE_CLASSES: list = []
