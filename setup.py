"""Only what pyproject.toml cannot say: the optional C accelerator of the business calendar.

``optional=True``: without a C compiler the install still succeeds and pacta.domain.calendar
runs in pure Python (same answers, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pacta.domain._timeline",
            ["pacta/domain/_timeline.c"],
            optional=True,
            # No fused multiply-add: the C code must round exactly as the Python code does.
            extra_compile_args=["-O2", "-ffp-contract=off"],
        )
    ]
)
