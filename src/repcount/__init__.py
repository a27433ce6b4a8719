"""repcount: count repetitions and holds of a runner's hamstring circuit from video."""

__version__ = "0.1.0"
