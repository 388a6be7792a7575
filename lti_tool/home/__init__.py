"""The landing page after a launch, and the course's people for instructors."""
