"""Analyzer backends behind one interface, chosen by a URL-like string."""
