"""Imports every resource module so that its handlers register on the LRS routes."""
