"""The submission template tree, ``init`` and ``package``."""
