"""Energy insight: HTML reports with plots, sweeps and energy-optimal recommendations."""
