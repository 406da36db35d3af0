"""The list policy: what a weekly list shows and in which order, defined once.

Read by the Scorer, the weekly lists, every API response and export, and the office pages.
"""
