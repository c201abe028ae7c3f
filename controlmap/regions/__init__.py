"""A region built with one command: its pinned inputs vendored, its geometry built, its 2014 line read from the first
archived map, and both map archives imported for its settlements (python -m controlmap region build).

May import: the base modules, controlmap.geo, controlmap.events and controlmap.areas.
"""
