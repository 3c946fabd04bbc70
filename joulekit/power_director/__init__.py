"""The power director: protocol v3, sessions, analyzers and the PTDaemon simulator."""
