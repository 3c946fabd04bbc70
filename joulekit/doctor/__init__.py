"""Preflight checks of ``joulekit doctor``: each a small function returning a result.

Run on the director host from the ``server.conf`` the director will read, and on the
SUT host from the options the client will get, so that what fails here is exactly what
would fail in the real run — minutes before it instead of hours into it.
"""

from joulekit.doctor.options import DoctorOptions
from joulekit.doctor.plan import run_doctor
from joulekit.doctor.result import CheckResult, Status, exit_code

__all__ = ["CheckResult", "DoctorOptions", "Status", "exit_code", "run_doctor"]
