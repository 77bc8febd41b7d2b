"""enroll-station: a desktop enrollment station for LAN face-recognition access terminals."""

__version__ = "0.1.0"
