"""Every on-disk format joulekit reads or writes: one module per format, no I/O beyond files."""
