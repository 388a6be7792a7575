"""Who leads whom: organisation leaders, unit leaders (rektorer) and mentors."""
