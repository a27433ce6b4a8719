"""Sources, sinks and outputs.

Frames in (files, cameras, image folders, the latest-frame grabber) and files out (video,
JSON, CSV, plots), written atomically.
"""
