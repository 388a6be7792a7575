"""Goals and sub-goals at organisation and unit level (mål och delmål), with targets over time."""
