"""DVC pipeline stages for the «В один клик» customer-activity project.

Each ``stages/<name>.py`` is a thin command-line wrapper (``python -m stages.<name>``) over pure
functions; code shared by several stages lives in ``stages/lib``.
"""
