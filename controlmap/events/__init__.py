"""The event format: reading any file people produce, validating it row by row (problems as data), planning a merge,
and storing the event file safely (lock, atomic writes, history, undo); the editor secret and its throttle.

May import: the base modules and controlmap.geo (the gazetteer names a row's settlement).
"""
