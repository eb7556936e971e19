"""DVC pipeline stages for the «В один клик» customer-activity project.

Three floors: each ``stages/<name>.py`` wires one stage (``python -m stages.<name>``: read, call,
hand over, write); ``stages/lib`` computes (pure functions, no I/O, no drawing); ``stages/report``
presents (figures and generated reports). ``stages/io`` is the only code that touches disk, and
``stages/io/paths.py`` the only place a path is written.
"""
