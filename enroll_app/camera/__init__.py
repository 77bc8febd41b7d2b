"""Frame sources (webcam, video or image folder, a terminal's photo endpoint) and capture."""
