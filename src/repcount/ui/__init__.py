"""What the user sees and hears: annotators drawn over frames, the window, console tables and audio cues."""
