"""What the events say on each day: the timeline engine (per claimant, disputes, the baseline), a loaded dataset and
its disk cache, a settlement's history, and the exports of a day or a comparison.

May import: the base modules, controlmap.geo and controlmap.events.
"""
