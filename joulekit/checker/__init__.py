"""Checks as named rules, the runner and the reports."""
