"""Dated control-area maps → events: presets that say how a publisher's maps are read, the fenced reader every layer
file goes through, the import of a map series with its flicker rule, and one uploaded layer checked like a CSV.

May import: the base modules, controlmap.geo and controlmap.events.
"""
