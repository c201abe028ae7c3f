"""Where settlements are: the gazetteer, their names and how a name is resolved, and the geometry (points, cells,
boundaries, the borders between cells) built from pinned public sources.

May import: the package's base modules (model, limits, paths, text, digest, csvtext). Nothing else of the package.
"""
