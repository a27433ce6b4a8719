"""Sessions over the detectors.

The circuit state machine, plan parsing, the single-exercise session, history, setup guidance
and the analysis record both ``analyze`` and ``live`` write.
"""
