"""Groups of colleagues, live sessions with attendance, and collegial learning cycles."""
