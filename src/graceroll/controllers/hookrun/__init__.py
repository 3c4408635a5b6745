"""The HookRun controller (``bcs-hook-operator``): runs each metric's
measurements on the injected clock, assesses them, and writes the run's phase.

Pure pieces: ``schedule`` (when the next measurement is due, and what a metric's results add up
to), ``expr`` (the condition language), ``jsonpath`` and ``template`` (args); ``providers`` make
one measurement through an injectable ``fetch.Fetcher``; ``controller`` writes.
"""
