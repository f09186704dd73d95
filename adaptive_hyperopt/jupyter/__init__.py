"""The Jupyter side: the live dashboard (anywidget + bqplot) and the %hyperopt magics.

Nothing here is imported by the core; Jupyter packages are imported lazily.
"""

from ._dashboard import Dashboard, display_dashboard

__all__ = ["Dashboard", "display_dashboard"]
