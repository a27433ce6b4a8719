"""Accuracy of the detectors on labelled clips: labels, metrics, the plain-peaks baseline, data sets."""
