"""Sources of fields: the plugin interface and the built-in sources."""

from fc_datasets.sources.base import FILTERS, SOURCES, BuildContext, Filter, Source

__all__ = ["FILTERS", "SOURCES", "BuildContext", "Filter", "Source"]
